// The simdjson fast path against the nlohmann reference decoder: whatever the fast path
// accepts, the reference accepts with the very same events, and decode_publish (fast path
// or fallback) answers every body exactly as the reference does, errors included.
#include "codec/publish_decoder.hpp"
#include "codec/publish_decoder_fast.hpp"
#include "codec/publish_decoder_reference.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/publish_body_generator.hpp"

using agg::decode_publish;
using agg::decode_publish_fast;
using agg::decode_publish_reference;

namespace {

const agg::publish_limits defaults{};
// Small enough that generated bodies reach every limit.
const agg::publish_limits small{3, 4, 8, 8, 8};

std::string event_difference(const agg::event& a, const agg::event& b) {
  if (a.topic != b.topic)
    return "topic: " + a.topic + " | " + b.topic;
  if (a.event_id != b.event_id)
    return "event_id: " + a.event_id + " | " + b.event_id;
  if (a.timestamp != b.timestamp)
    return "timestamp: " + a.timestamp + " | " + b.timestamp;
  if (a.source != b.source)
    return "source: " + a.source + " | " + b.source;
  if (a.payload != b.payload)
    return "payload: " + a.payload + " | " + b.payload;
  return "";
}

std::string batch_difference(const agg::event_batch& a, const agg::event_batch& b) {
  if (a.size() != b.size())
    return "event count " + std::to_string(a.size()) + " | " + std::to_string(b.size());
  for (size_t i = 0; i < a.size(); ++i)
    if (auto d = event_difference(a[i], b[i]); !d.empty())
      return "events[" + std::to_string(i) + "]." + d;
  return "";
}

std::string result_difference(const agg::decoded_publish& a, const agg::decoded_publish& b) {
  if (a.error.status != b.error.status || a.error.code != b.error.code
      || a.error.message != b.error.message)
    return "error " + std::to_string(a.error.status) + " " + a.error.code + " " + a.error.message
           + " | " + std::to_string(b.error.status) + " " + b.error.code + " "
           + b.error.message;
  return batch_difference(a.events, b.events);
}

struct outcome {
  bool fast = false; ///< The fast path decoded the body.
  bool ok = false;   ///< The reference accepted it.
};

// Checks one body under one set of limits; one CHECK per body keeps large runs quick.
outcome check_same(const std::string& body, const agg::publish_limits& limits) {
  auto reference = decode_publish_reference(body, limits);
  auto fast = decode_publish_fast(body, limits);
  std::string difference;
  if (fast && !reference.ok())
    difference = "fast path accepted a body the reference rejects: " + reference.error.message;
  else if (fast)
    difference = batch_difference(*fast, reference.events);
  if (difference.empty())
    difference = result_difference(decode_publish(body, limits), reference);
  INFO("body: " << body);
  CHECK(difference == "");
  return {fast.has_value(), reference.ok()};
}

std::vector<std::string> seed_corpus() {
  std::vector<std::string> bodies;
  for (auto& entry : std::filesystem::directory_iterator(AGG_SOURCE_DIR "/fuzz/corpus/publish")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    bodies.push_back(text.str());
  }
  REQUIRE(bodies.size() > 40);
  return bodies;
}

const std::string good = R"({"topic":"t","event_id":"1","timestamp":"2025-01-31T12:00:00Z",)"
                         R"("source":"s","payload":{"n":1}})";

std::string with_payload(const std::string& payload) {
  return R"({"topic":"t","event_id":"1","timestamp":"2025-01-31T12:00:00Z","source":"s",)"
         R"("payload":)" + payload + "}";
}

} // namespace

TEST_CASE("the fast path decodes the common valid bodies itself", "[decoder][differential]") {
  for (auto& body : std::vector<std::string>{good, "[" + good + "," + good + "]", "{\"events\":[" + good + "]}",
                    with_payload(R"({"a":[1,-2,3.10,1E2,-0,true,null,{}],"s":"x\u00e9\"\\\n☃"})"),
       R"({"topic":"t","topic":"u","event_id":"1","extra":[{"x":1e5}],)"
       R"("timestamp":"2025-01-31T12:00:00Z","source":"","payload":{"k":1,"k":2}})"}) {
    INFO(body);
    auto out = check_same(body, defaults);
    CHECK(out.fast);
  }
}

TEST_CASE("what the fast path leaves to the reference decoder, and why",
          "[decoder][differential]") {
  std::vector<std::string> fallbacks = {
    "\xEF\xBB\xBF" + good,                                   // BOM: nlohmann skips it
    with_payload(R"({"big":18446744073709551616})"),         // beyond 64 bits: kept as text
    with_payload(R"({"edge":1.7976931348623157e308})"),      // near the end of a double
    with_payload(R"({"x":1e400})"),                          // error: out of a double's range
    R"({"events":)" + good + "}",                            // wrapper around one object
    R"({"events":[)" + good + R"(],"other":1})",             // wrapper with more keys
    R"([{"events":5,)" + good.substr(1) + "]",               // "events" inside an event
    good.substr(0, good.size() - 1) + R"(,"events":[]})",    // event with an events key
    R"({"topic":5,"topic":"t",)" + good.substr(good.find("\"event_id"))}; // wrong, then right
  for (auto& body : fallbacks) {
    INFO(body);
    auto out = check_same(body, defaults);
    CHECK_FALSE(out.fast);
  }
  SECTION("nesting past 64 levels when --max-depth allows it: the fast path recurses") {
    agg::publish_limits deep;
    deep.max_depth = 1000;
    auto body = with_payload("{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}");
    auto out = check_same(body, deep);
    CHECK(out.ok);
    CHECK_FALSE(out.fast);
  }
  SECTION("and every error and limit") {
    for (auto& body : std::vector<std::string>{"[]", "[" + good + ",7]", good + "]", "[" + good,
                                               std::string(70, '[') + std::string(70, ']')}) {
      auto out = check_same(body, defaults);
      CHECK_FALSE(out.ok);
      CHECK_FALSE(out.fast);
    }
    auto out = check_same("[" + good + "," + good + "," + good + "," + good + "]", small);
    CHECK_FALSE(out.fast);
  }
}

// Found by the differential fuzz target: a string read without being consumed was skipped by
// On-Demand without a look at what follows it, so a ':' in place of a ',' slipped through.
TEST_CASE("a broken separator after an unread string still falls back", "[decoder][differential]") {
  for (auto& extra : {R"("extra":"ed{ep":[1,{"k":"v"}]})", R"("extra":"a" "b")",
                      R"("extra":["a":1])", R"("extra":{"a":"b":"c"})", R"("extra":"a",])"}) {
    auto body = good.substr(0, good.size() - 1) + "," + extra + "}";
    INFO(body);
    auto out = check_same(body, defaults);
    CHECK_FALSE(out.ok);
    CHECK_FALSE(out.fast);
  }
}

TEST_CASE("fast path and reference agree on the fuzz seed corpus", "[decoder][differential]") {
  for (auto& body : seed_corpus()) {
    check_same(body, defaults);
    check_same(body, small);
  }
}

TEST_CASE("fast path and reference agree on generated bodies and their mutations",
          "[decoder][differential]") {
  agg::test::publish_body_generator generate{20251125};
  size_t valid = 0, fast = 0;
  for (int round = 0; round < 1500; ++round) {
    auto body = generate.body();
    auto out = check_same(body, defaults);
    valid += out.ok;
    fast += out.fast;
    check_same(body, small);
    for (int m = 0; m < 6; ++m) {
      auto broken = generate.mutate(body);
      check_same(broken, defaults);
      check_same(broken, small);
      check_same(generate.mutate(broken), defaults);
    }
  }
  // The generator is meant to exercise both paths: mostly valid, often fast.
  INFO("valid " << valid << ", fast " << fast);
  CHECK(valid > 300);
  CHECK(fast > 150);
}
