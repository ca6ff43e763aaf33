#include "codec/publish_decoder_reference.hpp"

#include <charconv>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/event_rules.hpp"
#include "codec/json_codec.hpp"

namespace agg {

namespace {

using json = nlohmann::json;

std::string where(size_t index, std::string_view name) {
  std::string out = "events[" + std::to_string(index) + "]";
  if (!name.empty())
    out.append(".").append(name);
  return out;
}

// Builds the events straight from nlohmann's SAX callbacks: no DOM, and the payload is
// written out as compact JSON while it is read (numbers with a fraction keep their text).
// Field errors are collected, not thrown, so that a syntax error later in the body still
// wins; depth and count limits abort at once, before the rest is even read.
class publish_sax final : public nlohmann::json_sax<json> {
public:
  explicit publish_sax(const publish_limits& limits)
    : limits_(limits), field_limits_(limits.field_limits()) {
  }

  decoded_publish result();

  bool null() override {
    return scalar("null", "null");
  }
  bool boolean(bool value) override {
    return scalar("boolean", value ? "true" : "false");
  }
  bool number_integer(number_integer_t value) override {
    return number(value);
  }
  bool number_unsigned(number_unsigned_t value) override {
    return number(value);
  }
  bool number_float(number_float_t, const string_t& text) override {
    return scalar("number", text);
  }
  bool string(string_t& value) override;
  bool binary(binary_t&) override {
    return scalar("binary", ""); // Never produced when parsing JSON text.
  }
  bool start_object(std::size_t) override {
    return open(false);
  }
  bool start_array(std::size_t) override {
    return open(true);
  }
  bool key(string_t& name) override;
  bool end_object() override {
    return close();
  }
  bool end_array() override {
    return close();
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& ex) override;

private:
  enum class role : uint8_t { list, event, payload, ignore };

  struct frame {
    role what;
    bool array;
    bool need_comma = false; // Payload only: a value was written at this level.
    bool after_key = false;  // Payload only: the next value follows a key.
  };

  // What has been read of one event object so far.
  struct event_reading {
    event_reading(bool list, size_t i) : in_list(list), index(i) {
    }

    bool in_list;
    size_t index;
    event_field current = event_field::other;
    std::string current_key;
    event_shape shape;
  };

  template <class T>
  bool number(T value) {
    char buf[24];
    auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
    return scalar("number", std::string_view(buf, static_cast<size_t>(end - buf)));
  }

  event& target(const event_reading& r) {
    return r.in_list ? list_[r.index] : root_event_;
  }

  std::string& payload_out() {
    return target(reading_.back()).payload;
  }

  // Writes the comma or nothing that goes before a payload value.
  void payload_value_prefix() {
    auto& f = frames_.back();
    if (f.after_key)
      f.after_key = false;
    else if (f.need_comma)
      payload_out() += ',';
    f.need_comma = true;
  }

  bool scalar(const char* type, std::string_view text);
  bool open(bool array);
  bool close();
  role open_in_event(bool array);
  bool count_list_item();
  void not_an_object(const char* type);
  void finish_event(const event_reading& r);
  void record(bool in_list, request_error err);

  const publish_limits& limits_;
  const event_field_limits field_limits_;
  std::vector<frame> frames_;
  std::vector<event_reading> reading_;
  event_batch list_;
  event root_event_;
  const char* root_scalar_type_ = nullptr;
  bool root_is_list_ = false;
  bool saw_topic_ = false;
  bool saw_events_ = false;
  const char* wrapper_scalar_type_ = nullptr;
  request_error fatal_;      // Depth, count, or syntax: the parse stopped.
  request_error list_error_; // First problem among the list's events.
  request_error root_error_; // First problem of the root object read as one event.
};

bool publish_sax::string(string_t& value) {
  if (!frames_.empty() && frames_.back().what == role::event) {
    auto& r = reading_.back();
    auto f = static_cast<size_t>(r.current);
    if (f < static_cast<size_t>(event_field::payload)) {
      r.shape.present[f] = true;
      r.shape.wrong_type[f] = nullptr;
      auto& e = target(r);
      std::string* slots[] = {&e.topic, &e.event_id, &e.timestamp, &e.source};
      // The lexer clears its buffer before the next token: taking it is safe.
      *slots[f] = std::move(value);
      return true;
    }
  }
  if (!frames_.empty() && frames_.back().what == role::payload) {
    payload_value_prefix();
    append_json_string(payload_out(), value);
    return true;
  }
  return scalar("string", value);
}

bool publish_sax::scalar(const char* type, std::string_view text) {
  if (frames_.empty()) {
    root_scalar_type_ = type;
    return true;
  }
  switch (frames_.back().what) {
    case role::list:
      if (!count_list_item())
        return false;
      not_an_object(type);
      return true;
    case role::payload:
      payload_value_prefix();
      payload_out().append(text);
      return true;
    case role::ignore:
      return true;
    case role::event:
      break;
  }
  auto& r = reading_.back();
  switch (r.current) {
    case event_field::topic:
    case event_field::event_id:
    case event_field::timestamp:
    case event_field::source:
    case event_field::payload: {
      auto f = static_cast<size_t>(r.current);
      r.shape.present[f] = true;
      r.shape.wrong_type[f] = type;
      break;
    }
    case event_field::events:
      wrapper_scalar_type_ = type;
      break;
    case event_field::other:
      break;
  }
  return true;
}

bool publish_sax::open(bool array) {
  if (frames_.size() + 1 > limits_.max_depth) {
    fatal_ = {400, "too_deep", "the body nests arrays and objects deeper than "
                                 + std::to_string(limits_.max_depth) + " levels (--max-depth)"};
    return false;
  }
  role what = role::ignore;
  if (frames_.empty()) {
    if (array) {
      root_is_list_ = true;
      what = role::list;
    } else {
      reading_.emplace_back(false, 0);
      what = role::event;
    }
  } else {
    switch (frames_.back().what) {
      case role::list:
        if (!count_list_item())
          return false;
        if (array) {
          not_an_object("array");
        } else {
          reading_.emplace_back(true, list_.size() - 1);
          what = role::event;
        }
        break;
      case role::event:
        what = open_in_event(array);
        if (!fatal_.code.empty())
          return false;
        break;
      case role::payload:
        payload_value_prefix();
        payload_out() += array ? '[' : '{';
        what = role::payload;
        break;
      case role::ignore:
        break;
    }
  }
  frames_.push_back({what, array});
  return true;
}

publish_sax::role publish_sax::open_in_event(bool array) {
  auto& r = reading_.back();
  auto f = static_cast<size_t>(r.current);
  switch (r.current) {
    case event_field::payload:
      r.shape.present[f] = true;
      r.shape.wrong_type[f] = array ? "array" : nullptr;
      if (array)
        return role::ignore;
      target(r).payload.assign(1, '{');
      return role::payload;
    case event_field::events:
      // Only the root object can be the {"events": ...} wrapper.
      if (r.in_list)
        return role::ignore;
      wrapper_scalar_type_ = nullptr;
      if (array)
        return role::list;
      // A repeated "events" key adds to the events read so far: count this one against
      // the limit, and read it into its own slot, not over events[0].
      if (!count_list_item())
        return role::ignore; // fatal_ is set; open() stops the parse.
      reading_.emplace_back(true, list_.size() - 1);
      return role::event;
    case event_field::other:
      return role::ignore;
    default: // A text field.
      r.shape.present[f] = true;
      r.shape.wrong_type[f] = array ? "array" : "object";
      return role::ignore;
  }
}

bool publish_sax::close() {
  auto closed = frames_.back();
  frames_.pop_back();
  if (closed.what == role::payload) {
    // The payload's own '{' was written by open_in_event; close it and nested ones alike.
    payload_out() += closed.array ? ']' : '}';
  } else if (closed.what == role::event) {
    finish_event(reading_.back());
    reading_.pop_back();
  }
  return true;
}

bool publish_sax::key(string_t& name) {
  auto& f = frames_.back();
  if (f.what == role::payload) {
    if (f.need_comma)
      payload_out() += ',';
    append_json_string(payload_out(), name);
    payload_out() += ':';
    f.need_comma = true;
    f.after_key = true;
  } else if (f.what == role::event) {
    auto& r = reading_.back();
    r.current = event_field_of(name);
    r.current_key = name;
    if (!r.in_list) {
      saw_topic_ |= r.current == event_field::topic;
      saw_events_ |= r.current == event_field::events;
    }
  }
  return true;
}

bool publish_sax::count_list_item() {
  if (list_.size() >= limits_.max_events) {
    fatal_ = {413, "too_many_events", "the request holds more than "
                                        + std::to_string(limits_.max_events)
                                        + " events, the limit (--max-events)"};
    return false;
  }
  list_.emplace_back();
  return true;
}

void publish_sax::not_an_object(const char* type) {
  record(true, {400, "invalid_body", where(list_.size() - 1, "") + " must be an event object, got "
                                       + type});
}

void publish_sax::record(bool in_list, request_error err) {
  auto& slot = in_list ? list_error_ : root_error_;
  if (slot.code.empty())
    slot = std::move(err);
}

void publish_sax::finish_event(const event_reading& r) {
  if (!(r.in_list ? list_error_ : root_error_).code.empty())
    return; // Only the first problem is reported.
  auto& e = target(r);
  if (auto check = check_event(e, r.shape, field_limits_); !check.ok())
    record(r.in_list, {400, "invalid_event",
                       where(r.index, event_field_name(check.field)) + ": "
                         + event_fault_text(check, e, r.shape, field_limits_)});
}

bool publish_sax::parse_error(std::size_t, const std::string&,
                              const nlohmann::detail::exception& ex) {
  std::string text = ex.what();
  // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
  if (auto close = text.find("] "); text.rfind("[json.exception", 0) == 0 && close != text.npos)
    text = text.substr(close + 2);
  if (ex.id != 406) {
    fatal_ = {400, "invalid_json", "the body is not valid JSON: " + text};
    return false;
  }
  // 406: a number like 1e400, valid JSON but beyond a double; storing it would change it.
  std::string at = "events[0]";
  if (!frames_.empty() && frames_.back().what == role::list)
    at = where(list_.size(), "");
  else if (!reading_.empty())
    at = where(reading_.back().index, reading_.back().current_key);
  fatal_ = {400, "invalid_event", at + ": " + text + " (out of the range of a double)"};
  return false;
}

decoded_publish publish_sax::result() {
  decoded_publish out;
  auto reject = [&](request_error err) {
    out.error = std::move(err);
    return std::move(out);
  };
  auto shape_error = [](const char* type) {
    return request_error{400, "invalid_body",
                         std::string{"the body must be an event object, an array of events or "
                                     "{\"events\": ...}, got "}
                           + type};
  };
  if (!fatal_.code.empty())
    return reject(fatal_);
  if (root_scalar_type_)
    return reject(shape_error(root_scalar_type_));
  bool from_list = root_is_list_ || (saw_events_ && !saw_topic_);
  if (!from_list) {
    if (!root_error_.code.empty())
      return reject(root_error_);
    out.events.push_back(std::move(root_event_));
    return out;
  }
  if (wrapper_scalar_type_)
    return reject(shape_error(wrapper_scalar_type_));
  if (!list_error_.code.empty())
    return reject(list_error_);
  if (list_.empty())
    return reject({400, "invalid_body", "the request holds no events"});
  out.events = std::move(list_);
  return out;
}

} // namespace

decoded_publish decode_publish_reference(std::string_view body, const publish_limits& limits) {
  publish_sax sax{limits};
  json::sax_parse(body.begin(), body.end(), &sax);
  return sax.result();
}

} // namespace agg
