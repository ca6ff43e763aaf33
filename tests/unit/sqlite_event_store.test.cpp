#include "storage/sqlite/sqlite_event_store.hpp"

#include <fstream>

#include <SQLiteCpp/Database.h>

#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "storage/sqlite/sqlite_event_reader.hpp"
#include "storage/sqlite/schema.hpp"
#include "storage/sqlite/schema_sql.hpp"
#include "storage/sqlite/topic_counts.hpp"
#include "support/temp_dir.hpp"
#include "store_events.hpp"

using agg::insert_status;

namespace {

using agg::test::make_event;
using agg::test::pointers;

// Topic name and stored events, as GET /topics lists them.
std::vector<std::pair<std::string, uint64_t>> topic_counts(const std::string& path) {
  auto counts = agg::read_topic_counts(path);
  REQUIRE(counts);
  std::vector<std::pair<std::string, uint64_t>> out;
  for (auto& c : *counts)
    out.emplace_back(c.topic, c.events);
  return out;
}

using counts = std::vector<std::pair<std::string, uint64_t>>;

std::unique_ptr<agg::event_store> open_store(const std::string& path) {
  auto store = agg::sqlite_event_store::open(path, agg::sync_mode::normal);
  REQUIRE(store);
  return std::move(*store);
}

} // namespace

TEST_CASE("the store inserts new keys once and reports duplicates", "[store]") {
  agg::test::temp_dir dir;
  auto path = (dir / "events.db").string();
  auto store = open_store(path);
  std::vector<agg::event> batch = {make_event("a", "1", R"({"v":1})"), make_event("a", "2"),
                                   make_event("a", "1", R"({"v":2})"), make_event("b", "1"),
                                   make_event("A", "1")};
  auto result = store->commit(pointers(batch), 0);
  REQUIRE(result);
  CHECK(*result == std::vector<insert_status>{insert_status::inserted_new_topic,
                                              insert_status::inserted, insert_status::duplicate,
                                              insert_status::inserted_new_topic,
                                              insert_status::inserted_new_topic});
  CHECK(store->counters()->unique == 4);

  SECTION("each topic counts its stored events, not its duplicates") {
    CHECK(topic_counts(path) == counts{{"a", 2}, {"A", 1}, {"b", 1}});
    std::vector<agg::event> more = {make_event("b", "1"), make_event("b", "2"),
                                    make_event("b", "3")};
    REQUIRE(store->commit(pointers(more), 0));
    CHECK(topic_counts(path) == counts{{"b", 3}, {"a", 2}, {"A", 1}});
  }

  SECTION("a later duplicate changes nothing: first write wins") {
    std::vector<agg::event> again = {make_event("a", "1", R"({"v":3})")};
    REQUIRE(store->commit(pointers(again), 0));
    auto reader = agg::sqlite_event_reader::open(path);
    REQUIRE(reader);
    auto id = (*reader)->topic_id("a");
    REQUIRE(id);
    REQUIRE(*id);
    auto page = (*reader)->page(**id, "a", 0, 10);
    REQUIRE(page);
    REQUIRE(page->size() == 2);
    CHECK((*page)[0].data.payload == R"({"v":1})");
    CHECK((*page)[0].seq < (*page)[1].seq);
    CHECK(store->counters()->unique == 4);
  }

  SECTION("counters, topics and keys survive reopening") {
    REQUIRE(store->commit({}, 7));
    store.reset();
    auto reopened = open_store(path);
    auto counters = reopened->counters();
    CHECK(counters->unique == 4);
    CHECK(counters->duplicates == 7);
    auto topics = reopened->topics();
    std::sort(topics->begin(), topics->end());
    CHECK(*topics == std::vector<std::string>{"A", "a", "b"});
    std::vector<agg::event> again = {make_event("b", "1"), make_event("b", "2")};
    auto r = reopened->commit(pointers(again), 7);
    REQUIRE(r);
    CHECK(*r == std::vector<insert_status>{insert_status::duplicate, insert_status::inserted});
  }
}

TEST_CASE("keys with NUL bytes stay distinct", "[store]") {
  agg::test::temp_dir dir;
  auto store = open_store((dir / "events.db").string());
  std::vector<agg::event> batch = {make_event(std::string{"a\0b", 3}, "c"),
                                   make_event("a", std::string{"b\0c", 3}),
                                   make_event("a", std::string{"b\0d", 3})};
  auto r = store->commit(pointers(batch), 0);
  REQUIRE(r);
  CHECK(store->counters()->unique == 3);
}

TEST_CASE("the reader pages a topic in seq order", "[store]") {
  agg::test::temp_dir dir;
  auto path = (dir / "events.db").string();
  auto store = open_store(path);
  std::vector<agg::event> batch;
  for (int i = 0; i < 25; ++i) {
    batch.push_back(make_event("t", std::to_string(i)));
    batch.push_back(make_event("other", std::to_string(i)));
  }
  REQUIRE(store->commit(pointers(batch), 0));
  auto reader = std::move(*agg::sqlite_event_reader::open(path));
  auto id = **reader->topic_id("t");
  std::vector<std::string> ids;
  int64_t after = 0;
  for (;;) {
    auto page = reader->page(id, "t", after, 10);
    REQUIRE(page);
    for (auto& e : *page)
      ids.push_back(e.data.event_id);
    if (page->size() < 10)
      break;
    after = page->back().seq;
  }
  REQUIRE(ids.size() == 25);
  for (int i = 0; i < 25; ++i)
    CHECK(ids[i] == std::to_string(i));
  CHECK_FALSE(*reader->topic_id("missing"));
}

TEST_CASE("opening refuses files that are not our database", "[store]") {
  agg::test::temp_dir dir;
  auto path = (dir / "events.db").string();
  SECTION("a file that is not SQLite") {
    std::ofstream{path} << std::string(8192, 'x');
    auto store = agg::sqlite_event_store::open(path, agg::sync_mode::normal);
    REQUIRE_FALSE(store);
    CHECK(agg::error_text(store.error()).find("cannot open database") == 0);
  }
  SECTION("another application's SQLite database") {
    {
      SQLite::Database db{path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
      db.exec("CREATE TABLE customers(id INTEGER)");
    }
    auto store = agg::sqlite_event_store::open(path, agg::sync_mode::normal);
    REQUIRE_FALSE(store);
    CHECK(agg::error_text(store.error()).find("not ours") != std::string::npos);
  }
  SECTION("a database from a newer version") {
    {
      SQLite::Database db{path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
      db.exec("PRAGMA user_version = 99");
    }
    auto store = agg::sqlite_event_store::open(path, agg::sync_mode::normal);
    REQUIRE_FALSE(store);
    CHECK(agg::error_text(store.error())
          == "database schema version 99 is newer than this build understands ("
               + std::to_string(agg::schema_version) + ")");
  }
}

TEST_CASE("a failed commit keeps nothing and the store recovers", "[store]") {
  agg::test::temp_dir dir;
  auto path = (dir / "events.db").string();
  auto store = open_store(path);
  // Another connection holding the write lock makes the commit fail with SQLITE_BUSY
  // (after the busy timeout, so keep this case to one attempt).
  SQLite::Database other{path, SQLite::OPEN_READWRITE, 0};
  other.exec("BEGIN IMMEDIATE");
  std::vector<agg::event> batch = {make_event("new-topic", "1")};
  auto failed = store->commit(pointers(batch), 0);
  REQUIRE_FALSE(failed);
  CHECK(failed.error() == agg::ec::storage_failure);
  other.exec("ROLLBACK");
  auto ok = store->commit(pointers(batch), 0);
  REQUIRE(ok);
  // The topic created by the failed transaction was forgotten, so it is new again.
  CHECK((*ok)[0] == insert_status::inserted_new_topic);
  CHECK(store->counters()->unique == 1);
  CHECK(topic_counts(path) == counts{{"new-topic", 1}});
}

TEST_CASE("a version 1 store gets its topic counts when first opened", "[store]") {
  agg::test::temp_dir dir;
  auto path = (dir / "events.db").string();
  {
    // The layout an older build wrote: no count column on topics.
    SQLite::Database db{path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    db.exec(agg::schema_v1);
    db.exec("INSERT INTO topics(id, name) VALUES (1, 'x'), (2, 'y'), (3, 'empty')");
    db.exec("INSERT INTO events(topic_id, event_id, timestamp, source, payload) VALUES "
            "(1, 'e1', 't', 's', '{}'), (1, 'e2', 't', 's', '{}'), (2, 'e1', 't', 's', '{}')");
    db.exec("UPDATE counters SET value = 3 WHERE name = 'unique'");
    REQUIRE(db.execAndGet("PRAGMA user_version").getInt() == 1);
  }
  auto store = open_store(path);
  CHECK(topic_counts(path) == counts{{"x", 2}, {"y", 1}, {"empty", 0}});
  CHECK(SQLite::Database{path}.execAndGet("PRAGMA user_version").getInt() == agg::schema_version);
  // The old rows still decide duplicates, and new ones add to the counts.
  std::vector<agg::event> batch = {make_event("x", "e1"), make_event("y", "e2")};
  auto result = store->commit(pointers(batch), 0);
  REQUIRE(result);
  CHECK(*result == std::vector<insert_status>{insert_status::duplicate, insert_status::inserted});
  CHECK(topic_counts(path) == counts{{"x", 2}, {"y", 2}, {"empty", 0}});
  CHECK(store->counters()->unique == 4);
}
