#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "storage/event_store.hpp"
#include "storage/key_index/key_run.hpp"

namespace agg {

/// Which runs a merge takes: the oldest `fan_in` runs of one level.
struct merge_plan {
  int level = 0;
  std::vector<const key_run*> inputs; ///< Oldest first; valid until the set changes.
  uint64_t entries = 0;               ///< Summed over the inputs.
};

/// The runs that answer lookups, oldest first, and the policy that picks the next merge:
/// the key index's LevelDB version_set. A run of level L is made of `fan_in` runs of L - 1
/// (level 0: written from memory), so a store of N keys holds about (fan_in - 1) runs per
/// level over log_fan_in(N / run size) levels.
class run_set {
public:
  /// From the stored rows (run_store::load); unfinished ones (level < 0) are left out and
  /// their ids appended to `unfinished`.
  run_set(std::vector<key_run> rows, std::vector<int64_t>& unfinished);

  const std::vector<key_run>& runs() const {
    return runs_;
  }

  /// The run with this id, or null; for a merge's hand-over and the memory budget's folds,
  /// which change a run's filter but not its keys.
  key_run* find(int64_t id);

  /// An id for a new run, greater than every id in use or left unfinished.
  int64_t new_id() {
    return next_id_++;
  }

  /// The newest seq in any run: events after it are not in a run yet.
  int64_t indexed_seq() const {
    return indexed_seq_;
  }

  /// Adds a run just written from memory (the newest).
  void add(key_run run);

  /// The lowest level with `fan_in` runs or more, and its oldest `fan_in` runs; nothing if
  /// no level is full. Every level is looked at: a crash or an error between two merges of a
  /// cascade can leave a full level above one that is not.
  std::optional<merge_plan> pick_merge(size_t fan_in) const;

  /// Replaces the runs with ids `inputs` by `merged`, kept in id order (the merged run is
  /// older than the runs written while it was built).
  void install(const std::vector<int64_t>& inputs, key_run merged);

  /// Bytes the runs hold in memory: their filters and fences.
  size_t memory_bytes() const;

  /// Keys in all runs.
  uint64_t entries() const;

private:
  std::vector<key_run> runs_; // Id order, which is age order.
  int64_t next_id_ = 1;
  int64_t indexed_seq_ = 0;
};

} // namespace agg
