#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "storage/event_reader.hpp"

namespace agg {

/// How many events one topic holds.
struct topic_count {
  std::string topic;
  uint64_t events = 0;
};

/// What the other replicas sharing a store have committed: added to this replica's own
/// counters, it gives the cluster's.
struct replica_totals {
  uint64_t unique = 0;
  uint64_t duplicates = 0;
  std::vector<std::string> topics; ///< Every topic of the store, this replica's included.
};

/// The read side of one store, shared by every HTTP thread: what the routes may ask of
/// storage beyond the writer.
class store_readers {
public:
  virtual ~store_readers() = default;

  /// A reader of its own for the calling thread.
  virtual caf::expected<std::unique_ptr<event_reader>> open_reader() = 0;

  /// Stored events per topic, most first (ties by name).
  virtual caf::expected<std::vector<topic_count>> topic_counts() = 0;

  /// Bytes the store takes on this machine (0 when it lives elsewhere).
  virtual uint64_t size_bytes() = 0;

  /// True when other processes write the store too: live events then come from polling it
  /// (bridge/store_tail) rather than from this process's writer alone.
  virtual bool shared() const {
    return false;
  }

  /// For a store several replicas share, what the others committed; nothing for a store
  /// that one process owns, whose counters the stats actor already holds whole.
  virtual caf::expected<std::optional<replica_totals>> other_replicas() {
    return std::optional<replica_totals>{};
  }
};

} // namespace agg
