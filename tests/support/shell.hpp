#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

namespace agg::test {

/// Runs `command` through the shell: its exit status (-1 when a signal ended it) and stdout.
inline std::pair<int, std::string> run_shell(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe);
  std::string output;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;)
    output.append(buf, n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

} // namespace agg::test
