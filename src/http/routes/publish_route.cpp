#include "http/routes/publish_route.hpp"

#include <httplib.h>

#include "http/routes/body_budget.hpp"
#include "http/routes/content_coding.hpp"
#include "http/routes/reply.hpp"

namespace agg {

namespace {

request_error too_large(const route_context& ctx) {
  return {413, "body_too_large",
          "the body is larger than " + std::to_string(ctx.max_body_bytes) + " bytes (--max-body-bytes)"};
}

request_error over_budget(const route_context& ctx) {
  return {503, "overloaded", "request bodies being read already hold "
                               + std::to_string(ctx.bodies->in_use())
                               + " bytes of memory (--max-body-memory "
                               + std::to_string(ctx.bodies->limit()) + "); retry later"};
}

// The answer for a publish refused with `err`.
httplib::Response refusal(const request_error& err) {
  httplib::Response res;
  if (err.status == 401)
    res.set_header("WWW-Authenticate", "Bearer");
  reply_error(res, err);
  return res;
}

std::optional<request_error> check_head_error(const route_context& ctx,
                                              const httplib::Request& head,
                                              std::shared_ptr<void>& hold) {
  // get_header_value returns a copy: the view must point into a string that outlives the
  // check (a view of the temporary read freed stack memory, which only ASan noticed).
  std::string header;
  std::optional<std::string_view> authorization;
  if (head.has_header("Authorization")) {
    header = head.get_header_value("Authorization");
    authorization = header;
  }
  switch (check_access(ctx.tokens, access_need::publish, authorization)) {
  case auth_verdict::unauthorized:
    return request_error{401, "unauthorized",
                         "this route needs an Authorization: Bearer <token> header"};
  case auth_verdict::forbidden:
    return request_error{403, "forbidden",
                         "the bearer token does not grant access to POST /publish"};
  case auth_verdict::allowed:
    break;
  }
  if (!head.has_header("Content-Length") || !ctx.bodies)
    return std::nullopt; // chunked: its share is taken once it is read (serve_publish)
  auto length = head.get_header_value<uint64_t>("Content-Length");
  if (length > ctx.max_body_bytes)
    return too_large(ctx);
  auto lease = std::make_shared<body_budget::lease>(*ctx.bodies);
  if (!lease->grow(length))
    return over_budget(ctx);
  hold = std::move(lease);
  return std::nullopt;
}

} // namespace

std::optional<httplib::Response> check_publish_head(const route_context& ctx,
                                                    const httplib::Request& head,
                                                    std::shared_ptr<void>& hold) {
  if (auto err = check_head_error(ctx, head, hold))
    return refusal(*err);
  return std::nullopt;
}

void serve_publish(const route_context& ctx, const httplib::Request& req,
                   std::shared_ptr<void> hold, router::reply_fn reply, publish_batch* batch) {
  auto refuse = [&](const request_error& err) { reply(refusal(err)); };
  if (!hold && ctx.bodies) {
    auto lease = std::make_shared<body_budget::lease>(*ctx.bodies);
    if (!lease->grow(req.body.size()))
      return refuse(over_budget(ctx));
    hold = std::move(lease);
  }
  std::string decoded_body;
  const std::string* body = &req.body;
  if (req.has_header("Content-Encoding")) {
    decoded_body = req.body;
    if (auto err = decode_content(req.get_header_value("Content-Encoding"), decoded_body,
                                  ctx.max_body_bytes))
      return refuse(*err);
    body = &decoded_body;
  }
  auto decoded = decode_publish(*body, ctx.limits);
  // The events are copies: give the body's memory back before waiting for the commit.
  hold.reset();
  if (!decoded.ok())
    return refuse(decoded.error);
  ctx.bridge->publish_async(std::move(decoded.events), [reply](publish_outcome outcome) {
    httplib::Response res;
    reply_publish(res, outcome);
    reply(std::move(res));
  }, batch);
}

} // namespace agg
