#pragma once

#include <string_view>

#include "core/event.hpp"
#include "core/event_rules.hpp"
#include "codec/request_error.hpp"

namespace agg {

/// The limits a publish body is checked against.
struct publish_limits {
  size_t max_events = 10000;
  size_t max_depth = 64;
  size_t max_topic_bytes = 1024;
  size_t max_event_id_bytes = 1024;
  size_t max_source_bytes = 1024;

  /// The limits core/event_rules.hpp checks each event's fields against.
  event_field_limits field_limits() const {
    return {max_topic_bytes, max_event_id_bytes, max_source_bytes};
  }
};

/// A decoded publish body: the events, or why the whole request is rejected.
struct decoded_publish {
  event_batch events;
  request_error error; ///< Empty `code` when the events are valid.

  bool ok() const {
    return error.code.empty();
  }
};

/// Parses and validates a `POST /publish` body: one event, an array of events, or
/// `{"events": ...}`. Any invalid event rejects the whole body.
decoded_publish decode_publish(std::string_view body, const publish_limits& limits);

} // namespace agg
