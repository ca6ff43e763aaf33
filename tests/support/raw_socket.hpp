#pragma once

#include <chrono>
#include <cstdint>
#include <string>

// A TCP client socket (plain, or TLS over it) for tests that need what httplib's client
// hides: holding a connection idle, sending a request a byte at a time, seeing exactly when
// the server closes.

struct ssl_st;
struct ssl_ctx_st;

namespace agg::test {

/// One TCP connection to 127.0.0.1; closed when the object dies.
class raw_socket {
public:
  /// Connects (blocking), and with `tls` completes a TLS handshake that trusts any
  /// certificate (tests use throw-away ones); throws std::system_error on failure.
  explicit raw_socket(uint16_t port, bool tls = false);
  ~raw_socket();
  raw_socket(raw_socket&& other) noexcept;
  raw_socket& operator=(raw_socket&& other) noexcept;
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  /// Sends all of `bytes`; false when the peer has closed or reset the connection.
  bool send(const std::string& bytes);
  /// Reads one HTTP response (headers, then a Content-Length body); "" when the connection
  /// ends first or nothing complete arrives within `timeout`.
  std::string read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Waits up to `timeout` for the server to end the connection (end of file or reset),
  /// discarding anything it sends first; true when it did.
  bool wait_closed(std::chrono::milliseconds timeout);
  /// Ends the sending side (a half-close): the server reads an end of file after the bytes sent.
  void shutdown_send();
  /// True while the server has not ended the connection (checked without blocking, on the
  /// TCP level: over TLS, an unread close_notify still counts as open).
  bool open();

private:
  /// Reads some bytes into `buffered_` before `deadline`; false at the end, a reset or time.
  bool read_some(std::chrono::steady_clock::time_point deadline);
  /// Waits for `events` on the socket until `deadline`; false when time ran out.
  bool wait_for(short events, std::chrono::steady_clock::time_point deadline);
  void release();

  int fd_ = -1;
  ssl_ctx_st* ctx_ = nullptr; ///< With TLS only.
  ssl_st* ssl_ = nullptr;
  std::string buffered_; ///< Bytes read past the last response.
};

/// The status code of a raw HTTP response ("HTTP/1.1 503 ..."), or 0.
int response_status(const std::string& response);
/// The value of header `name` (case-insensitive) in a raw response, or "".
std::string response_header(const std::string& response, const std::string& name);
/// The body of a raw response.
std::string response_body(const std::string& response);

/// Raises this process's soft RLIMIT_NOFILE to the hard limit (and the hard limit to 8192 when
/// lower and allowed, as for root); returns the new soft limit. Children inherit it.
uint64_t raise_open_file_limit();

} // namespace agg::test
