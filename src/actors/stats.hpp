#pragma once

#include <chrono>
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

  /// The counters as `GET /stats` shows them.
  stats_snapshot snapshot() const;
};

/// How often the duplicate counter is saved; a crash loses at most this much of it.
constexpr auto stats_save_interval = std::chrono::seconds(1);

/// Starts from the counters and topics found in the store.
stats_actor::behavior_type stats(stats_actor::stateful_pointer<stats_state> self,
                                 writer_actor writer, stored_counters initial,
                                 std::vector<std::string> topics);

} // namespace agg
