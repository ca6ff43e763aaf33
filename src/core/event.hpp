#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace agg {

/// One published event, validated; `payload` is the JSON text of an object.
struct event {
  std::string topic;
  std::string event_id;
  std::string timestamp; ///< RFC 3339, exactly as sent.
  std::string source;
  std::string payload;
};

/// An event as stored, with its arrival sequence number.
struct stored_event {
  int64_t seq = 0;
  event data;
};

using event_batch = std::vector<event>;

/// The dedup key: topic and event_id joined by a NUL byte, which JSON strings may
/// contain, so the topic's length leads to keep ("a\0b","c") apart from ("a","b\0c").
inline std::string dedup_key(const event& e) {
  std::string key = std::to_string(e.topic.size());
  key.reserve(key.size() + 1 + e.topic.size() + e.event_id.size());
  key += ':';
  key += e.topic;
  key += e.event_id;
  return key;
}

} // namespace agg
