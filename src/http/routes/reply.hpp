#pragma once

#include "bridge/publish_ticket.hpp"
#include "codec/request_error.hpp"

namespace httplib {
struct Response;
}

namespace agg {

/// The Content-Type of every JSON answer.
inline constexpr const char* json_type = "application/json";

/// Writes `err` as the error body, with Retry-After where the status calls for one.
void reply_error(httplib::Response& res, const request_error& err);

/// Writes the answer to a publish that reached the actors: 200 with the counts, or the
/// error's status and body.
void reply_publish(httplib::Response& res, const publish_outcome& outcome);

} // namespace agg
