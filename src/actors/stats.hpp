#pragma once

#include <chrono>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "actors/actors.hpp"
#include "storage/event_store.hpp"

namespace agg {

/// Lifetime counters, owned by one actor so that no lock guards them.
struct stats_state {
  static inline const char* name = "stats";

  uint64_t unique = 0;
  uint64_t duplicates = 0;
  uint64_t duplicates_saved = 0; ///< Last value the writer confirmed as stored.
  std::set<std::string> topics;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::deque<stats_sample> history; ///< One sample per tick, the newest at the back.

  /// The counters as `GET /stats` shows them.
  stats_snapshot snapshot() const;

  /// Appends the current counters to `history`, dropping the oldest past its bound.
  void sample();
};

/// How often the duplicate counter is saved; a crash loses at most this much of it.
constexpr auto stats_save_interval = std::chrono::seconds(1);

/// Samples kept for GET /stats/history: ten minutes at one per stats_save_interval, a
/// dashboard's window, in ~20 KB.
constexpr size_t stats_history_size = 600;

/// Starts from the counters and topics found in the store.
stats_actor::behavior_type stats(stats_actor::stateful_pointer<stats_state> self,
                                 writer_actor writer, stored_counters initial,
                                 std::vector<std::string> topics);

} // namespace agg
