#pragma once

#include "http/request_error.hpp"

namespace httplib {
struct Response;
}

namespace agg {

/// The Content-Type of every JSON answer.
inline constexpr const char* json_type = "application/json";

/// Writes `err` as the error body, with Retry-After where the status calls for one.
void reply_error(httplib::Response& res, const request_error& err);

} // namespace agg
