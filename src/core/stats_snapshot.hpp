#pragma once

// The counters the stats actor keeps, as plain data: the codec encodes them without CAF.

#include <cstdint>
#include <string>
#include <vector>

namespace agg {

/// What `GET /stats` shows.
struct stats_snapshot {
  uint64_t received = 0;
  uint64_t unique = 0;
  uint64_t duplicates = 0;
  std::vector<std::string> topics;
  double uptime_seconds = 0;
};

/// The counters at one moment, for the dashboard's charts of rates over time.
struct stats_sample {
  double uptime_seconds = 0;
  uint64_t received = 0;
  uint64_t unique = 0;
  uint64_t duplicates = 0;
};

} // namespace agg
