#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/runtime_metrics.hpp"
#include "bridge/actor_bridge.hpp"
#include "http/routes/auth.hpp"
#include "http/routes/http_metrics.hpp"
#include "codec/publish_decoder.hpp"
#include "http/routes/sse_stream.hpp"
#include "storage/store_readers.hpp"

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace agg {

class body_budget;
class router;

/// What the handlers need; they keep no state of their own.
struct route_context {
  actor_bridge* bridge = nullptr;
  publish_limits limits;
  size_t max_page = 10000;
  size_t max_body_bytes = 0;
  body_budget* bodies = nullptr; ///< Memory of publish bodies being read (--max-body-memory).
  std::shared_ptr<store_readers> readers; ///< The store's read side (GET /events, topics, ...).
  auth_tokens tokens; ///< Empty tokens: no authentication (the default).
  http_metrics* metrics = nullptr; ///< Counts requests; outlives the server.
  bool access_log = false;         ///< Log one line per answered request.
  std::shared_ptr<subscription_hub> hub; ///< Fans committed events out to GET /subscribe.
  sse_settings sse;                      ///< How subscribe streams behave.
  const runtime_metrics* runtime = nullptr; ///< What the actors count, for GET /metrics.
  size_t metrics_topics = 0;       ///< Per-topic series in GET /metrics (0: none).
  const std::atomic<uint64_t>* actors_down = nullptr; ///< Actors that died; not ready if > 0.
};

/// One route: a path and the method it takes (a GET route answers HEAD too).
struct route_spec {
  const char* path;
  const char* method;
};

/// Every route the server serves, in one list: the router only takes these (anything else
/// would stop start-up) and answers 405 for their other methods, and the tests check
/// docs/openapi.json and the metrics' route labels against it.
const std::vector<route_spec>& route_table();

/// Answers 401/403 and returns false unless the request may have `need`.
bool authorize(const route_context& ctx, access_need need, const httplib::Request& req,
               httplib::Response& res);

/// Adds every route to `r`.
void register_routes(router& r, const route_context& ctx);

} // namespace agg
