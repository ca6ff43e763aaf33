#pragma once

#include <string>
#include <string_view>

#include "actors/publish_ticket.hpp"
#include "core/event.hpp"
#include "core/type_ids.hpp"

namespace agg {

/// The limits a publish body is checked against.
struct publish_limits {
  size_t max_events = 10000;
  size_t max_depth = 64;
  size_t max_topic_bytes = 1024;
  size_t max_event_id_bytes = 1024;
  size_t max_source_bytes = 1024;
};

/// A rejected request: HTTP status, error code and a text naming what is wrong.
struct request_error {
  int status = 400;
  std::string code;
  std::string message;
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

/// The deepest nesting of arrays and objects in `body`, scanning at most to `limit + 1`.
size_t json_depth(std::string_view body, size_t limit);

/// Appends `text` as a JSON string literal (quotes included) to `out`.
void append_json_string(std::string& out, std::string_view text);

/// Appends one stored event as a JSON object with its seq.
void append_event(std::string& out, const stored_event& e);

/// The 200 answer of a publish.
std::string encode_publish_answer(const publish_outcome& outcome);

/// The `GET /stats` answer.
std::string encode_stats(const stats_snapshot& stats);

/// `{"error": code, "message": message}`.
std::string encode_error(std::string_view code, std::string_view message);

} // namespace agg
