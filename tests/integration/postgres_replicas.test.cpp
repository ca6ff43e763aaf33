// Several replicas (real binaries) on one PostgreSQL database: exact dedup across them, and
// cluster-wide counters on each.

#include "support/events.hpp"
#include "support/postgres_cluster.hpp"
#include "support/server_process.hpp"
#include "subscribe_client.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using agg::test::json;
using agg::test::make_event;
using agg::test::postgres_cluster;
using agg::test::server_options;
using agg::test::server_process;
using agg::test::sse_frame;
using agg::test::sse_subscriber;

namespace {

std::vector<std::unique_ptr<server_process>> start_replicas(postgres_cluster& cluster,
                                                            const std::string& db, int count) {
  std::vector<std::unique_ptr<server_process>> replicas;
  for (int i = 0; i < count; ++i) {
    server_options options;
    // A short heartbeat lets the test's subscribers hang up promptly.
    options.extra_args = {"--store", "postgres", "--postgres-url", cluster.url(db),
                          "--heartbeat-ms", "100"};
    replicas.push_back(std::make_unique<server_process>(options));
    replicas.back()->start();
  }
  return replicas;
}

std::vector<std::string> event_ids(const std::vector<sse_frame>& frames) {
  std::vector<std::string> ids;
  for (auto& f : frames)
    ids.push_back(json::parse(f.data).at("event_id").get<std::string>());
  return ids;
}

std::vector<std::string> names(int first, int last) {
  std::vector<std::string> out;
  for (int i = first; i < last; ++i)
    out.push_back("e" + std::to_string(i));
  return out;
}

} // namespace

TEST_CASE("16 publishers sending the same 500 ids over three replicas store each once",
          "[integration][postgres][replicas]") {
  auto cluster = postgres_cluster::start_or_skip();
  if (!cluster)
    return;
  auto db = cluster->fresh_database();
  auto replicas = start_replicas(*cluster, db, 3);
  constexpr int publishers = 16, ids = 500, batch = 25;
  // Per request (publisher, batch): the unique count its answer gave. Each event's payload
  // names its request, so the stored rows show which request's copy won.
  std::mutex mtx;
  std::map<std::pair<int, int>, int64_t> unique_by_request;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int p = 0; p < publishers; ++p)
    threads.emplace_back([&, p] {
      for (int b = 0; b < ids / batch; ++b) {
        json events = json::array();
        // Each publisher walks the ids from its own offset, so the batches overlap in
        // different orders on different replicas (what could deadlock without sorted keys).
        for (int i = 0; i < batch; ++i) {
          auto id = (p * 37 + b * batch + i) % ids;
          events.push_back(make_event("shared", "id-" + std::to_string(id),
                                      json{{"publisher", p}, {"batch", b}}));
        }
        auto& replica = *replicas[static_cast<size_t>((p + b) % 3)];
        auto r = replica.post_json("/publish", events);
        std::lock_guard<std::mutex> lock{mtx};
        if (r.status != 200) {
          failures.push_back(r.describe());
          continue;
        }
        unique_by_request[{p, b}] = r.json().at("unique_processed").get<int64_t>();
      }
    });
  for (auto& t : threads)
    t.join();
  INFO("first failure: " << (failures.empty() ? "" : failures.front()));
  REQUIRE(failures.empty());
  int64_t unique = 0;
  for (auto& [request, count] : unique_by_request)
    unique += count;
  CHECK(unique == ids);
  CHECK(cluster->query(db, "SELECT count(*) FROM ea_events") == std::vector<std::string>{"500"});
  CHECK(cluster->query(db, "SELECT count(DISTINCT event_id) FROM ea_events")
        == std::vector<std::string>{"500"});
  // The answer that counted events unique is the one whose payloads were stored.
  auto stored = cluster->query(
    db, "SELECT (payload::json->>'publisher') || '/' || (payload::json->>'batch') || '/' || "
        "count(*) FROM ea_events GROUP BY payload::json->>'publisher', "
        "payload::json->>'batch'");
  std::map<std::pair<int, int>, int64_t> stored_by_request;
  for (auto& row : stored) {
    auto a = row.find('/'), b = row.rfind('/');
    stored_by_request[{std::stoi(row.substr(0, a)), std::stoi(row.substr(a + 1, b - a - 1))}]
      = std::stoll(row.substr(b + 1));
  }
  for (auto& [request, count] : unique_by_request) {
    INFO("publisher " << request.first << ", batch " << request.second);
    auto found = stored_by_request.find(request);
    CHECK((found == stored_by_request.end() ? 0 : found->second) == count);
  }
  // Every replica shows the cluster's counters; other replicas' duplicates arrive with
  // their next save (once a second), so poll until all have.
  for (auto& replica : replicas) {
    json stats;
    for (int attempt = 0; attempt < 500; ++attempt) {
      stats = replica->stats();
      if (stats.at("received") == publishers * ids)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    INFO(stats.dump());
    CHECK(stats.at("received") == publishers * ids);
    CHECK(stats.at("unique_processed") == ids);
    CHECK(stats.at("duplicate_dropped") == publishers * ids - ids);
    CHECK(stats.at("topics") == json::array({"shared"}));
  }
}

TEST_CASE("a subscriber on one replica sees every replica's events in order and resumes on "
          "another",
          "[integration][postgres][replicas][subscribe]") {
  auto cluster = postgres_cluster::start_or_skip();
  if (!cluster)
    return;
  auto db = cluster->fresh_database();
  auto replicas = start_replicas(*cluster, db, 3);
  sse_subscriber first{replicas[0]->port(), "/subscribe?topic=live"};
  REQUIRE(agg::test::poll_until([&] { return first.opened(); }));
  // One after the other, so commit order is publish order.
  for (int i = 0; i < 30; ++i)
    agg::test::publish_ok(*replicas[static_cast<size_t>(i % 3)],
                          make_event("live", "e" + std::to_string(i)));
  REQUIRE(agg::test::poll_until([&] { return first.frame_count() >= 30; }));
  auto frames = first.frames();
  CHECK(event_ids(frames) == names(0, 30));
  for (size_t i = 1; i < frames.size(); ++i)
    CHECK(std::stoll(frames[i - 1].id) < std::stoll(frames[i].id));
  first.stop();

  for (int i = 30; i < 40; ++i)
    agg::test::publish_ok(*replicas[static_cast<size_t>(i % 3)],
                          make_event("live", "e" + std::to_string(i)));
  // Resuming on another replica from the 10th event: the rest, then the newer ones, once.
  sse_subscriber resumed{replicas[1]->port(), "/subscribe?topic=live",
                         {{"Last-Event-ID", frames[9].id}}};
  REQUIRE(agg::test::poll_until([&] { return resumed.frame_count() >= 30; }));
  agg::test::publish_ok(*replicas[2], make_event("live", "e40"));
  REQUIRE(agg::test::poll_until([&] { return resumed.frame_count() >= 31; }));
  CHECK(event_ids(resumed.frames()) == names(10, 41));
}
