// --sync full against real power cuts (support/power_cut.hpp): everything acknowledged was
// fsynced before its answer, so no cut may lose any of it.

#include "support/power_cut.hpp"
#include "support/publish_load.hpp"
#include "support/server_process.hpp"
#include "support/store_survey.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

using namespace agg::test;
using namespace std::chrono_literals;

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

} // namespace

TEST_CASE("with --sync full, power cuts at random moments under load lose no acknowledged "
          "event, and the store opens sound and still deduplicates",
          "[integration][fault][power_cut]") {
  if (skip_power_cut_test())
    return;
  const int rounds = rounds_from_environment();
  const uint64_t seed = seed_from_environment();
  INFO("AGG_POWER_CUT_SEED=" << seed << " reproduces the cut moments and the load");
  std::mt19937_64 rng{seed};
  // Small key-index runs, so that cuts also land while a run is written or merged.
  server_process server{{"--sync", "full", "--key-index-run-keys", "64"}};
  power_cut_harness harness{server.data_dir()};
  track_power(server, harness);
  server.start();
  key_set acked, sent;
  for (int round = 1; round <= rounds; ++round) {
    INFO("round " << round << " of " << rounds);
    auto cut_after = std::chrono::milliseconds(rng() % 1500);
    cut_report cut;
    size_t round_acked = 0;
    {
      load_options options;
      options.threads = 6;
      options.id_prefix = "r" + std::to_string(round) + "-";
      options.earlier = acked;
      options.seed = rng();
      publish_load load{server, options};
      REQUIRE(load.wait_for_acks(20, 20s));
      std::this_thread::sleep_for(cut_after); // the random moment itself, not a wait for state
      cut = cut_power(server, harness);
      load.stop();
      auto a = load.acked(), s = load.sent();
      round_acked = a.size();
      acked.insert(a.begin(), a.end());
      sent.insert(s.begin(), s.end());
      CHECK(load.unexpected() == 0);
    }
    INFO("cut " << cut_after.count() << " ms into the load: " << cut.describe());
    server.start(); // throws with the log if the store does not open
    CHECK(quick_check(server) == "ok");
    auto survey = survey_store(server, sent, acked);
    CHECK(survey.stored_twice == 0);
    CHECK(survey.phantoms.empty());
    CHECK(survey.lost.empty());
    CHECK(server.stats().at("unique_processed").get<size_t>() == survey.stored.size());
    std::cout << "power cut round " << round << "/" << rounds << " (--sync full): cut "
              << cut_after.count() << " ms in, " << round_acked
              << " events acknowledged this round, " << acked.size() << " in all, "
              << survey.lost.size() << " lost; rolled back " << cut.describe() << std::endl;
  }
  // Dedup holds for everything that survived: each is a duplicate now.
  auto stored = survey_store(server, sent, acked).stored;
  auto again = republish(server, stored);
  CHECK(again.unique == 0);
  CHECK(again.duplicates == stored.size());
}
