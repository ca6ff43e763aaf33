#pragma once

#include <sys/types.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

namespace agg::test {

/// The number in field `name` of /proc/<pid>/status ("Threads", "VmRSS" in KiB, ...), or
/// nullopt when the process or the field is gone.
inline std::optional<uint64_t> proc_status(pid_t pid, const std::string& name) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + ":", 0) == 0)
      return std::stoull(line.substr(name.size() + 1));
  return std::nullopt;
}

} // namespace agg::test
