#include "core/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace agg {

namespace {

void write_line(const char* level, std::string_view text) {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string line = std::string{stamp} + "." + std::to_string(1000 + millis.count()).substr(1)
                     + "Z " + level + " " + std::string{text} + "\n";
  // One fwrite per line keeps lines from different threads whole.
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

} // namespace

void log_info(std::string_view text) {
  write_line("INFO", text);
}

void log_warning(std::string_view text) {
  write_line("WARN", text);
}

void log_error(std::string_view text) {
  write_line("ERROR", text);
}

} // namespace agg
