#include "http/server/worker_pool.hpp"

#include <pthread.h>

namespace agg {

namespace {

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

worker_pool::worker_pool(limits l) : limits_(l) {
  std::lock_guard<std::mutex> lock{mutex_};
  for (size_t i = 0; i < limits_.warm; ++i)
    start_thread();
}

worker_pool::~worker_pool() {
  shutdown();
}

// Detached threads with a small stack: 1000 streams at glibc's default 8 MiB would reserve
// 8 GiB of address space. Each thread counts itself, so shutdown() can wait for all.
bool worker_pool::start_thread() {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, limits_.stack_bytes * stack_factor);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t id;
  int rc = pthread_create(
    &id, &attr,
    [](void* self) -> void* {
      static_cast<worker_pool*>(self)->thread_main();
      return nullptr;
    },
    this);
  pthread_attr_destroy(&attr);
  if (rc != 0)
    return false;
  ++threads_;
  return true;
}

void worker_pool::run(std::function<void()> job) {
  std::lock_guard<std::mutex> lock{mutex_};
  jobs_.push_back(std::move(job));
  // When no thread can be started the job waits for a busy one.
  if (idle_ < jobs_.size() && threads_ < limits_.max)
    start_thread();
  work_.notify_one();
}

void worker_pool::thread_main() {
  std::unique_lock<std::mutex> lock{mutex_};
  for (;;) {
    ++idle_;
    bool woke = work_.wait_for(lock, limits_.surplus_idle_exit,
                               [this] { return !jobs_.empty() || stopping_; });
    --idle_;
    if (jobs_.empty()) {
      if (stopping_ || (!woke && threads_ > limits_.warm))
        break;
      continue;
    }
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    job = nullptr; // what it captured goes now, not after the next wait
    lock.lock();
  }
  --threads_;
  exited_.notify_all();
}

void worker_pool::shutdown() {
  std::unique_lock<std::mutex> lock{mutex_};
  stopping_ = true;
  work_.notify_all();
  exited_.wait(lock, [this] { return threads_ == 0; });
}

} // namespace agg
