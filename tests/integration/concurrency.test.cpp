#include "support/events.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

using agg::test::fetch_events;
using agg::test::json;
using agg::test::make_event;
using agg::test::publish_ok;
using agg::test::reply;
using agg::test::server_process;
using agg::test::stats_without_uptime;

namespace {

/// What one publishing thread got back; checked on the test thread (Catch2 v2 is not
/// thread-safe).
struct thread_result {
  int64_t received = 0, unique = 0, duplicates = 0;
  std::vector<std::string> failures;
};

/// `threads` threads each publish all `ids` of `topic` in their own shuffled order, in
/// batches of 1 to 40 events, released together.
std::vector<thread_result> publish_same_ids(const server_process& server, int threads,
                                            const std::string& topic, int ids) {
  std::vector<thread_result> results(threads);
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      std::vector<int> order(ids);
      for (int i = 0; i < ids; ++i)
        order[i] = i;
      std::mt19937 rng(1000 + t); // fixed seeds: a failure replays the same orders
      std::shuffle(order.begin(), order.end(), rng);
      auto cli = server.client();
      auto& out = results[t];
      ++ready;
      while (ready < threads) // start together to maximise overlap
        std::this_thread::yield();
      for (size_t next = 0; next < order.size();) {
        size_t size = std::min<size_t>(1 + rng() % 40, order.size() - next);
        json batch = json::array();
        for (size_t k = 0; k < size; ++k)
          batch.push_back(
            make_event(topic, "id-" + std::to_string(order[next + k]), json{{"thread", t}}));
        next += size;
        auto r = agg::test::to_reply(cli.Post("/publish", batch.dump(), "application/json"));
        auto j = r.try_json();
        if (r.status != 200 || !j) {
          out.failures.push_back(r.describe());
          continue;
        }
        out.received += j->value("received", int64_t{0});
        out.unique += j->value("unique_processed", int64_t{0});
        out.duplicates += j->value("duplicate_dropped", int64_t{0});
      }
    });
  for (auto& th : pool)
    th.join();
  return results;
}

/// CHECKs one round's answers and stored events; `rounds` rounds so far feed the stats.
void require_exactly_once(const server_process& server, const std::vector<thread_result>& results,
                          const std::string& topic, int threads, int ids, int rounds = 1) {
  int64_t received = 0, unique = 0, duplicates = 0;
  for (auto& r : results) {
    for (auto& f : r.failures)
      FAIL_CHECK("a publish failed: " << f);
    received += r.received;
    unique += r.unique;
    duplicates += r.duplicates;
  }
  CHECK(received == int64_t{threads} * ids);
  CHECK(unique == ids);
  CHECK(duplicates == int64_t{threads} * ids - ids);

  auto stored = fetch_events(server, topic);
  CHECK(stored.size() == size_t(ids));
  std::set<std::string> distinct;
  for (auto& e : stored)
    distinct.insert(e.at("event_id").get<std::string>());
  CHECK(distinct.size() == size_t(ids));

  auto stats = stats_without_uptime(server);
  INFO("stats: " << stats.dump());
  CHECK(stats.at("received") == int64_t{rounds} * threads * ids);
  CHECK(stats.at("unique_processed") == int64_t{rounds} * ids);
  CHECK(stats.at("duplicate_dropped") == int64_t{rounds} * (threads * ids - ids));
}

} // namespace

TEST_CASE("16 threads publishing the same 500 ids store each exactly once",
          "[integration][concurrency]") {
  server_process server;
  server.start();
  // Several rounds (fresh topics) for more chances to hit a race; each takes ~0.1 s here.
  for (int round = 1; round <= 5; ++round) {
    INFO("round " << round);
    auto topic = "race-" + std::to_string(round);
    auto results = publish_same_ids(server, 16, topic, 500);
    require_exactly_once(server, results, topic, 16, 500, round);
  }
}

TEST_CASE("concurrent duplicates are dropped exactly once with one shard and tiny key index runs",
          "[integration][concurrency]") {
  // Runs of 16 keys: the store's key index writes runs and merges them while the same ids
  // race, so its decisions come from memory, runs and merges alike.
  server_process server({"--key-index-run-keys", "16", "--shards", "1"});
  server.start();
  auto results = publish_same_ids(server, 16, "tiny", 500);
  require_exactly_once(server, results, "tiny", 16, 500);
  // Ids written out to runs are still duplicates.
  auto again = publish_ok(server, agg::test::make_events("tiny", "id-", 50));
  CHECK(again.at("unique_processed") == 0);
}

TEST_CASE("concurrent duplicates are dropped exactly once across many shards",
          "[integration][concurrency]") {
  server_process server({"--shards=8"});
  server.start();
  auto results = publish_same_ids(server, 8, "sharded", 500);
  require_exactly_once(server, results, "sharded", 8, 500);
}

TEST_CASE("concurrent publishers on their own topics each see their events in their order",
          "[integration][concurrency]") {
  server_process server;
  server.start();
  constexpr int threads = 8, requests = 25, per_request = 4;
  std::vector<std::vector<std::string>> failures(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      auto cli = server.client();
      for (int q = 0; q < requests; ++q) {
        auto batch
          = agg::test::make_events("own-" + std::to_string(t), "e", per_request, q * per_request);
        auto r = agg::test::to_reply(cli.Post("/publish", batch.dump(), "application/json"));
        if (r.status != 200)
          failures[t].push_back(r.describe());
      }
    });
  // Readers at the same time only ever see increasing seqs without duplicates.
  std::vector<std::string> reader_failures;
  for (int read = 0; read < 20; ++read) {
    auto r = server.get("/events?topic=own-0");
    auto page = r.try_json();
    if (r.status != 200 || !page || !page->is_array()) {
      reader_failures.push_back(r.describe());
      continue;
    }
    for (size_t i = 1; i < page->size(); ++i)
      if ((*page)[i].at("seq").get<int64_t>() <= (*page)[i - 1].at("seq").get<int64_t>())
        reader_failures.push_back("seq not increasing: " + r.body.substr(0, 500));
  }
  for (auto& th : pool)
    th.join();
  for (auto& f : reader_failures)
    FAIL_CHECK(f);
  for (int t = 0; t < threads; ++t) {
    for (auto& f : failures[t])
      FAIL_CHECK("thread " << t << ": " << f);
    auto ids = agg::test::ids_of(fetch_events(server, "own-" + std::to_string(t)));
    std::vector<std::string> expected;
    for (int i = 0; i < requests * per_request; ++i)
      expected.push_back("e" + std::to_string(i));
    CHECK(ids == expected);
  }
  CHECK(server.stats().at("unique_processed") == threads * requests * per_request);
}
