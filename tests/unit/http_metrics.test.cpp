#include "http/routes/http_metrics.hpp"

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

using namespace std::chrono_literals;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

} // namespace

TEST_CASE("requests are counted by route and status, unknown paths share the route other",
          "[metrics]") {
  agg::http_metrics m;
  m.count_request("/publish", 200);
  m.count_request("/publish", 200);
  m.count_request("/publish", 503);
  m.count_request("/no/such/path", 404);
  m.count_request("/another", 404);
  m.count_request("/stats", 42); // not an HTTP status: ignored, not out of bounds
  auto text = m.render("p_");
  CHECK(has_line(text, R"(p_http_requests_total{route="/publish",code="200"} 2)"));
  CHECK(has_line(text, R"(p_http_requests_total{route="/publish",code="503"} 1)"));
  CHECK(has_line(text, R"(p_http_requests_total{route="other",code="404"} 2)"));
  CHECK(text.find("route=\"/stats\"") == std::string::npos);
}

TEST_CASE("the publish histogram is cumulative, its bounds inclusive, count equals +Inf",
          "[metrics]") {
  agg::http_metrics m;
  m.observe_publish(1ms);    // exactly on the 0.001 bound: counts in le="0.001"
  m.observe_publish(3ms);    // first bound above it is 0.005
  m.observe_publish(20s);    // over the last bound: +Inf only
  auto text = m.render("p_");
  CHECK(has_line(text, R"(p_publish_duration_seconds_bucket{le="0.0005"} 0)"));
  CHECK(has_line(text, R"(p_publish_duration_seconds_bucket{le="0.001"} 1)"));
  CHECK(has_line(text, R"(p_publish_duration_seconds_bucket{le="0.0025"} 1)"));
  CHECK(has_line(text, R"(p_publish_duration_seconds_bucket{le="0.005"} 2)"));
  CHECK(has_line(text, R"(p_publish_duration_seconds_bucket{le="10"} 2)"));
  CHECK(has_line(text, R"(p_publish_duration_seconds_bucket{le="+Inf"} 3)"));
  CHECK(has_line(text, "p_publish_duration_seconds_count 3"));
  CHECK(has_line(text, "p_publish_duration_seconds_sum 20.004"));
  CHECK(has_line(text, "# TYPE p_publish_duration_seconds histogram"));
}
