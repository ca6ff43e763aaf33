#include "support/events.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

using agg::test::check_error;
using agg::test::expect_rejected;
using agg::test::fetch_events;
using agg::test::json;
using agg::test::make_event;
using agg::test::make_events;
using agg::test::publish_ok;
using agg::test::require_healthy;
using agg::test::require_nothing_stored;
using agg::test::server_process;

namespace {

// One valid event as raw text, for bodies that nlohmann cannot build.
const std::string valid = make_event("bad", "valid").dump();

} // namespace

TEST_CASE("malformed JSON is rejected with 400 invalid_json and stores nothing",
          "[integration][bad_input]") {
  server_process server;
  server.start();
  const std::vector<std::string> bodies = {
    "",
    "{",
    R"({"topic":"t","event_id":"x")",  // truncated object
    "[" + valid + ",",                 // truncated array
    valid.substr(0, valid.size() - 1), // last brace missing
    "[" + valid + ",]",                // trailing comma
    "{'topic': 't'}",                  // single quotes
    valid + " x",                      // trailing garbage
    valid + "}",                       // trailing brace
    valid + valid,                     // two documents
    R"({"topic":"t","event_id":"x","timestamp":"2024-05-01T12:00:00Z","source":"s","payload":{"v":NaN}})",
    R"({"topic":"t","event_id":"x","timestamp":"2024-05-01T12:00:00Z","source":"s","payload":{"v":Infinity}})",
    "{\"topic\":\"t\xff\",\"event_id\":\"x\",\"timestamp\":\"2024-05-01T12:00:00Z\",\"source\":"
    "\"s\",\"payload\":{}}",
    "{\"topic\":\"t\",\"event_id\":\"\xC0\xAF\",\"timestamp\":\"2024-05-01T12:00:00Z\",\"source\":"
    "\"s\",\"payload\":{}}",
    "{\"topic\":\"t\",\"event_id\":\"x\",\"timestamp\":\"2024-05-01T12:00:00Z\",\"source\":"
    "\"\x80\",\"payload\":{}}",
    "{\"topic\":\"t\",\"event_id\":\"x\",\"timestamp\":\"2024-05-01T12:00:00Z\",\"source\":\"s\","
    "\"payload\":{\"k\":\"\xE2\x82\"}}",
  };
  for (size_t i = 0; i < bodies.size(); ++i) {
    INFO("case " << i);
    expect_rejected(server, bodies[i], 400, "invalid_json");
  }
  require_nothing_stored(server);
}

TEST_CASE("a body of the wrong shape is rejected with 400 invalid_body and stores nothing",
          "[integration][bad_input]") {
  server_process server;
  server.start();
  const std::vector<std::string> bodies = {
    "5",
    "\"text\"",
    "null",
    "true",
    "[]",
    R"({"events": 5})",
    R"({"events": "x"})",
    R"({"events": null})",
    R"({"events": []})",
    "[" + valid + ", 5]",
    "[" + valid + ", \"x\"]",
    "[" + valid + ", null]",
    "[" + valid + ", [" + valid + "]]",
    R"({"events": [)" + valid + ", 7]}",
  };
  for (size_t i = 0; i < bodies.size(); ++i) {
    INFO("case " << i);
    expect_rejected(server, bodies[i], 400, "invalid_body");
  }
  require_nothing_stored(server);
}

TEST_CASE("a missing, mistyped or empty field is rejected as invalid_event naming events[i].field",
          "[integration][bad_input]") {
  server_process server;
  server.start();
  std::vector<std::pair<std::string, json>> mutations = {
    {"topic", json()},
    {"topic", 5},
    {"topic", ""},
    {"topic", json::array({"a"})},
    {"topic", json::object()},
    {"event_id", 5},
    {"event_id", ""},
    {"event_id", json()},
    {"event_id", true},
    {"timestamp", 1714564800},
    {"timestamp", ""},
    {"timestamp", json()},
    {"source", 5},
    {"source", json()},
    {"source", json::object()},
    {"payload", "x"},
    {"payload", json::array({1})},
    {"payload", json()},
    {"payload", 5},
    {"payload", true},
  };
  // The first field of each kind is also tried missing altogether.
  for (const char* field : {"topic", "event_id", "timestamp", "source", "payload"})
    mutations.emplace_back(field, "<missing>");
  for (auto& [field, value] : mutations) {
    auto bad = make_event("bad", "broken");
    if (value == "<missing>")
      bad.erase(field);
    else
      bad[field] = value;
    INFO(field << " = " << (value == "<missing>" ? std::string("missing") : value.dump()));
    expect_rejected(server, bad.dump(), 400, "invalid_event", "events[0]." + field);
    auto batch = make_events("bad", "ok", 3);
    batch.push_back(bad);
    expect_rejected(server, batch.dump(), 400, "invalid_event", "events[3]." + field);
    auto wrapped = json{{"events", json::array({make_event("bad", "w"), bad})}};
    expect_rejected(server, wrapped.dump(), 400, "invalid_event", "events[1]." + field);
  }
  // The valid events sharing those batches were not stored either.
  CHECK(fetch_events(server, "bad").empty());
  require_nothing_stored(server);
}

TEST_CASE("impossible or malformed timestamps are rejected as invalid_event naming the timestamp",
          "[integration][bad_input][timestamp]") {
  server_process server;
  server.start();
  const std::vector<std::string> stamps = {
    "2023-02-29T00:00:00Z",
    "2024-13-01T00:00:00Z",
    "2024-00-10T00:00:00Z",
    "2024-01-32T00:00:00Z",
    "2024-04-31T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2024-01-00T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T23:60:00Z",
    "2024-01-01T23:59:61Z",
    "2024-01-01",
    "2024-01-01T00:00:00",
    "not a timestamp",
    "2024-01-01T00:00:00+2:00",
    "2024-01-01T00:00:00+25:00",
    "2024-01-01T00:00:00+02:60",
    "2024-01-01T00:00:00.Z",
    "2024-1-01T00:00:00Z",
    "24-01-01T00:00:00Z",
    "2024-01-01T00:00:00ZZ",
    " 2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00Z ",
    "2024-01-01T00:00Z",
  };
  for (auto& stamp : stamps) {
    INFO("timestamp \"" << stamp << "\"");
    auto batch = make_events("stamps", "ok", 2);
    batch.push_back(make_event("stamps", "bad", json::object(), stamp));
    expect_rejected(server, batch.dump(), 400, "invalid_event", "events[2].timestamp");
  }
  CHECK(fetch_events(server, "stamps").empty());
  require_nothing_stored(server);
}

TEST_CASE("a number that is not finite such as 1e400 is rejected as invalid_event",
          "[integration][bad_input]") {
  server_process server;
  server.start();
  for (const char* number : {"1e400", "-1e400", "1.5e999"}) {
    INFO("number " << number);
    std::string body = "[" + valid + R"(,{"topic":"bad","event_id":"inf","timestamp":)"
                       + R"("2024-05-01T12:00:00Z","source":"s","payload":{"v":)" + number + "}}]";
    expect_rejected(server, body, 400, "invalid_event", "events[1].payload");
  }
  require_nothing_stored(server);
}
