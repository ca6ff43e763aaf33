#include "core/errors.hpp"

namespace agg {

std::string to_string(ec code) {
  switch (code) {
    case ec::storage_failure: return "storage_failure";
    case ec::timeout: return "timeout";
    case ec::shutting_down: return "shutting_down";
    case ec::startup_failure: return "startup_failure";
    case ec::overloaded: return "overloaded";
  }
  return "ec(" + std::to_string(static_cast<int>(code)) + ")";
}

caf::error make_error(ec code, std::string text) {
  return caf::make_error(code, std::move(text));
}

std::string error_text(const caf::error& err) {
  if (agg_code(err) && err.context().match_elements<std::string>())
    return err.context().get_as<std::string>(0);
  return caf::to_string(err);
}

std::optional<ec> agg_code(const caf::error& err) {
  // An empty error has no category to read (CAF 0.17 dereferences its data).
  if (!err || err.category() != caf::detail::error_factory<ec>::category)
    return std::nullopt;
  return static_cast<ec>(err.code());
}

} // namespace agg
