#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "actors/actors.hpp"
#include "bridge/publish_ticket.hpp"
#include "core/runtime_metrics.hpp"

namespace agg {

/// Publishes started together (publish_async with a batch): their parts wait here until
/// actor_bridge::send() gives each shard all of its parts in one message.
class publish_batch {
public:
  bool empty() const {
    return per_shard_.empty();
  }

private:
  friend class actor_bridge;
  std::vector<publish_parts> per_shard_; ///< Sized to the shard count when first used.
};

/// The one place where HTTP threads hand work to actors and wait for the answer.
class actor_bridge {
public:
  actor_bridge(caf::actor_system& sys, std::vector<dedup_shard_actor> shards, stats_actor stats,
               std::chrono::milliseconds publish_timeout, size_t max_inflight_events,
               writer_actor writer = {}, runtime_metrics* metrics = nullptr);

  /// Routes the events to their shards and blocks until all are durable or failed;
  /// refuses (ec::overloaded) when the events in flight would pass the limit.
  publish_outcome publish(event_batch events);

  /// publish() without waiting: `done` gets the outcome on an actor's thread once all parts
  /// are durable or failed, or at once on this thread (returning false) when refused as
  /// overloaded. It never gets ec::timeout: the caller times the request itself, with
  /// publish_timeout() and timeout_error(). `done` must not block.
  /// With a `batch`, the parts wait in it until send(): a caller that starts many publishes
  /// at once (the publish reactor, per loop turn) costs the shards and the writer one
  /// message each instead of one per request.
  bool publish_async(event_batch events, std::function<void(publish_outcome)> done,
                     publish_batch* batch = nullptr);

  /// Sends the parts gathered in `batch`, one message per shard, and empties it.
  void send(publish_batch& batch);

  /// --publish-timeout-ms.
  std::chrono::milliseconds publish_timeout() const {
    return publish_timeout_;
  }

  /// The error a publish that outlived publish_timeout() is answered with.
  caf::error timeout_error() const;

  /// The current counters, or an error when the stats actor does not answer in `timeout`.
  caf::expected<stats_snapshot> stats(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// The counters sampled once a second, oldest first, or an error after `timeout`.
  caf::expected<std::vector<stats_sample>>
  history(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// Asks the writer whether the store takes writes (after a failed commit it tries one);
  /// an error when it does not, or the writer does not answer within `timeout`.
  caf::error probe_store(std::chrono::milliseconds timeout);

  /// True when a publish was refused as overloaded within the last `window`.
  bool overloaded_within(std::chrono::milliseconds window) const;

  /// True when the latest publish outcome that involved a commit was a storage failure;
  /// a later publish that stores an event clears it.
  bool last_commit_failed() const {
    return last_commit_failed_.load();
  }

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
  writer_actor writer_;
  runtime_metrics* metrics_;
  std::chrono::milliseconds publish_timeout_;
  size_t max_inflight_events_;
  // Events handed to the actors and not yet answered: bounds mailboxes, the writer's
  // queue and their memory, whatever the number of connections.
  std::atomic<size_t> inflight_events_{0};
  // Set and cleared by publish() for GET /readyz. Concurrent requests may finish out of
  // commit order, so it can lag by one request; the next commit settles it.
  std::atomic<bool> last_commit_failed_{false};
  // Steady-clock nanoseconds of the latest overload refusal (0: none), and of the latest
  // log line about refusals, which are logged at most once per overload_log_interval.
  std::atomic<int64_t> last_refusal_ns_{0};
  std::atomic<int64_t> last_refusal_log_ns_{0};
  std::atomic<uint64_t> refusals_unlogged_{0};

  // Counts `received` events in flight, or refuses them (ec::overloaded) past the limit.
  caf::error admit(size_t received);

  // A ticket for `events` that keeps them counted in flight until every part is reported.
  std::shared_ptr<publish_ticket> make_ticket(const event_batch& events);

  // Gives each shard its part of `events`, all reporting to `ticket`: sent at once, or
  // added to `batch` for send().
  void dispatch(event_batch events, std::shared_ptr<publish_ticket> ticket,
                publish_batch* batch = nullptr);

  // Counts a refusal and logs, rate-limited, that publishes are being refused.
  void note_refusal(size_t inflight);

  // Records what `outcome` says about the last commit.
  void note_commit(const publish_outcome& outcome);
};

} // namespace agg
