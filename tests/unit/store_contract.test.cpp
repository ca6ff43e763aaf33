// One contract, run against every store (zeek/broker's meta_backend idea): the same commits
// get the same answers from SQLite and PostgreSQL, and their readers read the same events.
// The PostgreSQL half runs on a throw-away cluster (support/postgres_cluster.hpp) and prints
// SKIPPED: where postgresql-15 is not installed.

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "storage/postgres/postgres_event_store.hpp"
#include "storage/postgres/postgres_readers.hpp"
#include "storage/sqlite/sqlite_event_store.hpp"
#include "storage/sqlite/sqlite_readers.hpp"
#include "storage/subscription_reader.hpp"
#include "support/postgres_cluster.hpp"
#include "support/temp_dir.hpp"
#include "store_events.hpp"

using agg::insert_status;

namespace {

struct backend {
  std::unique_ptr<agg::event_store> store;
  std::shared_ptr<agg::store_readers> readers;
};

using agg::test::make_event;
using agg::test::pointers;

backend open_postgres(const std::string& url) {
  auto store = agg::postgres_event_store::open(url);
  REQUIRE(store);
  auto run = (*store)->run();
  return {std::move(*store), std::make_shared<agg::postgres_readers>(url, run)};
}

std::vector<std::string> ids_of(const std::vector<agg::stored_event>& events) {
  std::vector<std::string> ids;
  for (auto& e : events)
    ids.push_back(e.data.event_id);
  return ids;
}

// The contract, on a fresh store.
void check_contract(backend& b) {
  auto& store = *b.store;
  // Batch order is not key order: a store may insert in key order (PostgreSQL does).
  std::vector<agg::event> first = {make_event("orders", "2", R"({"v":2})"),
                                   make_event("orders", "1", R"({"v":1})"),
                                   make_event("payments", "1"),
                                   make_event("orders", "2", R"({"v":"again"})")};
  auto one = store.commit(pointers(first), 0);
  REQUIRE(one);
  CHECK(*one == std::vector<insert_status>{insert_status::inserted_new_topic,
                                           insert_status::inserted,
                                           insert_status::inserted_new_topic,
                                           insert_status::duplicate});
  auto seqs = store.committed_seqs();
  REQUIRE(seqs.size() == 4);
  CHECK(seqs[3] == 0);
  auto first_max = std::max({seqs[0], seqs[1], seqs[2]});
  CHECK(std::min({seqs[0], seqs[1], seqs[2]}) > 0);
  CHECK(seqs[0] != seqs[1]);

  // NUL bytes are part of a key (JSON strings may hold them), and keys differ after one.
  std::string nul_topic{"a\0b", 3};
  std::vector<agg::event> second = {make_event("orders", "1"), make_event("audit", "x"),
                                    make_event(nul_topic, std::string{"k\0" "1", 3}),
                                    make_event(nul_topic, std::string{"k\0" "2", 3})};
  auto two = store.commit(pointers(second), 3);
  REQUIRE(two);
  CHECK(*two == std::vector<insert_status>{insert_status::duplicate,
                                           insert_status::inserted_new_topic,
                                           insert_status::inserted_new_topic,
                                           insert_status::inserted});
  REQUIRE(store.committed_seqs().size() == 4);
  auto audit_seq = store.committed_seqs()[1];
  CHECK(audit_seq > first_max); // A later commit's events come after an earlier one's.

  auto counters = store.counters();
  REQUIRE(counters);
  CHECK(counters->unique == 6);
  CHECK(counters->duplicates == 3);
  // A commit of nothing but the duplicate counter saves it.
  REQUIRE(store.commit({}, 7));
  CHECK(store.counters()->duplicates == 7);
  auto topics = store.topics();
  REQUIRE(topics);
  std::sort(topics->begin(), topics->end());
  CHECK(*topics == std::vector<std::string>{nul_topic, "audit", "orders", "payments"});

  auto reader = b.readers->open_reader();
  REQUIRE(reader);
  auto id = (*reader)->topic_id("orders");
  REQUIRE(id);
  REQUIRE(id->has_value());
  auto none = (*reader)->topic_id("no-such-topic");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  auto all = (*reader)->page(**id, "orders", 0, 10);
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK(all->at(0).seq < all->at(1).seq);
  // The payload stored for a key is the first one committed, byte for byte.
  for (auto& e : *all) {
    CHECK(e.data.topic == "orders");
    CHECK(e.data.timestamp == "2025-01-31T12:00:00Z");
    CHECK(e.data.source == "src");
    CHECK(e.data.payload == (e.data.event_id == "1" ? R"({"v":1})" : R"({"v":2})"));
  }
  auto after = (*reader)->page(**id, "orders", all->at(0).seq, 10);
  REQUIRE(after);
  CHECK(ids_of(*after) == std::vector<std::string>{all->at(1).data.event_id});
  auto limited = (*reader)->page(**id, "orders", 0, 1);
  REQUIRE(limited);
  CHECK(limited->size() == 1);
  auto nul_id = (*reader)->topic_id(nul_topic);
  REQUIRE(nul_id);
  REQUIRE(nul_id->has_value());
  auto nul_page = (*reader)->page(**nul_id, nul_topic, 0, 10);
  REQUIRE(nul_page);
  CHECK(ids_of(*nul_page)
        == std::vector<std::string>{std::string{"k\0" "1", 3}, std::string{"k\0" "2", 3}});
  auto everything = (*reader)->events_after(0, 100);
  REQUIRE(everything);
  REQUIRE(everything->size() == 6);
  CHECK(std::is_sorted(everything->begin(), everything->end(),
                       [](auto& x, auto& y) { return x.seq < y.seq; }));
  auto tail = (*reader)->events_after(first_max, 100); // the second commit's three
  REQUIRE(tail);
  auto tail_ids = ids_of(*tail);
  std::sort(tail_ids.begin(), tail_ids.end());
  CHECK(tail_ids
        == std::vector<std::string>{std::string{"k\0" "1", 3}, std::string{"k\0" "2", 3}, "x"});
  auto newest = (*reader)->newest_seq();
  REQUIRE(newest);
  CHECK(*newest == everything->back().seq);

  auto counts = b.readers->topic_counts();
  REQUIRE(counts);
  std::vector<std::pair<std::string, uint64_t>> listed;
  for (auto& c : *counts)
    listed.emplace_back(c.topic, c.events);
  REQUIRE(listed.size() == 4); // Most events first, ties by name (bytes).
  CHECK(listed.at(0) == std::pair<std::string, uint64_t>{nul_topic, 2});
  CHECK(listed.at(1) == std::pair<std::string, uint64_t>{"orders", 2});
  CHECK(listed.at(2) == std::pair<std::string, uint64_t>{"audit", 1});
  CHECK(listed.at(3) == std::pair<std::string, uint64_t>{"payments", 1});

  // A subscriber's read: several topics as one sequence in seq order.
  auto sub = agg::subscription_reader::open(b.readers, {"audit", "orders"});
  REQUIRE(sub);
  auto page = (*sub)->read(0, 100);
  REQUIRE(page);
  CHECK(page->at_end);
  REQUIRE(page->events.size() == 3);
  CHECK(std::is_sorted(page->events.begin(), page->events.end(),
                       [](auto& x, auto& y) { return x.seq < y.seq; }));
  CHECK(page->events.back().data.topic == "audit");
}

} // namespace

TEST_CASE("the SQLite store keeps the store contract", "[store][contract]") {
  agg::test::temp_dir dir;
  auto path = (dir / "events.db").string();
  auto store = agg::sqlite_event_store::open(path, agg::sync_mode::normal);
  REQUIRE(store);
  backend b{std::move(*store), std::make_shared<agg::sqlite_readers>(path)};
  check_contract(b);
}

TEST_CASE("the PostgreSQL store keeps the store contract", "[store][contract][postgres]") {
  auto cluster = agg::test::postgres_cluster::start_or_skip();
  if (!cluster)
    return;
  auto b = open_postgres(cluster->url(cluster->fresh_database()));
  check_contract(b);
}

TEST_CASE("two PostgreSQL stores on one database store each key once", "[store][postgres]") {
  auto cluster = agg::test::postgres_cluster::start_or_skip();
  if (!cluster)
    return;
  auto url = cluster->url(cluster->fresh_database());
  auto a = open_postgres(url);
  auto b = open_postgres(url);
  std::vector<agg::event> to_a = {make_event("t", "1"), make_event("t", "2")};
  std::vector<agg::event> to_b = {make_event("t", "2"), make_event("t", "3")};
  auto from_a = a.store->commit(pointers(to_a), 0);
  REQUIRE(from_a);
  CHECK(*from_a == std::vector<insert_status>{insert_status::inserted_new_topic,
                                              insert_status::inserted});
  auto a_max = std::max(a.store->committed_seqs()[0], a.store->committed_seqs()[1]);
  // B has never seen "t/2" or the topic, yet the database knows both.
  auto from_b = b.store->commit(pointers(to_b), 1);
  REQUIRE(from_b);
  CHECK(*from_b == std::vector<insert_status>{insert_status::duplicate, insert_status::inserted});
  CHECK(b.store->committed_seqs()[1] > a_max);
  auto seen_by_b = b.readers->other_replicas();
  REQUIRE(seen_by_b);
  REQUIRE(seen_by_b->has_value());
  CHECK((*seen_by_b)->unique == 2);
  CHECK((*seen_by_b)->duplicates == 0);
  CHECK((*seen_by_b)->topics == std::vector<std::string>{"t"});
  auto seen_by_a = a.readers->other_replicas();
  REQUIRE(seen_by_a);
  CHECK((*seen_by_a)->unique == 1);
  CHECK((*seen_by_a)->duplicates == 1);
}

TEST_CASE("a PostgreSQL store survives a lost connection and a server restart",
          "[store][postgres]") {
  auto cluster = agg::test::postgres_cluster::start_or_skip();
  if (!cluster)
    return;
  auto db = cluster->fresh_database();
  auto b = open_postgres(cluster->url(db));
  std::vector<agg::event> one = {make_event("t", "1")};
  REQUIRE(b.store->commit(pointers(one), 0));
  SECTION("a terminated backend is replaced before the next commit") {
    auto killed = cluster->query(db, "SELECT count(pg_terminate_backend(pid)) FROM "
                                     "pg_stat_activity WHERE application_name = "
                                     "'event-aggregator'");
    CHECK(killed == std::vector<std::string>{"1"});
    // pg_terminate_backend only signals: wait until the backend is gone, so the commit below
    // meets a closed connection rather than racing the backend's exit.
    auto backends = [&] {
      return cluster->query(db, "SELECT count(*) FROM pg_stat_activity WHERE "
                                "application_name = 'event-aggregator'");
    };
    for (int attempt = 0; attempt < 1000 && backends() != std::vector<std::string>{"0"}; ++attempt)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(backends() == std::vector<std::string>{"0"});
    std::vector<agg::event> two = {make_event("t", "2")};
    auto after = b.store->commit(pointers(two), 0);
    REQUIRE(after);
    CHECK(*after == std::vector<insert_status>{insert_status::inserted});
  }
  SECTION("commits fail while the server is down and succeed once it is back") {
    cluster->stop();
    std::vector<agg::event> two = {make_event("t", "2")};
    auto down = b.store->commit(pointers(two), 0);
    REQUIRE_FALSE(down);
    CHECK(down.error() == agg::ec::storage_failure);
    CHECK(b.store->probe() == agg::ec::storage_failure);
    cluster->start();
    // The store waits out its reconnect backoff (at most 2 s) by itself: poll the probe.
    caf::error probed = b.store->probe();
    for (int attempt = 0; probed && attempt < 400; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      probed = b.store->probe();
    }
    REQUIRE_FALSE(probed);
    auto after = b.store->commit(pointers(two), 0);
    REQUIRE(after);
    CHECK(*after == std::vector<insert_status>{insert_status::inserted});
  }
  CHECK(cluster->query(db, "SELECT count(*) FROM ea_events") == std::vector<std::string>{"2"});
}
