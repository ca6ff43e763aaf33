#pragma once

#include <string>

namespace agg {

/// A rejected request: HTTP status, error code and a text naming what is wrong.
struct request_error {
  int status = 400;
  std::string code;
  std::string message;
};

} // namespace agg
