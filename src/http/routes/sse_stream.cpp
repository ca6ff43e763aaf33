#include "http/routes/sse_stream.hpp"

#include "core/errors.hpp"
#include "core/log.hpp"
#include "codec/json_codec.hpp"

namespace agg {

namespace {

// The first text of every stream: it flushes the headers at once, so a client knows it is
// subscribed (and anything committed from now on will reach it) before the first event.
constexpr const char* opening_comment = ": subscribed\n\n";
constexpr const char* heartbeat_comment = ": heartbeat\n\n";

// One `data:` line per line of `json`: a raw line break would end the field early. Our JSON
// is compact, so this is a scan that finds none.
void append_data(std::string& out, const std::string& json) {
  size_t start = 0;
  while (true) {
    auto end = json.find_first_of("\r\n", start);
    out += "data: ";
    out.append(json, start, end == std::string::npos ? std::string::npos : end - start);
    out += '\n';
    if (end == std::string::npos)
      return;
    start = end + 1;
  }
}

} // namespace

void append_sse_event(std::string& out, const stored_event& e) {
  out += "id: ";
  out += std::to_string(e.seq);
  out += "\nevent: event\n";
  std::string json;
  append_event(json, e);
  append_data(out, json);
  out += '\n';
}

sse_stream::sse_stream(std::shared_ptr<subscription_hub> hub, std::unique_ptr<subscription> sub,
                       std::unique_ptr<subscription_reader> reader, int64_t after, bool replay,
                       sse_settings settings)
  : hub_(std::move(hub)),
    sub_(std::move(sub)),
    reader_(std::move(reader)),
    last_sent_(after),
    phase_(phase::opening),
    after_opening_(replay ? phase::catching_up : phase::live),
    settings_(settings) {
}

sse_stream::~sse_stream() = default;

std::optional<std::string> sse_stream::next() {
  if (hub_->closed())
    return std::nullopt;
  switch (phase_) {
    case phase::opening:
      phase_ = after_opening_;
      return std::string{opening_comment};
    case phase::catching_up:
      return read_store();
    case phase::live:
      return take_live();
    case phase::closing: {
      // Tell the client where to resume; EventSource reconnects on its own with this id.
      phase_ = phase::ended;
      hub_->note_lagging_close();
      auto seq = std::to_string(last_sent_);
      return "id: " + seq + "\nevent: resume\ndata: {\"after\":" + seq
             + ",\"reason\":\"the subscriber fell behind the live stream too often; "
               "reconnect with Last-Event-ID or after=" + seq + "\"}\n\n";
    }
    case phase::ended:
      break;
  }
  return std::nullopt;
}

std::optional<std::string> sse_stream::read_store() {
  auto page = reader_->read(last_sent_, settings_.page);
  if (!page) {
    // The status line is sent: end the stream; the client resumes from its last id.
    log_error("GET /subscribe: reading the store failed: " + error_text(page.error()));
    return std::nullopt;
  }
  std::string text;
  for (auto& e : page->events)
    append_sse_event(text, e);
  if (!page->events.empty())
    last_sent_ = page->events.back().seq;
  if (page->at_end)
    phase_ = phase::live;
  return text;
}

std::optional<std::string> sse_stream::take_live() {
  auto taken = sub_->queue().wait(settings_.heartbeat);
  if (taken.closed)
    return std::nullopt;
  if (taken.overflowed) {
    // Dropped events are in the store: read them there, unless this keeps happening.
    if (++overflows_in_a_row_ > settings_.max_catchups)
      phase_ = phase::closing;
    else
      phase_ = phase::catching_up;
    return std::string{};
  }
  if (taken.waited)
    overflows_in_a_row_ = 0; // It had caught up with the live stream.
  if (taken.events.empty())
    return std::string{heartbeat_comment};
  std::string text;
  for (auto& e : taken.events)
    if (e->event.seq > last_sent_) {
      // Every stream of this event sends the same bytes: encode them once.
      std::call_once(e->encoded_once, [&e] { append_sse_event(e->encoded, e->event); });
      text += e->encoded;
      last_sent_ = e->event.seq;
    }
  return text;
}

} // namespace agg
