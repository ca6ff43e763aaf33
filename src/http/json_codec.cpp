#include "http/json_codec.hpp"

#include <nlohmann/json.hpp>

#include "core/timestamp.hpp"

namespace agg {

namespace {

using json = nlohmann::json;

request_error bad(std::string code, std::string message, int status = 400) {
  return {status, std::move(code), std::move(message)};
}

std::string where(size_t index, const char* field) {
  return "events[" + std::to_string(index) + "]." + field;
}

// Follows a SAX parse to say where it failed as "events[i].field", for errors such as
// 1e400 that nlohmann reports only with a byte offset. Runs on the error path only.
class error_locator : public nlohmann::json_sax<json> {
public:
  std::string location() const {
    if (failed_at_.empty())
      return "events[0]";
    auto& f = failed_at_;
    size_t first = 0;
    size_t index = 0;
    if (f[0].array) {
      index = f[0].index;
      first = 1;
    } else if (f[0].key == "events" && f.size() > 1) {
      index = f[1].array ? f[1].index : 0;
      first = f[1].array ? 2 : 1;
    }
    std::string out = "events[" + std::to_string(index) + "]";
    if (first < f.size() && !f[first].array)
      out += "." + f[first].key;
    return out;
  }

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(false); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    frames_.back().key = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    failed_at_ = frames_;
    return false;
  }

private:
  struct frame {
    bool array;
    size_t index = 0; // Array: elements completed, i.e. the one being read now.
    std::string key;  // Object: the member being read now.
  };

  bool value() {
    if (!frames_.empty() && frames_.back().array)
      ++frames_.back().index;
    return true;
  }
  bool open(bool array) {
    frames_.push_back({array, 0, {}});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return value();
  }

  std::vector<frame> frames_;
  std::vector<frame> failed_at_;
};

// Reads a required string field; returns an error text or empty.
std::string string_field(const json& obj, size_t index, const char* field, size_t max_bytes,
                         const char* limit_option, bool may_be_empty, std::string& out) {
  auto it = obj.find(field);
  if (it == obj.end())
    return where(index, field) + ": missing";
  if (!it->is_string())
    return where(index, field) + ": must be a string, got " + it->type_name();
  auto& text = it->get_ref<const std::string&>();
  if (text.empty() && !may_be_empty)
    return where(index, field) + ": must not be empty";
  if (text.size() > max_bytes)
    return where(index, field) + ": is " + std::to_string(text.size())
           + " bytes, longer than the limit of " + std::to_string(max_bytes) + limit_option;
  out = text;
  return {};
}

std::string decode_event(const json& obj, size_t index, const publish_limits& limits,
                         event& out) {
  if (auto err = string_field(obj, index, "topic", limits.max_topic_bytes, " (--max-topic-bytes)",
                              false, out.topic);
      !err.empty())
    return err;
  if (auto err = string_field(obj, index, "event_id", limits.max_event_id_bytes,
                              " (--max-event-id-bytes)", false, out.event_id);
      !err.empty())
    return err;
  // 64 bytes hold any RFC 3339 stamp with nanoseconds; the parser bounds it anyway.
  if (auto err = string_field(obj, index, "timestamp", 64, " for a date-time", false,
                              out.timestamp);
      !err.empty())
    return err;
  if (!is_rfc3339_timestamp(out.timestamp))
    return where(index, "timestamp")
           + ": must be an RFC 3339 date-time with a time zone, like 2025-01-31T12:00:00Z, got \""
           + out.timestamp + "\"";
  if (auto err = string_field(obj, index, "source", limits.max_source_bytes, " (--max-source-bytes)",
                              true, out.source);
      !err.empty())
    return err;
  auto payload = obj.find("payload");
  if (payload == obj.end())
    return where(index, "payload") + ": missing";
  if (!payload->is_object())
    return where(index, "payload") + ": must be an object, got " + payload->type_name();
  out.payload = payload->dump(-1, ' ', false, json::error_handler_t::strict);
  return {};
}

} // namespace

size_t json_depth(std::string_view body, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest && (deepest = depth) > limit)
        return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

decoded_publish decode_publish(std::string_view body, const publish_limits& limits) {
  decoded_publish result;
  // Checked before parsing: nlohmann parses deep input fine but dumps and compares it
  // recursively, so 100,000 nested arrays would overflow the stack later.
  if (json_depth(body, limits.max_depth) > limits.max_depth) {
    result.error = bad("too_deep", "the body nests arrays and objects deeper than "
                                     + std::to_string(limits.max_depth) + " levels (--max-depth)");
    return result;
  }
  json doc;
  try {
    doc = json::parse(body.begin(), body.end());
  } catch (const json::parse_error& ex) {
    std::string text = ex.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
    if (auto close = text.find("] "); text.rfind("[json.exception", 0) == 0 && close != text.npos)
      text = text.substr(close + 2);
    result.error = bad("invalid_json", "the body is not valid JSON: " + text);
    return result;
  } catch (const json::out_of_range& ex) {
    // 1e400: valid JSON syntax, but no double holds it, and storing it would change it.
    std::string text = ex.what();
    if (auto close = text.find("] "); close != text.npos)
      text = text.substr(close + 2);
    error_locator locator;
    json::sax_parse(body.begin(), body.end(), &locator);
    result.error = bad("invalid_event", locator.location() + ": " + text
                                          + " (out of the range of a double)");
    return result;
  }
  const json* events = &doc;
  if (doc.is_object() && doc.contains("events") && !doc.contains("topic"))
    events = &doc["events"];
  std::vector<const json*> items;
  if (events->is_array()) {
    for (auto& item : *events)
      items.push_back(&item);
  } else if (events->is_object()) {
    items.push_back(events);
  } else {
    result.error = bad("invalid_body", std::string{"the body must be an event object, an array "
                                                   "of events or {\"events\": ...}, got "}
                                         + events->type_name());
    return result;
  }
  if (items.empty()) {
    result.error = bad("invalid_body", "the request holds no events");
    return result;
  }
  if (items.size() > limits.max_events) {
    result.error = bad("too_many_events",
                       "the request holds " + std::to_string(items.size())
                         + " events, more than the limit of " + std::to_string(limits.max_events)
                         + " (--max-events)",
                       413);
    return result;
  }
  result.events.resize(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i]->is_object()) {
      result.error = bad("invalid_body", "events[" + std::to_string(i)
                                           + "] must be an event object, got "
                                           + items[i]->type_name());
      break;
    }
    if (auto err = decode_event(*items[i], i, limits, result.events[i]); !err.empty()) {
      result.error = bad("invalid_event", err);
      break;
    }
  }
  if (!result.ok())
    result.events.clear();
  return result;
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += static_cast<char>(c); // Valid UTF-8: checked when it was published.
        }
    }
  }
  out += '"';
}

void append_event(std::string& out, const stored_event& e) {
  out += "{\"seq\":";
  out += std::to_string(e.seq);
  out += ",\"topic\":";
  append_json_string(out, e.data.topic);
  out += ",\"event_id\":";
  append_json_string(out, e.data.event_id);
  out += ",\"timestamp\":";
  append_json_string(out, e.data.timestamp);
  out += ",\"source\":";
  append_json_string(out, e.data.source);
  out += ",\"payload\":";
  out += e.data.payload; // Stored as the JSON text nlohmann produced from the request.
  out += '}';
}

std::string encode_publish_answer(const publish_outcome& outcome) {
  return json{{"received", outcome.received},
              {"unique_processed", outcome.unique},
              {"duplicate_dropped", outcome.duplicates},
              {"status", "ok"}}
    .dump();
}

std::string encode_stats(const stats_snapshot& stats) {
  return json{{"received", stats.received},
              {"unique_processed", stats.unique},
              {"duplicate_dropped", stats.duplicates},
              {"topics", stats.topics},
              {"uptime", stats.uptime_seconds}}
    .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_error(std::string_view code, std::string_view message) {
  // replace: a message may quote invalid UTF-8 from the request.
  return json{{"error", code}, {"message", message}}.dump(-1, ' ', false,
                                                          json::error_handler_t::replace);
}

} // namespace agg
