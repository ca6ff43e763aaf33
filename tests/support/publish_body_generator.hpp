#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

// Random POST /publish bodies written as JSON text by hand (not through a JSON library), so
// that they carry what a library would normalise away: escapes of every kind, raw and escaped
// unicode, numbers in every form, duplicate keys, whitespace anywhere. Most are valid; some
// hold a rarer valid case or a field error. `mutate` then breaks them at random.

namespace agg::test {

class publish_body_generator {
public:
  explicit publish_body_generator(uint32_t seed) : rng_(seed) {
  }

  /// A body in one of the three shapes (one event, an array, {"events": [...]}).
  std::string body() {
    size_t n = 1 + pick(12);
    switch (pick(4)) {
      case 0:
        return ws() + event(0) + ws();
      case 1:
        return ws() + "{" + ws() + "\"events\"" + ws() + ":" + ws() + events(n) + ws() + "}";
      default:
        return ws() + events(n) + ws();
    }
  }

  /// `text` broken in one random way: cut, a byte changed, dropped, doubled or inserted.
  std::string mutate(std::string text) {
    if (text.empty())
      return "{";
    size_t at = pick(text.size());
    static const char inserts[] = "{}[],:\"\\ 0-.eE\x01\x80\xbf\xc3\xed\xf4\xff";
    switch (pick(5)) {
      case 0:
        return text.substr(0, at);
      case 1:
        text[at] = static_cast<char>(pick(256));
        return text;
      case 2:
        return text.erase(at, 1);
      case 3:
        return text.insert(at, text.substr(at, 1 + pick(8)));
      default:
        return text.insert(at, 1, inserts[pick(sizeof inserts - 1)]);
    }
  }

private:
  size_t pick(size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }

  bool chance(size_t percent) {
    return pick(100) < percent;
  }

  std::string ws() {
    static const char* spaces[] = {"", "", "", " ", "\n", "\t", "\r\n  "};
    return spaces[pick(7)];
  }

  std::string events(size_t n) {
    std::string out = "[";
    for (size_t i = 0; i < n; ++i)
      out += (i ? "," : "") + ws() + event(i) + ws();
    return out + "]";
  }

  // An event: the five fields in a random order, sometimes a field twice, unknown fields,
  // keys written with escapes; one in ten has a field error.
  std::string event(size_t i) {
    static const char* stamps[] = {"2025-01-31T12:00:00Z", "2025-01-31T13:00:00.250+01:00",
                                   "2016-12-31T23:59:60Z", "2024-02-29t00:00:00z",
                                   "2025-01-31T12:00:00", "2023-02-29T00:00:00Z"};
    std::vector<std::string> members = {
      key("topic") + string_literal(1 + pick(6)),
      key("event_id") + "\"id-" + std::to_string(i) + "\"",
      key("timestamp") + "\"" + stamps[chance(90) ? pick(4) : pick(6)] + "\"",
      key("source") + string_literal(pick(5)),
      key("payload") + object(0)};
    if (chance(15))
      members.push_back(key("topic") + string_literal(1 + pick(4))); // last one wins
    if (chance(20))
      members.push_back(key("extra") + value(0));
    if (chance(5))
      members.push_back(key(chance(50) ? "events" : "topic") + value(2)); // odd or invalid
    if (chance(5))
      members.erase(members.begin() + static_cast<long>(pick(members.size())));
    std::shuffle(members.begin(), members.end(), rng_);
    std::string out = "{";
    for (size_t m = 0; m < members.size(); ++m)
      out += (m ? "," : "") + ws() + members[m] + ws();
    return out + "}";
  }

  // A key, sometimes with an escaped letter ("top\u0069c" is "topic").
  std::string key(const std::string& name) {
    std::string text = name;
    if (chance(10))
      text.replace(0, 1, "\\u00" + to_hex(static_cast<unsigned char>(name[0])));
    return "\"" + text + "\"" + ws() + ":" + ws();
  }

  static std::string to_hex(unsigned value, size_t digits = 2) {
    static const char hex[] = "0123456789abcdef";
    std::string out(digits, '0');
    for (size_t d = digits; d-- > 0; value >>= 4)
      out[d] = hex[value & 0xf];
    return out;
  }

  // A string literal of `n` characters drawn from every class JSON treats differently.
  std::string string_literal(size_t n) {
    static const char* pieces[] = {
      "a", "Z", " ", "/", "\\/", "\\\"", "\\\\", "\\n", "\\t", "\\r", "\\b", "\\f",
      "\\u0000", "\\u001f", "\\u0041", "\\u00e9", "\\u20AC", "\\uFFFF", "\\ud83d\\ude00",
      "\\uDBFF\\uDFFF", "\xc3\xa9", "\xe2\x98\x83", "\xef\xbf\xbf", "\xf0\x9f\x98\x80",
      "\xf4\x8f\xbf\xbf", "\x7f", "[", "{", "}", ":", ","};
    std::string out = "\"";
    for (size_t k = 0; k < n; ++k)
      out += pieces[pick(sizeof pieces / sizeof pieces[0])];
    return out + "\"";
  }

  std::string number() {
    static const char* forms[] = {
      "0", "-0", "7", "-12", "42", "9007199254740993", "18446744073709551615",
      "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
      "123456789012345678901234567890", "1.5", "-0.0", "3.10", "1E2", "1e+2", "1e-2",
      "2.5E-3", "0.1", "1e308", "1.7976931348623157e308", "4.9e-324", "1e-400",
      "0.000001", "32.1", "-1.25e10", "1E400", "-2e999"};
    switch (pick(3)) {
      case 0:
        return forms[pick(sizeof forms / sizeof forms[0])];
      case 1:
        return std::to_string(static_cast<int64_t>(rng_()) - (int64_t{1} << 31));
      default:
        return std::to_string(pick(100000)) + "." + std::to_string(pick(1000))
               + (chance(30) ? "e" + std::to_string(static_cast<int>(pick(40)) - 20) : "");
    }
  }

  std::string value(size_t depth) {
    switch (pick(depth < 5 ? 8 : 6)) {
      case 0:
        return "null";
      case 1:
        return chance(50) ? "true" : "false";
      case 2:
      case 3:
        return number();
      case 4:
      case 5:
        return string_literal(pick(8));
      case 6:
        return object(depth + 1);
      default: {
        std::string out = "[";
        for (size_t k = 0, n = pick(4); k < n; ++k)
          out += (k ? "," : "") + ws() + value(depth + 1) + ws();
        return out + "]";
      }
    }
  }

  // An object, with a duplicate key now and then (both are kept in a payload).
  std::string object(size_t depth) {
    std::string out = "{";
    for (size_t k = 0, n = pick(5); k < n; ++k) {
      auto name = chance(20) ? std::string{"dup"} : string_literal(pick(4));
      if (name.front() != '"')
        name = "\"" + name + "\"";
      out += (k ? "," : "") + ws() + name + ws() + ":" + ws() + value(depth) + ws();
    }
    return out + "}";
  }

  std::mt19937 rng_;
};

} // namespace agg::test
