#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/wal_sync_status.hpp"

namespace agg {

/// What the actors, the bridge and the store count for GET /metrics beyond the /stats
/// counters.
///
/// Relaxed atomics, deliberately, in a design that otherwise shares nothing between actors:
/// each value is written by its owner (an actor, or the bridge's admission) and only read by
/// the scrape, which needs each number untorn but no ordering between them. A lock or a
/// request to every actor per scrape would cost more and could stall behind a commit.
struct runtime_metrics {
  /// Upper bounds of the group-commit size histogram, in events: from a lone event to the
  /// default --commit-max-events (20000) and beyond.
  static constexpr std::array<uint64_t, 15> commit_size_bounds
    = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 20000, 50000};

  // -- writer ------------------------------------------------------------------
  std::array<std::atomic<uint64_t>, commit_size_bounds.size() + 1> commit_sizes{}; ///< Last: +Inf.
  std::atomic<uint64_t> commit_events{0};       ///< Sum of the histogram's observations.
  std::atomic<uint64_t> commits_failed{0};      ///< Transactions SQLite refused.
  std::atomic<uint64_t> writer_queued_events{0}; ///< Events waiting for the next commit (gauge).
  std::atomic<uint64_t> key_index_runs{0};         ///< Dedup index runs on disk (gauge).
  std::atomic<uint64_t> key_index_memory_bytes{0}; ///< Dedup index memory (gauge).

  // -- dedup shards' key tables --------------------------------------------------

  // -- admission -------------------------------------------------------------------
  std::atomic<uint64_t> overload_refusals{0}; ///< Publishes refused with 503 overloaded.

  // -- the store's WAL syncer and commits --------------------------------------------
  wal_sync_status wal;

  /// Records one commit of `events` events (commits that only save counters are not counted).
  void observe_commit(size_t events) {
    if (events == 0)
      return;
    auto bucket = std::lower_bound(commit_size_bounds.begin(), commit_size_bounds.end(),
                                   static_cast<uint64_t>(events))
                  - commit_size_bounds.begin();
    commit_sizes[static_cast<size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
    commit_events.fetch_add(events, std::memory_order_relaxed);
  }
};

} // namespace agg
