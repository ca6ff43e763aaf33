#include "support/events.hpp"
#include "support/immutable_file.hpp"
#include "support/server_process.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <chrono>
#include <future>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

using agg::test::check_error;
using agg::test::fetch_events;
using agg::test::immutable_files;
using agg::test::json;
using agg::test::make_events;
using agg::test::publish_ok;
using agg::test::reply;
using agg::test::server_process;
using namespace std::chrono_literals;

namespace {

// The store waits 5 s for a lock (busy_timeout in sqlite_event_store.cpp) and a publish at most
// --publish-timeout-ms (10 s by default) for its commit: an answer must come within that.
constexpr auto answer_bound = 15s;

struct timed_reply {
  reply r;
  std::chrono::milliseconds took;
};

timed_reply timed_publish(const server_process& server, const json& body) {
  auto started = std::chrono::steady_clock::now();
  auto r = server.post_json("/publish", body);
  return {r, std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - started)};
}

/// CHECKs a storage refusal: 503 with Retry-After within answer_bound, and the error `code`:
/// storage_unavailable when its commit failed; a request queued behind commits that each
/// wait out the busy timeout may reach --publish-timeout-ms first and get `timeout` instead.
void check_storage_refusal(const timed_reply& t, bool timeout_allowed = false) {
  INFO(t.r.describe() << " after " << t.took.count() << " ms");
  auto code = t.r.try_json().value_or(json::object()).value("error", "");
  if (timeout_allowed && code == "timeout")
    CHECK(check_error(t.r, 503, "timeout"));
  else
    CHECK(check_error(t.r, 503, "storage_unavailable"));
  CHECK(t.r.header("Retry-After") == "1");
  CHECK(t.took < answer_bound);
}

/// CHECKs GET /readyz says 503 not_ready.
void check_not_ready(const server_process& server) {
  auto r = server.get("/readyz");
  INFO("GET /readyz -> " << r.describe());
  CHECK(r.status == 503);
  CHECK(r.try_json().value_or(json::object()).value("status", "") == "not_ready");
}

std::set<std::string> stored_ids(const server_process& server, const std::string& topic) {
  std::set<std::string> ids;
  for (auto& e : fetch_events(server, topic))
    ids.insert(e.at("event_id").get<std::string>());
  return ids;
}

/// Polls GET /readyz until it answers `status` (bounded); true when it did.
bool readyz_becomes(const server_process& server, int status) {
  for (int i = 0; i < 100; ++i) {
    if (server.get("/readyz").status == status)
      return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

/// REQUIREs /stats to agree with GET /events on `topic` (the only topic in these tests).
void require_stats_match(const server_process& server, const std::string& topic) {
  auto stats = server.stats();
  INFO("stats: " << stats.dump());
  CHECK(stats.at("unique_processed").get<size_t>() == stored_ids(server, topic).size());
}

} // namespace

TEST_CASE("the database locked by another process: publish gets 503 storage_unavailable with "
          "Retry-After, never 200, /readyz is not ready, and it recovers when the lock goes",
          "[integration][fault][storage]") {
  server_process server;
  server.start();
  publish_ok(server, make_events("locked", "before-", 3));

  SQLite::Database other{(server.data_dir() / "events.db").string(), SQLite::OPEN_READWRITE};
  other.exec("BEGIN EXCLUSIVE"); // in WAL mode: holds the write lock; readers go on

  // One publish alone: its commit waits out the busy timeout and fails.
  std::vector<json> bodies{make_events("locked", "a-", 1)[0], make_events("locked", "b-", 5),
                           make_events("locked", "c-", 1)[0], make_events("locked", "d-", 20)};
  check_storage_refusal(timed_publish(server, bodies[0]));
  check_not_ready(server);
  // Concurrent publishes, singles and batches: every one is refused, none is acknowledged.
  std::vector<std::future<timed_reply>> answers;
  for (auto& body : bodies)
    answers.push_back(
      std::async(std::launch::async, [&server, body] { return timed_publish(server, body); }));
  for (auto& a : answers)
    check_storage_refusal(a.get(), true);
  check_not_ready(server);
  // Reads still work, and nothing of the refused requests is there.
  CHECK(stored_ids(server, "locked") == std::set<std::string>{"before-0", "before-1", "before-2"});

  other.exec("ROLLBACK");
  // No restart and no operator action: the very next attempt stores the events.
  for (auto& body : bodies) {
    auto retry = timed_publish(server, body);
    INFO("retry after the lock went: " << retry.r.describe());
    CHECK(retry.r.status == 200);
  }
  CHECK(readyz_becomes(server, 200));
  CHECK(stored_ids(server, "locked").size() == 3 + 1 + 5 + 1 + 20);
  require_stats_match(server, "locked");
}

TEST_CASE("read-only storage (the data dir and database made immutable): publish gets 503 "
          "storage_unavailable, never 200, /readyz is not ready, and it recovers when writable",
          "[integration][fault][storage]") {
  server_process server;
  server.start();
  publish_ok(server, make_events("readonly", "before-", 3));
  auto dir = server.data_dir();
  // Root ignores permission bits, so chmod cannot make storage read-only in CI; the immutable
  // attribute stops root too, also on descriptors SQLite opened before. Not on events.db-shm:
  // SQLite maps it into memory, and a mapped page that cannot be written kills the process
  // with SIGBUS (see docs/RELIABILITY.md).
  immutable_files frozen{{dir / "events.db", dir / "events.db-wal", dir}};
  if (!frozen.error().empty()) {
    // ctest reports this test as skipped (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt).
    std::cout << "SKIPPED: read-only storage cannot be simulated here: " << frozen.error()
              << std::endl;
    return;
  }

  for (int i = 0; i < 3; ++i)
    check_storage_refusal(timed_publish(server, make_events("readonly", "r" + std::to_string(i) + "-", 4)));
  check_not_ready(server);
  agg::test::require_healthy(server);

  frozen.release();
  for (int i = 0; i < 3; ++i) {
    auto retry = timed_publish(server, make_events("readonly", "r" + std::to_string(i) + "-", 4));
    INFO("retry once writable: " << retry.r.describe());
    CHECK(retry.r.status == 200);
  }
  CHECK(readyz_becomes(server, 200));
  CHECK(stored_ids(server, "readonly").size() == 3 + 3 * 4);
  require_stats_match(server, "readonly");
}

TEST_CASE("start-up on a read-only (immutable) data dir exits 1 naming the problem",
          "[integration][fault][storage]") {
  agg::test::temp_dir dir;
  auto data = dir / "data";
  std::filesystem::create_directory(data);
  immutable_files frozen{{data}};
  if (!frozen.error().empty()) {
    std::cout << "SKIPPED: read-only storage cannot be simulated here: " << frozen.error()
              << std::endl;
    return;
  }
  auto run = agg::test::run_server_binary({"--port", "0", "--data-dir", data.string()});
  INFO(run.output);
  CHECK(run.status.exited);
  CHECK(run.status.code == 1);
  CHECK(run.output.find((data / "events.db").string()) != std::string::npos);
}

TEST_CASE("start-up on an existing database made read-only exits 1, and starts once writable, "
          "with its events",
          "[integration][fault][storage]") {
  server_process server;
  server.start();
  publish_ok(server, make_events("frozen", "e-", 5));
  auto stopped = server.stop_with(SIGTERM);
  REQUIRE(stopped.exited);
  auto dir = server.data_dir();
  {
    immutable_files frozen{{dir / "events.db", dir / "events.db-wal", dir / "events.db-shm", dir}};
    if (!frozen.error().empty()) {
      std::cout << "SKIPPED: read-only storage cannot be simulated here: " << frozen.error()
                << std::endl;
      return;
    }
    auto run = agg::test::run_server_binary({"--port", "0", "--data-dir", dir.string()});
    INFO(run.output);
    CHECK(run.status.exited);
    CHECK(run.status.code == 1);
    CHECK(run.output.find((dir / "events.db").string()) != std::string::npos);
  }
  server.start();
  CHECK(fetch_events(server, "frozen").size() == 5);
}
