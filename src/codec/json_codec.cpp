#include "codec/json_codec.hpp"

#include <nlohmann/json.hpp>

namespace agg {

namespace {

using json = nlohmann::json;

} // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  // Bytes that need no escape are copied in runs: byte-by-byte appends were a visible part
  // of decoding batch payloads.
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\')
      continue; // Valid UTF-8 is copied as is: it was checked when it was published.
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xf];
    }
  }
  out.append(text.data() + run, text.size() - run);
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

std::string encode_publish_answer(uint64_t received, uint64_t unique, uint64_t duplicates) {
  return json{{"received", received},
              {"unique_processed", unique},
              {"duplicate_dropped", duplicates},
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
