#pragma once

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

namespace agg::test {

/// A throw-away self-signed certificate for 127.0.0.1 and its key.
struct certificate {
  std::string cert, key;
};

/// Makes one with the openssl command in `dir` (files `name`.crt and `name`.key).
inline certificate make_certificate(const temp_dir& dir, const std::string& name) {
  certificate c{(dir / (name + ".crt")).string(), (dir / (name + ".key")).string()};
  std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1"
                        " -addext subjectAltName=IP:127.0.0.1 -keyout '"
                        + c.key + "' -out '" + c.cert + "' >/dev/null 2>&1";
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
  return c;
}

} // namespace agg::test
