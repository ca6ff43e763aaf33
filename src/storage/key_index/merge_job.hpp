#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "storage/key_index/run_builder.hpp"
#include "storage/key_index/run_merger.hpp"
#include "storage/key_index/run_set.hpp"
#include "storage/key_index/run_store.hpp"

namespace agg {

/// A merge of a merge_plan's runs into one run of the next level, a slice at a time after
/// commits, so that a large merge (64M keys at 100M stored events) never holds the writer
/// for long.
///
/// The output is written in hash order, so each slice completes some of its filter
/// partitions; the hash range below the last complete one is handed over: lookups there go
/// to the output (its written blocks and complete partitions), and the inputs' partitions
/// wholly below it are given back. Memory thus stays near one copy of the filters instead of
/// two. The inputs' rows stay until the merged run replaces them in one transaction, so a
/// crash or a failed slice leaves them whole on disk.
class merge_job {
public:
  /// Takes `plan`'s runs (in `runs`) as inputs of the run `output_id`.
  merge_job(const merge_plan& plan, int64_t output_id, double bits_per_key,
            uint64_t partition_keys);

  /// Merges up to `budget` entries in a transaction of its own, and hands over what it
  /// completed; on the last slice, replaces the inputs with the merged run in `runs`.
  /// Returns the entries merged. Throws on a storage error; then call abort().
  size_t slice(run_store& store, run_set& runs, size_t budget);

  bool finished() const {
    return finished_;
  }

  /// A slice failed: the inputs answer for every hash again, their filters read back from
  /// the store. The output's blocks stay until the unfinished run is deleted.
  void abort(run_store& store, run_set& runs);

  /// The output, for a hash already handed over to it; null otherwise.
  const key_run* covering(uint64_t hash) const {
    return output_ && hash < boundary_ ? &output_->partial() : nullptr;
  }

  int64_t output_id() const {
    return output_id_;
  }

  uint64_t entries() const {
    return entries_;
  }

  const std::vector<int64_t>& input_ids() const {
    return input_ids_;
  }

  /// The output's filter and fences so far.
  size_t memory_bytes() const;

private:
  void hand_over(run_set& runs);

  int level_;
  int64_t output_id_;
  uint64_t entries_;
  double bits_per_key_;
  uint64_t partition_keys_;
  std::vector<run_cursor> inputs_;
  std::vector<int64_t> input_ids_;
  std::unique_ptr<run_builder> output_; // Made in the first slice's transaction.
  uint64_t boundary_ = 0;               // Hashes below it are the output's.
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

} // namespace agg
