#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

namespace agg {

/// Failures that cross actor boundaries as `caf::error`s of category "agg".
enum class ec : uint8_t {
  storage_failure = 1, ///< SQLite refused a read or a commit.
  timeout,             ///< A commit was not confirmed in time.
  shutting_down,       ///< The service stops and takes no more work.
  startup_failure,     ///< The service could not start (port, data dir, database).
  overloaded,          ///< Too much work in flight: the request was not taken.
};

/// Wraps `code` and a human-readable text in a `caf::error`.
caf::error make_error(ec code, std::string text);

/// The readable text of an error made by `make_error`, or CAF's rendering otherwise.
std::string error_text(const caf::error& err);

/// The `ec` of an error of category "agg", or 0.
uint8_t agg_code(const caf::error& err);

} // namespace agg
