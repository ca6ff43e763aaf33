#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace agg {

/// How much the log says; each level includes the ones before it.
enum class log_level { error, warn, info, debug };

/// How each line is written: `text` for people, `json` (one object per line) for log shippers.
enum class log_format { text, json };

/// One named value on a log line, e.g. {"events", 12} or {"path", "data/events.db"}.
struct log_field {
  std::string key;
  std::string value;
  bool is_number = false; ///< Written bare in JSON; strings are quoted.

  log_field(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {
  }
  log_field(std::string k, const char* v) : key(std::move(k)), value(v) {
  }
  template <class T, class = std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>>>
  log_field(std::string k, T number) : key(std::move(k)), is_number(true) {
    if constexpr (std::is_floating_point_v<T>) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(number));
      value = buf;
    } else {
      value = std::to_string(number);
    }
  }
};

using log_fields = std::vector<log_field>;

/// Sets the level and format for every later line (main does this once, before any thread).
void set_log_options(log_level level, log_format format);

/// The format set by set_log_options (text by default).
log_format current_log_format();

/// True when a line at `level` would be written: skip building costly lines otherwise.
bool log_enabled(log_level level);

/// Writes one line to stderr if `level` passes the filter; safe from any thread.
void log_line(log_level level, std::string_view msg, const log_fields& fields = {});

inline void log_error(std::string_view msg, const log_fields& fields = {}) {
  log_line(log_level::error, msg, fields);
}
inline void log_warning(std::string_view msg, const log_fields& fields = {}) {
  log_line(log_level::warn, msg, fields);
}
inline void log_info(std::string_view msg, const log_fields& fields = {}) {
  log_line(log_level::info, msg, fields);
}
inline void log_debug(std::string_view msg, const log_fields& fields = {}) {
  log_line(log_level::debug, msg, fields);
}

/// One formatted line with its newline, as log_line writes it at time `when`:
/// text `2025-01-31T12:00:00.250Z INFO msg key=value key="two words"`, or json
/// `{"ts":"2025-01-31T12:00:00.250Z","level":"info","msg":"msg","key":"value","n":1}`.
std::string format_log_line(std::chrono::system_clock::time_point when, log_level level,
                            std::string_view msg, const log_fields& fields, log_format format);

/// Parses "error", "warn", "info" or "debug"; false for anything else.
bool parse_log_level(std::string_view text, log_level& out);

/// The name parse_log_level reads back.
const char* log_level_name(log_level level);

} // namespace agg
