#include "http/routes/error_mapping.hpp"

#include <caf/sec.hpp>

#include "core/errors.hpp"

namespace agg {

request_error map_error(const caf::error& err) {
  if (auto code = agg_code(err))
    switch (*code) {
      case ec::storage_failure:
        return {503, "storage_unavailable", "the events were not stored: " + error_text(err)};
      case ec::timeout:
        return {503, "timeout", error_text(err)};
      case ec::shutting_down:
        return {503, "shutting_down", error_text(err)};
      case ec::overloaded:
        return {503, "overloaded", error_text(err)};
      case ec::startup_failure:
        break;
    }
  // Anything else came from CAF itself, e.g. an actor that is gone.
  return {503, "unavailable", "the service could not process the request: " + error_text(err)};
}

int retry_after_seconds(int status) {
  // One second: long enough for a group commit or a brief lock to clear.
  return status == 503 || status == 429 ? 1 : 0;
}

} // namespace agg
