#pragma once

#include <string>

#include "core/config.hpp"
#include "http/actor_bridge.hpp"
#include "http/auth.hpp"
#include "http/http_metrics.hpp"
#include "http/publish_decoder.hpp"

namespace httplib {
class Server;
}

namespace agg {

/// What the handlers need; they keep no state of their own.
struct route_context {
  actor_bridge* bridge = nullptr;
  publish_limits limits;
  size_t max_page = 10000;
  size_t max_body_bytes = 0;
  std::string database_path;
  auth_tokens tokens; ///< Empty tokens: no authentication (the default).
  http_metrics* metrics = nullptr; ///< Counts requests; outlives the server.
};

/// Installs every route, the 404/405/413 answers and the exception handler on `svr`.
void register_routes(httplib::Server& svr, const route_context& ctx);

} // namespace agg
