#include "http/routes/access_log.hpp"

#include <cstdio>

namespace agg {

namespace {

void append_escaped(std::string& out, std::string_view text) {
  static const char hex[] = "0123456789abcdef";
  for (unsigned char c : text) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
}

} // namespace

std::string access_line(std::string_view remote, std::string_view method,
                        std::string_view target, int status,
                        std::optional<std::chrono::nanoseconds> took) {
  std::string line = "access ";
  append_escaped(line, remote.empty() ? std::string_view{"-"} : remote);
  line += " \"";
  append_escaped(line, method);
  line += ' ';
  append_escaped(line, target);
  line += "\" " + std::to_string(status) + " ";
  if (!took)
    return line + "-";
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3fms", std::chrono::duration<double, std::milli>(*took).count());
  return line + ms;
}

} // namespace agg
