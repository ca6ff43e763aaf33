#include "storage/sqlite/wal_syncer.hpp"

#include <chrono>
#include <thread>

#include <SQLiteCpp/Database.h>

#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "storage/sqlite/wal_checkpointer.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;

namespace {

// A WAL-mode database at `synchronous`, with a table whose rows fill about a page each.
std::unique_ptr<SQLite::Database> open_wal_db(const std::string& path, const char* synchronous) {
  auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  REQUIRE(db->execAndGet("PRAGMA journal_mode=WAL").getString() == "wal");
  db->exec(std::string{"PRAGMA synchronous="} + synchronous);
  db->exec("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, body TEXT)");
  return db;
}

void commit_rows(SQLite::Database& db, int commits) {
  for (int c = 0; c < commits; ++c)
    db.exec("INSERT INTO t(body) VALUES (printf('%.*c', 3500, 'x'))");
}

// Polls `done` until it holds; the deadline only guards against a hang.
template <class Predicate>
bool eventually(Predicate done) {
  for (auto until = std::chrono::steady_clock::now() + 30s; !done();) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

constexpr uint64_t frame_bytes = 4096 + 24; // SQLite's default page and a frame header

} // namespace

TEST_CASE("under --sync normal the WAL is fsynced every interval, with or without commits",
          "[wal_syncer]") {
  agg::test::temp_dir dir;
  auto path = (dir / "wal.db").string();
  auto db = open_wal_db(path, "NORMAL");
  SECTION("with no commit at all") {
    auto syncer = agg::wal_syncer::start(path + "-wal", agg::sync_mode::normal, 4096, {5ms, {}});
    REQUIRE(syncer);
    auto& status = (*syncer)->status();
    CHECK(status.fsyncs >= 1); // at start
    REQUIRE(eventually([&] { return status.fsyncs >= 4; }));
    CHECK(status.unsynced_bytes() == 0);
  }
  SECTION("commits are unsynced bytes until the next fsync has begun after them") {
    // The first interval outlasts the commits, so they are counted before any fsync.
    auto syncer = agg::wal_syncer::start(path + "-wal", agg::sync_mode::normal, 4096, {50ms, {}});
    REQUIRE(syncer);
    auto checkpointer = agg::wal_checkpointer::attach(*db, path, {}, syncer->get());
    REQUIRE(checkpointer);
    auto& status = (*syncer)->status();
    auto before = status.fsyncs.load();
    commit_rows(*db, 5);
    CHECK(status.written_bytes % frame_bytes == 0);
    CHECK(status.written_bytes >= 5 * frame_bytes);
    if (status.fsyncs == before) // no fsync began during the commits
      CHECK(status.unsynced_bytes() == status.written_bytes);
    REQUIRE(eventually([&] { return status.unsynced_bytes() == 0; }));
    CHECK(status.fsyncs > before);
  }
}

TEST_CASE("under --sync full every commit counts as fsynced, and no thread runs", "[wal_syncer]") {
  agg::test::temp_dir dir;
  auto path = (dir / "wal.db").string();
  auto db = open_wal_db(path, "FULL");
  // An interval that would never pass: only commits move the figures.
  auto syncer = agg::wal_syncer::start(path + "-wal", agg::sync_mode::full, 4096, {1h, {}});
  REQUIRE(syncer);
  auto checkpointer = agg::wal_checkpointer::attach(*db, path, {}, syncer->get());
  REQUIRE(checkpointer);
  auto& status = (*syncer)->status();
  auto age_before = status.last_fsync_started_ns.load();
  commit_rows(*db, 3);
  CHECK(status.fsyncs == 1 + 3);
  CHECK(status.written_bytes >= 3 * frame_bytes);
  CHECK(status.unsynced_bytes() == 0);
  CHECK(status.last_fsync_started_ns > age_before);
}

TEST_CASE("a WAL that cannot be opened is an error at start", "[wal_syncer]") {
  agg::test::temp_dir dir;
  auto syncer
    = agg::wal_syncer::start((dir / "missing.db-wal").string(), agg::sync_mode::normal, 4096, {});
  REQUIRE_FALSE(syncer);
  CHECK(syncer.error() == agg::ec::storage_failure);
}
