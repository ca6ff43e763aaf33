// --sync normal against real power cuts (support/power_cut.hpp): commits are not fsynced
// before their answer, but a thread fsyncs the WAL at least every --sync-interval-ms, so a
// cut may lose only events acknowledged after the last WAL fsync began, and never a stored
// event's soundness or a key's dedup.

#include "support/power_cut.hpp"
#include "support/publish_load.hpp"
#include "support/server_process.hpp"
#include "support/store_survey.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

using namespace agg::test;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

// CI runs 3 rounds; scripts/chaos-power-cut.sh runs as many as it is asked for.
int rounds_from_environment() {
  const char* text = std::getenv("AGG_POWER_CUT_ROUNDS");
  int rounds = text ? std::atoi(text) : 0;
  return rounds > 0 ? rounds : 3;
}

uint64_t seed_from_environment() {
  const char* text = std::getenv("AGG_POWER_CUT_SEED");
  return text ? std::strtoull(text, nullptr, 10) : std::random_device{}();
}

// The promise is "the interval plus one fsync"; this allows far more than an fsync (and a
// thread's wake-up) takes on a loaded 2-core box, so that only a syncer that stopped keeping
// its interval fails. The exact half of each check does not depend on it: nothing
// acknowledged before the last WAL fsync the server reported may be lost.
constexpr auto generous_margin = 2s;

using ack_times = std::map<event_key, clock_type::time_point>;

/// One cut's checks of what survived; returns the lost keys (already republished).
/// `acks` holds the latest acknowledgement of every key of every round so far: a key lost in
/// an earlier cut and republished after the restart is a fresh write, which the next cut may
/// lose too when it comes within the interval.
key_set check_after_cut(server_process& server, const key_set& sent, const key_set& acked,
                        const ack_times& acks, const wal_sync_view& last_sync,
                        clock_type::time_point cut_at, std::chrono::milliseconds interval) {
  server.start(); // throws with the log if the store does not open
  CHECK(quick_check(server) == "ok");
  auto survey = survey_store(server, sent, acked);
  CHECK(survey.stored_twice == 0);
  CHECK(survey.phantoms.empty());
  CHECK(server.stats().at("unique_processed").get<size_t>() == survey.stored.size());
  for (auto& key : survey.lost) {
    auto acked_at = acks.at(key);
    INFO("lost " << key.first << "/" << key.second << ", acknowledged "
                 << std::chrono::duration_cast<std::chrono::milliseconds>(cut_at - acked_at).count()
                 << " ms before the cut; the last WAL fsync the server reported began "
                 << last_sync.age_seconds * 1000 << " ms before its scrape");
    REQUIRE(acked_at > last_sync.synced_before);
    REQUIRE(cut_at - acked_at <= interval + generous_margin);
  }
  // A lost key is not remembered by dedup either: it is stored anew, never refused as a
  // duplicate of an event that is not there.
  CHECK(republish(server, survey.lost).unique == survey.lost.size());
  return survey.lost;
}

std::string lost_summary(const key_set& lost, const ack_times& acks,
                         clock_type::time_point cut_at) {
  if (lost.empty())
    return "0 lost";
  auto oldest = cut_at;
  for (auto& key : lost)
    oldest = std::min(oldest, acks.at(key));
  return std::to_string(lost.size()) + " lost, the oldest acknowledged "
         + std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(cut_at - oldest).count())
         + " ms before the cut";
}

/// Rounds of load, each cut at a random moment, checked by check_after_cut.
void cut_rounds(server_process& server, power_cut_harness& harness, load_options base,
                std::chrono::milliseconds interval, std::chrono::milliseconds max_cut_after,
                const char* label) {
  const int rounds = rounds_from_environment();
  const uint64_t seed = seed_from_environment();
  INFO("AGG_POWER_CUT_SEED=" << seed << " reproduces the cut moments and the load");
  std::mt19937_64 rng{seed};
  key_set acked, sent;
  ack_times acks; // over all rounds
  for (int round = 1; round <= rounds; ++round) {
    INFO("round " << round << " of " << rounds);
    auto cut_after
      = std::chrono::milliseconds(rng() % static_cast<uint64_t>(max_cut_after.count()));
    ack_times first_acks;
    wal_sync_view last_sync;
    clock_type::time_point cut_at;
    cut_report cut;
    {
      load_options options = base;
      options.id_prefix = "r" + std::to_string(round) + "-";
      options.earlier = acked;
      options.seed = rng();
      publish_load load{server, options};
      REQUIRE(load.wait_for_acks(3, 20s));
      std::this_thread::sleep_for(cut_after); // the random moment itself, not a wait for state
      last_sync = observe_wal_sync(server);
      cut_at = clock_type::now();
      cut = cut_power(server, harness);
      load.stop();
      CHECK(load.unexpected() == 0);
      first_acks = load.first_acks();
      auto s = load.sent();
      sent.insert(s.begin(), s.end());
      for (auto& [key, at] : first_acks) {
        acked.insert(key);
        acks.emplace(key, at); // a key of an earlier round keeps its own (earlier) answer
      }
    }
    INFO("cut " << cut_after.count() << " ms into the load: " << cut.describe());
    auto lost = check_after_cut(server, sent, acked, acks, last_sync, cut_at, interval);
    std::cout << "power cut round " << round << "/" << rounds << " (" << label << "): cut "
              << cut_after.count() << " ms in, " << first_acks.size()
              << " events acknowledged this round, " << lost_summary(lost, acks, cut_at)
              << "; the last WAL fsync began " << last_sync.age_seconds * 1000
              << " ms before the cut, " << last_sync.unsynced_bytes
              << " bytes unsynced; rolled back " << cut.describe() << std::endl;
    // check_after_cut republished the lost keys: their answers came no later than now (a
    // later time only loosens the next cut's checks).
    auto republished_at = clock_type::now();
    for (auto& key : lost)
      acks[key] = republished_at;
  }
  // Dedup holds for everything that survived (lost keys were stored again above).
  auto stored = survey_store(server, sent, acked).stored;
  auto again = republish(server, stored);
  CHECK(again.unique == 0);
  CHECK(again.duplicates == stored.size());
}

} // namespace

TEST_CASE("with --sync normal, a power cut under full load loses only events acknowledged "
          "after the last WAL fsync began, within --sync-interval-ms of the cut",
          "[integration][fault][power_cut]") {
  if (skip_power_cut_test())
    return;
  constexpr auto interval = 250ms; // several fsyncs within each round
  server_process server{{"--sync", "normal", "--sync-interval-ms", std::to_string(interval.count()),
                         "--key-index-run-keys", "64"}};
  power_cut_harness harness{server.data_dir()};
  track_power(server, harness);
  server.start();
  load_options load;
  load.threads = 6;
  cut_rounds(server, harness, load, interval, 1500ms, "--sync normal, full load");
}

TEST_CASE("with --sync normal at a trickle, a power cut loses only events acknowledged within "
          "the default 1 s interval",
          "[integration][fault][power_cut]") {
  if (skip_power_cut_test())
    return;
  server_process server{{"--sync", "normal"}};
  power_cut_harness harness{server.data_dir()};
  track_power(server, harness);
  server.start();
  load_options load;
  load.threads = 1;
  load.requests_per_second = 5; // the trickle: a few small batches a second
  load.max_batch = 5;
  cut_rounds(server, harness, load, 1000ms, 4000ms, "--sync normal, trickle");
}

TEST_CASE("with --sync normal, the WAL is fsynced when no publish follows: after the next "
          "fsync, a power cut loses nothing",
          "[integration][fault][power_cut]") {
  if (skip_power_cut_test())
    return;
  constexpr auto interval = 1000ms; // the default
  server_process server{{"--sync", "normal"}};
  power_cut_harness harness{server.data_dir()};
  track_power(server, harness);
  server.start();
  key_set acked, sent;
  clock_type::time_point last_ack;
  {
    load_options options;
    options.threads = 1;
    options.requests_per_second = 5;
    options.max_batch = 5;
    publish_load load{server, options};
    REQUIRE(load.wait_for_acks(10, 20s));
    load.stop();
    acked = load.acked();
    sent = load.sent();
    for (auto& [key, at] : load.first_acks())
      last_ack = std::max(last_ack, at);
  }
  // Polls until the server reports a WAL fsync that began after the last answer: the
  // deadline only guards against a hang.
  auto view = observe_wal_sync(server);
  for (auto until = clock_type::now() + 30s;
       view.synced_before <= last_ack && clock_type::now() < until;) {
    std::this_thread::sleep_for(10ms);
    view = observe_wal_sync(server);
  }
  REQUIRE(view.synced_before > last_ack);
  CHECK(view.unsynced_bytes == 0);
  auto synced_at = view.synced_before;
  INFO("the first WAL fsync after the last answer began within "
       << std::chrono::duration_cast<std::chrono::milliseconds>(synced_at - last_ack).count()
       << " ms");
  CHECK(synced_at - last_ack <= interval + generous_margin);
  auto cut = cut_power(server, harness);
  INFO("rolled back " << cut.describe());
  server.start();
  CHECK(quick_check(server) == "ok");
  auto survey = survey_store(server, sent, acked);
  CHECK(survey.lost.empty());
  CHECK(survey.phantoms.empty());
  CHECK(republish(server, survey.stored).duplicates == survey.stored.size());
}
