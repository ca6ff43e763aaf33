// libFuzzer target for decode_publish: no input may crash it or trip a sanitizer, whatever
// it accepts must hold up (see check_event and check_against_dom), and it is differential:
// the simdjson fast path and decode_publish must answer exactly as the nlohmann reference
// decoder does (see check_same_as_reference).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/timestamp.hpp"
#include "codec/json_codec.hpp"
#include "codec/publish_decoder.hpp"
#include "codec/publish_decoder_fast.hpp"
#include "codec/publish_decoder_reference.hpp"

namespace {

using json = nlohmann::json;

// Small limits, so that short inputs reach the limit checks too.
const agg::publish_limits limits{8, 12, 16, 16, 16};
// The server's defaults, for the differential check.
const agg::publish_limits default_limits{};

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "invariant broken: %s %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void check_event(const agg::event& e) {
  if (e.topic.empty() || e.topic.size() > limits.max_topic_bytes)
    fail("topic empty or over its limit:", e.topic);
  if (e.event_id.empty() || e.event_id.size() > limits.max_event_id_bytes)
    fail("event_id empty or over its limit:", e.event_id);
  if (e.source.size() > limits.max_source_bytes)
    fail("source over its limit:", e.source);
  if (!agg::is_rfc3339_timestamp(e.timestamp))
    fail("timestamp not RFC 3339:", e.timestamp);
  if (e.payload.empty() || e.payload.front() != '{' || !json::accept(e.payload))
    fail("payload not a JSON object:", e.payload);
}

// The events an accepted body means, read the plain way through nlohmann's DOM; nullopt
// when the root repeats "events" (the DOM keeps the last, the decoder reads all of them).
std::optional<json> dom_events(std::string_view body) {
  int events_keys = 0;
  json::parser_callback_t count = [&](int depth, json::parse_event_t ev, json& parsed) {
    events_keys += depth == 1 && ev == json::parse_event_t::key && parsed == "events";
    return true;
  };
  auto doc = json::parse(body.begin(), body.end(), count, false);
  if (doc.is_discarded())
    fail("accepted a body that is not JSON");
  if (events_keys > 1)
    return std::nullopt;
  if (doc.is_array())
    return doc;
  if (doc.is_object() && doc.contains("events") && !doc.contains("topic")) {
    auto& inner = doc["events"];
    return inner.is_array() ? inner : json::array({inner});
  }
  return json::array({doc});
}

void check_against_dom(std::string_view body, const agg::event_batch& events) {
  auto expected = dom_events(body);
  if (!expected)
    return;
  if (expected->size() != events.size())
    fail("event count differs from the DOM's");
  for (size_t i = 0; i < events.size(); ++i) {
    auto& want = (*expected)[i];
    auto& got = events[i];
    if (want.value("topic", "") != got.topic || want.value("event_id", "") != got.event_id
        || want.value("timestamp", "") != got.timestamp || want.value("source", "") != got.source)
      fail("a string field differs from the DOM's");
    if (json::parse(got.payload) != want["payload"])
      fail("payload differs from the DOM's:", got.payload);
  }
}

void check_rejection(const agg::decoded_publish& r) {
  static const std::set<std::string> codes
    = {"invalid_json", "invalid_body", "invalid_event", "too_deep", "too_many_events"};
  if (!codes.count(r.error.code))
    fail("unknown error code:", r.error.code);
  int want = r.error.code == "too_many_events" ? 413 : 400;
  if (r.error.status != want || r.error.message.empty() || !r.events.empty())
    fail("rejection with a wrong status, no message or events:", r.error.code);
  // The error answer must encode whatever bytes the message quotes.
  if (!json::accept(agg::encode_error(r.error.code, r.error.message)))
    fail("error answer is not JSON");
}

bool same_events(const agg::event_batch& a, const agg::event_batch& b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].topic != b[i].topic || a[i].event_id != b[i].event_id
        || a[i].timestamp != b[i].timestamp || a[i].source != b[i].source
        || a[i].payload != b[i].payload)
      return false;
  return true;
}

// The fast path may give up on anything, but what it decodes must be what the reference
// decodes; and decode_publish must give the reference's answer, errors word for word.
void check_same_as_reference(std::string_view body, const agg::publish_limits& l) {
  auto reference = agg::decode_publish_reference(body, l);
  if (auto fast = agg::decode_publish_fast(body, l)) {
    if (!reference.ok())
      fail("the fast path accepted a body the reference rejects:", reference.error.message);
    if (!same_events(*fast, reference.events))
      fail("the fast path's events differ from the reference's");
  }
  auto r = agg::decode_publish(body, l);
  if (r.error.status != reference.error.status || r.error.code != reference.error.code
      || r.error.message != reference.error.message)
    fail("decode_publish's error differs from the reference's:", r.error.message);
  if (!same_events(r.events, reference.events))
    fail("decode_publish's events differ from the reference's");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body{reinterpret_cast<const char*>(data), size};
  check_same_as_reference(body, limits);
  check_same_as_reference(body, default_limits);
  auto r = agg::decode_publish(body, limits);
  if (!r.ok()) {
    check_rejection(r);
    return 0;
  }
  if (r.events.empty() || r.events.size() > limits.max_events)
    fail("accepted no events, or more than the limit");
  for (auto& e : r.events)
    check_event(e);
  check_against_dom(body, r.events);
  return 0;
}
