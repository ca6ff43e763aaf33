#pragma once

#include <cstdint>
#include <vector>

#include "storage/key_index/key_entry.hpp"
#include "storage/key_index/key_run.hpp"
#include "storage/key_index/run_store.hpp"

namespace agg {

/// Writes one sorted run, block by block, with its Bloom filter and fences.
///
/// Call order: `run_builder` `add`* `finish`, entries given in (hash, seq) order. The
/// constructor writes the run's row as unfinished (level -1), so that the blocks of a run
/// that a crash or an error cut short are found and deleted at open; `finish` writes the
/// last block and the finished row. The calls may span several transactions (a merge goes
/// a slice at a time): each block goes into the transaction open when it fills.
class run_builder {
public:
  /// A run `id` of `level`, sized for `entries` entries.
  run_builder(run_store& store, int64_t id, int level, uint64_t entries, unsigned bits_per_key);

  void add(const key_entry& e);

  /// The finished run, as lookups use it.
  key_run finish();

private:
  void write_block();

  run_store& store_;
  key_run run_;
  std::vector<key_entry> pending_; // The block being filled.
};

} // namespace agg
