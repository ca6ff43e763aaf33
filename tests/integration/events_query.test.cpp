#include "support/events.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using agg::test::check_error;
using agg::test::fetch_events;
using agg::test::get_array;
using agg::test::ids_of;
using agg::test::json;
using agg::test::make_event;
using agg::test::make_events;
using agg::test::parse_next_link;
using agg::test::publish_ok;
using agg::test::server_process;
using agg::test::url_encode;

namespace {

/// REQUIREs strictly increasing integer seqs.
void require_increasing_seq(const std::vector<json>& events) {
  for (size_t i = 0; i < events.size(); ++i) {
    INFO("event " << i << ": " << events[i].dump());
    REQUIRE(events[i].at("seq").is_number_integer());
    if (i > 0)
      REQUIRE(events[i].at("seq").get<int64_t>() > events[i - 1].at("seq").get<int64_t>());
  }
}

} // namespace

TEST_CASE("GET /events returns a topic's events in arrival order with increasing seq",
          "[integration][events]") {
  server_process server;
  server.start();
  std::vector<json> sent;
  for (int request = 0; request < 5; ++request) {
    auto batch = make_events("order", "r" + std::to_string(request) + "-", 3);
    // Interleave another topic to show it does not leak into this one.
    batch.push_back(make_event("other", "x" + std::to_string(request)));
    publish_ok(server, batch);
    for (int i = 0; i < 3; ++i)
      sent.push_back(batch[i]);
  }
  auto page = get_array(server, "/events?topic=order");
  REQUIRE(page.size() == sent.size());
  std::vector<json> events(page.begin(), page.end());
  require_increasing_seq(events);
  for (size_t i = 0; i < events.size(); ++i) {
    INFO("event " << i);
    auto got = events[i];
    got.erase("seq");
    CHECK(got == sent[i]); // exactly the five fields as sent
  }
  CHECK(get_array(server, "/events?topic=other").size() == 5);
}

TEST_CASE("payloads round-trip exactly", "[integration][events]") {
  server_process server;
  server.start();
  json payload = {
    {"unicode", "h\xC3\xA9llo \xE2\x98\x83 \xF0\x9F\x98\x80"},
    {"escapes", "a\"b\\c\n\t/\x01"},
    {"max_safe", 9007199254740992LL},
    {"negative", -42},
    {"big_negative", -9007199254740992LL},
    {"float", 32.1},
    {"small_float", -0.000125},
    {"zero", 0},
    {"nested", {{"a", {1, 2, {{"b", json::array()}}}}, {"c", json::object()}}},
    {"yes", true},
    {"no", false},
    {"nothing", nullptr},
    {"empty_string", ""},
    {"h\xC3\xA9 key", "unicode key"},
  };
  auto event = make_event("roundtrip", "p1", payload);
  publish_ok(server, event);
  auto r = server.get("/events?topic=roundtrip");
  INFO(r.describe());
  REQUIRE(r.status == 200);
  auto events = r.json();
  REQUIRE(events.size() == 1);
  auto got = events[0].at("payload");
  CHECK(got == payload);
  CHECK(got.at("max_safe").is_number_integer());
  CHECK(got.at("max_safe").get<int64_t>() == 9007199254740992LL);
  CHECK(got.at("negative").get<int64_t>() == -42);
  CHECK(got.at("float").is_number_float());
  CHECK(got.at("float").get<double>() == 32.1);
  CHECK(got.at("nothing").is_null());
  // Integers must not have been turned into floating point text on the way.
  CHECK(r.body.find("9007199254740992") != std::string::npos);
  CHECK(r.body.find("9.007199254740992e") == std::string::npos);
  // An empty payload object also round-trips.
  publish_ok(server, make_event("roundtrip", "p2", json::object()));
  CHECK(fetch_events(server, "roundtrip").at(1).at("payload") == json::object());
}

TEST_CASE("an unknown topic answers 200 with an empty array", "[integration][events]") {
  server_process server;
  server.start();
  publish_ok(server, make_event("known", "a"));
  for (const char* topic : {"unknown", "Known", "known%20", "kno"}) {
    INFO("topic " << topic);
    auto r = server.get(std::string("/events?topic=") + topic);
    INFO(r.describe());
    CHECK(r.status == 200);
    CHECK(r.try_json() == json::array());
  }
}

TEST_CASE("GET /events without a topic is rejected with 400 invalid_query",
          "[integration][events]") {
  server_process server;
  server.start();
  for (const char* path : {"/events", "/events?limit=5", "/events?after=0", "/events?Topic=a"}) {
    INFO(path);
    CHECK(check_error(server.get(path), 400, "invalid_query"));
  }
  agg::test::require_healthy(server);
}

TEST_CASE("a bad limit or after is rejected with 400 invalid_query", "[integration][events]") {
  server_process server;
  server.start();
  publish_ok(server, make_events("q", "e", 3));
  for (const char* query : {"limit=0", "limit=-1", "limit=abc", "limit=10001", "limit=1.5",
                            "limit=", "limit=99999999999999999999", "after=-1", "after=abc",
                            "after=1.5", "after=", "after=99999999999999999999999"}) {
    INFO(query);
    CHECK(check_error(server.get(std::string("/events?topic=q&") + query), 400, "invalid_query"));
  }
  // The boundaries are accepted.
  CHECK(get_array(server, "/events?topic=q&limit=1").size() == 1);
  CHECK(get_array(server, "/events?topic=q&limit=10000").size() == 3);
  CHECK(get_array(server, "/events?topic=q&after=0").size() == 3);
}

TEST_CASE("after returns only events with a larger seq, at most limit of them",
          "[integration][events][paging]") {
  server_process server;
  server.start();
  publish_ok(server, make_events("page", "e", 10));
  auto all = get_array(server, "/events?topic=page");
  REQUIRE(all.size() == 10);
  auto seq3 = all[2].at("seq").get<int64_t>();
  auto rest = get_array(server, "/events?topic=page&after=" + std::to_string(seq3));
  REQUIRE(rest.size() == 7);
  CHECK(rest[0] == all[3]);
  auto two = get_array(server, "/events?topic=page&limit=2&after=" + std::to_string(seq3));
  REQUIRE(two.size() == 2);
  CHECK(two[0] == all[3]);
  CHECK(two[1] == all[4]);
  auto last = all[9].at("seq").get<int64_t>();
  auto none = server.get("/events?topic=page&after=" + std::to_string(last));
  CHECK(none.status == 200);
  CHECK(none.try_json() == json::array());
  CHECK_FALSE(none.has_header("Link"));
  CHECK(get_array(server, "/events?topic=page&after=" + std::to_string(last + 1000)).empty());
}

TEST_CASE("the Link header leads page by page through all events and is absent on the last page",
          "[integration][events][paging]") {
  server_process server;
  server.start();
  publish_ok(server, make_events("links", "e", 25));
  auto r = server.get("/events?topic=links&limit=10");
  INFO(r.describe());
  REQUIRE(r.status == 200);
  REQUIRE(r.json().size() == 10);
  REQUIRE(r.has_header("Link"));
  auto link = parse_next_link(r.header("Link"));
  CHECK(link.topic == "links");
  CHECK(link.limit == 10);
  CHECK(link.after == r.json().back().at("seq").get<uint64_t>());

  auto pages = fetch_events(server, "links", 10);
  CHECK(pages.size() == 25);
  auto ids = ids_of(pages);
  CHECK(ids.front() == "e0");
  CHECK(ids.back() == "e24");
  CHECK(pages == fetch_events(server, "links"));

  SECTION("an exact multiple of the limit ends without a Link on its last full page") {
    publish_ok(server, make_events("even", "e", 20));
    auto first = server.get("/events?topic=even&limit=10");
    REQUIRE(first.has_header("Link"));
    auto second = server.get(parse_next_link(first.header("Link")).path);
    INFO(second.describe());
    REQUIRE(second.status == 200);
    CHECK(second.json().size() == 10);
    CHECK_FALSE(second.has_header("Link"));
  }
}

TEST_CASE("a topic with reserved characters is URL-encoded in the Link header",
          "[integration][events][paging]") {
  server_process server;
  server.start();
  const std::string topic = "a b/c&d=e?f#g+h%i \xC3\xA9";
  publish_ok(server, make_events(topic, "e", 5));
  CHECK(get_array(server, "/events?topic=" + url_encode(topic)).size() == 5);
  auto r = server.get("/events?topic=" + url_encode(topic) + "&limit=2");
  INFO(r.describe());
  REQUIRE(r.status == 200);
  REQUIRE(r.has_header("Link"));
  auto link = parse_next_link(server.raw_header("/events?topic=" + url_encode(topic) + "&limit=2",
                                                "Link")); // [^&>]* proves '&' was encoded
  CHECK(link.topic == topic);
  auto pages = fetch_events(server, topic, 2);
  CHECK(pages.size() == 5);
  for (auto& e : pages)
    CHECK(e.at("topic") == topic);
}
