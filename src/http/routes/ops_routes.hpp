#pragma once

#include <chrono>
#include <optional>

#include <httplib.h>

#include "http/routes/routes.hpp"

namespace agg {

/// Installs the operations routes: GET /healthz, /readyz, /metrics and /openapi.json (none
/// needs a token), and the dashboard's routes (see dashboard_routes.hpp).
void register_ops_routes(httplib::Server& svr, const route_context& ctx);

/// For the pre-routing hook (http_server installs it): notes when this thread began routing
/// a request, for the access log's time.
void note_request_started();

/// For httplib's logger, which runs after each answer is written, for every route and status
/// (404s included): counts the request for /metrics and writes the access-log line.
httplib::Logger request_logger(const route_context& ctx);

/// What request_logger does for one answer, for callers that know when routing began
/// (`started`; nullopt: unknown) without a thread of their own per request (the publish reactor).
void note_answer(http_metrics* metrics, bool access, const httplib::Request& req,
                 const httplib::Response& res,
                 std::optional<std::chrono::steady_clock::time_point> started);

} // namespace agg
