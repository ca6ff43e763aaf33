#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace agg {

/// Reads simdjson On-Demand values in full and writes them as compact JSON, byte for byte as
/// the reference publish decoder writes a payload: keys in the order sent, strings re-escaped
/// by append_json_string, integers re-printed, other numbers as sent. On-Demand validates only
/// what it is asked to read, so every value is read to its end even when `out` is null (a
/// value only checked). Every member returns false to give up: on an error, past
/// `max_depth`, or on a number the reference decoder might treat otherwise.
class json_value_copier {
public:
  /// `end`: the end of the body in the padded buffer simdjson reads.
  json_value_copier(size_t max_depth, const char* end) : max_depth_(max_depth), end_(end) {
  }

  /// Reads (and with `out`, writes) a value that sits at `depth` if it is an array or object.
  bool value(simdjson::ondemand::value v, size_t depth, std::string* out);

  /// Reads (and with `out`, writes) the members of an object at `depth`.
  bool object_json(simdjson::ondemand::object fields, size_t depth, std::string* out);

  /// The unescaped text of a string value; `as_is` when it held no escape.
  bool text_of(simdjson::ondemand::value& v, std::string_view& text, bool& as_is);

  /// The unescaped text of a key; `as_is` when it held no escape.
  bool key_of(simdjson::ondemand::field& member, std::string_view& key, bool& as_is);

private:
  bool array_json(simdjson::ondemand::array items, size_t depth, std::string* out);
  bool number(simdjson::ondemand::value v, std::string* out);
  bool escape_free(const char* quote, std::string_view& inside) const;

  size_t max_depth_;
  const char* end_;
};

} // namespace agg
