#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.hpp"

namespace agg {

/// What a key of an object in a publish body names: one of an event's five fields, the
/// `events` of the `{"events": [...]}` wrapper (only a root object can be one), or any
/// other key, which an event ignores. The fields come first, in the order they are checked.
enum class event_field : uint8_t { topic, event_id, timestamp, source, payload, events, other };

/// The fields an event has: topic, event_id, timestamp and source (strings), and payload.
constexpr size_t event_field_count = 5;

/// The longest timestamp accepted: 64 bytes hold any RFC 3339 stamp with nanoseconds (the
/// format check bounds it anyway).
constexpr size_t max_timestamp_bytes = 64;

/// Which field `key` names. Switching on the length first keeps this to one comparison per
/// key: it runs for every key of every event.
inline event_field event_field_of(std::string_view key) {
  switch (key.size()) {
    case 5:
      return key == "topic" ? event_field::topic : event_field::other;
    case 6:
      return key == "source" ? event_field::source
             : key == "events" ? event_field::events
                               : event_field::other;
    case 7:
      return key == "payload" ? event_field::payload : event_field::other;
    case 8:
      return key == "event_id" ? event_field::event_id : event_field::other;
    case 9:
      return key == "timestamp" ? event_field::timestamp : event_field::other;
    default:
      return event_field::other;
  }
}

/// The key of `f` ("event_id"); "" for `other`.
const char* event_field_name(event_field f);

/// How long an event's text fields may be, in bytes (--max-topic-bytes, ...); the
/// timestamp's limit is max_timestamp_bytes.
struct event_field_limits {
  size_t max_topic_bytes = 1024;
  size_t max_event_id_bytes = 1024;
  size_t max_source_bytes = 1024;
};

/// What a decoder saw of one event object besides the values (which it wrote into the
/// event): which fields were there, and which had a value of the wrong JSON type.
struct event_shape {
  bool present[event_field_count] = {};
  /// The JSON type of a value that is not a string (payload: not an object), e.g.
  /// "number" or "array"; nullptr while the value has the right type.
  const char* wrong_type[event_field_count] = {};
};

/// The rule an event breaks.
enum class event_fault : uint8_t {
  none,
  missing,        ///< A field is not there.
  wrong_type,     ///< A text field is not a string, or the payload is not an object.
  empty,          ///< topic, event_id or timestamp is "" (source may be).
  too_long,       ///< A text field is longer than its limit.
  not_a_date_time ///< The timestamp is not RFC 3339 with a time zone.
};

/// The first rule an event breaks, and in which field.
struct event_check {
  event_fault fault = event_fault::none;
  event_field field = event_field::other;

  bool ok() const {
    return fault == event_fault::none;
  }
};

/// Checks an event against the rules, field by field in event_field order (present, of the
/// right type, not empty, within its limit, a date-time), and reports the first broken one.
/// Allocates nothing: the fast decoder asks this of every event.
event_check check_event(const event& e, const event_shape& shape,
                        const event_field_limits& limits);

/// What `check` found, in the words of the API's errors, without the field's name:
/// "missing", "must be a string, got number", "is 9 bytes, longer than the limit of 8
/// (--max-topic-bytes)", ...
std::string event_fault_text(const event_check& check, const event& e,
                             const event_shape& shape, const event_field_limits& limits);

} // namespace agg
