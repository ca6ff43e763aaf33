#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace agg {

/// Request counts by route and status, and the publish latency histogram: lock-free atomics
/// that HTTP threads bump and GET /metrics reads. Owned by the service, not by a route.
class http_metrics {
public:
  /// The `route` label values: every route path, and "other" for anything else (a 404),
  /// so that a scan of random paths cannot create unbounded label values.
  static constexpr std::array<std::string_view, 12> routes = {
    "/publish", "/events",    "/stats", "/healthz", "/readyz",        "/metrics",
    "/openapi.json", "/subscribe", "/",  "/topics",  "/stats/history", "other"};

  /// Upper bounds (seconds) of the publish histogram: from a cached duplicate (~0.1 ms)
  /// to --publish-timeout-ms's default of 10 s.
  static constexpr std::array<double, 14> publish_buckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  /// Counts one answered request.
  void count_request(std::string_view path, int status);

  /// Records how long one POST /publish took, whatever its answer.
  void observe_publish(std::chrono::nanoseconds took);

  /// The http_requests_total and publish_duration_seconds families in the Prometheus text
  /// format, with `prefix` before each metric name.
  std::string render(std::string_view prefix) const;

private:
  static constexpr int min_status = 100;
  static constexpr int max_status = 599;
  using status_counts = std::array<std::atomic<uint64_t>, max_status - min_status + 1>;

  std::array<status_counts, routes.size()> requests_{};
  std::array<std::atomic<uint64_t>, publish_buckets.size() + 1> buckets_{}; ///< Last: +Inf.
  std::atomic<uint64_t> publish_nanos_{0};
};

} // namespace agg
