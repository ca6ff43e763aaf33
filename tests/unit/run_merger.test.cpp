#include "storage/key_index/run_merger.hpp"

#include <algorithm>

#include <SQLiteCpp/Database.h>

#include <catch2/catch.hpp>

#include "storage/sqlite/schema.hpp"
#include "support/temp_dir.hpp"

namespace {

SQLite::Database& migrated(SQLite::Database& db) {
  REQUIRE_FALSE(agg::migrate(db));
  return db;
}

struct run_db {
  agg::test::temp_dir dir;
  SQLite::Database db{(dir / "events.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
  agg::run_store store{migrated(db)}; // Its statements need the tables.

  // Writes a run of `entries` (sorted here) and returns a cursor on it.
  agg::run_cursor write(int64_t id, std::vector<agg::key_entry> entries) {
    std::sort(entries.begin(), entries.end());
    agg::run_builder builder{store, id, 0, entries.size(), 16, 65536};
    for (auto& e : entries)
      builder.add(e);
    auto run = builder.finish();
    return {run.id, run.fences.size()};
  }
};

} // namespace

TEST_CASE("runs merge into one sorted run, a slice at a time", "[key_index]") {
  run_db t;
  std::vector<agg::key_entry> a, b, all;
  // 600 entries each: every run spans three blocks, and hashes interleave (some equal).
  for (int64_t i = 0; i < 600; ++i) {
    a.push_back({static_cast<uint64_t>(i * 7 % 1000), i});
    b.push_back({static_cast<uint64_t>(i * 13 % 1000), 1000 + i});
  }
  all = a;
  all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  std::vector<agg::run_cursor> inputs{t.write(1, a), t.write(2, b)};
  agg::run_builder out{t.store, 3, 1, all.size(), 16, 65536};
  size_t moved = 0, calls = 0;
  bool exhausted = false;
  while (!exhausted) {
    moved += agg::merge_runs(t.store, inputs, 97, out, exhausted);
    ++calls;
  }
  CHECK(moved == all.size());
  CHECK(calls == all.size() / 97 + 1);
  auto merged = out.finish();
  CHECK(merged.entries == all.size());
  CHECK(merged.max_seq == 1599);
  std::vector<agg::key_entry> back, block;
  for (size_t i = 0; i < merged.fences.size(); ++i) {
    t.store.read_block(3, i, block);
    back.insert(back.end(), block.begin(), block.end());
  }
  REQUIRE(back.size() == all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    INFO(i);
    REQUIRE(back[i].hash == all[i].hash);
    REQUIRE(back[i].seq == all[i].seq);
  }
}
