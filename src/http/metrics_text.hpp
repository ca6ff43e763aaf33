#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/subscription_hub.hpp"
#include "core/type_ids.hpp"
#include "http/http_metrics.hpp"

namespace agg {

/// The Content-Type of the Prometheus text exposition format this service writes.
inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// Every metric name starts with this.
inline constexpr const char* metrics_prefix = "event_aggregator_";

/// What GET /metrics shows besides the HTTP metrics.
struct metrics_inputs {
  stats_snapshot stats;
  size_t inflight_events = 0;
  uint64_t store_size_bytes = 0;
  subscription_hub::counters subscriptions;
};

/// The whole GET /metrics body in the Prometheus text exposition format 0.0.4.
std::string render_metrics(const metrics_inputs& in, const http_metrics& http);

/// Bytes of the SQLite file and its write-ahead log (missing files count 0).
uint64_t store_size_bytes(const std::string& database_path);

} // namespace agg
