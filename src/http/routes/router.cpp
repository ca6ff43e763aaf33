#include "http/routes/router.hpp"

#include <stdexcept>
#include <string_view>

#include <httplib.h>

#include "core/log.hpp"
#include "http/routes/reply.hpp"
#include "http/routes/routes.hpp"

namespace agg {

void router::add(const char* method, const char* path, handler h) {
  add_async(method, path, [h = std::move(h)](const httplib::Request& req, reply_fn reply) {
    httplib::Response res;
    h(req, res);
    reply(std::move(res));
  });
}

void router::add_async(const char* method, const char* path, async_handler h) {
  bool listed = false;
  for (auto& route : route_table())
    listed |= std::string_view{route.path} == path && std::string_view{route.method} == method;
  // A route registered without being listed would be missing from the OpenAPI document
  // and its tests, so it stops start-up.
  if (!listed)
    throw std::logic_error(std::string{"route "} + method + " " + path
                           + " is not in route_table() (src/http/routes/routes.cpp)");
  routes_[path][method] = std::move(h);
}

void router::dispatch(const httplib::Request& req, reply_fn reply) const {
  httplib::Response res;
  auto route = routes_.find(req.path);
  if (route == routes_.end()) {
    reply_error(res, {404, "not_found", "no route for " + req.method + " " + req.path});
    return reply(std::move(res));
  }
  auto& methods = route->second;
  auto it = methods.find(req.method == "HEAD" ? std::string{"GET"} : req.method);
  if (it == methods.end()) {
    std::string allow;
    for (auto& [method, h] : methods)
      allow += (allow.empty() ? "" : ", ") + method + (method == "GET" ? ", HEAD" : "");
    res.set_header("Allow", allow);
    reply_error(res, {405, "method_not_allowed",
                      req.method + " is not allowed on " + req.path + "; use " + allow});
    return reply(std::move(res));
  }
  // A handler that throws has not replied (replying is its last step).
  try {
    it->second(req, reply);
  } catch (const std::exception& ex) {
    log_error("internal error on " + req.method + " " + req.path + ": " + ex.what());
    reply_error(res, {500, "internal_error", "the server failed on this request; see its log"});
    reply(std::move(res));
  }
}

} // namespace agg
