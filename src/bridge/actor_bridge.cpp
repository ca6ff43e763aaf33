#include "bridge/actor_bridge.hpp"

#include <functional>
#include <future>

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "core/errors.hpp"
#include "core/log.hpp"

namespace agg {

actor_bridge::actor_bridge(caf::actor_system& sys, std::vector<dedup_shard_actor> shards,
                           stats_actor stats, std::chrono::milliseconds publish_timeout,
                           size_t max_inflight_events, writer_actor writer,
                           runtime_metrics* metrics)
  : sys_(sys),
    shards_(std::move(shards)),
    stats_(std::move(stats)),
    writer_(std::move(writer)),
    metrics_(metrics),
    publish_timeout_(publish_timeout),
    max_inflight_events_(max_inflight_events) {
}

size_t actor_bridge::shard_of(const std::string& topic) const {
  return std::hash<std::string>{}(topic) % shards_.size();
}

caf::error actor_bridge::admit(size_t received) {
  // A request alone is always admitted, so one larger than the limit still gets through.
  auto before = inflight_events_.fetch_add(received);
  if (before > 0 && before + received > max_inflight_events_) {
    inflight_events_.fetch_sub(received);
    note_refusal(before);
    return make_error(ec::overloaded, "too many events in flight (--max-inflight-events "
                                        + std::to_string(max_inflight_events_)
                                        + "); retry shortly");
  }
  return caf::none;
}

std::shared_ptr<publish_ticket> actor_bridge::make_ticket(const event_batch& events) {
  std::vector<bool> used(shards_.size());
  for (auto& e : events)
    used[shard_of(e.topic)] = true;
  size_t parts = 0;
  for (bool u : used)
    parts += u ? 1 : 0;
  auto ticket = std::make_shared<publish_ticket>(parts, events.size());
  // Counted until every shard reported its part (after the commit), not until the answer:
  // a request that times out leaves its events queued at the writer, and they must keep
  // counting against the cap, or each timeout period could queue one more cap's worth.
  ticket->release_on_end(inflight_events_, events.size());
  return ticket;
}

void actor_bridge::dispatch(event_batch events, std::shared_ptr<publish_ticket> ticket,
                            publish_batch* batch) {
  std::vector<event_batch> parts(shards_.size());
  for (auto& e : events) {
    auto& part = parts[shard_of(e.topic)];
    part.push_back(std::move(e));
  }
  if (batch && batch->per_shard_.empty())
    batch->per_shard_.resize(shards_.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty())
      continue;
    publish_part part{std::move(parts[i]), ticket};
    if (batch)
      batch->per_shard_[i].parts.push_back(std::move(part));
    else
      caf::anon_send(shards_[i], publish_atom::value, publish_parts{{std::move(part)}});
  }
}

void actor_bridge::send(publish_batch& batch) {
  for (size_t i = 0; i < batch.per_shard_.size() && i < shards_.size(); ++i)
    if (!batch.per_shard_[i].parts.empty())
      caf::anon_send(shards_[i], publish_atom::value, std::move(batch.per_shard_[i]));
  batch.per_shard_.clear();
}

caf::error actor_bridge::timeout_error() const {
  return make_error(ec::timeout, "the commit was not confirmed within "
                                   + std::to_string(publish_timeout_.count())
                                   + " ms (--publish-timeout-ms); retrying is safe");
}

publish_outcome actor_bridge::publish(event_batch events) {
  publish_outcome outcome;
  if (auto refused = admit(events.size())) {
    outcome.error = std::move(refused);
    return outcome;
  }
  // A promise/future rather than a scoped_actor: CAF 0.17 never cancels request
  // timeouts, so long-lived blocking actors fill up with stale timeout messages.
  auto ticket = make_ticket(events);
  auto future = ticket->outcome();
  dispatch(std::move(events), std::move(ticket));
  if (future.wait_for(publish_timeout_) != std::future_status::ready) {
    outcome.error = timeout_error();
    return outcome;
  }
  try {
    outcome = future.get();
    note_commit(outcome);
    return outcome;
  } catch (const std::future_error&) {
    // Every holder of the ticket went away without answering: actors are stopping.
    outcome.error = make_error(ec::shutting_down, "the service is shutting down");
    return outcome;
  }
}

bool actor_bridge::publish_async(event_batch events, std::function<void(publish_outcome)> done,
                                 publish_batch* batch) {
  if (auto refused = admit(events.size())) {
    publish_outcome outcome;
    outcome.received = events.size();
    outcome.error = std::move(refused);
    done(std::move(outcome));
    return false;
  }
  auto ticket = make_ticket(events);
  ticket->on_outcome([this, done = std::move(done)](publish_outcome outcome) {
    note_commit(outcome);
    done(std::move(outcome));
  });
  dispatch(std::move(events), std::move(ticket), batch);
  return true;
}

void actor_bridge::note_commit(const publish_outcome& outcome) {
  if (outcome.error == ec::storage_failure)
    last_commit_failed_ = true;
  else if (!outcome.error && outcome.unique > 0) // a stored event proves a commit went through
    last_commit_failed_ = false;
}

namespace {

// A flood of refusals is one problem: one log line per this interval says how many.
constexpr auto overload_log_interval = std::chrono::seconds(10);

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

} // namespace

void actor_bridge::note_refusal(size_t inflight) {
  auto now = steady_ns();
  last_refusal_ns_.store(now, std::memory_order_relaxed);
  if (metrics_)
    metrics_->overload_refusals.fetch_add(1, std::memory_order_relaxed);
  auto unlogged = refusals_unlogged_.fetch_add(1, std::memory_order_relaxed) + 1;
  auto last = last_refusal_log_ns_.load(std::memory_order_relaxed);
  auto interval = std::chrono::nanoseconds(overload_log_interval).count();
  // One thread wins the exchange and writes the line; the others only count.
  if ((last == 0 || now - last >= interval)
      && last_refusal_log_ns_.compare_exchange_strong(last, now)) {
    refusals_unlogged_.fetch_sub(unlogged, std::memory_order_relaxed);
    log_warning("refusing publishes: overloaded",
                {{"refused", unlogged},
                 {"inflight_events", inflight},
                 {"max_inflight_events", max_inflight_events_}});
  }
}

bool actor_bridge::overloaded_within(std::chrono::milliseconds window) const {
  auto last = last_refusal_ns_.load(std::memory_order_relaxed);
  return last != 0 && steady_ns() - last < std::chrono::nanoseconds(window).count();
}

caf::error actor_bridge::probe_store(std::chrono::milliseconds timeout) {
  if (!writer_)
    return caf::none;
  caf::scoped_actor self{sys_};
  caf::error result;
  self->request(writer_, timeout, probe_atom::value)
    .receive([](bool) {}, [&](caf::error& err) { result = std::move(err); });
  return result;
}

caf::expected<std::vector<stats_sample>>
actor_bridge::history(std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys_};
  caf::expected<std::vector<stats_sample>> result{std::vector<stats_sample>{}};
  self->request(stats_, timeout, history_atom::value)
    .receive([&](std::vector<stats_sample>& samples) { result = std::move(samples); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

caf::expected<stats_snapshot> actor_bridge::stats(std::chrono::milliseconds timeout) {
  // A fresh scoped_actor per call: its stale timeout message dies with it.
  caf::scoped_actor self{sys_};
  caf::expected<stats_snapshot> result{stats_snapshot{}};
  self->request(stats_, timeout, caf::get_atom::value)
    .receive([&](stats_snapshot& snapshot) { result = std::move(snapshot); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace agg
