#pragma once

// Runs the real actors on CAF's deterministic test scheduler: each step is explicit,
// so tests can stop between "the shard has seen it" and "the writer committed it".

#include <future>
#include <memory>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/dedup_shard.hpp"
#include "actors/stats.hpp"
#include "actors/writer.hpp"
#include "bridge/publish_ticket.hpp"
#include "core/errors.hpp"
#include "storage/sqlite/sqlite_event_store.hpp"
#include "support/temp_dir.hpp"

namespace agg::test {

/// A real SQLite store that can be told to fail its next commits, and counts them.
class flaky_store : public event_store {
public:
  explicit flaky_store(std::unique_ptr<event_store> real) : real_(std::move(real)) {
  }

  caf::expected<std::vector<insert_status>>
  commit(const std::vector<const event*>& events, uint64_t duplicates_total) override {
    ++commits;
    if (failures_left > 0) {
      --failures_left;
      return make_error(ec::storage_failure, "disk I/O error (injected)");
    }
    return real_->commit(events, duplicates_total);
  }

  caf::error probe() override {
    ++probes;
    if (failures_left > 0) {
      --failures_left;
      return make_error(ec::storage_failure, "disk I/O error (injected)");
    }
    return real_->probe();
  }

  caf::expected<stored_counters> counters() override {
    return real_->counters();
  }

  caf::expected<std::vector<std::string>> topics() override {
    return real_->topics();
  }

  int failures_left = 0; ///< Commits and probes that fail before the store works again.
  int commits = 0;
  int probes = 0;

private:
  std::unique_ptr<event_store> real_;
};

struct actor_fixture {
  actor_fixture() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    auto real = sqlite_event_store::open((dir / "events.db").string(), sync_mode::normal);
    REQUIRE(real);
    store = std::make_shared<flaky_store>(std::move(*real));
    writer_ = sys->spawn(writer, store, size_t{20000}, std::shared_ptr<commit_listener>{},
                         metrics);
    stats_ = sys->spawn(stats, writer_, stored_counters{}, std::vector<std::string>{});
    shard = sys->spawn(dedup_shard, writer_, stats_);
    sched->run();
  }

  ~actor_fixture() {
    for (auto h : {caf::actor_cast<caf::actor>(shard), caf::actor_cast<caf::actor>(stats_),
                   caf::actor_cast<caf::actor>(writer_)})
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    sched->run();
  }

  /// Sends one request part to the shard; the future resolves when it is answered.
  std::future<publish_outcome> publish(event_batch events) {
    auto ticket = std::make_shared<publish_ticket>(1, events.size());
    auto future = ticket->outcome();
    caf::anon_send(shard, publish_atom::value,
                   publish_parts{{publish_part{std::move(events), ticket}}});
    return future;
  }

  /// Sends several requests' parts to the shard in one message, as the publish reactor does.
  std::vector<std::future<publish_outcome>> publish_together(std::vector<event_batch> requests) {
    std::vector<std::future<publish_outcome>> futures;
    publish_parts message;
    for (auto& events : requests) {
      auto ticket = std::make_shared<publish_ticket>(1, events.size());
      futures.push_back(ticket->outcome());
      message.parts.push_back({std::move(events), ticket});
    }
    caf::anon_send(shard, publish_atom::value, std::move(message));
    return futures;
  }

  /// Runs only `handle`'s messages, leaving every other actor's mailbox untouched.
  template <class Handle>
  void run_only(const Handle& handle) {
    auto* job = dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(handle));
    sched->run_jobs_filtered([job](caf::resumable* x) { return x == job; });
  }

  /// Asks the writer's readiness probe: true, or the error it answered.
  caf::expected<bool> probe_writer() {
    caf::scoped_actor self{*sys};
    caf::expected<bool> result{false};
    self->send(writer_, probe_atom::value);
    sched->run();
    self->receive([&](bool ok) { result = ok; }, [&](caf::error& err) { result = err; });
    return result;
  }

  stats_snapshot snapshot() {
    caf::scoped_actor self{*sys};
    stats_snapshot result;
    self->send(stats_, caf::get_atom::value);
    sched->run();
    self->receive([&](stats_snapshot& s) { result = s; });
    return result;
  }

  static event make_event(std::string topic, std::string id) {
    return {std::move(topic), std::move(id), "2025-01-31T12:00:00Z", "src", "{}"};
  }

  temp_dir dir;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::shared_ptr<flaky_store> store;
  std::shared_ptr<runtime_metrics> metrics = std::make_shared<runtime_metrics>(); ///< What the actors count.
  writer_actor writer_;
  stats_actor stats_;
  dedup_shard_actor shard;
};

template <class T>
bool is_ready(const std::future<T>& f) {
  return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

} // namespace agg::test
