#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bridge/subscription_hub.hpp"
#include "core/type_ids.hpp"
#include "core/runtime_metrics.hpp"
#include "http/routes/http_metrics.hpp"
#include "storage/store_readers.hpp"

namespace agg {

/// The Content-Type of the Prometheus text exposition format this service writes.
inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// Every metric name starts with this.
inline constexpr const char* metrics_prefix = "event_aggregator_";

/// What GET /metrics shows besides the HTTP metrics.
struct metrics_inputs {
  stats_snapshot stats;
  size_t inflight_events = 0;
  size_t body_bytes = 0; ///< Publish bodies held in memory (see body_budget).
  uint64_t store_size_bytes = 0;
  subscription_hub::counters subscriptions;
  const runtime_metrics* runtime = nullptr; ///< Null: those families are left out.
  /// Per-topic series (--metrics-topics N > 0): the N largest topics; the rest are summed.
  bool per_topic = false;
  std::vector<topic_count> topics;
  uint64_t other_topics = 0;
  uint64_t other_topics_events = 0;
};

/// Keeps the `n` largest of `counts` (sorted most first) in `in.topics` and sums the rest.
void select_top_topics(std::vector<topic_count> counts, size_t n, metrics_inputs& in);

/// The whole GET /metrics body in the Prometheus text exposition format 0.0.4.
std::string render_metrics(const metrics_inputs& in, const http_metrics& http);

} // namespace agg
