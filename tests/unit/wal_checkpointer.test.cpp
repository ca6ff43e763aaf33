#include "storage/sqlite/wal_checkpointer.hpp"

#include <chrono>
#include <filesystem>
#include <thread>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

namespace {

// A WAL-mode database with a table whose rows fill about a page each.
std::unique_ptr<SQLite::Database> open_wal_db(const std::string& path) {
  auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  REQUIRE(db->execAndGet("PRAGMA journal_mode=WAL").getString() == "wal");
  db->exec("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, body TEXT)");
  return db;
}

// Commits `commits` transactions of `rows` page-sized rows each.
void write(SQLite::Database& db, int commits, int rows) {
  SQLite::Statement insert{db, "INSERT INTO t(body) VALUES (printf('%.*c', 3500, 'x'))"};
  for (int c = 0; c < commits; ++c) {
    SQLite::Transaction tx{db};
    for (int r = 0; r < rows; ++r) {
      insert.exec();
      insert.reset();
    }
    tx.commit();
  }
}

uintmax_t wal_bytes(const std::string& path) {
  std::error_code err;
  auto size = std::filesystem::file_size(path + "-wal", err);
  return err ? 0 : size;
}

} // namespace

TEST_CASE("past block_pages the writer checkpoints inline, so the WAL stays bounded",
          "[checkpointer]") {
  agg::test::temp_dir dir;
  auto path = (dir / "wal.db").string();
  auto db = open_wal_db(path);
  // The background thread is never woken: only the inline bound keeps the WAL small.
  auto cp = agg::wal_checkpointer::attach(*db, path, {1 << 30, 64});
  REQUIRE(cp);
  write(*db, 200, 8); // ~1,600 pages: 25 times the bound.
  CHECK((*cp)->inline_checkpoints() > 0);
  CHECK((*cp)->background_checkpoints() == 0);
  // The WAL restarts after a complete checkpoint: at most the bound plus one commit.
  CHECK(wal_bytes(path) <= (64 + 8 + 8) * (4096 + 24) + 32);
  CHECK(db->execAndGet("SELECT count(*) FROM t").getInt() == 1600);
}

TEST_CASE("without SQLite's auto-checkpoint the WAL grows until the checkpointer acts",
          "[checkpointer]") {
  agg::test::temp_dir dir;
  auto path = (dir / "wal.db").string();
  auto db = open_wal_db(path);
  // Neither limit is reached: were SQLite's own hook (1,000 pages) still installed, the
  // WAL would restart and stay near 4 MiB.
  auto cp = agg::wal_checkpointer::attach(*db, path, {1 << 30, 1 << 30});
  REQUIRE(cp);
  write(*db, 150, 10);
  CHECK(wal_bytes(path) > 1400 * 4096);
}

TEST_CASE("past start_pages a commit wakes the background checkpoint", "[checkpointer]") {
  agg::test::temp_dir dir;
  auto path = (dir / "wal.db").string();
  auto db = open_wal_db(path);
  auto cp = agg::wal_checkpointer::attach(*db, path, {16, 1 << 30});
  REQUIRE(cp);
  write(*db, 1, 32);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((*cp)->background_checkpoints() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK((*cp)->background_checkpoints() > 0);
  CHECK((*cp)->inline_checkpoints() == 0);
  // Commits go on beside it, and every row is there.
  write(*db, 1, 1);
  SQLite::Database check{path, SQLite::OPEN_READONLY};
  CHECK(check.execAndGet("SELECT count(*) FROM t").getInt() == 33);
}
