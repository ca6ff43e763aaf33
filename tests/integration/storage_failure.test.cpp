#include "support/events.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <set>
#include <string>

using agg::test::check_error;
using agg::test::fetch_events;
using agg::test::json;
using agg::test::make_event;
using agg::test::publish_ok;
using agg::test::server_options;
using agg::test::server_process;

namespace {

/// Four events of `bytes`-sized payloads, so a few requests fill a small disk.
json heavy_batch(int request, size_t bytes) {
  json batch = json::array();
  for (int i = 0; i < 4; ++i)
    batch.push_back(make_event("heavy", "q" + std::to_string(request) + "-" + std::to_string(i),
                               json{{"blob", std::string(bytes, 'x')}}));
  return batch;
}

/// REQUIREs /stats to agree with what GET /events returns.
void require_stats_match_storage(const server_process& server) {
  auto stats = server.stats();
  INFO("stats: " << stats.dump());
  size_t stored = 0;
  for (auto& topic : stats.at("topics"))
    stored += fetch_events(server, topic.get<std::string>()).size();
  CHECK(stats.at("unique_processed").get<size_t>() == stored);
  CHECK(stats.at("received").get<int64_t>()
        == stats.at("unique_processed").get<int64_t>()
             + stats.at("duplicate_dropped").get<int64_t>());
}

} // namespace

TEST_CASE("a storage failure answers 503 storage_unavailable, keeps the server up, and a retry "
          "after recovery stores the events",
          "[integration][storage]") {
  // RLIMIT_FSIZE makes writes past 1 MiB fail with EFBIG: a full disk without root.
  server_options options;
  options.file_size_limit = 1u << 20;
  server_process server(options);
  server.start();

  std::set<std::string> acked;
  json failed_batch;
  agg::test::reply failure;
  // 40 requests of 128 KiB are 5 MiB, far over the 1 MiB limit.
  for (int request = 0; request < 40 && failed_batch.is_null(); ++request) {
    auto batch = heavy_batch(request, 32 * 1024);
    auto r = server.post_json("/publish", batch);
    if (r.status == 200) {
      for (auto& e : batch)
        acked.insert(e.at("event_id").get<std::string>());
    } else {
      failed_batch = batch;
      failure = r;
    }
  }
  INFO("server log:\n" << server.log_tail());
  REQUIRE_FALSE(failed_batch.is_null());
  CHECK(check_error(failure, 503, "storage_unavailable"));
  agg::test::require_healthy(server);

  // What was acknowledged before the failure is still there, and stats agree with storage.
  std::set<std::string> stored;
  for (auto& e : fetch_events(server, "heavy"))
    stored.insert(e.at("event_id").get<std::string>());
  for (auto& id : acked)
    CHECK(stored.count(id) == 1);
  require_stats_match_storage(server);

  // Once the disk has room again, the same batch goes in: the failure did not mark its ids seen.
  server.set_file_size_limit(RLIM_INFINITY);
  auto retry = server.post_json("/publish", failed_batch);
  INFO("retry: " << retry.describe());
  REQUIRE(retry.status == 200);
  stored.clear();
  for (auto& e : fetch_events(server, "heavy"))
    stored.insert(e.at("event_id").get<std::string>());
  for (auto& e : failed_batch)
    CHECK(stored.count(e.at("event_id").get<std::string>()) == 1);
  require_stats_match_storage(server);
  publish_ok(server, make_event("after", "recovered"));
}
