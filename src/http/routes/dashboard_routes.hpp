#pragma once

#include "http/routes/router.hpp"
#include "http/routes/routes.hpp"

namespace agg {

/// Most topics GET /topics lists without a `limit`.
constexpr size_t default_topics_limit = 100;

/// Installs GET / (the dashboard page, no token) and the JSON it polls besides /stats:
/// GET /stats/history and GET /topics (both need the read token, as /stats does).
void register_dashboard_routes(router& r, const route_context& ctx);

} // namespace agg
