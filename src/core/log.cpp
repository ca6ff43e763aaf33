#include "core/log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>

namespace agg {

namespace {

// Set once by main before threads start; atomics only so that tests may change them freely.
std::atomic<int> max_level{static_cast<int>(log_level::info)};
std::atomic<log_format> format_in_use{log_format::text};

std::string timestamp(std::chrono::system_clock::time_point when) {
  auto secs = std::chrono::system_clock::to_time_t(when);
  auto millis
    = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char stamp[40];
  auto n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(millis));
  return stamp;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (n == 0 || i + n > s.size())
    return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
      return 0;
  return n;
}

// A JSON string literal; bytes that are not UTF-8 become U+FFFD, so every line parses.
void append_json(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (auto n = utf8_length(s, i); n > 0) {
      out.append(s.substr(i, n));
      i += n - 1;
    } else {
      out += "\\ufffd";
    }
  }
  out += '"';
}

// Text values stay bare unless a space, quote or control byte would make the line ambiguous.
void append_text_value(std::string& out, std::string_view s) {
  bool plain = !s.empty();
  for (unsigned char c : s)
    plain = plain && c > 0x20 && c != '"' && c != '\\' && c != 0x7f;
  if (plain)
    out.append(s);
  else
    append_json(out, s);
}

const char* upper_name(log_level level) {
  switch (level) {
    case log_level::error:
      return "ERROR";
    case log_level::warn:
      return "WARN";
    case log_level::info:
      return "INFO";
    case log_level::debug:
      return "DEBUG";
  }
  return "INFO";
}

} // namespace

void set_log_options(log_level level, log_format format) {
  max_level = static_cast<int>(level);
  format_in_use = format;
}

log_format current_log_format() {
  return format_in_use.load(std::memory_order_relaxed);
}

bool log_enabled(log_level level) {
  return static_cast<int>(level) <= max_level.load(std::memory_order_relaxed);
}

std::string format_log_line(std::chrono::system_clock::time_point when, log_level level,
                            std::string_view msg, const log_fields& fields, log_format format) {
  std::string line;
  if (format == log_format::json) {
    line = "{\"ts\":\"" + timestamp(when) + "\",\"level\":\"" + log_level_name(level)
           + "\",\"msg\":";
    append_json(line, msg);
    for (auto& f : fields) {
      line += ',';
      append_json(line, f.key);
      line += ':';
      if (f.is_number)
        line += f.value;
      else
        append_json(line, f.value);
    }
    line += "}\n";
    return line;
  }
  line = timestamp(when) + " " + upper_name(level) + " ";
  line.append(msg);
  for (auto& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    append_text_value(line, f.value);
  }
  line += '\n';
  return line;
}

void log_line(log_level level, std::string_view msg, const log_fields& fields) {
  if (!log_enabled(level))
    return;
  auto line = format_log_line(std::chrono::system_clock::now(), level, msg, fields,
                              current_log_format());
  // One fwrite per line keeps lines from different threads whole.
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

bool parse_log_level(std::string_view text, log_level& out) {
  for (auto level : {log_level::error, log_level::warn, log_level::info, log_level::debug})
    if (text == log_level_name(level)) {
      out = level;
      return true;
    }
  return false;
}

const char* log_level_name(log_level level) {
  switch (level) {
    case log_level::error:
      return "error";
    case log_level::warn:
      return "warn";
    case log_level::info:
      return "info";
    case log_level::debug:
      return "debug";
  }
  return "info";
}

} // namespace agg
