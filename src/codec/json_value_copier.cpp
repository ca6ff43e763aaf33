#include "codec/json_value_copier.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>

#include "codec/json_codec.hpp"

namespace agg {

namespace {

namespace od = simdjson::ondemand;

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Appends a string as append_json_string would; one read as is needs no escaping.
void append_string(std::string& out, std::string_view text, bool as_is) {
  if (!as_is) {
    append_json_string(out, text);
    return;
  }
  out += '"';
  out.append(text);
  out += '"';
}

} // namespace

// The text between `quote` and the closing quote when it holds no backslash. Such a string
// means exactly its bytes and is its own re-escaped form: simdjson's first stage has already
// rejected the whole body for a raw control character or invalid UTF-8 anywhere, and a quote
// would have ended it. Reading it as is spares unescaping and re-escaping the common string.
bool json_value_copier::escape_free(const char* quote, std::string_view& inside) const {
  const char* p = quote + 1;
  while (p < end_ && *p != '"') {
    if (*p == '\\')
      return false;
    ++p;
  }
  if (p == end_)
    return false;
  inside = std::string_view(quote + 1, static_cast<size_t>(p - quote - 1));
  return true;
}

bool json_value_copier::text_of(od::value& v, std::string_view& text, bool& as_is) {
  std::string_view raw = v.raw_json_token();
  as_is = !raw.empty() && raw.front() == '"' && escape_free(raw.data(), text);
  if (!as_is)
    return v.get_string().get(text) == simdjson::SUCCESS;
  // Consumed all the same: On-Demand skips a value left unread without checking what
  // follows it (the fuzz target found {"a":"b":1} accepted that way).
  od::raw_json_string consumed;
  return v.get_raw_json_string().get(consumed) == simdjson::SUCCESS;
}

bool json_value_copier::key_of(od::field& member, std::string_view& key, bool& as_is) {
  // raw() points just past the key's opening quote.
  as_is = escape_free(member.key().raw() - 1, key);
  return as_is || member.unescaped_key().get(key) == simdjson::SUCCESS;
}

bool json_value_copier::value(od::value v, size_t depth, std::string* out) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS)
    return false;
  switch (type) {
    case od::json_type::object: {
      od::object fields;
      return depth <= max_depth_ && v.get_object().get(fields) == simdjson::SUCCESS
             && object_json(fields, depth, out);
    }
    case od::json_type::array: {
      od::array items;
      return depth <= max_depth_ && v.get_array().get(items) == simdjson::SUCCESS
             && array_json(items, depth, out);
    }
    case od::json_type::string: {
      std::string_view text;
      bool as_is = false;
      if (!text_of(v, text, as_is))
        return false;
      if (out)
        append_string(*out, text, as_is);
      return true;
    }
    case od::json_type::number:
      return number(v, out);
    case od::json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS)
        return false;
      if (out)
        out->append(b ? "true" : "false");
      return true;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (v.is_null().get(is_null) != simdjson::SUCCESS || !is_null)
        return false;
      if (out)
        out->append("null");
      return true;
    }
  }
  return false;
}

bool json_value_copier::object_json(od::object fields, size_t depth, std::string* out) {
  if (out)
    *out += '{';
  bool first = true;
  for (auto item : fields) {
    od::field member;
    std::string_view key;
    bool as_is = false;
    if (std::move(item).get(member) != simdjson::SUCCESS || !key_of(member, key, as_is))
      return false;
    if (out) {
      if (!first)
        *out += ',';
      append_string(*out, key, as_is);
      *out += ':';
    }
    first = false;
    if (!value(member.value(), depth + 1, out))
      return false;
  }
  if (out)
    *out += '}';
  return true;
}

bool json_value_copier::array_json(od::array items, size_t depth, std::string* out) {
  if (out)
    *out += '[';
  bool first = true;
  for (auto item : items) {
    od::value element;
    if (std::move(item).get(element) != simdjson::SUCCESS)
      return false;
    if (out && !first)
      *out += ',';
    first = false;
    if (!value(element, depth + 1, out))
      return false;
  }
  if (out)
    *out += ']';
  return true;
}

// The reference decoder reprints an integer that fits 64 bits ("-0" becomes "0") and keeps
// the text of a number with a fraction or exponent. Integers beyond 64 bits (kept as text
// there) and doubles near the end of their range (where a rounding difference between two
// parsers could decide between finite and an error) are left to it.
bool json_value_copier::number(od::value v, std::string* out) {
  std::string_view text = v.raw_json_token();
  while (!text.empty() && is_json_space(text.back()))
    text.remove_suffix(1);
  if (text.empty())
    return false;
  if (text.find_first_of(".eE") != std::string_view::npos) {
    double d = 0;
    if (v.get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d) || std::fabs(d) > 1e308)
      return false;
    if (out)
      out->append(text);
    return true;
  }
  char buf[24];
  std::to_chars_result printed{};
  if (text.front() == '-') {
    int64_t i = 0;
    if (v.get_int64().get(i) != simdjson::SUCCESS)
      return false;
    printed = std::to_chars(buf, buf + sizeof buf, i);
  } else {
    uint64_t u = 0;
    if (v.get_uint64().get(u) != simdjson::SUCCESS)
      return false;
    printed = std::to_chars(buf, buf + sizeof buf, u);
  }
  if (out)
    out->append(buf, printed.ptr);
  return true;
}

} // namespace agg
