#pragma once

#include <atomic>
#include <chrono>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "actors/actors.hpp"
#include "actors/publish_ticket.hpp"

namespace agg {

/// The one place where HTTP threads hand work to actors and wait for the answer.
class actor_bridge {
public:
  actor_bridge(caf::actor_system& sys, std::vector<dedup_shard_actor> shards, stats_actor stats,
               std::chrono::milliseconds publish_timeout, size_t max_inflight_events);

  /// Routes the events to their shards and blocks until all are durable or failed;
  /// refuses (ec::overloaded) when the events in flight would pass the limit.
  publish_outcome publish(event_batch events);

  /// The current counters.
  caf::expected<stats_snapshot> stats();

  /// Events admitted and not yet answered.
  size_t inflight_events() const {
    return inflight_events_.load();
  }

  /// The shard that owns `topic`.
  size_t shard_of(const std::string& topic) const;

private:
  caf::actor_system& sys_;
  std::vector<dedup_shard_actor> shards_;
  stats_actor stats_;
  std::chrono::milliseconds publish_timeout_;
  size_t max_inflight_events_;
  // Events handed to the actors and not yet answered: bounds mailboxes, the writer's
  // queue and their memory, whatever the number of connections.
  std::atomic<size_t> inflight_events_{0};
};

} // namespace agg
