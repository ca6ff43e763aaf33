#pragma once

#include "http/routes/routes.hpp"

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace agg {

/// GET /subscribe: checks the request, registers the subscriber and answers with a
/// Server-Sent Events stream that runs on this HTTP thread until the client leaves.
void handle_subscribe(const route_context& ctx, const httplib::Request& req,
                      httplib::Response& res);

} // namespace agg
