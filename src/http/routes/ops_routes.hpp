#pragma once

#include <chrono>
#include <optional>

#include <httplib.h>

#include "http/routes/router.hpp"
#include "http/routes/routes.hpp"

namespace agg {

/// Installs the operations routes: GET /healthz, /readyz, /metrics and /openapi.json (none
/// needs a token), and the dashboard's routes (see dashboard_routes.hpp).
void register_ops_routes(router& r, const route_context& ctx);

/// Counts one answer for /metrics and writes its access-log line; `started`: when the
/// request's head was read (nullopt: unknown).
void note_answer(http_metrics* metrics, bool access, const httplib::Request& req,
                 const httplib::Response& res,
                 std::optional<std::chrono::steady_clock::time_point> started);

} // namespace agg
