#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace agg {

/// Threads for requests that may block (SQLite reads, streams, large bodies): started on
/// demand up to a cap, with a small stack, the ones beyond `warm` exit after idling. The
/// connections themselves never hold a thread; only a request being served does.
class worker_pool {
public:
  struct limits {
    size_t warm = 64;       ///< Threads kept while idle (--http-threads).
    size_t max = 4096;      ///< Requests served at once; more wait in a queue.
    size_t stack_bytes = size_t{256} << 10; ///< A request's deepest path needs tens of KiB.
    std::chrono::milliseconds surplus_idle_exit{5000};
  };

  explicit worker_pool(limits l);
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  /// Runs `job` on a pool thread (at once when one is idle or can be started).
  void run(std::function<void()> job);

  /// Runs what is queued, then waits for every thread to exit.
  void shutdown();

private:
  bool start_thread(); // with mutex_ held
  void thread_main();

  const limits limits_;
  std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable exited_;
  std::deque<std::function<void()>> jobs_;
  size_t threads_ = 0;
  size_t idle_ = 0;
  bool stopping_ = false;
};

} // namespace agg
