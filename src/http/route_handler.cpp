#include "http/route_handler.hpp"

#include "core/log.hpp"
#include "http/routes/error_mapping.hpp"
#include "http/routes/ops_routes.hpp"
#include "http/routes/publish_route.hpp"
#include "http/routes/reply.hpp"

namespace agg {

namespace {

bool is_publish(const httplib::Request& req) {
  return req.method == "POST" && req.path == "/publish";
}

} // namespace

route_handler::route_handler(route_context ctx) : ctx_(std::move(ctx)) {
  register_routes(router_, ctx_);
}

std::optional<httplib::Response> route_handler::check_head(const httplib::Request& head,
                                                           std::shared_ptr<void>& hold) {
  if (!is_publish(head))
    return std::nullopt;
  return check_publish_head(ctx_, head, hold);
}

bool route_handler::serves_inline(const httplib::Request& req) const {
  return is_publish(req) && req.body.size() <= inline_publish_bytes;
}

void route_handler::end_of_round() {
  std::lock_guard<std::mutex> lock{batch_mutex_};
  if (!batch_.empty())
    ctx_.bridge->send(batch_);
}

void route_handler::serve(httplib::Request& req, std::shared_ptr<void> hold, reply_fn reply) {
  if (is_publish(req)) {
    if (!serves_inline(req)) // on a worker: sent at once
      return serve_publish(ctx_, req, std::move(hold), std::move(reply), nullptr);
    std::lock_guard<std::mutex> lock{batch_mutex_};
    return serve_publish(ctx_, req, std::move(hold), std::move(reply), &batch_);
  }
  router_.dispatch(req, std::move(reply));
}

std::optional<std::chrono::milliseconds> route_handler::answer_timeout(
  const httplib::Request& req) const {
  if (is_publish(req))
    return ctx_.bridge->publish_timeout();
  return std::nullopt;
}

httplib::Response route_handler::timeout_answer() {
  httplib::Response res;
  reply_error(res, map_error(ctx_.bridge->timeout_error()));
  return res;
}

httplib::Response route_handler::framing_error(int status, const std::string& why) {
  httplib::Response res;
  if (status == 413)
    reply_error(res, {413, "body_too_large", "the body is larger than "
                                               + std::to_string(ctx_.max_body_bytes)
                                               + " bytes (--max-body-bytes)"});
  else if (status == 417)
    reply_error(res, {417, "expectation_failed", why});
  else
    reply_error(res, {status, "bad_request", "the request could not be read as HTTP/1.1: " + why});
  res.set_header("Connection", "close");
  return res;
}

httplib::Response route_handler::too_many_connections() {
  httplib::Response res;
  reply_error(res, {503, "too_many_connections",
                    "the server has its maximum of open connections (--max-connections)"
                    "; retry later"});
  res.set_header("Connection", "close");
  return res;
}

void route_handler::answered(const httplib::Request& req, const httplib::Response& res,
                             clock_type::time_point started) {
  if (is_publish(req) && ctx_.metrics)
    ctx_.metrics->observe_publish(clock_type::now() - started);
  note_answer(ctx_.metrics, ctx_.access_log, req, res, started);
}

} // namespace agg
