#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "storage/key_index/key_entry.hpp"
#include "storage/key_index/run_builder.hpp"
#include "storage/key_index/run_store.hpp"

namespace agg {

/// One input of a merge: a run read one block at a time, so a merge holds a block per input.
struct run_cursor {
  run_cursor(int64_t run, size_t block_count) : run_id(run), blocks(block_count) {
  }

  int64_t run_id;
  size_t blocks;
  size_t block = 0; ///< The next block to read.
  std::vector<key_entry> entries;
  size_t pos = 0;
};

/// Moves up to `budget` entries from `inputs` into `out`, least first; returns how many it
/// moved, and sets `exhausted` once every input is used up.
///
/// REQUIRES: each input run is in (hash, seq) order, and `out` holds only entries less than
/// every input's next one (it was filled by earlier calls over the same inputs), so `out`
/// gets one sorted run. Entries are unique across runs (a seq is in one run), so ties cannot
/// happen.
size_t merge_runs(run_store& store, std::vector<run_cursor>& inputs, size_t budget,
                  run_builder& out, bool& exhausted);

} // namespace agg
