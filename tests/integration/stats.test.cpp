#include "support/events.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using agg::test::fetch_events;
using agg::test::json;
using agg::test::make_event;
using agg::test::make_events;
using agg::test::publish_ok;
using agg::test::server_process;
using agg::test::stats_without_uptime;

TEST_CASE("a fresh server reports zero counters, no topics and a numeric uptime",
          "[integration][stats]") {
  server_process server;
  server.start();
  auto stats = server.stats();
  INFO(stats.dump());
  CHECK(stats.at("received") == 0);
  CHECK(stats.at("unique_processed") == 0);
  CHECK(stats.at("duplicate_dropped") == 0);
  CHECK(stats.at("topics") == json::array());
  REQUIRE(stats.at("uptime").is_number());
  CHECK(stats.at("uptime").get<double>() >= 0);
  auto later = server.stats();
  CHECK(later.at("uptime").get<double>() >= stats.at("uptime").get<double>());
}

TEST_CASE("stats add up received, unique and duplicate counts across requests",
          "[integration][stats]") {
  server_process server;
  server.start();
  publish_ok(server, make_events("s", "e", 10));                                 // 10 new
  publish_ok(server, make_events("s", "e", 10, 5));                              // 5 dup, 5 new
  publish_ok(server, json::array({make_event("s", "x"), make_event("s", "x")})); // 1 new, 1 dup
  publish_ok(server, json{{"events", make_event("t", "e0")}}); // new (other topic)
  auto stats = stats_without_uptime(server);
  INFO(stats.dump());
  CHECK(stats.at("received") == 23);
  CHECK(stats.at("unique_processed") == 17);
  CHECK(stats.at("duplicate_dropped") == 6);
  CHECK(stats.at("unique_processed").get<size_t>()
        == fetch_events(server, "s").size() + fetch_events(server, "t").size());
}

TEST_CASE("stats list each topic once in sorted order", "[integration][stats]") {
  server_process server;
  server.start();
  int n = 0;
  for (const char* topic : {"zeta", "alpha", "mid", "alpha", "beta", "zeta"})
    publish_ok(server, make_event(topic, "id-" + std::to_string(n++)));
  CHECK(server.stats().at("topics") == json::array({"alpha", "beta", "mid", "zeta"}));
}

TEST_CASE("a rejected request moves no counter and adds no topic", "[integration][stats]") {
  server_process server;
  server.start();
  publish_ok(server, make_events("kept", "e", 4));
  publish_ok(server, make_events("kept", "e", 2));
  auto before = stats_without_uptime(server);
  REQUIRE(before.at("received") == 6);

  auto bad_event = make_events("newtopic", "n", 3);
  bad_event.push_back(make_event("newtopic", "n9", json::object(), "2023-02-29T00:00:00Z"));
  auto too_many = make_events("newtopic", "m", 10001);
  const std::vector<std::pair<std::string, int>> rejected = {
    {bad_event.dump(), 400},
    {json::array({make_event("kept", "e0"), make_event("newtopic", "z")}).dump() + "x", 400},
    {json::array({make_event("newtopic", "z"), 5}).dump(), 400},
    {too_many.dump(), 413},
  };
  for (auto& [body, status] : rejected) {
    auto r = server.post("/publish", body);
    INFO(r.describe());
    CHECK(r.status == status);
    CHECK(stats_without_uptime(server) == before);
  }
  CHECK(fetch_events(server, "newtopic").empty());
  CHECK(fetch_events(server, "kept").size() == 4);
}

TEST_CASE("stats count a publish as soon as its 200 has arrived", "[integration][stats]") {
  // Read-your-writes: unique_processed must equal the stored events at every moment a client
  // can observe, so /stats may never miss a publish whose 200 arrived before it was asked.
  // The window is small: four keep-alive clients doing many quick rounds give it a chance.
  server_process server;
  server.start();
  constexpr int threads = 4, rounds = 750; // ~1.5 s here
  std::atomic<int64_t> acked{0};
  std::vector<int> lagging(threads, 0);
  std::vector<std::string> first_lag(threads), failure(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      auto cli = server.client();
      cli.set_keep_alive(true);
      auto topic = "ryw-" + std::to_string(t);
      for (int i = 0; i < rounds; ++i) {
        auto body = make_event(topic, "e" + std::to_string(i)).dump();
        auto published = agg::test::to_reply(cli.Post("/publish", body, "application/json"));
        if (published.status != 200) {
          failure[t] = published.describe();
          return;
        }
        auto known = ++acked; // every publish counted here has had its 200
        auto read = agg::test::to_reply(cli.Get("/stats"));
        auto stats = read.try_json();
        if (read.status != 200 || !stats) {
          failure[t] = read.describe();
          return;
        }
        bool has_topic = false;
        for (auto& name : stats->at("topics"))
          has_topic = has_topic || name == topic;
        if (stats->at("unique_processed").get<int64_t>() < known
            || stats->at("received").get<int64_t>() < known || !has_topic) {
          if (lagging[t]++ == 0)
            first_lag[t] = "after " + std::to_string(known)
                           + " acknowledged publishes (the last to " + topic
                           + "): " + stats->dump();
        }
      }
    });
  for (auto& th : pool)
    th.join();
  for (int t = 0; t < threads; ++t) {
    INFO("thread " << t << ": " << failure[t]);
    CHECK(failure[t].empty());
    INFO(lagging[t] << " of " << rounds << " reads lagged; first: " << first_lag[t]);
    CHECK(lagging[t] == 0);
  }
}
