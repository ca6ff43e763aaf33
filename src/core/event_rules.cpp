#include "core/event_rules.hpp"

#include "core/timestamp.hpp"

namespace agg {

namespace {

constexpr size_t text_field_count = 4; // topic, event_id, timestamp, source

const std::string& text_of(const event& e, size_t f) {
  const std::string* values[] = {&e.topic, &e.event_id, &e.timestamp, &e.source};
  return *values[f];
}

size_t limit_of(const event_field_limits& limits, size_t f) {
  const size_t values[] = {limits.max_topic_bytes, limits.max_event_id_bytes,
                           max_timestamp_bytes, limits.max_source_bytes};
  return values[f];
}

} // namespace

const char* event_field_name(event_field f) {
  switch (f) {
    case event_field::topic:
      return "topic";
    case event_field::event_id:
      return "event_id";
    case event_field::timestamp:
      return "timestamp";
    case event_field::source:
      return "source";
    case event_field::payload:
      return "payload";
    case event_field::events:
      return "events";
    case event_field::other:
      break;
  }
  return "";
}

event_check check_event(const event& e, const event_shape& shape,
                        const event_field_limits& limits) {
  auto fail = [](size_t f, event_fault why) {
    return event_check{why, static_cast<event_field>(f)};
  };
  for (size_t f = 0; f < text_field_count; ++f) {
    auto& value = text_of(e, f);
    if (!shape.present[f])
      return fail(f, event_fault::missing);
    if (shape.wrong_type[f])
      return fail(f, event_fault::wrong_type);
    if (value.empty() && f != static_cast<size_t>(event_field::source))
      return fail(f, event_fault::empty);
    if (value.size() > limit_of(limits, f))
      return fail(f, event_fault::too_long);
    if (f == static_cast<size_t>(event_field::timestamp) && !is_rfc3339_timestamp(value))
      return fail(f, event_fault::not_a_date_time);
  }
  constexpr auto payload = static_cast<size_t>(event_field::payload);
  if (!shape.present[payload])
    return fail(payload, event_fault::missing);
  if (shape.wrong_type[payload])
    return fail(payload, event_fault::wrong_type);
  return {};
}

std::string event_fault_text(const event_check& check, const event& e,
                             const event_shape& shape, const event_field_limits& limits) {
  auto f = static_cast<size_t>(check.field);
  switch (check.fault) {
    case event_fault::none:
      break;
    case event_fault::missing:
      return "missing";
    case event_fault::wrong_type:
      return std::string{check.field == event_field::payload ? "must be an object, got "
                                                             : "must be a string, got "}
             + shape.wrong_type[f];
    case event_fault::empty:
      return "must not be empty";
    case event_fault::too_long: {
      const char* limit_names[] = {" (--max-topic-bytes)", " (--max-event-id-bytes)",
                                   " for a date-time", " (--max-source-bytes)"};
      return "is " + std::to_string(text_of(e, f).size()) + " bytes, longer than the limit of "
             + std::to_string(limit_of(limits, f)) + limit_names[f];
    }
    case event_fault::not_a_date_time:
      return "must be an RFC 3339 date-time with a time zone, like 2025-01-31T12:00:00Z, got \""
             + e.timestamp + "\"";
  }
  return {};
}

} // namespace agg
