#include "subscribe_client.hpp"
#include "support/events.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

using agg::test::json;
using agg::test::make_event;
using agg::test::poll_until;
using agg::test::server_process;
using agg::test::sse_frame;
using agg::test::sse_subscriber;

namespace {

constexpr int publishers = 3;
constexpr int batches_per_publisher = 100;
constexpr int events_per_batch = 20;

// Each publisher sends batches mixing the two followed topics and one that is not followed.
// Returns the event ids a subscriber of "alpha" and "beta" must get; failures go to `errors`.
std::set<std::string> publish_concurrently(const server_process& s, std::atomic<bool>& done,
                                           std::vector<std::string>& errors) {
  std::set<std::string> wanted;
  for (int p = 0; p < publishers; ++p)
    for (int b = 0; b < batches_per_publisher; ++b)
      for (int i = 0; i < events_per_batch; ++i)
        if (i % 3 != 2)
          wanted.insert("p" + std::to_string(p) + "-" + std::to_string(b) + "-"
                        + std::to_string(i));
  std::vector<std::thread> pool;
  std::mutex errors_mtx;
  for (int p = 0; p < publishers; ++p)
    pool.emplace_back([&, p] {
      for (int b = 0; b < batches_per_publisher; ++b) {
        json batch = json::array();
        for (int i = 0; i < events_per_batch; ++i) {
          static const char* topics[] = {"alpha", "beta", "noise"};
          batch.push_back(make_event(topics[i % 3], "p" + std::to_string(p) + "-"
                                                      + std::to_string(b) + "-"
                                                      + std::to_string(i)));
        }
        auto r = s.post_json("/publish", batch);
        if (r.status != 200) {
          std::lock_guard<std::mutex> lock{errors_mtx};
          errors.push_back(r.describe());
        }
      }
    });
  std::thread{[pool = std::move(pool), &done]() mutable {
    for (auto& t : pool)
      t.join();
    done = true;
  }}.detach();
  return wanted;
}

} // namespace

TEST_CASE("across forced reconnects under concurrent publishing a subscriber gets every event "
          "once, in seq order",
          "[subscribe][concurrency]") {
  server_process s{{"--heartbeat-ms", "100"}};
  s.start();
  std::atomic<bool> publishing_done{false};
  std::vector<std::string> publish_errors;
  // A few events exist before the first connection, so after=0 starts with a replay.
  agg::test::publish_ok(s, json::array({make_event("alpha", "early-1"), make_event("beta", "early-2")}));
  auto wanted = publish_concurrently(s, publishing_done, publish_errors);
  wanted.insert({"early-1", "early-2"});

  std::mt19937 rng{42};
  std::vector<sse_frame> received;
  int connections = 0;
  int connections_while_publishing = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (received.size() < wanted.size() && std::chrono::steady_clock::now() < deadline) {
    // Hang up after a random number of events: mid-replay, at the seam or while live.
    size_t stop_after = std::uniform_int_distribution<size_t>{1, 250}(rng);
    httplib::Headers headers;
    if (!received.empty())
      headers.emplace("Last-Event-ID", received.back().id);
    // The URL keeps after=0, as EventSource keeps its URL: the header must win.
    sse_subscriber sub{s.port(), "/subscribe?topic=alpha&topic=beta&after=0", headers, stop_after};
    ++connections;
    connections_while_publishing += publishing_done ? 0 : 1;
    poll_until([&] {
      return sub.finished() || (publishing_done && received.size() + sub.frame_count() >= wanted.size());
    }, std::chrono::seconds(60));
    sub.stop();
    auto frames = sub.frames();
    received.insert(received.end(), frames.begin(), frames.end());
  }
  INFO("connections: " << connections << ", while publishing: " << connections_while_publishing);
  REQUIRE(publishing_done);
  REQUIRE(publish_errors.empty());
  CHECK(connections > 5);
  CHECK(connections_while_publishing >= 2); // the seams really happened under load

  std::vector<std::string> ids;
  int64_t last_seq = 0;
  for (auto& f : received) {
    INFO("frame id " << f.id << " data " << f.data);
    REQUIRE(f.event == "event");
    auto data = json::parse(f.data);
    auto seq = data.at("seq").get<int64_t>();
    CHECK(f.id == std::to_string(seq));
    CHECK(seq > last_seq); // in order, never twice
    last_seq = seq;
    CHECK(data.at("topic") != "noise");
    ids.push_back(data.at("event_id").get<std::string>());
  }
  CHECK(ids.size() == wanted.size());
  CHECK(std::set<std::string>(ids.begin(), ids.end()) == wanted);
}
