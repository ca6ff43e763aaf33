#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <caf/error.hpp>
// CAF_ERROR_CODE_ENUM needs these complete where it expands.
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace agg {

/// Failures that cross actor boundaries as `caf::error`s of category "agg".
enum class ec : uint8_t {
  /// SQLite refused a read or a commit.
  storage_failure = 1,
  /// A commit was not confirmed in time.
  timeout,
  /// The service stops and takes no more work.
  shutting_down,
  /// The service could not start (port, data dir, database).
  startup_failure,
  /// Too much work in flight: the request was not taken.
  overloaded,
};

} // namespace agg

// Before anything below instantiates CAF's error templates with agg::ec.
CAF_ERROR_CODE_ENUM(agg::ec, "agg")

namespace agg {

/// The code's name, e.g. "storage_failure".
std::string to_string(ec code);

/// An error of category "agg" with `code` and a human-readable text as its context.
caf::error make_error(ec code, std::string text);

/// The readable text of an error made by `make_error`, or CAF's rendering otherwise.
std::string error_text(const caf::error& err);

/// The `ec` of an error of category "agg", or nothing for any other error.
std::optional<ec> agg_code(const caf::error& err);

/// True when `err` is of category "agg" with `code`: `CHECK(err == ec::timeout)`. (CAF
/// 0.17.6 defines this comparison only for enums with a make_error overload.)
inline bool operator==(const caf::error& err, ec code) {
  return agg_code(err) == code;
}

inline bool operator!=(const caf::error& err, ec code) {
  return !(err == code);
}

} // namespace agg
