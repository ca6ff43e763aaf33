#include "http/routes/routes.hpp"

#include <charconv>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>

#include <httplib.h>

#include "core/errors.hpp"
#include "core/log.hpp"
#include "http/routes/error_mapping.hpp"
#include "codec/json_codec.hpp"
#include "http/routes/ops_routes.hpp"
#include "http/routes/publish_route.hpp"
#include "http/routes/reply.hpp"
#include "http/routes/subscribe_route.hpp"
#include "storage/event_reader.hpp"

namespace agg {

namespace {

// Events per store page while streaming a whole topic: large enough to amortise a
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
  auto reader = ctx.readers->open_reader();
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
  // A store shared by replicas: the stats actor counts this replica's part; the others'
  // is in the store (their unique counts as of their commits, duplicates as of their last
  // save, at most a second behind).
  auto others = ctx.readers->other_replicas();
  if (!others)
    return reply_error(res, map_error(others.error()));
  if (*others) {
    stats->unique += (*others)->unique;
    stats->duplicates += (*others)->duplicates;
    stats->received = stats->unique + stats->duplicates;
    stats->topics = std::move((*others)->topics);
  }
  res.set_content(encode_stats(*stats), json_type);
}

} // namespace

bool authorize(const route_context& ctx, access_need need, const httplib::Request& req,
               httplib::Response& res) {
  auto verdict = verdict_of(ctx, need, req);
  if (verdict != auth_verdict::allowed)
    refuse(verdict, req, res);
  return verdict == auth_verdict::allowed;
}

const std::vector<route_spec>& route_table() {
  static const std::vector<route_spec> table = {
    {"/publish", "POST"}, {"/events", "GET"},  {"/stats", "GET"},        {"/healthz", "GET"},
    {"/readyz", "GET"},   {"/metrics", "GET"}, {"/openapi.json", "GET"}, {"/subscribe", "GET"},
    {"/", "GET"},         {"/topics", "GET"},  {"/stats/history", "GET"},
  };
  return table;
}

void register_routes(router& r, const route_context& ctx) {
  r.add_async("POST", "/publish", [ctx](const httplib::Request& req, router::reply_fn reply) {
    serve_publish(ctx, req, nullptr, std::move(reply));
  });
  r.add("GET", "/events", [ctx](const httplib::Request& req, httplib::Response& res) {
    handle_events(ctx, req, res);
  });
  r.add("GET", "/stats", [ctx](const httplib::Request& req, httplib::Response& res) {
    if (authorize(ctx, access_need::read, req, res))
      handle_stats(ctx, res);
  });
  r.add("GET", "/subscribe", [ctx](const httplib::Request& req, httplib::Response& res) {
    if (authorize(ctx, access_need::read, req, res))
      handle_subscribe(ctx, req, res);
  });
  register_ops_routes(r, ctx);
}

} // namespace agg
