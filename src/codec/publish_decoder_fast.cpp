#include "codec/publish_decoder_fast.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include <simdjson.h>

#include "core/event_rules.hpp"
#include "codec/json_value_copier.hpp"
#include "codec/simdjson_workspace.hpp"

namespace agg {

namespace {

namespace od = simdjson::ondemand;

// The copier recurses once per level, while the reference decoder does not recurse at all:
// deeper bodies (only with a --max-depth raised above its default of 64) go to the
// reference, so that the fast path stays far inside a 256 KiB HTTP thread stack.
constexpr size_t fast_max_depth = 64;

// Reads the events of one body. Every member returns false to give up, at the first thing
// that is not a plainly valid event: the reference decoder then has the last word.
class fast_reader {
public:
  fast_reader(const publish_limits& limits, const char* end)
    : limits_(limits),
      field_limits_(limits.field_limits()),
      copier_(std::min(limits.max_depth, fast_max_depth), end) {
  }

  bool root(od::document& doc, event_batch& out);

private:
  bool list(od::array items, size_t depth, event_batch& out);
  bool event_fields(od::object fields, size_t depth, event& e, event_batch* wrapper_out);

  const publish_limits& limits_;
  const event_field_limits field_limits_;
  json_value_copier copier_;
  size_t payload_hint_ = 0; // The previous payload's size: batches repeat their shape.
};

bool fast_reader::root(od::document& doc, event_batch& out) {
  od::json_type type;
  if (doc.type().get(type) != simdjson::SUCCESS || limits_.max_depth < 1)
    return false;
  if (type == od::json_type::array) {
    od::array items;
    if (doc.get_array().get(items) != simdjson::SUCCESS || !list(items, 1, out))
      return false;
  } else if (type == od::json_type::object) {
    od::object fields;
    if (doc.get_object().get(fields) != simdjson::SUCCESS)
      return false;
    event e;
    if (!event_fields(fields, 1, e, &out))
      return false;
    if (out.empty()) // Not the wrapper: the root object is the one event.
      out.push_back(std::move(e));
  } else {
    return false;
  }
  // OUT_OF_BOUNDS: nothing follows the root value ("[...]]" has a token left).
  return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

bool fast_reader::list(od::array items, size_t depth, event_batch& out) {
  if (depth + 1 > limits_.max_depth) // The events inside are one level deeper.
    return false;
  for (auto item : items) {
    od::object fields;
    if (item.get_object().get(fields) != simdjson::SUCCESS || out.size() >= limits_.max_events)
      return false;
    if (!event_fields(fields, depth + 1, out.emplace_back(), nullptr))
      return false;
  }
  return !out.empty();
}

// Reads an event object at `depth`. Only the root (`wrapper_out` set) may be the wrapper,
// and only in its plainest form: "events" is its first and only key, holding an array.
bool fast_reader::event_fields(od::object fields, size_t depth, event& e,
                               event_batch* wrapper_out) {
  // Values of the wrong type make this path give up, so only `present` is ever set.
  event_shape shape;
  std::string* slots[] = {&e.topic, &e.event_id, &e.timestamp, &e.source};
  bool first = true, wrapped = false;
  for (auto item : fields) {
    od::field member;
    std::string_view key;
    bool as_is = false;
    if (wrapped || std::move(item).get(member) != simdjson::SUCCESS
        || !copier_.key_of(member, key, as_is))
      return false;
    auto f = event_field_of(key);
    auto& v = member.value();
    switch (f) {
      case event_field::topic:
      case event_field::event_id:
      case event_field::timestamp:
      case event_field::source: {
        // A repeated field takes its last value, as in the reference decoder.
        std::string_view text;
        if (!copier_.text_of(v, text, as_is))
          return false;
        slots[static_cast<size_t>(f)]->assign(text);
        shape.present[static_cast<size_t>(f)] = true;
        break;
      }
      case event_field::payload: {
        od::object payload;
        if (depth + 1 > limits_.max_depth || v.get_object().get(payload) != simdjson::SUCCESS)
          return false;
        // Reserving the previous payload's size spares most regrowth, and reserves at most
        // twice the payload bytes of a body.
        e.payload.clear();
        e.payload.reserve(payload_hint_);
        if (!copier_.object_json(payload, depth + 1, &e.payload))
          return false;
        payload_hint_ = e.payload.size();
        shape.present[static_cast<size_t>(f)] = true;
        break;
      }
      case event_field::events: {
        od::array items;
        if (!wrapper_out || !first || v.get_array().get(items) != simdjson::SUCCESS
            || !list(items, depth + 1, *wrapper_out))
          return false;
        wrapped = true;
        break;
      }
      case event_field::other:
        if (!copier_.value(v, depth + 1, nullptr))
          return false;
        break;
    }
    first = false;
  }
  return wrapped || check_event(e, shape, field_limits_).ok();
}

simdjson_workspace_pool& pool() {
  static simdjson_workspace_pool instance;
  return instance;
}

} // namespace

std::optional<event_batch> decode_publish_fast(std::string_view body,
                                               const publish_limits& limits) {
  if (body.size() > fast_decode_max_body_bytes)
    return std::nullopt;
  auto w = pool().take();
  w->load(body);
  std::optional<event_batch> out;
  od::document doc;
  if (w->parser.iterate(w->buffer.get(), body.size(), w->capacity).get(doc) == simdjson::SUCCESS) {
    event_batch events;
    if (fast_reader{limits, w->buffer.get() + body.size()}.root(doc, events))
      out = std::move(events);
  }
  pool().give_back(std::move(w));
  return out;
}

} // namespace agg
