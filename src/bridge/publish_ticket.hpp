#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>

#include <caf/error.hpp>

#include "core/part_sink.hpp"

namespace agg {

/// What one publish request came to once every shard resolved its part.
struct publish_outcome {
  uint64_t received = 0;
  uint64_t unique = 0;
  uint64_t duplicates = 0;
  caf::error error; ///< Set when any part failed: the request must not get a 200.
};

/// Fan-in of one request's parts: each shard reports once; the last report fulfils
/// the future the HTTP thread waits on. Dropping the ticket unfulfilled breaks the
/// promise, so a dead actor shows up as an error rather than a hang.
class publish_ticket final : public part_sink {
public:
  publish_ticket(size_t parts, uint64_t received);
  ~publish_ticket() override;

  publish_ticket(const publish_ticket&) = delete;
  publish_ticket& operator=(const publish_ticket&) = delete;

  /// Subtracts `n` from `counter` once every part is reported (after the commit, even when
  /// the requester stopped waiting: a timeout), or when the ticket dies unreported. So a count
  /// of events in flight keeps counting them while they still wait for the writer.
  void release_on_end(std::atomic<size_t>& counter, size_t n) {
    inflight_ = &counter;
    inflight_n_ = n;
  }

  /// The future of the outcome; call once, and not together with on_outcome().
  std::future<publish_outcome> outcome();

  /// Calls `done` with the outcome instead of fulfilling a future, on the thread of the last
  /// part (an actor's), or with ec::shutting_down when the ticket dies unreported. Call once,
  /// before any part can be reported; `done` must not block.
  void on_outcome(std::function<void(publish_outcome)> done) {
    done_ = std::move(done);
  }

  /// Reports one part; safe from any thread, exactly once per part.
  void part_done(uint64_t unique, uint64_t duplicates, caf::error error = {}) override;

private:
  std::atomic<size_t> remaining_;
  std::atomic<uint64_t> unique_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<bool> failed_{false};
  caf::error error_; // Written only by the part that flipped failed_.
  uint64_t received_;
  std::promise<publish_outcome> promise_;
  std::function<void(publish_outcome)> done_; ///< Set: used instead of promise_.
  std::atomic<size_t>* inflight_ = nullptr;
  size_t inflight_n_ = 0;
};

} // namespace agg
