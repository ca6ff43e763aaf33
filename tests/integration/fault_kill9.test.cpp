#include "support/publish_load.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <thread>

using agg::test::key_set;
using agg::test::load_options;
using agg::test::publish_load;
using agg::test::server_process;
using agg::test::stored_key_counts;
using namespace std::chrono_literals;

namespace {

// CI runs 3 rounds; scripts/chaos-kill9.sh runs as many as it is asked for (default 20).
int rounds_from_environment() {
  const char* text = std::getenv("AGG_CHAOS_ROUNDS");
  int rounds = text ? std::atoi(text) : 0;
  return rounds > 0 ? rounds : 3;
}

uint64_t seed_from_environment() {
  const char* text = std::getenv("AGG_CHAOS_SEED");
  return text ? std::strtoull(text, nullptr, 10) : std::random_device{}();
}

} // namespace

TEST_CASE("kill -9 at random moments under concurrent load: every acknowledged event is stored "
          "once, and the server restarts cleanly each time",
          "[integration][fault][crash]") {
  const int rounds = rounds_from_environment();
  const uint64_t seed = seed_from_environment();
  INFO("AGG_CHAOS_SEED=" << seed << " reproduces the kill moments and the load");
  std::mt19937_64 rng{seed};
  // Small key-index runs, so that the kills also land while a run is written or merged (at
  // the default, a run is written per 262,144 new keys, more than a round stores), and the
  // smallest memory budget, so that filters are folded and saved between kills too.
  server_process server{{"--key-index-run-keys", "64", "--key-index-memory", "65536"}};
  server.start();
  key_set acked, sent;
  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round + 1 << " of " << rounds);
    // The load must be under way (some acknowledgements), then the kill comes at a random
    // moment within the next 1.5 s: mid-batch, mid-commit or between requests.
    auto kill_after = std::chrono::milliseconds(rng() % 1500);
    size_t acked_requests = 0, refused = 0, unexpected = 0;
    std::string first_unexpected;
    {
      load_options options;
      options.threads = 6;
      options.id_prefix = "r" + std::to_string(round) + "-";
      options.earlier = acked; // acknowledged in earlier rounds: their repeats are duplicates
      options.seed = rng();
      publish_load load{server, options};
      REQUIRE(load.wait_for_acks(20, 20s));
      std::this_thread::sleep_for(kill_after); // the random moment itself, not a wait for state
      auto status = server.kill9();
      REQUIRE(status.signaled);
      load.stop();
      auto round_acked = load.acked();
      auto round_sent = load.sent();
      acked.insert(round_acked.begin(), round_acked.end());
      sent.insert(round_sent.begin(), round_sent.end());
      acked_requests = load.acked_requests();
      refused = load.refused_requests();
      unexpected = load.unexpected();
      first_unexpected = load.first_unexpected();
    }
    INFO("killed " << kill_after.count() << " ms after the load was under way, after "
                   << acked_requests << " acknowledged and " << refused << " refused requests");
    CHECK(unexpected == 0);
    INFO("first unexpected answer: " << first_unexpected);

    // A clean restart on the same database: start() polls /healthz and throws with the log
    // if the server exits or does not get healthy.
    server.start();

    auto stored = stored_key_counts(server);
    key_set stored_keys;
    for (auto& [key, times] : stored) {
      INFO("stored " << key.first << "/" << key.second << " " << times << " times");
      REQUIRE(times == 1);
      REQUIRE(sent.count(key) == 1); // nothing stored that was never sent
      stored_keys.insert(key);
    }
    for (auto& key : acked) {
      INFO("acknowledged " << key.first << "/" << key.second << " is missing");
      REQUIRE(stored_keys.count(key) == 1);
    }
    auto stats = server.stats();
    CHECK(stats.at("unique_processed").get<size_t>() == stored.size());
    // One line per round for scripts/chaos-kill9.sh's report.
    std::cout << "round " << round + 1 << "/" << rounds << ": killed " << kill_after.count()
              << " ms into the load after " << acked_requests << " acknowledged requests; "
              << acked.size() << " acknowledged events so far, all stored once ("
              << stored.size() << " stored)" << std::endl;
  }
}
