#include "support/events.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using agg::test::exit_status;
using agg::test::fetch_events;
using agg::test::json;
using agg::test::make_event;
using agg::test::make_events;
using agg::test::publish_ok;
using agg::test::server_process;
using agg::test::stats_without_uptime;
using namespace std::chrono_literals;

namespace {

using id_set = std::map<std::string, std::set<std::string>>; // topic -> event ids

/// Every stored event id, per topic listed in /stats.
id_set stored_ids(const server_process& server) {
  id_set out;
  auto stats = server.stats(); // keep it alive: at() returns a reference into it
  for (auto& topic : stats.at("topics"))
    for (auto& e : fetch_events(server, topic.get<std::string>()))
      out[topic.get<std::string>()].insert(e.at("event_id").get<std::string>());
  return out;
}

size_t count(const id_set& ids) {
  size_t n = 0;
  for (auto& [topic, set] : ids)
    n += set.size();
  return n;
}

/// REQUIREs every acknowledged id to be stored, and /stats to agree with what is stored.
void require_acknowledged_present(const server_process& server, const id_set& acked,
                                  const id_set& sent) {
  auto stored = stored_ids(server);
  for (auto& [topic, ids] : acked)
    for (auto& id : ids) {
      INFO("acknowledged " << topic << "/" << id);
      REQUIRE(stored[topic].count(id) == 1);
    }
  for (auto& [topic, ids] : stored)
    for (auto& id : ids) {
      INFO("stored " << topic << "/" << id << " was never sent");
      REQUIRE(sent.count(topic) == 1);
      REQUIRE(sent.at(topic).count(id) == 1);
    }
  auto stats = server.stats();
  INFO("stats: " << stats.dump());
  CHECK(stats.at("unique_processed").get<size_t>() == count(stored));
  CHECK(stats.at("received").get<int64_t>()
        == stats.at("unique_processed").get<int64_t>()
             + stats.at("duplicate_dropped").get<int64_t>());
}

void require_clean_exit(const exit_status& s, const server_process& server) {
  INFO(s.describe() << "\nlog:\n" << server.log_tail());
  REQUIRE(s.exited);
  CHECK(s.code == 0);
  CHECK_FALSE(s.timed_out);
  CHECK(s.elapsed < 5s); // "within a few seconds"
}

/// Several threads publishing batches of fresh ids until stopped, recording what was answered.
class publishers {
public:
  /// `round` prefixes every id, so successive rounds never repeat one.
  publishers(const server_process& server, int threads, const std::string& round = "") {
    for (int t = 0; t < threads; ++t)
      threads_.emplace_back([this, &server, t, round] { run(server, t, round); });
  }
  ~publishers() { join(); }

  void join() {
    stop_ = true;
    for (auto& th : threads_)
      if (th.joinable())
        th.join();
  }
  /// Polls until `n` requests were acknowledged (bounded by `deadline`).
  bool wait_for_acks(int n, std::chrono::seconds deadline) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (acks_ < n && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(1ms);
    return acks_ >= n;
  }
  id_set acked() {
    std::lock_guard<std::mutex> lock(mutex_);
    return acked_;
  }
  id_set sent() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sent_;
  }
  int unexpected() const { return unexpected_; }

private:
  void run(const server_process& server, int t, const std::string& round) {
    auto cli = server.client();
    const std::string topic = "load-" + std::to_string(t % 3);
    for (int batch = 0; !stop_; ++batch) {
      auto events = make_events(
        topic, round + "t" + std::to_string(t) + "-b" + std::to_string(batch) + "-", 10);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& e : events)
          sent_[topic].insert(e["event_id"].get<std::string>());
      }
      auto r = agg::test::to_reply(cli.Post("/publish", events.dump(), "application/json"));
      if (r.status == 200) {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& e : events)
          acked_[topic].insert(e["event_id"].get<std::string>());
        ++acks_;
      } else if (r.answered() && r.status != 503) {
        ++unexpected_; // any answer but 200 or a shutdown 503 is a bug
      } else if (!r.answered()) {
        // The server is gone (killed or stopped); nothing more will be acknowledged.
        return;
      }
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<int> acks_{0};
  std::atomic<int> unexpected_{0};
  std::mutex mutex_;
  id_set acked_, sent_;
  std::vector<std::thread> threads_;
};

} // namespace

TEST_CASE("SIGTERM and SIGINT make the server exit 0 within a few seconds",
          "[integration][persistence][shutdown]") {
  for (int sig : {SIGTERM, SIGINT}) {
    INFO("signal " << sig);
    server_process server;
    server.start();
    publish_ok(server, make_events("stop", "e", 100));
    require_clean_exit(server.stop_with(sig), server);
  }
}

TEST_CASE("SIGTERM exits 0 quickly while an idle keep-alive connection stays open",
          "[integration][persistence][shutdown]") {
  server_process server;
  server.start();
  auto cli = server.client();
  cli.set_keep_alive(true);
  auto r
    = agg::test::to_reply(cli.Post("/publish", make_event("idle", "a").dump(), "application/json"));
  REQUIRE(r.status == 200);
  // cli keeps its connection open and idle while the server is asked to stop.
  require_clean_exit(server.stop_with(SIGTERM), server);
  server.start();
  CHECK(fetch_events(server, "idle").size() == 1);
}

TEST_CASE("events, seqs and counters survive a clean restart", "[integration][persistence]") {
  server_process server;
  server.start();
  publish_ok(server, make_events("keep", "e", 30));
  publish_ok(server, make_events("keep", "e", 10, 25)); // 5 duplicates
  publish_ok(server, make_events("also", "a", 3));
  auto events_before = fetch_events(server, "keep");
  auto stats_before = stats_without_uptime(server);
  REQUIRE(stats_before.at("duplicate_dropped") == 5);

  require_clean_exit(server.stop_with(SIGTERM), server);
  server.start();

  CHECK(fetch_events(server, "keep") == events_before);
  CHECK(stats_without_uptime(server) == stats_before);
}

TEST_CASE("dedup survives a restart and new events get later seqs", "[integration][persistence]") {
  server_process server;
  server.start();
  publish_ok(server, make_events("dedup", "e", 20));
  auto before = fetch_events(server, "dedup");
  server.restart();

  auto again = publish_ok(server, make_events("dedup", "e", 20));
  CHECK(again.at("unique_processed") == 0);
  CHECK(again.at("duplicate_dropped") == 20);
  // A duplicate with another payload after the restart still does not win.
  auto changed = make_event("dedup", "e0", json{{"changed", true}});
  CHECK(publish_ok(server, changed).at("duplicate_dropped") == 1);
  publish_ok(server, make_events("dedup", "new", 2));

  auto after = fetch_events(server, "dedup");
  REQUIRE(after.size() == 22);
  CHECK(std::vector<json>(after.begin(), after.begin() + 20) == before);
  CHECK(after[20].at("event_id") == "new0");
  CHECK(after[20].at("seq").get<int64_t>() > before.back().at("seq").get<int64_t>());
  CHECK(after[21].at("seq").get<int64_t>() > after[20].at("seq").get<int64_t>());
  auto stats = server.stats();
  CHECK(stats.at("unique_processed") == 22);
  CHECK(stats.at("duplicate_dropped") == 21);
  CHECK(stats.at("received") == 43);
}

TEST_CASE("dedup holds across a restart when keys sit in written and merged index runs",
          "[integration][persistence]") {
  // Runs of 16 keys: 300 events make many runs and merges of them (at the default, a run
  // is only written per 262,144 new keys).
  server_process server{{"--key-index-run-keys", "16"}};
  server.start();
  for (int batch = 0; batch < 6; ++batch)
    publish_ok(server, make_events("runs", "b" + std::to_string(batch) + "-", 50));
  server.restart();
  {
    // The runs written before the restart show in /metrics before any new commit.
    auto body = server.get("/metrics").body;
    auto at = body.find("\nevent_aggregator_key_index_runs ");
    REQUIRE(at != std::string::npos);
    CHECK(std::stoul(body.substr(at + 33)) > 0);
  }
  for (int batch = 0; batch < 6; ++batch) {
    auto again = publish_ok(server, make_events("runs", "b" + std::to_string(batch) + "-", 50));
    CHECK(again.at("duplicate_dropped") == 50);
  }
  auto fresh = publish_ok(server, make_events("runs", "new-", 10));
  CHECK(fresh.at("unique_processed") == 10);
  CHECK(fetch_events(server, "runs").size() == 310);
}

TEST_CASE("kill -9 right after acknowledged requests loses no acknowledged event",
          "[integration][persistence][crash]") {
  // --sync normal, the weaker mode: its commits are in the page cache, not yet fsynced,
  // which a process kill does not touch. (The default, full, has its own case below.)
  server_process server{{"--sync", "normal"}};
  server.start();
  id_set acked;
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    for (int request = 0; request < 40; ++request) {
      auto topic = "crash-" + std::to_string(request % 3);
      auto prefix = "r" + std::to_string(round) + "-q" + std::to_string(request) + "-";
      publish_ok(server, make_events(topic, prefix, 5));
      for (int i = 0; i < 5; ++i)
        acked[topic].insert(prefix + std::to_string(i));
    }
    auto last_seq = fetch_events(server, "crash-0").back().at("seq").get<int64_t>();
    auto killed = server.kill9();
    REQUIRE(killed.signaled);
    server.start();
    require_acknowledged_present(server, acked, acked);
    CHECK(server.stats().at("unique_processed").get<size_t>() == count(acked));
    // Dedup still knows the acknowledged ids, and new events sort after the old ones.
    auto prefix = "r" + std::to_string(round) + "-q0-";
    auto again = publish_ok(server, make_events("crash-0", prefix, 5));
    CHECK(again.at("duplicate_dropped") == 5);
    auto fresh = "fresh" + std::to_string(round);
    publish_ok(server, make_event("crash-0", fresh));
    acked["crash-0"].insert(fresh);
    auto events = fetch_events(server, "crash-0");
    CHECK(events.back().at("event_id") == fresh);
    CHECK(events.back().at("seq").get<int64_t>() > last_seq);
  }
}

TEST_CASE("with --sync full, kill -9 after acknowledged requests loses nothing",
          "[integration][persistence][crash]") {
  server_process server({"--sync", "full"});
  server.start();
  id_set acked;
  for (int request = 0; request < 20; ++request) {
    auto prefix = "q" + std::to_string(request) + "-";
    publish_ok(server, make_events("full", prefix, 5));
    for (int i = 0; i < 5; ++i)
      acked["full"].insert(prefix + std::to_string(i));
  }
  server.kill9();
  server.start();
  require_acknowledged_present(server, acked, acked);
}

TEST_CASE("kill -9 during concurrent publishing keeps every acknowledged event",
          "[integration][persistence][crash]") {
  server_process server;
  server.start();
  id_set acked, sent;
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    {
      publishers load(server, 4, "r" + std::to_string(round) + "-");
      bool enough = load.wait_for_acks(60, 20s);
      server.kill9(); // while the publishers are still sending
      load.join();
      REQUIRE(enough);
      CHECK(load.unexpected() == 0);
      for (auto& [topic, ids] : load.acked())
        acked[topic].insert(ids.begin(), ids.end());
      for (auto& [topic, ids] : load.sent())
        sent[topic].insert(ids.begin(), ids.end());
    }
    server.start();
    require_acknowledged_present(server, acked, sent);
  }
}

TEST_CASE("SIGTERM during concurrent publishing finishes acknowledged work and exits 0",
          "[integration][persistence][shutdown]") {
  server_process server;
  server.start();
  id_set acked, sent;
  {
    publishers load(server, 4);
    bool enough = load.wait_for_acks(60, 20s);
    auto status = server.stop_with(SIGTERM);
    load.join();
    REQUIRE(enough);
    require_clean_exit(status, server);
    CHECK(load.unexpected() == 0);
    acked = load.acked();
    sent = load.sent();
  }
  server.start();
  require_acknowledged_present(server, acked, sent);
}
