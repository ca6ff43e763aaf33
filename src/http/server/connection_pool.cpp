#include "http/server/connection_pool.hpp"

#include <atomic>
#include <memory>
#include <string>

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.hpp"
#include "http/server/accepted_socket.hpp"

namespace agg {

namespace {

using clock_type = std::chrono::steady_clock;

constexpr int64_t no_deadline = INT64_MAX;

// How often the watchdog looks for connections past their header deadline: the deadline is
// seconds, so a fifth of one is precise enough and costs nothing.
constexpr std::chrono::milliseconds watchdog_tick{200};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch())
    .count();
}

// Sanitizers keep redzones and shadow frames on the stack: give them room.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t stack_factor = 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr size_t stack_factor = 4;
#else
constexpr size_t stack_factor = 1;
#endif
#else
constexpr size_t stack_factor = 1;
#endif

} // namespace

/// One connection being served, on its thread's stack.
struct connection_pool::connection {
  int watch_fd = -1;  ///< dup() of the socket: stays valid even after httplib closes its own.
  bool refused = false;
  std::chrono::milliseconds budget{0};
  std::atomic<int64_t> deadline{no_deadline};

  void arm() { deadline = now_ns() + std::chrono::nanoseconds(budget).count(); }
};

thread_local connection_pool::connection* connection_pool::current_ = nullptr;

connection_pool::connection_pool(connection_limits limits, socket_adopter::factory make_adopter,
                                 size_t adopters)
  : limits_(limits) {
  {
    std::lock_guard<std::mutex> lock{mutex_};
    for (size_t i = 0; i < limits_.warm_threads; ++i)
      start_thread(false);
    for (size_t i = 0; i < limits_.refusal_threads; ++i)
      start_thread(true);
  }
  watchdog_ = std::thread{[this] { watchdog(); }};
  if (make_adopter)
    for (size_t i = 0; i < adopters; ++i)
      reactors_.push_back(make_adopter(
        [this](int fd, socket_adopter::serve_fn serve) { serve_handed_off(fd, std::move(serve)); },
        [this] { reactor_connection_closed(); }));
}

connection_pool::~connection_pool() {
  shutdown();
}

// Called with mutex_ held. Threads are detached (surplus ones exit on their own) and get a
// small stack: a request's deepest path (JSON decoding to --max-depth, SQLite, the reply) uses
// a few tens of KiB, and 1000 threads at glibc's default 8 MiB would reserve 8 GiB of address
// space. Each thread counts itself in threads_/refusal_threads_, so shutdown() can wait for all.
bool connection_pool::start_thread(bool refusal) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, limits_.stack_bytes * stack_factor);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  auto* self = this;
  auto entry = refusal ? +[](void* p) -> void* {
    static_cast<connection_pool*>(p)->refusal_thread();
    return nullptr;
  }
                       : +[](void* p) -> void* {
                           static_cast<connection_pool*>(p)->connection_thread();
                           return nullptr;
                         };
  pthread_t id;
  int rc = pthread_create(&id, &attr, entry, self);
  pthread_attr_destroy(&attr);
  if (rc != 0)
    return false;
  ++(refusal ? refusal_threads_ : threads_);
  return true;
}

void connection_pool::enqueue(std::function<void()> fn) {
  job j{std::move(fn), take_accepted_socket()};
  std::lock_guard<std::mutex> lock{mutex_};
  if (!stopping_ && connections_ < limits_.max_connections) {
    // The reactor holds connections without a thread each; it needs the socket.
    if (!reactors_.empty() && j.socket >= 0) {
      ++connections_;
      refusing_logged_ = false;
      reactors_[next_reactor_++ % reactors_.size()]->adopt(j.socket, std::move(j.serve));
      return;
    }
    // A thread per connection: reuse an idle one, else start one. If the system will not
    // give us a thread, the connection is refused like one over the cap.
    if (idle_ > jobs_.size() || start_thread(false)) {
      ++connections_;
      refusing_logged_ = false;
      jobs_.push_back(std::move(j));
      work_.notify_one();
      return;
    }
  }
  if (!refusing_logged_) {
    refusing_logged_ = true;
    log_warning("connection limit reached (" + std::to_string(connections_)
                + " open, --max-connections " + std::to_string(limits_.max_connections)
                + "): answering new connections 503 too_many_connections");
  }
  // Past the cap each connection still costs a socket until a refusal thread answers it;
  // the refusal deadline keeps that short, and RLIMIT_NOFILE bounds how many can wait.
  refusals_.push_back(std::move(j));
  refusal_work_.notify_one();
}

void connection_pool::connection_thread() {
  std::unique_lock<std::mutex> lock{mutex_};
  for (;;) {
    ++idle_;
    bool woke = work_.wait_for(lock, limits_.surplus_idle_exit,
                               [this] { return !jobs_.empty() || stopping_; });
    --idle_;
    if (jobs_.empty()) {
      if (stopping_ || (!woke && threads_ > limits_.warm_threads))
        break;
      continue;
    }
    job j = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    run(j, false);
    lock.lock();
    --connections_;
  }
  --threads_;
  exited_.notify_all();
}

void connection_pool::refusal_thread() {
  std::unique_lock<std::mutex> lock{mutex_};
  for (;;) {
    refusal_work_.wait(lock, [this] { return !refusals_.empty() || stopping_; });
    if (refusals_.empty())
      break; // stopping
    job j = std::move(refusals_.front());
    refusals_.pop_front();
    lock.unlock();
    run(j, true);
    lock.lock();
  }
  --refusal_threads_;
  exited_.notify_all();
}

void connection_pool::run(job& j, bool refused) {
  connection c;
  c.refused = refused;
  c.budget = refused ? limits_.refusal_deadline : limits_.header_deadline;
  // httplib closes the socket when j.serve returns; the watchdog holds its own descriptor
  // of the same socket, so it can never shut down an unrelated socket that reused the number.
  c.watch_fd = j.socket >= 0 ? ::dup(j.socket) : -1;
  if (c.watch_fd >= 0) {
    c.arm();
    std::lock_guard<std::mutex> lock{live_mutex_};
    live_.insert(&c);
  }
  current_ = &c;
  j.serve();
  current_ = nullptr;
  if (c.watch_fd >= 0) {
    {
      std::lock_guard<std::mutex> lock{live_mutex_};
      live_.erase(&c);
    }
    ::close(c.watch_fd);
  }
}

void connection_pool::serve_handed_off(int fd, std::function<void()> serve) {
  std::unique_lock<std::mutex> lock{mutex_};
  if (idle_ > jobs_.size() || start_thread(false)) {
    jobs_.push_back(job{std::move(serve), fd});
    work_.notify_one();
    return;
  }
  // No thread to be had: the connection ends, as one refused for that reason would.
  --connections_;
  lock.unlock();
  ::close(fd);
}

void connection_pool::reactor_connection_closed() {
  std::lock_guard<std::mutex> lock{mutex_};
  --connections_;
}

bool connection_pool::headers_read() {
  if (!current_)
    return false;
  current_->deadline = no_deadline;
  return current_->refused;
}

void connection_pool::answer_written() {
  if (!current_)
    return;
  if (!current_->refused) {
    current_->arm();
    return;
  }
  // httplib 0.11.4 keeps a connection open after an answer that says "Connection: close";
  // ending our side makes the client see the end, and httplib's next read ends the loop.
  if (current_->watch_fd >= 0)
    ::shutdown(current_->watch_fd, SHUT_WR);
}

// Shutting a socket down wakes httplib's poll/recv on it with an end of file, so the
// connection's thread finishes its loop and closes the socket itself.
void connection_pool::watchdog() {
  std::unique_lock<std::mutex> lock{live_mutex_};
  while (!watchdog_wake_.wait_for(lock, watchdog_tick, [this] { return watchdog_stop_; })) {
    auto now = now_ns();
    for (auto* c : live_)
      if (c->deadline.load() < now) {
        c->deadline = no_deadline;
        ::shutdown(c->watch_fd, SHUT_RDWR);
      }
  }
}

void connection_pool::shutdown() {
  // First: it answers the publishes in flight, and may still hand connections to threads.
  for (auto& r : reactors_)
    r->stop();
  {
    std::unique_lock<std::mutex> lock{mutex_};
    stopping_ = true;
    work_.notify_all();
    refusal_work_.notify_all();
    // Queued jobs are served first (a connection thread only exits once jobs_ is empty).
    exited_.wait(lock, [this] { return threads_ == 0 && refusal_threads_ == 0; });
  }
  if (watchdog_.joinable()) {
    {
      std::lock_guard<std::mutex> lock{live_mutex_};
      watchdog_stop_ = true;
      watchdog_wake_.notify_all();
    }
    watchdog_.join();
  }
}

} // namespace agg
