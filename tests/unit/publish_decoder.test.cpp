#include "codec/publish_decoder.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

using agg::decode_publish;
using nlohmann::json;

namespace {

const agg::publish_limits limits{};

json event_json(std::string topic = "t", std::string id = "1") {
  return {{"topic", topic},
          {"event_id", id},
          {"timestamp", "2025-01-31T12:00:00Z"},
          {"source", "s"},
          {"payload", {{"n", 1}}}};
}

agg::request_error reject(const std::string& body, const agg::publish_limits& l = limits) {
  auto r = decode_publish(body, l);
  REQUIRE_FALSE(r.ok());
  CHECK(r.events.empty());
  return r.error;
}

} // namespace

TEST_CASE("the three body shapes decode to the same events", "[codec]") {
  auto one = event_json().dump();
  for (auto body : {one, "[" + one + "]", "{\"events\":" + one + "}",
                    "{\"events\":[" + one + "]}"}) {
    INFO(body);
    auto r = decode_publish(body, limits);
    REQUIRE(r.ok());
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0].topic == "t");
    CHECK(r.events[0].event_id == "1");
    CHECK(r.events[0].timestamp == "2025-01-31T12:00:00Z");
    CHECK(r.events[0].source == "s");
    CHECK(r.events[0].payload == R"({"n":1})");
  }
}

TEST_CASE("fields are kept byte-exact, without trimming or case folding", "[codec]") {
  auto e = event_json(" Topic ", "ID\u00e9");
  e["source"] = "";
  e["timestamp"] = "2025-01-31T12:00:00.123+05:30";
  auto r = decode_publish(e.dump(), limits);
  REQUIRE(r.ok());
  CHECK(r.events[0].topic == " Topic ");
  CHECK(r.events[0].event_id == "ID\u00e9");
  CHECK(r.events[0].source.empty());
  CHECK(r.events[0].timestamp == "2025-01-31T12:00:00.123+05:30");
}

TEST_CASE("the payload survives as equivalent JSON", "[codec]") {
  auto e = event_json();
  e["payload"] = json::parse(R"({"f":32.1,"big":9007199254740992,"neg":-5,"s":"a\"b\\c\n☃😀",
                                 "nest":{"a":[1,[2,{"b":null}],true]}})");
  auto r = decode_publish(e.dump(), limits);
  REQUIRE(r.ok());
  CHECK(json::parse(r.events[0].payload) == e["payload"]);
  CHECK(r.events[0].payload.find("32.1") != std::string::npos);
  CHECK(r.events[0].payload.find("9007199254740992") != std::string::npos);
}

TEST_CASE("malformed JSON is invalid_json", "[codec]") {
  for (std::string body : std::vector<std::string>{"", "{", "{\"topic\":", "[1,2", "nul", "{\"a\":NaN}", "[1] x",
                           std::string{"{\"topic\":\"\xff\"}"}}) {
    INFO(body);
    auto err = reject(body);
    CHECK(err.status == 400);
    CHECK(err.code == "invalid_json");
    CHECK(err.message.rfind("the body is not valid JSON: parse error", 0) == 0);
  }
}

TEST_CASE("a body of the wrong shape is invalid_body", "[codec]") {
  CHECK(reject("5").code == "invalid_body");
  CHECK(reject("\"x\"").code == "invalid_body");
  CHECK(reject("null").code == "invalid_body");
  CHECK(reject("{\"events\":5}").code == "invalid_body");
  CHECK(reject("[]").message == "the request holds no events");
  CHECK(reject("{\"events\":[]}").message == "the request holds no events");
  auto err = reject("[" + event_json().dump() + ",7]");
  CHECK(err.code == "invalid_body");
  CHECK(err.message == "events[1] must be an event object, got number");
}

TEST_CASE("each invalid field is named with its index", "[codec]") {
  auto batch_with = [](const std::function<void(json&)>& change) {
    json batch = {event_json("t", "1"), event_json("t", "2"), event_json("t", "3")};
    change(batch[2]);
    return batch.dump();
  };
  auto message = [&](const std::function<void(json&)>& change) {
    auto err = reject(batch_with(change));
    CHECK(err.status == 400);
    CHECK(err.code == "invalid_event");
    return err.message;
  };
  CHECK(message([](json& e) { e.erase("topic"); }) == "events[2].topic: missing");
  CHECK(message([](json& e) { e["topic"] = 5; }) == "events[2].topic: must be a string, got number");
  CHECK(message([](json& e) { e["topic"] = ""; }) == "events[2].topic: must not be empty");
  CHECK(message([](json& e) { e["event_id"] = ""; }) == "events[2].event_id: must not be empty");
  CHECK(message([](json& e) { e["event_id"] = 17; })
        == "events[2].event_id: must be a string, got number");
  CHECK(message([](json& e) { e.erase("source"); }) == "events[2].source: missing");
  CHECK(message([](json& e) { e["source"] = nullptr; })
        == "events[2].source: must be a string, got null");
  CHECK(message([](json& e) { e.erase("payload"); }) == "events[2].payload: missing");
  CHECK(message([](json& e) { e["payload"] = json::array(); })
        == "events[2].payload: must be an object, got array");
  CHECK(message([](json& e) { e["timestamp"] = "2023-02-29T00:00:00Z"; })
        == "events[2].timestamp: must be an RFC 3339 date-time with a time zone, like "
           "2025-01-31T12:00:00Z, got \"2023-02-29T00:00:00Z\"");
  CHECK(message([](json& e) { e["topic"] = std::string(1025, 'x'); })
        == "events[2].topic: is 1025 bytes, longer than the limit of 1024 (--max-topic-bytes)");
}

TEST_CASE("numbers a double cannot hold are rejected, not stored as null", "[codec]") {
  auto body = R"({"topic":"t","event_id":"1","timestamp":"2025-01-31T12:00:00Z","source":"s",
                  "payload":{"x":[1e400]}})";
  auto err = reject(body);
  CHECK(err.code == "invalid_event");
  CHECK(err.message
        == "events[0].payload: number overflow parsing '1e400' (out of the range of a double)");
  SECTION("the index and field are found in every body shape") {
    auto good = event_json().dump();
    CHECK(reject("[" + good + "," + good + ",{\"topic\":\"t\",\"x\":[1,{\"y\":-2e999}]}]")
            .message.rfind("events[2].x: number overflow parsing '-2e999'", 0)
          == 0);
    CHECK(reject("{\"events\":[" + good + ",{\"payload\":{\"a\":{\"b\":1e400}}}]}")
            .message.rfind("events[1].payload:", 0)
          == 0);
    CHECK(reject("{\"events\":{\"source\":1e400}}").message.rfind("events[0].source:", 0) == 0);
  }
}

TEST_CASE("limits on depth and event count", "[codec]") {
  SECTION("nesting deeper than max-depth is too_deep, without parsing") {
    std::string deep(100000, '[');
    auto err = reject(deep);
    CHECK(err.status == 400);
    CHECK(err.code == "too_deep");
    CHECK(err.message == "the body nests arrays and objects deeper than 64 levels (--max-depth)");
  }
  SECTION("brackets inside strings do not count") {
    auto e = event_json();
    e["payload"] = {{"s", std::string(500, '[')}};
    CHECK(decode_publish(e.dump(), limits).ok());
  }
  SECTION("more events than max-events is 413") {
    agg::publish_limits small;
    small.max_events = 2;
    json batch = {event_json("t", "1"), event_json("t", "2"), event_json("t", "3")};
    auto err = reject(batch.dump(), small);
    CHECK(err.status == 413);
    CHECK(err.code == "too_many_events");
    CHECK(err.message == "the request holds more than 2 events, the limit (--max-events)");
    batch.erase(2);
    CHECK(decode_publish(batch.dump(), small).ok());
  }
}


TEST_CASE("the payload is written as compact JSON with numbers as sent", "[decoder]") {
  auto body = R"({"topic":"t","event_id":"1","timestamp":"2025-01-31T12:00:00Z","source":"s",
    "payload": { "a" : [ 1 , -2 , 3.10, 1E2, 18446744073709551615, 18446744073709551616 ],
                 "b" : { "c" : null , "d" : [ ] , "e" : { } }, "s" : "x\u00e9\"\\\n",
                 "t" : true , "f" : false } })";
  auto r = decode_publish(body, limits);
  REQUIRE(r.ok());
  CHECK(r.events[0].payload
        == "{\"a\":[1,-2,3.10,1E2,18446744073709551615,18446744073709551616],"
           "\"b\":{\"c\":null,\"d\":[],\"e\":{}},\"s\":\"x\u00e9\\\"\\\\\\n\",\"t\":true,"
           "\"f\":false}");
}

TEST_CASE("a root object with a topic is one event, even with an events field", "[decoder]") {
  auto e = event_json("t", "root");
  e["events"] = json::array({5, "not an event"});
  auto r = decode_publish(e.dump(), limits);
  REQUIRE(r.ok());
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].event_id == "root");
}

TEST_CASE("a repeated field takes its last value, as a JSON object would", "[decoder]") {
  auto body = R"({"topic":"first","topic":"second","event_id":"1","timestamp":"2025-01-31T12:00:00Z",
                  "source":"s","payload":{"v":1},"payload":{"v":2}})";
  auto r = decode_publish(body, limits);
  REQUIRE(r.ok());
  CHECK(r.events[0].topic == "second");
  CHECK(r.events[0].payload == R"({"v":2})");
}

TEST_CASE("unknown fields are ignored whatever they hold", "[decoder]") {
  auto e = event_json();
  e["extra"] = {{"deep", {1, 2, {{"x", "y"}}}}};
  e["n"] = 5;
  auto r = decode_publish(e.dump(), limits);
  REQUIRE(r.ok());
  CHECK(r.events[0].payload == R"({"n":1})");
}

TEST_CASE("a syntax error wins over a field error earlier in the body", "[decoder]") {
  auto body = "[{\"topic\":5}, {\"topic\":";
  auto err = reject(body);
  CHECK(err.code == "invalid_json");
}

TEST_CASE("a batch over max-events stops without reading the rest", "[decoder]") {
  agg::publish_limits small;
  small.max_events = 3;
  // The tail is not even valid JSON: the count limit is hit first.
  auto err = reject("[{},{},{},{},{", small);
  CHECK(err.status == 413);
  CHECK(err.code == "too_many_events");
}

// Found with the fuzz target's invariants (fuzz/publish_decoder_fuzz.cpp): a second
// "events" key holding one object was read over events[0] and left an empty, never
// validated event behind, which also slipped past --max-events.
TEST_CASE("a repeated events key adds its events, each validated and counted", "[decoder]") {
  auto a = event_json("t", "a").dump(), b = event_json("t", "b").dump();
  SECTION("an array, then one object") {
    auto r = decode_publish("{\"events\":[" + a + "],\"events\":" + b + "}", limits);
    REQUIRE(r.ok());
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[0].event_id == "a");
    CHECK(r.events[1].event_id == "b");
  }
  SECTION("the second object is validated") {
    auto err = reject("{\"events\":[" + a + "],\"events\":{\"topic\":\"\"}}");
    CHECK(err.code == "invalid_event");
    CHECK(err.message.rfind("events[1].", 0) == 0);
  }
  SECTION("the second object counts against max-events") {
    agg::publish_limits one;
    one.max_events = 1;
    auto err = reject("{\"events\":[" + a + "],\"events\":" + b + "}", one);
    CHECK(err.code == "too_many_events");
  }
}
