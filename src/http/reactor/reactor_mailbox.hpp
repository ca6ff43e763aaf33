#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "bridge/publish_ticket.hpp"

namespace agg {

/// What other threads hand the publish reactor's loop (accepted sockets, publish outcomes, a
/// stop request), behind a mutex, with an eventfd that wakes the loop. Publish callbacks hold
/// it by shared_ptr: one may run after the reactor is gone, and then posts into a closed box.
class reactor_mailbox {
public:
  struct adoption {
    int fd;
    std::function<void()> serve;
  };
  struct outcome {
    uint64_t connection; ///< The reactor's id of the connection.
    uint64_t request;    ///< Which of its requests this answers.
    publish_outcome result;
  };
  struct contents {
    std::vector<adoption> adopted;
    std::vector<outcome> finished;
    bool stop = false;
  };

  /// Throws std::runtime_error when no eventfd can be made.
  reactor_mailbox();
  ~reactor_mailbox();
  reactor_mailbox(const reactor_mailbox&) = delete;
  reactor_mailbox& operator=(const reactor_mailbox&) = delete;

  /// The descriptor the loop polls; readable when something was posted.
  int wake_fd() const { return wake_; }

  void adopt(int fd, std::function<void()> serve);
  void deliver(outcome done);
  void request_stop();

  /// For the loop: clears the wake-up first, then takes everything posted so far, so that
  /// anything posted after it wakes the loop again.
  contents take();

  /// For the loop as it ends: whatever is posted later is dropped.
  void close();

private:
  template <class F>
  void post(F&& put);

  std::mutex mutex_;
  contents queued_;
  bool closed_ = false;
  int wake_ = -1;
};

} // namespace agg
