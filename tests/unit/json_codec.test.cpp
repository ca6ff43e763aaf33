#include "codec/json_codec.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

using nlohmann::json;

TEST_CASE("stored events encode as JSON that parses back", "[codec]") {
  agg::stored_event e;
  e.seq = 42;
  e.data = {"to\"pic", "id\n\x01", "2025-01-31T12:00:00Z", "s\\", R"({"a":32.1})"};
  std::string out;
  agg::append_event(out, e);
  auto parsed = json::parse(out);
  CHECK(parsed["seq"] == 42);
  CHECK(parsed["topic"] == "to\"pic");
  CHECK(parsed["event_id"] == "id\n\x01");
  CHECK(parsed["source"] == "s\\");
  CHECK(parsed["payload"]["a"] == 32.1);
}

TEST_CASE("answers and errors have the documented fields", "[codec]") {
  CHECK(json::parse(agg::encode_publish_answer(3, 2, 1))
        == json{{"received", 3}, {"unique_processed", 2}, {"duplicate_dropped", 1},
                {"status", "ok"}});
  CHECK(json::parse(agg::encode_error("not_found", "no route"))
        == json{{"error", "not_found"}, {"message", "no route"}});
  // Invalid UTF-8 quoted from a request must not make the error itself fail.
  CHECK_NOTHROW(json::parse(agg::encode_error("x", "bad \xff byte")));
}
