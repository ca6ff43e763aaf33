#include "storage/key_index/key_index.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <catch2/catch.hpp>

#include "storage/key_index/key_hash.hpp"
#include "storage/sqlite/schema.hpp"
#include "storage/sqlite/schema_sql.hpp"
#include "storage/sqlite/sqlite_event_store.hpp"
#include "support/temp_dir.hpp"

using agg::insert_status;

namespace {

// Tiny runs, so a few hundred keys go through every path: runs, merges, cascades.
constexpr agg::key_index_options tiny{8, 2, 16};

struct index_db {
  agg::test::temp_dir dir;
  SQLite::Database db{(dir / "events.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};

  index_db() {
    REQUIRE_FALSE(agg::migrate(db));
    db.exec("INSERT INTO topics(id, name) VALUES (1, 't')");
  }

  // Stores an event row the way the store does, and returns its seq.
  int64_t store(const std::string& event_id) {
    SQLite::Statement insert{db, "INSERT INTO events(topic_id, event_id, timestamp, source, "
                                 "payload) VALUES (1, ?, 't', 's', '{}')"};
    insert.bind(1, event_id);
    insert.exec();
    return db.getLastInsertRowid();
  }
};

agg::event make_event(std::string topic, std::string id) {
  return {std::move(topic), std::move(id), "2025-01-31T12:00:00Z", "src", "{}"};
}

std::vector<insert_status> commit(agg::event_store& store, const std::vector<agg::event>& events) {
  std::vector<const agg::event*> ptrs;
  for (auto& e : events)
    ptrs.push_back(&e);
  auto result = store.commit(ptrs, 0);
  REQUIRE(result);
  return *result;
}

} // namespace

TEST_CASE("the key index settles shared hashes by the event row", "[key_index]") {
  index_db t;
  agg::key_index index{t.db, tiny};
  // 300 keys with one hash: more than a block (250 entries), so once they are in a run
  // their entries span two blocks.
  constexpr uint64_t shared = 42;
  for (int i = 0; i < 300; ++i)
    index.add(shared, t.store("same-hash-" + std::to_string(i)));
  CHECK(index.contains(1, "same-hash-0", shared));
  CHECK(index.contains(1, "same-hash-299", shared));
  CHECK_FALSE(index.contains(1, "same-hash-300", shared));
  CHECK_FALSE(index.contains(2, "same-hash-0", shared)); // Another topic's key.
  index.maintain();
  auto shape = index.shape();
  CHECK(shape.hot == 0);
  CHECK(shape.run_entries == 300);
  CHECK(index.contains(1, "same-hash-0", shared));
  CHECK(index.contains(1, "same-hash-249", shared));
  CHECK(index.contains(1, "same-hash-250", shared));
  CHECK(index.contains(1, "same-hash-299", shared));
  CHECK_FALSE(index.contains(1, "same-hash-300", shared));
}

TEST_CASE("a rolled back key is forgotten", "[key_index]") {
  index_db t;
  agg::key_index index{t.db, tiny};
  index.add(agg::key_hash(1, "a"), t.store("a"));
  auto mark = index.mark();
  index.add(agg::key_hash(1, "b"), t.store("b"));
  index.rollback(mark);
  CHECK(index.shape().hot == 1);
  CHECK(index.contains(1, "a", agg::key_hash(1, "a")));
}

TEST_CASE("the store dedups through runs, merges and restarts", "[key_index][store]") {
  agg::test::temp_dir dir;
  auto path = (dir / "events.db").string();
  auto open = [&] {
    auto store = agg::sqlite_event_store::open(path, agg::sync_mode::normal, tiny);
    REQUIRE(store);
    return std::unique_ptr<agg::sqlite_event_store>{
      static_cast<agg::sqlite_event_store*>(store->release())};
  };
  auto store = open();
  std::vector<agg::event> all;
  for (int i = 0; i < 500; ++i)
    all.push_back(make_event("topic-" + std::to_string(i % 3), "id-" + std::to_string(i)));
  // Batches of 7: runs are written between commits, in the middle of the stream.
  for (size_t i = 0; i < all.size(); i += 7) {
    std::vector<agg::event> batch(all.begin() + i, all.begin() + std::min(i + 7, all.size()));
    for (auto s : commit(*store, batch))
      CHECK(s != insert_status::duplicate);
  }
  auto shape = store->keys_shape();
  CHECK(shape.hot < tiny.run_entries);
  CHECK(shape.hot + shape.run_entries == 500);
  // Fan-in 2 leaves at most one run per level (a binary counter of runs), and about 40
  // runs of 8 to 14 keys have gone through several merges.
  REQUIRE_FALSE(shape.run_levels.empty());
  CHECK(shape.run_levels.front() >= 3);
  for (size_t i = 1; i < shape.run_levels.size(); ++i)
    CHECK(shape.run_levels[i - 1] > shape.run_levels[i]);

  auto every_key_is_a_duplicate = [&](agg::event_store& s) {
    auto statuses = commit(s, all);
    CHECK(std::count(statuses.begin(), statuses.end(), insert_status::duplicate) == 500);
  };
  SECTION("every stored key is a duplicate, in runs or in memory") {
    every_key_is_a_duplicate(*store);
    CHECK(store->counters()->unique == 500);
  }
  SECTION("and after a restart, which finds the newest keys in the events table") {
    store.reset();
    auto reopened = open();
    CHECK(reopened->keys_shape().hot == shape.hot);
    every_key_is_a_duplicate(*reopened);
    auto fresh = commit(*reopened, {make_event("topic-2", "id-500"), make_event("topic-0", "id-3")});
    CHECK(fresh == std::vector<insert_status>{insert_status::inserted, insert_status::duplicate});
  }
  SECTION("and with other sizes after a restart (runs are not tied to the options)") {
    store.reset();
    auto reopened = agg::sqlite_event_store::open(path, agg::sync_mode::normal, {64, 4, 10});
    REQUIRE(reopened);
    every_key_is_a_duplicate(**reopened);
  }
  SECTION("keys are exact: same id, other topic or case, is new") {
    auto r = commit(*store, {make_event("topic-1", "id-0"), make_event("topic-0", "ID-0")});
    CHECK(r == std::vector<insert_status>{insert_status::inserted, insert_status::inserted});
  }
}

TEST_CASE("a version 2 store is indexed when first opened", "[key_index][store]") {
  agg::test::temp_dir dir;
  auto path = (dir / "events.db").string();
  {
    // The layout a version 2 build wrote: the unique index on (topic_id, event_id).
    SQLite::Database db{path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    db.exec(agg::schema_v1);
    db.exec(agg::migrate_v1_to_v2);
    db.exec("INSERT INTO topics(id, name, events) VALUES (1, 'x', 100)");
    SQLite::Statement insert{db, "INSERT INTO events(topic_id, event_id, timestamp, source, "
                                 "payload) VALUES (1, ?, 't', 's', '{}')"};
    for (int i = 0; i < 100; ++i) {
      insert.bind(1, "old-" + std::to_string(i));
      insert.exec();
      insert.reset();
    }
    db.exec("UPDATE counters SET value = 100 WHERE name = 'unique'");
  }
  auto opened = agg::sqlite_event_store::open(path, agg::sync_mode::normal, tiny);
  REQUIRE(opened);
  auto& store = static_cast<agg::sqlite_event_store&>(**opened);
  auto shape = store.keys_shape();
  CHECK(shape.hot + shape.run_entries == 100);
  CHECK_FALSE(shape.run_levels.empty());
  {
    SQLite::Database db{path};
    CHECK(db.execAndGet("PRAGMA user_version").getInt() == agg::schema_version);
    CHECK(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'events_by_key'")
            .getInt()
          == 0);
  }
  std::vector<agg::event> batch;
  for (int i = 95; i < 105; ++i)
    batch.push_back(make_event("x", "old-" + std::to_string(i)));
  auto statuses = commit(store, batch);
  CHECK(std::count(statuses.begin(), statuses.end(), insert_status::duplicate) == 5);
  CHECK(store.counters()->unique == 105);
}

TEST_CASE("a version 3 store's key index is built again at first open, partitioned",
          "[key_index][store]") {
  agg::test::temp_dir dir;
  auto path = (dir / "events.db").string();
  {
    // What a version 3 build left: runs with one Bloom filter each, 16 bits per key.
    SQLite::Database db{path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    db.exec(agg::schema_v1);
    db.exec(agg::migrate_v1_to_v2);
    db.exec(agg::migrate_v2_to_v3);
    db.exec("INSERT INTO topics(id, name, events) VALUES (1, 'x', 300)");
    SQLite::Statement insert{db, "INSERT INTO events(topic_id, event_id, timestamp, source, "
                                 "payload) VALUES (1, ?, 't', 's', '{}')"};
    for (int i = 0; i < 300; ++i) {
      insert.bind(1, "v3-" + std::to_string(i));
      insert.exec();
      insert.reset();
    }
    // A run that claims every event, with a filter that would answer "no" for all of them:
    // read as it is, it would turn every stored key into a new one.
    db.exec("INSERT INTO key_runs(id, level, entries, max_seq, filter, fences) "
            "VALUES (1, 0, 300, 300, zeroblob(64), x'')");
    db.exec("UPDATE counters SET value = 300 WHERE name = 'unique'");
  }
  auto opened = agg::sqlite_event_store::open(path, agg::sync_mode::normal, tiny);
  REQUIRE(opened);
  auto& store = static_cast<agg::sqlite_event_store&>(**opened);
  auto shape = store.keys_shape();
  CHECK(shape.hot + shape.run_entries == 300);
  {
    SQLite::Database db{path};
    CHECK(db.execAndGet("PRAGMA user_version").getInt() == agg::schema_version);
    CHECK(db.execAndGet("SELECT count(*) FROM key_filters").getInt() > 0);
  }
  std::vector<agg::event> batch;
  for (int i = 290; i < 310; ++i)
    batch.push_back(make_event("x", "v3-" + std::to_string(i)));
  auto statuses = commit(store, batch);
  CHECK(std::count(statuses.begin(), statuses.end(), insert_status::duplicate) == 10);
}

namespace {

// Stores `n` keys "k<i>" through the index, calling maintain(keys_added) after each one as
// the store does after a commit.
void add_keys(index_db& t, agg::key_index& index, int from, int to) {
  for (int i = from; i < to; ++i) {
    auto id = "k" + std::to_string(i);
    index.add(agg::key_hash(1, id), t.store(id));
    index.maintain(1);
  }
}

size_t count_missing(agg::key_index& index, int from, int to) {
  size_t missing = 0;
  for (int i = from; i < to; ++i) {
    auto id = "k" + std::to_string(i);
    missing += index.contains(1, id, agg::key_hash(1, id)) ? 0 : 1;
  }
  return missing;
}

int64_t unfinished_runs(SQLite::Database& db) {
  return db.execAndGet("SELECT count(*) FROM key_runs WHERE level < 0").getInt64();
}

} // namespace

TEST_CASE("merges go a slice at a time, and every key stays found meanwhile", "[key_index]") {
  index_db t;
  // Slices of 3 entries: a merge of two 8-key runs takes several commits.
  agg::key_index index{t.db, {8, 2, 16, 1, 3}};
  bool seen_merge_under_way = false;
  for (int i = 0; i < 200; i += 5) {
    add_keys(t, index, i, i + 5);
    REQUIRE(count_missing(index, 0, i + 5) == 0);
    CHECK(count_missing(index, i + 5, i + 10) == 5); // New keys stay new.
    seen_merge_under_way = seen_merge_under_way || unfinished_runs(t.db) > 0;
  }
  CHECK(seen_merge_under_way);
  auto shape = index.shape();
  CHECK(shape.hot + shape.run_entries == 200);
}

TEST_CASE("a merge cut short is deleted at open and done again", "[key_index]") {
  index_db t;
  {
    agg::key_index index{t.db, {8, 2, 16, 1, 3}};
    add_keys(t, index, 0, 17); // Two runs of 8 and a merge slice of them: unfinished.
    REQUIRE(unfinished_runs(t.db) == 1);
  } // As if the process died here.
  agg::key_index reopened{t.db, {8, 2, 16, 1, 3}};
  CHECK(unfinished_runs(t.db) == 0);
  CHECK(count_missing(reopened, 0, 17) == 0);
  add_keys(t, reopened, 17, 100);
  reopened.maintain(); // Finish what is due.
  CHECK(count_missing(reopened, 0, 100) == 0);
  CHECK(unfinished_runs(t.db) == 0);
  // No block is left over from the deleted run: the blocks are exactly the runs' blocks.
  auto blocks = t.db.execAndGet("SELECT count(*) FROM key_blocks").getInt64();
  int64_t expected = 0;
  SQLite::Statement runs{t.db, "SELECT entries FROM key_runs"};
  while (runs.executeStep())
    expected += (runs.getColumn(0).getInt64() + 249) / 250;
  CHECK(blocks == expected);
}

TEST_CASE("a failed run write or merge slice changes no answer and is retried", "[key_index]") {
  index_db t;
  agg::key_index index{t.db, {8, 2, 16, 1, 3}};
  add_keys(t, index, 0, 20);
  REQUIRE(unfinished_runs(t.db) == 1); // A merge under way.
  // Another connection takes the write lock: the next maintenance fails at once (this
  // connection has no busy timeout).
  SQLite::Database other{t.db.getFilename(), SQLite::OPEN_READWRITE};
  other.exec("BEGIN IMMEDIATE");
  int64_t seq = 0;
  {
    // The event row goes in through the locking connection, like a commit would have.
    other.exec("INSERT INTO events(topic_id, event_id, timestamp, source, payload) "
               "VALUES (1, 'k20', 't', 's', '{}')");
    seq = other.getLastInsertRowid();
  }
  CHECK_THROWS(index.maintain(1));
  other.exec("COMMIT");
  index.add(agg::key_hash(1, "k20"), seq);
  CHECK(count_missing(index, 0, 21) == 0);
  add_keys(t, index, 21, 60);
  index.maintain();
  CHECK(count_missing(index, 0, 60) == 0);
  CHECK(unfinished_runs(t.db) == 0);
}
