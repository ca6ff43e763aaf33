#pragma once

#include <mutex>

#include "bridge/actor_bridge.hpp"
#include "http/routes/router.hpp"
#include "http/routes/routes.hpp"
#include "http/server/request_handler.hpp"

namespace agg {

/// The routes as the front's request_handler: POST /publish is checked at its head and
/// served on the loop thread (small bodies) without blocking, every other route on a worker
/// through the router; framing errors and refusals get the routes' JSON errors.
class route_handler final : public request_handler {
public:
  explicit route_handler(route_context ctx);

  std::optional<httplib::Response> check_head(const httplib::Request& head,
                                              std::shared_ptr<void>& hold) override;
  bool serves_inline(const httplib::Request& req) const override;
  void end_of_round() override;
  void serve(httplib::Request& req, std::shared_ptr<void> hold, reply_fn reply) override;
  std::optional<std::chrono::milliseconds> answer_timeout(const httplib::Request& req) const override;
  httplib::Response timeout_answer() override;
  httplib::Response framing_error(int status, const std::string& why) override;
  httplib::Response too_many_connections() override;
  void answered(const httplib::Request& req, const httplib::Response& res,
                clock_type::time_point started) override;

private:
  route_context ctx_;
  router router_;
  std::mutex batch_mutex_; ///< Loop threads share batch_.
  publish_batch batch_;    ///< Inline publishes of this round, sent at its end.
};

} // namespace agg
