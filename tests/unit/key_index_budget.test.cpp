// The key index under a memory budget: exact answers against a reference set however much the
// filters are folded, merges that hand their hash range over, restarts and crashes mid-upkeep.

#include <map>
#include <random>
#include <set>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <catch2/catch.hpp>

#include "storage/key_index/hot_keys.hpp"
#include "storage/key_index/key_hash.hpp"
#include "storage/key_index/key_index.hpp"
#include "storage/sqlite/schema.hpp"
#include "support/temp_dir.hpp"

namespace {

// The schema and a topic, before anything prepares a statement on them.
SQLite::Database& ready(SQLite::Database& db) {
  REQUIRE_FALSE(agg::migrate(db));
  db.exec("INSERT INTO topics(id, name) VALUES (1, 't')");
  return db;
}

struct index_db {
  agg::test::temp_dir dir;
  SQLite::Database db{(dir / "events.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
  SQLite::Statement insert{ready(db), "INSERT INTO events(topic_id, event_id, timestamp, "
                                      "source, payload) VALUES (1, ?, 't', 's', '{}')"};

  int64_t store(const std::string& event_id) {
    insert.bind(1, event_id);
    insert.exec();
    insert.reset();
    return db.getLastInsertRowid();
  }
};

std::string id_of(int id) {
  return "id-" + std::to_string(id);
}

// A weak hash on purpose: the ids share 2,000 hashes, so hash matches that are not the key
// are everywhere and only the event row can tell them apart. A restart hashes the newest
// events again with key_hash, so tests that restart use that one.
bool weak = false;

uint64_t hash_of(int id) {
  if (!weak)
    return agg::key_hash(1, id_of(id));
  uint64_t x = static_cast<uint64_t>(id % 2000) + 1;
  x *= 0x9e3779b97f4a7c15ULL;
  return x ^ (x >> 29);
}

// Runs of 128 keys, pairs merged, 128 keys per filter partition, slices of 40 entries, and a
// budget that leaves the filters about 6 KiB once fences and the newest keys' table are paid
// for: 5,000 keys get about 10 bits each, folded again and again as the store grows. (A
// partition costs 96 bytes at the least, so the partitions of tiny runs need that much room.)
agg::key_index_options tight() {
  agg::key_index_options o;
  o.run_entries = 128;
  o.fan_in = 2;
  o.merge_pace = 1;
  o.merge_slice_min = 40;
  o.partition_keys = 128;
  o.memory_bytes = 2 * agg::hot_keys::memory_bytes_at(o.run_entries) + 2048;
  return o;
}

} // namespace

TEST_CASE("the key index agrees with a reference set under a tight memory budget",
          "[key_index][budget]") {
  index_db t;
  auto options = tight();
  REQUIRE(agg::key_index::check(options).empty());
  bool restarts = GENERATE(false, true);
  weak = !restarts;
  INFO((restarts ? "key_hash, restarts" : "shared hashes, no restart"));
  auto index = std::make_unique<agg::key_index>(t.db, options);
  std::set<int> stored;
  std::mt19937 rng{12};
  std::uniform_int_distribution<int> pick{0, 12000};
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 150; ++i) {
      auto id = pick(rng);
      bool known = index->contains(1, id_of(id), hash_of(id));
      REQUIRE(known == (stored.count(id) == 1));
      if (!known) {
        index->add(hash_of(id), t.store(id_of(id)));
        stored.insert(id);
      }
      index->maintain(1);
      // The budget holds after every step of upkeep, not only on average.
      REQUIRE(index->footprint().memory_bytes <= options.memory_bytes);
    }
    if (restarts && round % 10 == 9) { // The runs and folded filters come back.
      index.reset();
      index = std::make_unique<agg::key_index>(t.db, options);
    }
  }
  REQUIRE(stored.size() > 4000);
  for (int id = 0; id <= 12000; ++id) {
    INFO(id);
    REQUIRE(index->contains(1, id_of(id), hash_of(id)) == (stored.count(id) == 1));
  }
  CHECK(index->shape().run_levels.size() >= 2);
  // The filters did shrink below the 16 bits per key they would have with room.
  CHECK(index->footprint().memory_bytes < 2 * agg::hot_keys::memory_bytes_at(128) + stored.size() * 2);
}

namespace {

size_t found(agg::key_index& index, int from, int to) {
  size_t n = 0;
  for (int id = from; id < to; ++id)
    n += index.contains(1, id_of(id), hash_of(id)) ? 1 : 0;
  return n;
}

void add(index_db& t, agg::key_index& index, int from, int to) {
  for (int id = from; id < to; ++id) {
    index.add(hash_of(id), t.store(id_of(id)));
    index.maintain(1);
  }
}

int64_t unfinished_runs(SQLite::Database& db) {
  return db.execAndGet("SELECT count(*) FROM key_runs WHERE level < 0").getInt64();
}

} // namespace

TEST_CASE("a merge hands its hash range over and never holds two whole filters",
          "[key_index][budget]") {
  weak = true;
  index_db t;
  auto options = tight();
  options.memory_bytes = size_t{64} << 20; // Room for full filters: only the hand-over saves.
  options.run_entries = 4096;
  options.partition_keys = 256; // 16 partitions of 8 blocks per input, 32 for the output.
  options.merge_slice_min = 512;
  agg::key_index index{t.db, options};
  auto filters = [&] {
    // The newest keys' table grows in steps of its own; the filters and fences are the point.
    auto shape = index.shape();
    return shape.memory_bytes - shape.hot_memory_bytes;
  };
  add(t, index, 0, 8192); // Two runs of 4,096, and the first slice of their merge.
  REQUIRE(unfinished_runs(t.db) == 1);
  auto before = filters();
  size_t peak = 0;
  int commits = 0;
  for (int id = 8192; unfinished_runs(t.db) > 0; ++id, ++commits) {
    add(t, index, id, id + 1); // Each commit moves the merge on a slice of 512 entries.
    peak = std::max(peak, filters());
    // Every key, in the inputs' part or in the output's, at a few points; the newest always.
    if (commits % 4 == 0)
      REQUIRE(found(index, 0, id + 1) == static_cast<size_t>(id + 1));
    REQUIRE(found(index, id - 50, id + 1) == 51);
    REQUIRE(found(index, 20000, 20050) == 0);
  }
  CHECK(found(index, 0, 8192 + commits) == static_cast<size_t>(8192 + commits));
  CHECK(commits >= 15);
  // Both inputs' filters whole beside the output's would take about twice `before`.
  CHECK(peak < before + before / 2);
}

TEST_CASE("a crash in the middle of a merge after hand-over loses no key", "[key_index][budget]") {
  weak = false;
  index_db t;
  auto options = tight();
  options.memory_bytes = size_t{64} << 20;
  options.run_entries = 256;
  options.partition_keys = 16;
  options.merge_slice_min = 100;
  {
    agg::key_index index{t.db, options};
    add(t, index, 0, 514); // Two runs of 256 and three slices of 100 of their merge.
    REQUIRE(unfinished_runs(t.db) == 1);
  } // As if the process died here: the output is half written, the inputs half given back.
  agg::key_index reopened{t.db, options};
  CHECK(unfinished_runs(t.db) == 0);
  CHECK(found(reopened, 0, 514) == 514);
  CHECK(found(reopened, 5000, 5100) == 0);
  add(t, reopened, 514, 1200);
  reopened.maintain();
  CHECK(found(reopened, 0, 1200) == 1200);
}

TEST_CASE("folded filters are saved, and a lower budget folds them at open", "[key_index][budget]") {
  weak = false;
  index_db t;
  auto options = tight();
  options.memory_bytes = size_t{1} << 20; // Room: every filter at 16 bits per key.
  options.partition_keys = 256;
  {
    agg::key_index index{t.db, options};
    add(t, index, 0, 8000);
    index.maintain();
  }
  agg::key_index roomy{t.db, options};
  auto shape = roomy.shape();
  // A third of the filters' bytes less: they must fold, and can (a partition folds to 1/8).
  auto lower = options;
  lower.memory_bytes = shape.memory_bytes - (shape.memory_bytes - shape.hot_memory_bytes) / 3;
  REQUIRE(agg::key_index::check(lower).empty());
  {
    agg::key_index folded{t.db, lower};
    CHECK(folded.footprint().memory_bytes <= lower.memory_bytes);
    CHECK(found(folded, 0, 8000) == 8000);
    CHECK(found(folded, 10000, 11000) == 0);
  }
  // The folds were saved: reopened with room again it stays small (filters only shrink).
  agg::key_index again{t.db, options};
  CHECK(again.footprint().memory_bytes <= lower.memory_bytes);
  CHECK(found(again, 0, 8000) == 8000);
}

TEST_CASE("a budget below the newest keys' table is refused with the reason",
          "[key_index][budget]") {
  agg::key_index_options o;
  o.run_entries = 1024;
  o.memory_bytes = agg::hot_keys::memory_bytes_at(1024);
  CHECK(agg::key_index::check(o)
        == "the key index memory (" + std::to_string(o.memory_bytes)
             + " bytes) must be at least twice what its newest keys take ("
             + std::to_string(o.memory_bytes) + " bytes for 1024 keys)");
}
