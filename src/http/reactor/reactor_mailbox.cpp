#include "http/reactor/reactor_mailbox.hpp"

#include <stdexcept>

#include <sys/eventfd.h>
#include <unistd.h>

namespace agg {

reactor_mailbox::reactor_mailbox() : wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (wake_ < 0)
    throw std::runtime_error("publish reactor: cannot create an eventfd");
}

reactor_mailbox::~reactor_mailbox() {
  ::close(wake_);
}

// Writes to the eventfd only when the queue was empty: a non-empty queue means a wake-up is
// pending already (take() reads the eventfd before it empties the queue). Under load many
// outcomes thus share one write and one wake-up.
template <class F>
void reactor_mailbox::post(F&& put) {
  bool wake_up = false;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    if (closed_)
      return;
    wake_up = queued_.adopted.empty() && queued_.finished.empty() && !queued_.stop;
    put();
  }
  if (wake_up) {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_, &one, sizeof(one));
  }
}

void reactor_mailbox::adopt(int fd, std::function<void()> serve) {
  post([&] { queued_.adopted.push_back({fd, std::move(serve)}); });
}

void reactor_mailbox::deliver(outcome done) {
  post([&] { queued_.finished.push_back(std::move(done)); });
}

void reactor_mailbox::request_stop() {
  post([&] { queued_.stop = true; });
}

reactor_mailbox::contents reactor_mailbox::take() {
  uint64_t count = 0;
  [[maybe_unused]] auto n = ::read(wake_, &count, sizeof(count));
  std::lock_guard<std::mutex> lock{mutex_};
  contents out;
  out.adopted.swap(queued_.adopted);
  out.finished.swap(queued_.finished);
  out.stop = queued_.stop;
  queued_.stop = false;
  return out;
}

void reactor_mailbox::close() {
  std::lock_guard<std::mutex> lock{mutex_};
  closed_ = true;
  queued_ = contents{};
}

} // namespace agg
