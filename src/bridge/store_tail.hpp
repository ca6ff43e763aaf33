#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include <caf/expected.hpp>

#include "actors/commit_listener.hpp"
#include "storage/store_readers.hpp"

namespace agg {

/// Feeds subscribers from a store that other replicas write too: a thread polls for the
/// events after the last one it passed on and hands them to the listener in seq order, so
/// a subscriber on any replica sees every replica's events. It replaces the writer's own
/// announcements for such a store (two sources could not keep one seq order).
class store_tail {
public:
  /// Starts polling `readers` every `interval`, beginning after the newest event stored now.
  static caf::expected<std::unique_ptr<store_tail>>
  start(std::shared_ptr<store_readers> readers, std::shared_ptr<commit_listener> listener,
        std::chrono::milliseconds interval);

  /// Stops the thread and waits for it.
  ~store_tail();

  store_tail(const store_tail&) = delete;
  store_tail& operator=(const store_tail&) = delete;

private:
  store_tail(std::shared_ptr<store_readers> readers, std::shared_ptr<commit_listener> listener,
             std::chrono::milliseconds interval, int64_t last);

  void run();

  // One poll: passes on everything after last_; false when the store could not be read.
  bool poll(event_reader& reader);

  std::shared_ptr<store_readers> readers_;
  std::shared_ptr<commit_listener> listener_;
  std::chrono::milliseconds interval_;
  int64_t last_; ///< The seq of the last event passed on (or skipped while nobody listened).
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_; ///< Last: starts once every other member is set.
};

} // namespace agg
