#include "http/routes/http_metrics.hpp"

#include <algorithm>
#include <sstream>

namespace agg {

namespace {

size_t route_index(std::string_view path) {
  auto& routes = http_metrics::routes;
  auto it = std::find(routes.begin(), routes.end() - 1, path);
  return static_cast<size_t>(it - routes.begin()); // "other" when not found
}

} // namespace

void http_metrics::count_request(std::string_view path, int status) {
  if (status < min_status || status > max_status)
    return;
  requests_[route_index(path)][status - min_status].fetch_add(1, std::memory_order_relaxed);
}

void http_metrics::observe_publish(std::chrono::nanoseconds took) {
  double seconds = std::chrono::duration<double>(took).count();
  auto bucket = std::lower_bound(publish_buckets.begin(), publish_buckets.end(), seconds)
                - publish_buckets.begin(); // le is inclusive: lower_bound finds bound >= value
  buckets_[static_cast<size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  publish_nanos_.fetch_add(static_cast<uint64_t>(took.count()), std::memory_order_relaxed);
}

std::string http_metrics::render(std::string_view prefix) const {
  std::ostringstream out; // default precision: bounds print as written, 0.0005 not 5e-04
  out << "# HELP " << prefix << "http_requests_total HTTP requests answered, by route and status"
      << " code.\n# TYPE " << prefix << "http_requests_total counter\n";
  for (size_t r = 0; r < routes.size(); ++r)
    for (int code = min_status; code <= max_status; ++code)
      if (auto n = requests_[r][code - min_status].load(std::memory_order_relaxed); n > 0)
        out << prefix << "http_requests_total{route=\"" << routes[r] << "\",code=\"" << code
            << "\"} " << n << "\n";
  auto name = std::string{prefix} + "publish_duration_seconds";
  out << "# HELP " << name << " Time from the start of a POST /publish to its answer.\n"
      << "# TYPE " << name << " histogram\n";
  // Each bucket is read once; the count is their sum, so _count equals the +Inf bucket even
  // while requests finish during the scrape (the sum may then be a little ahead).
  uint64_t cumulative = 0;
  for (size_t b = 0; b < buckets_.size(); ++b) {
    cumulative += buckets_[b].load(std::memory_order_relaxed);
    out << name << "_bucket{le=\"";
    if (b < publish_buckets.size())
      out << publish_buckets[b];
    else
      out << "+Inf";
    out << "\"} " << cumulative << "\n";
  }
  out.precision(12); // nanoseconds of a sum up to ~1000 s
  out << name << "_sum " << static_cast<double>(publish_nanos_.load()) / 1e9 << "\n"
      << name << "_count " << cumulative << "\n";
  return out.str();
}

} // namespace agg
