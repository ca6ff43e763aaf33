#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/server/framing.hpp"
#include "http/server/request_handler.hpp"

namespace agg {

/// How the front serves connections; from the options of the same names.
struct front_settings {
  size_t max_connections = 4096; ///< Past it a new connection gets too_many_connections().
  size_t warm_threads = 64;      ///< Worker threads kept while idle (--http-threads).
  std::chrono::milliseconds idle_timeout{75000};   ///< Between requests (--idle-timeout-ms, same default).
  std::chrono::milliseconds header_timeout{10000}; ///< From a head's first byte to its end.
  std::chrono::milliseconds io_timeout{10000};     ///< Per read or write once a request began.
  std::chrono::milliseconds linger{2000}; ///< Reading what a client still sends after "close".
  size_t max_body_bytes = 16u << 20;      ///< Larger bodies get 413 and the connection closes.
  size_t drain_bytes = 64u << 10; ///< An early answer reads (and drops) a body up to this.
  size_t keep_alive_requests = 1000; ///< The last request a connection may carry says close.
  head_limits head;
  std::string tls_cert; ///< PEM chain; empty: plain HTTP.
  std::string tls_key;
  size_t loop_threads = 1; ///< Threads of the event loop.
};

/// The HTTP/1.1 front: accepts every connection (plain or TLS), frames every request with
/// one parser (Boost.Beast's, plus the checks in framing.hpp), runs it through the
/// request_handler (on the loop thread or a worker) and writes the answers in order. An
/// idle connection costs a socket, a timer and a few hundred bytes, never a thread.
class http_front {
public:
  http_front(front_settings settings, request_handler& handler);
  ~http_front();
  http_front(const http_front&) = delete;
  http_front& operator=(const http_front&) = delete;

  /// Binds `host:port` (0: any free port) and starts serving; the bound port, or 0 with
  /// `error` saying why (a busy port, a TLS file that cannot be loaded).
  uint16_t start(const std::string& host, uint16_t port, std::string& error);

  /// Stops accepting and closes idle connections at once; requests in progress get their
  /// answer (with Connection: close), then every thread is joined.
  void stop();

  /// False once the loop has ended.
  bool running() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace agg
