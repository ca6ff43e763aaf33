#include "bridge/actor_bridge.hpp"

#include <future>
#include <optional>
#include <thread>

#include <caf/all.hpp>

#include <catch2/catch.hpp>

#include "actors/dedup_shard.hpp"
#include "actors/stats.hpp"
#include "actors/writer.hpp"
#include "core/errors.hpp"
#include "storage/sqlite/sqlite_event_store.hpp"
#include "support/temp_dir.hpp"

namespace {

/// A real store whose first commit waits until the test opens the gate, so that a
/// request provably stays in flight meanwhile.
class gated_store : public agg::event_store {
public:
  explicit gated_store(std::unique_ptr<agg::event_store> real) : real_(std::move(real)) {
  }

  caf::expected<std::vector<agg::insert_status>>
  commit(const std::vector<const agg::event*>& events, uint64_t duplicates) override {
    if (!gated_once_) {
      gated_once_ = true;
      entered.set_value();
      gate.get_future().wait();
    }
    return real_->commit(events, duplicates);
  }
  caf::expected<agg::stored_counters> counters() override {
    return real_->counters();
  }
  caf::expected<std::vector<std::string>> topics() override {
    return real_->topics();
  }

  std::promise<void> entered;
  std::promise<void> gate;

private:
  bool gated_once_ = false;
  std::unique_ptr<agg::event_store> real_;
};

agg::event_batch events(const std::string& prefix, int n) {
  agg::event_batch out;
  for (int i = 0; i < n; ++i)
    out.push_back({"t", prefix + std::to_string(i), "2025-01-31T12:00:00Z", "s", "{}"});
  return out;
}

/// A gated store behind real actors (writer, stats, one shard) on a real actor system,
/// stopped again at the end of the test.
struct bridge_rig {
  agg::test::temp_dir dir;
  std::shared_ptr<gated_store> store;
  std::future<void> entered; ///< Ready once the first commit is held at the gate.
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  agg::writer_actor writer;
  agg::stats_actor stats;
  agg::dedup_shard_actor shard;

  bridge_rig() {
    auto real =
      agg::sqlite_event_store::open((dir / "events.db").string(), agg::sync_mode::normal);
    REQUIRE(real);
    store = std::make_shared<gated_store>(std::move(*real));
    entered = store->entered.get_future();
    writer = sys.spawn<caf::detached>(agg::writer, store, size_t{1000},
                                      std::shared_ptr<agg::commit_listener>{},
                                      std::shared_ptr<agg::runtime_metrics>{});
    stats = sys.spawn(agg::stats, writer, agg::stored_counters{}, std::vector<std::string>{});
    shard = sys.spawn(agg::dedup_shard, writer, stats);
  }

  ~bridge_rig() {
    for (auto h : {caf::actor_cast<caf::actor>(shard), caf::actor_cast<caf::actor>(stats),
                   caf::actor_cast<caf::actor>(writer)})
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  }
};

} // namespace

TEST_CASE("the bridge refuses work past the in-flight limit and admits it again after",
          "[bridge]") {
  bridge_rig rig;
  auto& store = rig.store;
  auto& sys = rig.sys;
  auto& writer = rig.writer;
  auto& stats = rig.stats;
  {
    agg::runtime_metrics counted;
    agg::actor_bridge bridge{sys, {rig.shard}, stats, std::chrono::seconds(30), 10, writer, &counted};
    auto first = std::async(std::launch::async, [&] { return bridge.publish(events("a", 8)); });
    rig.entered.wait(); // The first request's commit is under way and held.
    CHECK_FALSE(bridge.overloaded_within(std::chrono::hours(1)));
    auto refused = bridge.publish(events("b", 3));
    CHECK(bridge.overloaded_within(std::chrono::hours(1)));
    CHECK(counted.overload_refusals == 1);
    CHECK(refused.error == agg::ec::overloaded);
    CHECK(agg::error_text(refused.error)
          == "too many events in flight (--max-inflight-events 10); retry shortly");
    CHECK(bridge.inflight_events() == 8);
    store->gate.set_value();
    auto a = first.get();
    CHECK_FALSE(a.error);
    CHECK(a.unique == 8);
    CHECK(bridge.inflight_events() == 0);
    auto again = bridge.publish(events("b", 3));
    CHECK_FALSE(again.error);
    CHECK(again.unique == 3);
    SECTION("a request larger than the limit is admitted when nothing else is in flight") {
      auto big = bridge.publish(events("big", 25));
      CHECK_FALSE(big.error);
      CHECK(big.unique == 25);
    }
  }
}

TEST_CASE("a publish that timed out keeps its events counted until the writer is done",
          "[bridge]") {
  bridge_rig rig;
  auto& store = rig.store;
  auto& sys = rig.sys;
  auto& writer = rig.writer;
  auto& stats = rig.stats;
  {
    agg::runtime_metrics counted;
    agg::actor_bridge bridge{sys, {rig.shard}, stats, std::chrono::milliseconds(50), 10, writer,
                             &counted};
    auto first = std::async(std::launch::async, [&] { return bridge.publish(events("a", 8)); });
    rig.entered.wait(); // its commit is held at the store
    auto timed_out = first.get();
    CHECK(timed_out.error == agg::ec::timeout);
    // The 8 events still wait for the writer: they count, so the cap still refuses.
    CHECK(bridge.inflight_events() == 8);
    auto refused = bridge.publish(events("b", 3));
    CHECK(refused.error == agg::ec::overloaded);
    store->gate.set_value();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (bridge.inflight_events() != 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    CHECK(bridge.inflight_events() == 0);
    auto again = bridge.publish(events("b", 3));
    CHECK_FALSE(again.error);
  }
}

TEST_CASE("publish_async calls back after the commit without blocking, and at once when refused",
          "[bridge]") {
  bridge_rig rig;
  {
    agg::runtime_metrics counted;
    agg::actor_bridge bridge{rig.sys, {rig.shard}, rig.stats, std::chrono::seconds(30), 10,
                             rig.writer, &counted};
    std::promise<agg::publish_outcome> first;
    CHECK(bridge.publish_async(events("a", 8),
                               [&](agg::publish_outcome o) { first.set_value(std::move(o)); }));
    rig.entered.wait(); // the commit is held, and publish_async has long returned
    CHECK(bridge.inflight_events() == 8);
    std::optional<agg::publish_outcome> refused;
    CHECK_FALSE(bridge.publish_async(events("b", 3),
                                     [&](agg::publish_outcome o) { refused = std::move(o); }));
    REQUIRE(refused);
    CHECK(refused->error == agg::ec::overloaded);
    CHECK(counted.overload_refusals == 1);
    rig.store->gate.set_value();
    auto a = first.get_future().get();
    CHECK_FALSE(a.error);
    CHECK(a.unique == 8);
    CHECK(bridge.inflight_events() == 0);
  }
}
