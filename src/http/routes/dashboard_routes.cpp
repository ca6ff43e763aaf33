#include "http/routes/dashboard_routes.hpp"

#include <charconv>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "actors/stats.hpp"
#include "http/routes/dashboard_page.hpp"
#include "http/routes/error_mapping.hpp"
#include "http/routes/reply.hpp"
#include "storage/store_readers.hpp"

namespace agg {

namespace {

void handle_history(const route_context& ctx, httplib::Response& res) {
  auto samples = ctx.bridge->history();
  if (!samples)
    return reply_error(res, map_error(samples.error()));
  auto list = nlohmann::json::array();
  for (auto& s : *samples)
    list.push_back({{"uptime", s.uptime_seconds},
                    {"received", s.received},
                    {"unique_processed", s.unique},
                    {"duplicate_dropped", s.duplicates}});
  nlohmann::json body{
    {"interval_seconds", std::chrono::duration<double>(stats_save_interval).count()},
    {"samples", std::move(list)}};
  res.set_content(body.dump(), json_type);
}

void handle_topics(const route_context& ctx, const httplib::Request& req,
                   httplib::Response& res) {
  size_t limit = default_topics_limit;
  if (req.has_param("limit")) {
    auto text = req.get_param_value("limit");
    size_t value = 0;
    auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || err != std::errc{} || end != text.data() + text.size() || value < 1
        || value > ctx.max_page)
      return reply_error(res, {400, "invalid_query",
                               "query parameter limit must be a whole number from 1 to "
                                 + std::to_string(ctx.max_page) + ", got \"" + text + "\""});
    limit = value;
  }
  auto counts = ctx.readers->topic_counts();
  if (!counts)
    return reply_error(res, map_error(counts.error()));
  auto listed = nlohmann::json::array();
  uint64_t other_events = 0;
  for (size_t i = 0; i < counts->size(); ++i) {
    auto& c = (*counts)[i];
    if (i < limit)
      listed.push_back({{"topic", c.topic}, {"events", c.events}});
    else
      other_events += c.events;
  }
  auto other_topics = counts->size() > limit ? counts->size() - limit : 0;
  nlohmann::json body{{"topics", std::move(listed)},
                      {"total_topics", counts->size()},
                      {"other_topics", other_topics},
                      {"other_events", other_events}};
  res.set_content(body.dump(), json_type);
}

} // namespace

void register_dashboard_routes(router& r, const route_context& ctx) {
  r.add("GET", "/", [](const httplib::Request&, httplib::Response& res) {
    auto page = dashboard_page();
    res.set_header("Content-Security-Policy", dashboard_csp);
    res.set_header("Cache-Control", "no-cache");
    res.set_content(page.data(), page.size(), "text/html; charset=utf-8");
  });
  r.add("GET", "/stats/history", [ctx](const httplib::Request& req, httplib::Response& res) {
            if (authorize(ctx, access_need::read, req, res))
              handle_history(ctx, res);
          });
  r.add("GET", "/topics", [ctx](const httplib::Request& req, httplib::Response& res) {
            if (authorize(ctx, access_need::read, req, res))
              handle_topics(ctx, req, res);
          });
}

} // namespace agg
