#include "support/events.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using agg::test::fetch_events;
using agg::test::ids_of;
using agg::test::json;
using agg::test::make_event;
using agg::test::make_events;
using agg::test::publish_ok;
using agg::test::server_process;

namespace {

json answer(int received, int unique, int duplicates) {
  return json{{"received", received},
              {"unique_processed", unique},
              {"duplicate_dropped", duplicates},
              {"status", "ok"}};
}

/// The publish answer restricted to the four contract fields.
json contract_fields(const json& reply) {
  json out;
  for (const char* key : {"received", "unique_processed", "duplicate_dropped", "status"})
    out[key] = reply.value(key, json());
  return out;
}

} // namespace

TEST_CASE("a single event object is accepted and counted as one unique event",
          "[integration][publish]") {
  server_process server;
  server.start();
  auto event = make_event("orders", "e-1", json{{"amount", 3}});
  CHECK(contract_fields(publish_ok(server, event)) == answer(1, 1, 0));
  auto stored = fetch_events(server, "orders");
  REQUIRE(stored.size() == 1);
  auto got = stored[0];
  CHECK(got.at("seq").is_number_integer());
  got.erase("seq");
  CHECK(got == event);
}

TEST_CASE("a JSON array of events is accepted as one batch", "[integration][publish]") {
  server_process server;
  server.start();
  CHECK(contract_fields(publish_ok(server, make_events("batch", "id-", 5))) == answer(5, 5, 0));
  CHECK(ids_of(fetch_events(server, "batch"))
        == std::vector<std::string>{"id-0", "id-1", "id-2", "id-3", "id-4"});
}

TEST_CASE("the events wrapper object accepts an array or a single event",
          "[integration][publish]") {
  server_process server;
  server.start();
  CHECK(contract_fields(publish_ok(server, json{{"events", make_events("wrap", "arr-", 3)}}))
        == answer(3, 3, 0));
  CHECK(contract_fields(publish_ok(server, json{{"events", make_event("wrap", "single")}}))
        == answer(1, 1, 0));
  CHECK(ids_of(fetch_events(server, "wrap"))
        == std::vector<std::string>{"arr-0", "arr-1", "arr-2", "single"});
}

TEST_CASE("publishing the same event twice stores it once and counts one duplicate",
          "[integration][publish][dedup]") {
  server_process server;
  server.start();
  auto event = make_event("dup", "same");
  CHECK(contract_fields(publish_ok(server, event)) == answer(1, 1, 0));
  CHECK(contract_fields(publish_ok(server, event)) == answer(1, 0, 1));
  CHECK(contract_fields(publish_ok(server, json::array({event, event}))) == answer(2, 0, 2));
  CHECK(fetch_events(server, "dup").size() == 1);
}

TEST_CASE("a duplicate inside one batch is counted as a duplicate",
          "[integration][publish][dedup]") {
  server_process server;
  server.start();
  auto batch = json::array({make_event("inbatch", "a"), make_event("inbatch", "b"),
                            make_event("inbatch", "a", json{{"other", true}}),
                            make_event("inbatch", "b"), make_event("inbatch", "c")});
  CHECK(contract_fields(publish_ok(server, batch)) == answer(5, 3, 2));
  auto stored = fetch_events(server, "inbatch");
  CHECK(ids_of(stored) == std::vector<std::string>{"a", "b", "c"});
  // The first occurrence in the batch wins.
  CHECK(stored.at(0).at("payload") == json{{"n", 1}});
}

TEST_CASE("first write wins: a duplicate with other fields never changes the stored event",
          "[integration][publish][dedup]") {
  server_process server;
  server.start();
  auto first = make_event("fww", "k", json{{"version", 1}}, "2024-01-01T00:00:00Z", "first");
  publish_ok(server, first);
  auto second = make_event("fww", "k", json{{"version", 2}, {"extra", "x"}},
                           "2025-06-06T06:06:06+06:00", "second");
  CHECK(contract_fields(publish_ok(server, second)) == answer(1, 0, 1));
  CHECK(contract_fields(publish_ok(server, json{{"events", json::array({second})}}))
        == answer(1, 0, 1));
  auto stored = fetch_events(server, "fww");
  REQUIRE(stored.size() == 1);
  stored[0].erase("seq");
  CHECK(stored[0] == first);
}

TEST_CASE("dedup keys are byte-exact: case and surrounding spaces make different events",
          "[integration][publish][dedup]") {
  server_process server;
  server.start();
  std::vector<std::string> ids = {"A", "a", " a", "a ", "a\t", "\xC3\xA9", "e\xCC\x81"};
  json batch = json::array();
  for (auto& id : ids)
    batch.push_back(make_event("exact", id));
  CHECK(contract_fields(publish_ok(server, batch)) == answer(7, 7, 0));
  // Topics are compared the same way.
  json topics
    = json::array({make_event("Exact", "A"), make_event(" exact", "A"), make_event("exact ", "A")});
  CHECK(contract_fields(publish_ok(server, topics)) == answer(3, 3, 0));
  CHECK(ids_of(fetch_events(server, "exact")) == ids);
  CHECK(fetch_events(server, "Exact").size() == 1);
  CHECK(fetch_events(server, " exact").size() == 1);
  CHECK(fetch_events(server, "exact ").size() == 1);
  // And an exact repeat is still a duplicate.
  CHECK(contract_fields(publish_ok(server, make_event("exact", " a"))) == answer(1, 0, 1));
}

TEST_CASE("the same event_id under different topics is two different events",
          "[integration][publish][dedup]") {
  server_process server;
  server.start();
  auto batch = json::array({make_event("t1", "shared"), make_event("t2", "shared")});
  CHECK(contract_fields(publish_ok(server, batch)) == answer(2, 2, 0));
  CHECK(fetch_events(server, "t1").size() == 1);
  CHECK(fetch_events(server, "t2").size() == 1);
  CHECK(contract_fields(publish_ok(server, make_event("t2", "shared"))) == answer(1, 0, 1));
}

TEST_CASE("an empty source and varied valid timestamps are accepted and stored as sent",
          "[integration][publish][timestamp]") {
  server_process server;
  server.start();
  std::vector<std::string> stamps = {
    "2024-05-01T12:00:00Z",        "2024-02-29T23:59:59Z",      // leap day
    "2000-02-29T00:00:00Z",        "2024-05-01T12:00:00+02:00", // offset
    "2024-05-01T12:00:00-05:30",   "2024-05-01T12:00:00.5Z",    // fraction
    "2024-05-01T12:00:00.123456Z", "2024-12-31T23:59:59.999999999+14:00",
    "1970-01-01T00:00:00Z",        "2024-05-01T12:00:00.000-00:00",
  };
  json batch = json::array();
  for (size_t i = 0; i < stamps.size(); ++i)
    batch.push_back(make_event("stamps", "s" + std::to_string(i), json::object(), stamps[i],
                               i == 0 ? "" : "src"));
  CHECK(contract_fields(publish_ok(server, batch))
        == answer(int(stamps.size()), int(stamps.size()), 0));
  auto stored = fetch_events(server, "stamps");
  REQUIRE(stored.size() == stamps.size());
  for (size_t i = 0; i < stamps.size(); ++i) {
    INFO("event " << i);
    CHECK(stored[i].at("timestamp") == stamps[i]);
  }
  CHECK(stored[0].at("source") == "");
  CHECK(stored[0].at("payload") == json::object());
}

TEST_CASE("a batch of exactly 10000 events is accepted", "[integration][publish][limits]") {
  server_process server;
  server.start();
  CHECK(contract_fields(publish_ok(server, make_events("big", "e", 10000)))
        == answer(10000, 10000, 0));
  auto stored = fetch_events(server, "big");
  REQUIRE(stored.size() == 10000);
  CHECK(stored.front().at("event_id") == "e0");
  CHECK(stored.back().at("event_id") == "e9999");
  CHECK(server.stats().at("unique_processed") == 10000);
}
