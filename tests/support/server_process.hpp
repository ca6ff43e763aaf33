#pragma once

#include "support/http_reply.hpp"
#include "support/temp_dir.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace agg::test {

/// How a child process ended.
struct exit_status {
  bool exited = false;                  ///< It called exit(); `code` holds the status.
  int code = -1;                        ///< The exit code when `exited`.
  bool signaled = false;                ///< A signal ended it; `signal` holds which.
  int signal = 0;                       ///< The terminating signal when `signaled`.
  bool timed_out = false;               ///< It outlived the deadline and was SIGKILLed.
  std::chrono::milliseconds elapsed{0}; ///< From the signal (or the start) to reaping it.

  /// "exited with 0 after 12 ms", "killed by signal 9", ...
  std::string describe() const;
};


/// Sets the binary that server_process and run_server_binary start.
void set_server_binary(const std::string& path);
/// The binary set by set_server_binary; throws std::logic_error when none was set.
const std::string& server_binary();

#ifdef AGG_SERVER_BINARY
// CMake defines AGG_SERVER_BINARY for integration_tests only, not for this library's own
// sources: every test file that includes this header registers the same path once.
namespace detail {
inline const bool server_binary_registered = (set_server_binary(AGG_SERVER_BINARY), true);
}
#endif

/// Options for one server process beyond host, port and data dir.
struct server_options {
  std::vector<std::string> extra_args; ///< Appended after --data-dir, e.g. {"--max-events", "3"}.
  /// RLIMIT_FSIZE soft limit for the child (hard stays unlimited), to fake a full disk.
  std::optional<rlim_t> file_size_limit;
  /// Environment variables set (or replaced) in the child, e.g. {"EVENT_AGGREGATOR_SHARDS", "2"}.
  std::vector<std::pair<std::string, std::string>> env;
  // New members go last: tests build this struct positionally.
  /// RLIMIT_NOFILE for the child, soft and hard alike (so the server cannot raise it).
  std::optional<rlim_t> open_file_limit{};
};

/// The real event-aggregator binary (server_binary()) on a free port and a private
/// temp data dir; stdout/stderr go to `log_path()`.
class server_process {
public:
  explicit server_process(std::vector<std::string> extra_args = {});
  explicit server_process(server_options options);
  /// SIGKILLs the child if it still runs.
  ~server_process();

  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  /// Spawns the binary and polls GET /healthz until 200; throws with the log tail on failure.
  void start();
  /// Sends `sig`, reaps the child, SIGKILLs it if it outlives `deadline`.
  exit_status stop_with(int sig, std::chrono::milliseconds deadline = std::chrono::seconds(10));
  /// SIGKILLs the child and reaps it.
  exit_status kill9();
  /// Stops a running child with SIGTERM (throws unless it exits 0), then start() on the same data.
  void restart();
  /// True while the child has not been reaped.
  bool running();

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  const std::filesystem::path& log_path() const { return log_path_; }
  /// The last `max_bytes` of the server log.
  std::string log_tail(size_t max_bytes = 4000) const;

  /// True when the extra args hold --tls-cert: the server speaks HTTPS, and client() and the
  /// start-up health poll use it (without verifying the certificate).
  bool uses_tls() const;
  /// A client for this server: 30 s timeouts, paths sent exactly as given (no re-encoding).
  httplib::Client client() const;
  reply get(const std::string& path) const;
  /// The value of header `name` in the answer to GET `path`, byte for byte as the server
  /// sent it ("" if absent); httplib's client would URL-decode it.
  std::string raw_header(const std::string& path, const std::string& name) const;
  reply post(const std::string& path, const std::string& body,
             const std::string& content_type = "application/json") const;
  reply post_json(const std::string& path, const nlohmann::json& body) const;
  /// Any method ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS").
  reply send(const std::string& method, const std::string& path,
             const std::string& body = "") const;
  /// GET /stats parsed; throws unless 200 with a JSON body.
  nlohmann::json stats() const;
  /// Changes the running child's RLIMIT_FSIZE soft limit (RLIM_INFINITY lifts it).
  void set_file_size_limit(rlim_t limit);
  /// Sets (or replaces) a variable of the child's environment from the next start() on,
  /// e.g. the power-cut harness's, which name data_dir().
  void set_env(const std::string& name, const std::string& value);

private:
  enum class outcome { healthy, exited, timed_out };
  void spawn();
  outcome wait_healthy(std::chrono::milliseconds deadline);
  std::optional<exit_status> try_reap();
  httplib::Client connect() const; ///< http:// or https:// as the server speaks, no settings.

  server_options options_;
  temp_dir dir_;
  std::filesystem::path data_dir_;
  std::filesystem::path log_path_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  exit_status last_exit_;
};

/// What a run of the binary to completion printed and how it ended.
struct run_result {
  exit_status status;
  std::string output; ///< stdout and stderr interleaved.
};

/// Runs server_binary() with exactly `args` until it exits (SIGKILL after `deadline`), with
/// `env` added to the test's environment.
run_result run_server_binary(const std::vector<std::string>& args,
                             std::chrono::milliseconds deadline = std::chrono::seconds(10),
                             const std::vector<std::pair<std::string, std::string>>& env = {});

/// A port that was free a moment ago on 127.0.0.1 (bind to port 0, read it, close).
uint16_t pick_free_port();


} // namespace agg::test
