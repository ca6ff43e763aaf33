#pragma once

#include "http/routes.hpp"

namespace agg {

/// Installs the operations routes, none of which needs a token: GET /healthz, /readyz,
/// /metrics and /openapi.json, and the request counter behind /metrics.
void register_ops_routes(httplib::Server& svr, const route_context& ctx);

} // namespace agg
