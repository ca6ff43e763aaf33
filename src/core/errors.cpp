#include "core/errors.hpp"

#include <caf/atom.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace agg {

namespace {
constexpr auto category = caf::atom("agg");
} // namespace

caf::error make_error(ec code, std::string text) {
  return caf::error{static_cast<uint8_t>(code), category, caf::make_message(std::move(text))};
}

std::string error_text(const caf::error& err) {
  if (err.category() == category && err.context().match_elements<std::string>())
    return err.context().get_as<std::string>(0);
  return caf::to_string(err);
}

uint8_t agg_code(const caf::error& err) {
  return err.category() == category ? err.code() : 0;
}

} // namespace agg
