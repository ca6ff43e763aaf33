// Size, length, depth and count limits, with their defaults and their command-line options.
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

/// `n` nested arrays around 1, as text.
std::string nested_arrays(size_t n) {
  return std::string(n, '[') + "1" + std::string(n, ']');
}

} // namespace

TEST_CASE(
  "string fields over 1024 bytes are rejected as invalid_event while 1024 bytes are accepted",
  "[integration][bad_input][limits]") {
  server_process server;
  server.start();
  const std::string at_limit(1024, 'x'), over_limit(1025, 'x'), huge(100 * 1024, 't');
  std::string accented_at_limit, accented_over_limit; // counted in bytes, not characters
  for (int i = 0; i < 512; ++i)
    accented_at_limit += "\xC3\xA9";
  accented_over_limit = accented_at_limit + "\xC3\xA9";

  expect_rejected(server, make_event(huge, "a").dump(), 400, "invalid_event", "events[0].topic");
  expect_rejected(server, make_event(over_limit, "a").dump(), 400, "invalid_event",
                  "events[0].topic");
  expect_rejected(server, make_event(accented_over_limit, "a").dump(), 400, "invalid_event",
                  "events[0].topic");
  auto batch = make_events("len", "ok", 1);
  batch.push_back(make_event("len", over_limit));
  expect_rejected(server, batch.dump(), 400, "invalid_event", "events[1].event_id");
  batch[1] = make_event("len", "b", json::object(), "2024-05-01T12:00:00Z", over_limit);
  expect_rejected(server, batch.dump(), 400, "invalid_event", "events[1].source");
  expect_rejected(server, make_event("len", huge).dump(), 400, "invalid_event",
                  "events[0].event_id");
  require_nothing_stored(server);

  auto ok = json::array({make_event(at_limit, "a"), make_event(accented_at_limit, "a"),
                         make_event("len", at_limit),
                         make_event("len", "s", json::object(), "2024-05-01T12:00:00Z", at_limit)});
  CHECK(publish_ok(server, ok)["unique_processed"] == 4);
  CHECK(fetch_events(server, at_limit).size() == 1);
  CHECK(fetch_events(server, accented_at_limit).size() == 1);
  CHECK(fetch_events(server, "len").size() == 2);
}

TEST_CASE("the --max-topic-bytes option lowers the topic length limit",
          "[integration][bad_input][limits]") {
  server_process server({"--max-topic-bytes", "8"});
  server.start();
  expect_rejected(server, make_event("123456789", "a").dump(), 400, "invalid_event",
                  "events[0].topic");
  require_nothing_stored(server);
  publish_ok(server, make_event("12345678", "a"));
  CHECK(fetch_events(server, "12345678").size() == 1);
}

TEST_CASE("nesting deeper than the limit is rejected with 400 too_deep",
          "[integration][bad_input][limits]") {
  server_process server;
  server.start();
  auto with_payload = [](const std::string& payload) {
    return R"({"topic":"deep","event_id":"d","timestamp":"2024-05-01T12:00:00Z","source":"s",)"
           R"("payload":{"p":)"
           + payload + "}}";
  };
  std::string nested_objects;
  for (int i = 0; i < 100000; ++i)
    nested_objects += "{\"a\":";
  nested_objects += "1" + std::string(100000, '}');

  expect_rejected(server, with_payload(nested_arrays(100000)), 400, "too_deep");
  expect_rejected(server, with_payload(nested_objects), 400, "too_deep");
  expect_rejected(server, nested_arrays(100000), 400, "too_deep");
  expect_rejected(server, with_payload(nested_arrays(100)), 400, "too_deep");
  require_nothing_stored(server);
  // Well under the default limit of 64 is fine.
  publish_ok(server, json::parse(with_payload(nested_arrays(10))));
  CHECK(fetch_events(server, "deep").size() == 1);
}

TEST_CASE("the --max-depth option lowers the nesting limit", "[integration][bad_input][limits]") {
  server_process server({"--max-depth=8"});
  server.start();
  auto event = make_event("deep", "d");
  event["payload"] = json{{"p", json::parse(nested_arrays(20))}};
  expect_rejected(server, event.dump(), 400, "too_deep");
  require_nothing_stored(server);
  event["payload"] = json{{"p", json::parse(nested_arrays(2))}};
  publish_ok(server, event);
}

TEST_CASE("a body over the size limit is rejected with 413 body_too_large",
          "[integration][bad_input][limits]") {
  SECTION("a 64 MiB body against the 16 MiB default") {
    server_process server;
    server.start();
    auto event = make_event("large", "l");
    event["payload"] = json{{"blob", std::string(64u << 20, 'z')}};
    auto r = server.post("/publish", event.dump());
    INFO(r.describe());
    // A server may answer before reading it all and close; the client then sees no response.
    if (r.answered())
      CHECK(check_error(r, 413, "body_too_large"));
    require_healthy(server);
    require_nothing_stored(server);
  }
  SECTION("a 3000-byte body against --max-body-bytes 2000") {
    server_process server({"--max-body-bytes", "2000"});
    server.start();
    auto event = make_event("large", "l");
    event["payload"] = json{{"blob", std::string(3000, 'z')}};
    expect_rejected(server, event.dump(), 413, "body_too_large");
    require_nothing_stored(server);
    // The limit is inclusive: exactly 2000 bytes go in, 2001 do not.
    auto sized = [](const std::string& id, size_t bytes) {
      auto e = make_event("large", id, json{{"blob", ""}});
      e["payload"]["blob"] = std::string(bytes - e.dump().size(), 'z');
      return e.dump();
    };
    REQUIRE(sized("over", 2001).size() == 2001);
    expect_rejected(server, sized("over", 2001), 413, "body_too_large");
    require_nothing_stored(server);
    REQUIRE(sized("exact", 2000).size() == 2000);
    auto r = server.post("/publish", sized("exact", 2000));
    INFO(r.describe());
    CHECK(r.status == 200);
    CHECK(fetch_events(server, "large").size() == 1);
  }
}

TEST_CASE("a chunked body over the size limit is rejected with 413 body_too_large",
          "[integration][bad_input][limits]") {
  // Without a Content-Length the server only learns the size while reading.
  server_process server({"--max-body-bytes", "2000"});
  server.start();
  auto chunked_post = [&](const std::string& body) {
    auto cli = server.client();
    return agg::test::to_reply(cli.Post(
      "/publish",
      [&body](size_t offset, httplib::DataSink& sink) {
        // 500-byte chunks, so the limit falls in the middle of the stream.
        auto n = std::min<size_t>(500, body.size() - offset);
        sink.write(body.data() + offset, n);
        if (offset + n == body.size())
          sink.done();
        return true;
      },
      "application/json"));
  };
  auto event = make_event("chunked", "c");
  event["payload"] = json{{"blob", std::string(5000, 'z')}};
  auto r = chunked_post(event.dump());
  INFO(r.describe());
  if (r.answered())
    CHECK(check_error(r, 413, "body_too_large"));
  require_healthy(server);
  require_nothing_stored(server);
  // A small chunked body is an ordinary publish.
  auto small = make_event("chunked", "small").dump();
  auto ok = chunked_post(small);
  INFO(ok.describe());
  CHECK(ok.status == 200);
  CHECK(fetch_events(server, "chunked").size() == 1);
}

TEST_CASE("more events than the per-request limit are rejected with 413 too_many_events",
          "[integration][bad_input][limits]") {
  server_process server;
  server.start();
  auto batch = make_events("many", "m", 10001);
  expect_rejected(server, batch.dump(), 413, "too_many_events");
  expect_rejected(server, json{{"events", batch}}.dump(), 413, "too_many_events");
  CHECK(fetch_events(server, "many").empty());
  require_nothing_stored(server);
}
