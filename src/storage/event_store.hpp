#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "core/event.hpp"

namespace agg {

/// The fate of one event in a commit.
enum class insert_status : uint8_t {
  duplicate,          ///< Its key was stored before; nothing changed.
  inserted,           ///< Stored now.
  inserted_new_topic, ///< Stored now, and the first event of its topic.
};

/// What a store's dedup index holds in memory, for GET /metrics.
struct dedup_index_footprint {
  uint64_t runs = 0;         ///< Sorted runs on disk.
  uint64_t memory_bytes = 0; ///< Filters, fences and the newest keys.
};

/// The lifetime counters kept in the store.
struct stored_counters {
  uint64_t unique = 0;     ///< Number of stored events.
  uint64_t duplicates = 0; ///< Duplicates dropped, as of the last save.
};

/// Durable storage of unique events, written by one writer only.
class event_store {
public:
  virtual ~event_store() = default;

  // -- modifiers --------------------------------------------------------------

  /// Inserts each event whose (topic, event_id) is not stored yet and saves the
  /// duplicate counter, all in one transaction; nothing is kept if it fails.
  virtual caf::expected<std::vector<insert_status>>
  commit(const std::vector<const event*>& events, uint64_t duplicates_total) = 0;

  /// Writes and commits a transaction that changes nothing, to learn whether the store
  /// takes writes again after a failed commit; the default is for stores that cannot fail.
  virtual caf::error probe() {
    return caf::none;
  }

  // -- inspectors -------------------------------------------------------------

  /// False when the store knows, without a round trip, that it cannot take writes now (a
  /// database server that closed the connection); readiness then probes before saying so.
  virtual bool seems_reachable() {
    return true;
  }

  /// The counters as last committed.
  virtual caf::expected<stored_counters> counters() = 0;

  /// Every topic with at least one stored event.
  virtual caf::expected<std::vector<std::string>> topics() = 0;

  /// The dedup index's size; zeros for a store without one.
  virtual dedup_index_footprint index_footprint() const {
    return {};
  }

  /// The seq of each event of the last successful commit, 0 for a duplicate; empty for a
  /// store that does not number its events (then nobody hears of them live).
  virtual const std::vector<int64_t>& committed_seqs() const {
    static const std::vector<int64_t> none;
    return none;
  }
};

} // namespace agg
