#pragma once

#include <caf/error.hpp>

#include "codec/request_error.hpp"

namespace agg {

/// The HTTP status, code and text for an error that came back from the actors.
request_error map_error(const caf::error& err);

/// Seconds a client should wait before retrying after `status` (0: no header).
int retry_after_seconds(int status);

} // namespace agg
