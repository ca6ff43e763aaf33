#include "core/event_rules.hpp"

#include <string>

#include <catch2/catch.hpp>

using agg::event_fault;
using agg::event_field;

namespace {

const agg::event_field_limits limits{8, 8, 8};

// A valid event, with every field seen and of the right type.
struct reading {
  agg::event e{"t", "1", "2025-01-31T12:00:00Z", "s", R"({"n":1})"};
  agg::event_shape shape{{true, true, true, true, true}, {}};

  agg::event_check check() const {
    return agg::check_event(e, shape, limits);
  }

  // The error text as the decoders word it, without the "events[i]." prefix.
  std::string text() const {
    auto c = check();
    REQUIRE_FALSE(c.ok());
    return std::string{agg::event_field_name(c.field)} + ": "
           + agg::event_fault_text(c, e, shape, limits);
  }
};

} // namespace

TEST_CASE("an event's keys name its five fields, the wrapper's events, or nothing",
          "[event_rules]") {
  CHECK(agg::event_field_of("topic") == event_field::topic);
  CHECK(agg::event_field_of("event_id") == event_field::event_id);
  CHECK(agg::event_field_of("timestamp") == event_field::timestamp);
  CHECK(agg::event_field_of("source") == event_field::source);
  CHECK(agg::event_field_of("payload") == event_field::payload);
  CHECK(agg::event_field_of("events") == event_field::events);
  for (auto key : {"", "Topic", "topics", "event-id", "eventid", "sourc", "payloads", "x"})
    CHECK(agg::event_field_of(key) == event_field::other);
  for (auto f : {event_field::topic, event_field::event_id, event_field::timestamp,
                 event_field::source, event_field::payload, event_field::events})
    CHECK(agg::event_field_of(agg::event_field_name(f)) == f);
}

TEST_CASE("a valid event passes, at its limits too", "[event_rules]") {
  reading r;
  CHECK(r.check().ok());
  SECTION("source may be empty") {
    r.e.source.clear();
    CHECK(r.check().ok());
  }
  SECTION("a field exactly at its limit") {
    r.e.topic = std::string(8, 't');
    r.e.event_id = std::string(8, 'i');
    r.e.source = std::string(8, 's');
    CHECK(r.check().ok());
  }
  SECTION("a timestamp with 18 fraction digits, the most is_rfc3339_timestamp takes") {
    r.e.timestamp = "2025-01-31T12:00:00." + std::string(18, '1') + "+01:00";
    CHECK(r.check().ok());
  }
}

TEST_CASE("each broken rule is named in the API's words", "[event_rules]") {
  reading r;
  SECTION("a missing field") {
    r.shape.present[1] = false;
    CHECK(r.check().fault == event_fault::missing);
    CHECK(r.text() == "event_id: missing");
  }
  SECTION("a text field that is not a string") {
    r.shape.wrong_type[3] = "number";
    CHECK(r.check().fault == event_fault::wrong_type);
    CHECK(r.text() == "source: must be a string, got number");
  }
  SECTION("an empty topic, event_id or timestamp") {
    r.e.timestamp.clear();
    CHECK(r.check().fault == event_fault::empty);
    CHECK(r.text() == "timestamp: must not be empty");
  }
  SECTION("a field over its limit names the option") {
    r.e.topic = std::string(9, 't');
    CHECK(r.check().fault == event_fault::too_long);
    CHECK(r.text() == "topic: is 9 bytes, longer than the limit of 8 (--max-topic-bytes)");
    r.e.topic = "t";
    r.e.event_id = std::string(9, 'i');
    CHECK(r.text() == "event_id: is 9 bytes, longer than the limit of 8 (--max-event-id-bytes)");
    r.e.event_id = "1";
    r.e.source = std::string(10, 's');
    CHECK(r.text() == "source: is 10 bytes, longer than the limit of 8 (--max-source-bytes)");
  }
  SECTION("a timestamp over 64 bytes is too long; at 64 its format is checked") {
    r.e.timestamp = "2025-01-31T12:00:00." + std::string(39, '1') + "+01:00";
    CHECK(r.text() == "timestamp: is 65 bytes, longer than the limit of 64 for a date-time");
    r.e.timestamp.pop_back();
    REQUIRE(r.e.timestamp.size() == agg::max_timestamp_bytes);
    CHECK(r.check().fault == event_fault::not_a_date_time);
  }
  SECTION("a timestamp that is no RFC 3339 date-time") {
    r.e.timestamp = "2025-01-31 12:00:00";
    CHECK(r.check().fault == event_fault::not_a_date_time);
    CHECK(r.text() == "timestamp: must be an RFC 3339 date-time with a time zone, like "
                      "2025-01-31T12:00:00Z, got \"2025-01-31 12:00:00\"");
  }
  SECTION("a missing payload") {
    r.shape.present[4] = false;
    CHECK(r.text() == "payload: missing");
  }
  SECTION("a payload that is not an object") {
    r.shape.wrong_type[4] = "array";
    CHECK(r.check().fault == event_fault::wrong_type);
    CHECK(r.text() == "payload: must be an object, got array");
  }
}

TEST_CASE("the first broken rule wins: fields in order, then the rules of a field in order",
          "[event_rules]") {
  reading r;
  r.shape.present[4] = false;          // payload missing
  r.e.timestamp = "yesterday";         // not a date-time
  r.e.event_id = std::string(9, 'i');  // too long
  CHECK(r.text() == "event_id: is 9 bytes, longer than the limit of 8 (--max-event-id-bytes)");
  r.shape.wrong_type[1] = "object";    // the type is checked before the length
  CHECK(r.text() == "event_id: must be a string, got object");
  r.shape.present[0] = false;          // and any problem of topic before event_id's
  CHECK(r.text() == "topic: missing");
}
