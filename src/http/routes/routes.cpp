#include "http/routes/routes.hpp"

#include <charconv>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>

#include <httplib.h>

#include "core/errors.hpp"
#include "http/routes/body_budget.hpp"
#include "core/log.hpp"
#include "http/routes/error_mapping.hpp"
#include "codec/json_codec.hpp"
#include "http/routes/ops_routes.hpp"
#include "http/routes/reply.hpp"
#include "http/routes/subscribe_route.hpp"
#include "storage/sqlite/event_reader.hpp"

namespace agg {

namespace {

// Events per SQLite page while streaming a whole topic: large enough to amortise a
// query, small enough to keep memory flat (a few hundred KB of JSON per chunk).
constexpr size_t stream_page = 1000;

// Reads a non-negative integer query parameter within [min, max].
bool read_number(const httplib::Request& req, const char* name, int64_t min, int64_t max,
                 int64_t& out, request_error& err) {
  auto text = req.get_param_value(name);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min
      || value > max) {
    err = {400, "invalid_query", std::string{"query parameter "} + name
                                   + " must be a whole number from " + std::to_string(min)
                                   + " to " + std::to_string(max) + ", got \"" + text + "\""};
    return false;
  }
  out = value;
  return true;
}

// The verdict on `req`'s Authorization header for a route that needs `need`.
auth_verdict verdict_of(const route_context& ctx, access_need need, const httplib::Request& req) {
  if (!req.has_header("Authorization"))
    return check_access(ctx.tokens, need, std::nullopt);
  return check_access(ctx.tokens, need, req.get_header_value("Authorization"));
}

// Writes the 401 or 403 answer for a verdict other than `allowed`.
void refuse(auth_verdict verdict, const httplib::Request& req, httplib::Response& res) {
  if (verdict == auth_verdict::unauthorized) {
    res.set_header("WWW-Authenticate", "Bearer");
    return reply_error(res, {401, "unauthorized",
                             "this route needs an Authorization: Bearer <token> header"});
  }
  reply_error(res, {403, "forbidden", "the bearer token does not grant access to " + req.method
                                        + " " + req.path});
}

void handle_publish(const route_context& ctx, const httplib::Request& req,
                    httplib::Response& res, const httplib::ContentReader& read) {
  if (auto verdict = verdict_of(ctx, access_need::publish, req);
      verdict != auth_verdict::allowed) {
    // Read (and drop) the body anyway, within the size limit, so that the next request on
    // this keep-alive connection starts where the client thinks it does. Answer after the
    // read, which may set a status of its own.
    size_t seen = 0;
    read([&](const char*, size_t size) { return (seen += size) <= ctx.max_body_bytes; });
    return refuse(verdict, req, res);
  }
  // Reading the body ourselves keeps httplib from treating it as a form: for the
  // x-www-form-urlencoded type that `curl -d` sends, it would refuse bodies over 8 KB.
  std::string body;
  // The body draws on the budget of all bodies in memory (--max-body-memory) until decoded;
  // a declared length is taken up front, a chunked body as it arrives.
  body_budget::lease held{*ctx.bodies};
  size_t held_bytes = 0;
  bool over_budget = false;
  if (auto length = req.get_header_value<uint64_t>("Content-Length"); length <= ctx.max_body_bytes) {
    if (held.grow(length)) {
      held_bytes = length;
      body.reserve(length);
    } else {
      over_budget = true;
    }
  }
  bool too_large = false;
  bool complete = !over_budget && read([&](const char* data, size_t size) {
    // httplib checks Content-Length against the limit, but not chunked bodies.
    if (body.size() + size > ctx.max_body_bytes) {
      too_large = true;
      return false;
    }
    if (body.size() + size > held_bytes) {
      auto more = body.size() + size - held_bytes;
      if (!held.grow(more)) {
        over_budget = true;
        return false;
      }
      held_bytes += more;
    }
    body.append(data, size);
    return true;
  });
  if (over_budget) {
    // The rest of the body is not read, so the connection cannot carry another request.
    res.set_header("Connection", "close");
    return reply_error(res, {503, "overloaded", "request bodies being read already hold "
                                                  + std::to_string(ctx.bodies->in_use())
                                                  + " bytes of memory (--max-body-memory "
                                                  + std::to_string(ctx.bodies->limit())
                                                  + "); retry later"});
  }
  if (!complete) {
    if (too_large || res.status == 413)
      return reply_error(res, {413, "body_too_large", "the body is larger than "
                                                        + std::to_string(ctx.max_body_bytes)
                                                        + " bytes (--max-body-bytes)"});
    return reply_error(res, {400, "invalid_body", "the body could not be read completely"});
  }
  auto decoded = decode_publish(body, ctx.limits);
  // The events are copies: give the body's memory back before waiting for the commit.
  std::string{}.swap(body);
  held.release();
  if (!decoded.ok())
    return reply_error(res, decoded.error);
  reply_publish(res, ctx.bridge->publish(std::move(decoded.events)));
}

// Streams every event of the topic as one JSON array, a page at a time.
void stream_topic(httplib::Response& res, std::shared_ptr<event_reader> reader, int64_t topic_id,
                  std::string topic) {
  auto after = std::make_shared<int64_t>(0);
  res.set_chunked_content_provider(
    json_type, [=](size_t, httplib::DataSink& sink) {
      auto page = reader->page(topic_id, topic, *after, stream_page);
      if (!page) {
        // The status line is gone already: cut the stream so the client sees a
        // truncated array rather than a short, valid one.
        log_error("GET /events stream of topic " + topic + " failed: " + error_text(page.error()));
        return false;
      }
      std::string chunk = *after == 0 ? "[" : "";
      for (auto& e : *page) {
        if (*after != 0 || &e != &page->front())
          chunk += ',';
        append_event(chunk, e);
      }
      if (!page->empty())
        *after = page->back().seq;
      if (page->size() < stream_page)
        chunk += ']';
      if (!sink.write(chunk.data(), chunk.size()))
        return false;
      if (page->size() < stream_page)
        sink.done();
      return true;
    });
}

void handle_events(const route_context& ctx, const httplib::Request& req,
                   httplib::Response& res) {
  if (!authorize(ctx, access_need::read, req, res))
    return;
  if (!req.has_param("topic"))
    return reply_error(res, {400, "invalid_query", "missing query parameter topic"});
  auto topic = req.get_param_value("topic");
  if (topic.empty())
    return reply_error(res, {400, "invalid_query", "query parameter topic must not be empty"});
  request_error err;
  int64_t after = 0, limit = 0;
  bool paged = req.has_param("limit") || req.has_param("after");
  if (req.has_param("after") && !read_number(req, "after", 0, INT64_MAX, after, err))
    return reply_error(res, err);
  limit = static_cast<int64_t>(ctx.max_page);
  if (req.has_param("limit")
      && !read_number(req, "limit", 1, static_cast<int64_t>(ctx.max_page), limit, err))
    return reply_error(res, err);
  auto reader = event_reader::open(ctx.database_path);
  if (!reader)
    return reply_error(res, map_error(reader.error()));
  auto id = (*reader)->topic_id(topic);
  if (!id)
    return reply_error(res, map_error(id.error()));
  if (!*id)
    return res.set_content("[]", json_type);
  if (!paged)
    return stream_topic(res, std::shared_ptr<event_reader>{std::move(*reader)}, **id, topic);
  // One extra row tells whether another page follows.
  auto page = (*reader)->page(**id, topic, after, static_cast<size_t>(limit) + 1);
  if (!page)
    return reply_error(res, map_error(page.error()));
  bool more = page->size() > static_cast<size_t>(limit);
  if (more)
    page->pop_back();
  std::string body = "[";
  for (auto& e : *page) {
    if (&e != &page->front())
      body += ',';
    append_event(body, e);
  }
  body += ']';
  if (more)
    res.set_header("Link", "</events?topic=" + httplib::detail::encode_query_param(topic)
                             + "&after=" + std::to_string(page->back().seq) + "&limit="
                             + std::to_string(limit) + ">; rel=\"next\"");
  res.set_content(body, json_type);
}

void handle_stats(const route_context& ctx, httplib::Response& res) {
  auto stats = ctx.bridge->stats();
  if (!stats)
    return reply_error(res, map_error(stats.error()));
  res.set_content(encode_stats(*stats), json_type);
}

// The httplib pattern (a regular expression) that matches exactly `path`.
std::string pattern_of(const char* path) {
  std::string pattern;
  for (const char* c = path; *c; ++c)
    pattern += *c == '.' ? std::string{"\\."} : std::string(1, *c);
  return pattern;
}

// Answers 405 for `method` on `path`, naming the methods it does take.
void refuse_method(httplib::Server& svr, const char* route, const char* allow, bool get_allowed) {
  auto path = pattern_of(route);
  auto refuse = [allow](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", allow);
    reply_error(res, {405, "method_not_allowed",
                      req.method + " is not allowed on " + req.path + "; use " + allow});
  };
  if (!get_allowed)
    svr.Get(path, refuse);
  else
    svr.Post(path, refuse);
  svr.Put(path, refuse);
  svr.Patch(path, refuse);
  svr.Delete(path, refuse);
  svr.Options(path, refuse);
}

} // namespace

bool authorize(const route_context& ctx, access_need need, const httplib::Request& req,
               httplib::Response& res) {
  auto verdict = verdict_of(ctx, need, req);
  if (verdict != auth_verdict::allowed)
    refuse(verdict, req, res);
  return verdict == auth_verdict::allowed;
}

std::string route_pattern(const char* path, const char* method) {
  for (auto& route : route_table())
    if (std::string_view{route.path} == path && std::string_view{route.method} == method)
      return pattern_of(path);
  // A route registered without being listed would be missing from the OpenAPI document
  // and its tests, so it stops start-up.
  throw std::logic_error(std::string{"route "} + method + " " + path
                         + " is not in route_table() (src/http/routes/routes.cpp)");
}

const std::vector<route_spec>& route_table() {
  static const std::vector<route_spec> table = {
    {"/publish", "POST"}, {"/events", "GET"},  {"/stats", "GET"},        {"/healthz", "GET"},
    {"/readyz", "GET"},   {"/metrics", "GET"}, {"/openapi.json", "GET"}, {"/subscribe", "GET"},
    {"/", "GET"},         {"/topics", "GET"},  {"/stats/history", "GET"},
  };
  return table;
}

void register_routes(httplib::Server& svr, const route_context& ctx) {
  svr.Post(route_pattern("/publish", "POST"), [ctx](const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader& read) {
    // Observed on every way out, an exception included.
    struct timer {
      http_metrics* metrics;
      std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
      ~timer() {
        if (metrics)
          metrics->observe_publish(std::chrono::steady_clock::now() - started);
      }
    } time_it{ctx.metrics};
    handle_publish(ctx, req, res, read);
  });
  svr.Get(route_pattern("/events", "GET"), [ctx](const httplib::Request& req, httplib::Response& res) {
    handle_events(ctx, req, res);
  });
  svr.Get(route_pattern("/stats", "GET"), [ctx](const httplib::Request& req, httplib::Response& res) {
    if (authorize(ctx, access_need::read, req, res))
      handle_stats(ctx, res);
  });
  svr.Get(route_pattern("/subscribe", "GET"), [ctx](const httplib::Request& req,
                                                     httplib::Response& res) {
    if (authorize(ctx, access_need::read, req, res))
      handle_subscribe(ctx, req, res);
  });
  register_ops_routes(svr, ctx);
  for (auto& route : route_table()) {
    bool get = std::string_view{route.method} == "GET";
    refuse_method(svr, route.path, get ? "GET, HEAD" : route.method, get);
  }
  auto limit = ctx.max_body_bytes;
  // Runs for every status >= 400; only fills in bodies the handlers did not write.
  svr.set_error_handler(httplib::Server::HandlerWithResponse(
    [limit](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty())
        return httplib::Server::HandlerResponse::Unhandled;
      if (res.status == 404)
        reply_error(res, {404, "not_found", "no route for " + req.method + " " + req.path});
      else if (res.status == 413)
        reply_error(res, {413, "body_too_large", "the body is larger than "
                                                   + std::to_string(limit)
                                                   + " bytes (--max-body-bytes)"});
      else
        reply_error(res, {res.status, "bad_request", "the request could not be read as HTTP"});
      return httplib::Server::HandlerResponse::Handled;
    }));
  svr.set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                               std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
    }
    log_error("internal error on " + req.method + " " + req.path + ": " + what);
    reply_error(res, {500, "internal_error", "the server failed on this request; see its log"});
  });
}

} // namespace agg
