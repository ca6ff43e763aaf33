#include "http/routes/ops_routes.hpp"

#include "http/routes/body_budget.hpp"

#include <chrono>
#include <optional>

#include <httplib.h>

#include "core/log.hpp"
#include "http/routes/access_log.hpp"
#include "http/routes/dashboard_routes.hpp"
#include "http/routes/error_mapping.hpp"
#include "http/routes/metrics_text.hpp"
#include "http/routes/openapi_document.hpp"
#include "http/routes/readiness.hpp"
#include "http/routes/reply.hpp"

namespace agg {

namespace {

void handle_metrics(const route_context& ctx, httplib::Response& res) {
  if (!ctx.metrics)
    return reply_error(res, {404, "not_found", "this server keeps no metrics"});
  auto stats = ctx.bridge->stats();
  if (!stats)
    return reply_error(res, map_error(stats.error()));
  metrics_inputs in;
  in.stats = std::move(*stats);
  in.inflight_events = ctx.bridge->inflight_events();
  in.body_bytes = ctx.bodies ? ctx.bodies->in_use() : 0;
  in.store_size_bytes = ctx.readers->size_bytes();
  if (ctx.hub)
    in.subscriptions = ctx.hub->snapshot();
  in.runtime = ctx.runtime;
  if (ctx.metrics_topics > 0) {
    auto counts = ctx.readers->topic_counts();
    if (!counts)
      return reply_error(res, map_error(counts.error()));
    select_top_topics(std::move(*counts), ctx.metrics_topics, in);
  }
  res.set_content(render_metrics(in, *ctx.metrics), metrics_content_type);
}

} // namespace

void register_ops_routes(router& r, const route_context& ctx) {
  // It says the process serves HTTP; it touches neither the store nor the actors.
  r.add("GET", "/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", json_type);
  });
  r.add("GET", "/readyz", [ctx](const httplib::Request&, httplib::Response& res) {
    auto reason = not_ready_reason(ctx);
    res.status = reason ? 503 : 200;
    res.set_content(encode_readiness(reason), json_type);
  });
  r.add("GET", "/metrics", [ctx](const httplib::Request&, httplib::Response& res) {
    handle_metrics(ctx, res);
  });
  r.add("GET", "/openapi.json", [](const httplib::Request&, httplib::Response& res) {
            auto doc = openapi_document();
            res.set_content(doc.data(), doc.size(), json_type);
          });
  register_dashboard_routes(r, ctx);
}

void note_answer(http_metrics* metrics, bool access, const httplib::Request& req,
                 const httplib::Response& res,
                 std::optional<std::chrono::steady_clock::time_point> started) {
  if (metrics)
    metrics->count_request(req.path, res.status);
  if (!access)
    return;
  std::optional<std::chrono::nanoseconds> took;
  if (started)
    took = std::chrono::steady_clock::now() - *started;
  if (current_log_format() == log_format::json) {
    log_fields fields{{"remote", req.remote_addr}, {"method", req.method},
                      {"target", req.target}, {"status", res.status}};
    if (took)
      fields.emplace_back("duration_ms", std::chrono::duration<double, std::milli>(*took).count());
    return log_info("access", fields);
  }
  log_info(access_line(req.remote_addr, req.method, req.target, res.status, took));
}

} // namespace agg
