#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "storage/key_index/key_entry.hpp"
#include "storage/key_index/key_run.hpp"
#include "storage/key_index/run_store.hpp"

namespace agg {

/// Writes one sorted run, block by block, with its partitioned Bloom filter and fences.
///
/// Call order: `run_builder` `add`* `finish`, entries given in (hash, seq) order. The
/// constructor writes the run's row as unfinished (level -1), so that the blocks of a run
/// that a crash or an error cut short are found and deleted at open; `finish` writes the
/// last block, the last partitions and the finished row. The calls may span several
/// transactions (a merge goes a slice at a time): each block and each filter partition goes
/// into the transaction open when it is complete. A partition is complete, blocks and filter
/// written, once an entry of a later partition arrives.
class run_builder {
public:
  /// A run `id` of `level` for `entries` entries, with about `partition_keys` keys per filter
  /// partition and `bits_per_key` in each (0: a filter that always says maybe).
  run_builder(run_store& store, int64_t id, int level, uint64_t entries, double bits_per_key,
              uint64_t partition_keys);

  void add(const key_entry& e);

  /// The finished run, as lookups use it.
  key_run finish();

  /// The run so far: its written blocks, and its filter's complete partitions.
  const key_run& partial() const {
    return run_;
  }

  /// Partitions [0, n) are complete: every entry with a hash below
  /// partial().filter.first_hash(n) is in a written block and in the filter.
  size_t complete_partitions() const {
    return complete_;
  }

private:
  void write_block();
  void start_partition(size_t p);
  void complete_partition();

  run_store& store_;
  key_run run_;
  double bits_per_key_;
  uint64_t keys_per_partition_; // Expected, for sizing.
  size_t complete_ = 0;
  bool open_ = false; // A partition (number complete_) is being filled.
  std::vector<key_entry> pending_; // The block being filled.
};

} // namespace agg
