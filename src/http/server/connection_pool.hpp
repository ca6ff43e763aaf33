#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include <httplib.h>

#include "http/server/socket_adopter.hpp"

namespace agg {

/// How many connections the HTTP server serves at once, and on what threads.
struct connection_limits {
  size_t warm_threads = 64;      ///< Threads kept even when idle (--http-threads).
  size_t max_connections = 4096; ///< Open connections served; past it, refused (--max-connections).
  size_t refusal_threads = 4;    ///< Threads that answer over-cap connections with a 503.
  size_t stack_bytes = size_t{256} << 10; ///< Per thread; a request needs far less (see .cpp).
  /// A thread beyond warm_threads that waited this long for a connection exits.
  std::chrono::milliseconds surplus_idle_exit{5000};
  /// From the moment a connection may start a request (accepted, or its previous answer
  /// written) until that request's headers are read; past it the connection is closed.
  std::chrono::milliseconds header_deadline{12000};
  /// The same for a connection past the cap, which only gets its 503.
  std::chrono::milliseconds refusal_deadline{1000};
};

/// cpp-httplib's task queue, elastic: one thread per open connection (httplib serves a
/// connection, keep-alive included, on one thread), started when no idle thread is left,
/// up to `max_connections`. Connections past the cap run on a few refusal threads where
/// the server answers 503 too_many_connections and closes. A watchdog closes connections
/// whose request headers take longer than the header deadline (slow clients).
class connection_pool final : public httplib::TaskQueue {
public:
  /// With `adopters` > 0, accepted sockets go to that many adopters made by `make_adopter`
  /// (round robin), which serve what they can and hand the rest back to connection threads.
  explicit connection_pool(connection_limits limits, socket_adopter::factory make_adopter = {},
                           size_t adopters = 0);
  ~connection_pool() override;

  connection_pool(const connection_pool&) = delete;
  connection_pool& operator=(const connection_pool&) = delete;

  /// Runs `fn` (httplib's "serve this accepted socket") on a connection thread, or on a
  /// refusal thread when the cap is reached.
  void enqueue(std::function<void()> fn) override;
  /// Waits for every connection to end and every thread to exit.
  void shutdown() override;

  /// For the pre-routing hook, once a request's headers are read: stops this connection's
  /// header deadline; true when the connection is over the cap and must be answered 503.
  static bool headers_read();
  /// For the logger, once an answer is written: restarts the header deadline, or after a
  /// refusal closes the sending side so the connection ends.
  static void answer_written();

private:
  struct connection;
  struct job {
    std::function<void()> serve;
    int socket = -1; ///< The accepted socket when known (see accepted_socket.hpp), else -1.
  };

  /// The connection this thread serves, if it is one of ours.
  static thread_local connection* current_;

  bool start_thread(bool refusal);
  void connection_thread();
  void refusal_thread();
  void run(job& j, bool refused);
  /// From the reactor: serves a connection it handed back on a thread (already counted).
  void serve_handed_off(int fd, std::function<void()> serve);
  /// From the reactor: a connection it held has ended.
  void reactor_connection_closed();
  void watchdog();

  const connection_limits limits_;

  std::mutex mutex_;
  std::condition_variable work_;         ///< A job for a connection thread, or stopping.
  std::condition_variable refusal_work_; ///< A job for a refusal thread, or stopping.
  std::condition_variable exited_;       ///< A thread ended.
  std::deque<job> jobs_;
  std::deque<job> refusals_;
  size_t connections_ = 0; ///< Accepted under the cap: queued or being served.
  size_t threads_ = 0;     ///< Connection threads alive.
  size_t idle_ = 0;        ///< Connection threads waiting for a job.
  size_t refusal_threads_ = 0;
  bool refusing_logged_ = false; ///< One WARN per episode of refusals, not one per connection.
  bool stopping_ = false;

  std::mutex live_mutex_; ///< Guards live_; the watchdog only touches connections in it.
  std::unordered_set<connection*> live_;
  std::condition_variable watchdog_wake_;
  bool watchdog_stop_ = false; ///< Guarded by live_mutex_.
  std::thread watchdog_;

  /// Last: constructed once the pool it calls back into is complete, destroyed first.
  std::vector<std::unique_ptr<socket_adopter>> reactors_;
  size_t next_reactor_ = 0; ///< Round robin over reactors_; guarded by mutex_.
};

} // namespace agg
