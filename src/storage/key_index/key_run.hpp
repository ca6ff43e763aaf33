#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/key_index/run_filter.hpp"
#include "storage/key_index/key_entry.hpp"

namespace agg {

/// One sorted run of the key index: key entries in (hash, seq) order, cut into blocks of
/// at most `entries_per_block` (a block never spans two filter partitions), each block one
/// row of the key_blocks table. In memory a run keeps only its Bloom filter and each block's
/// first hash (the fences), so most lookups of a new key end in memory and a lookup that must
/// read reads one block.
struct key_run {
  /// 250 entries of 16 bytes: 4,000 bytes, which with its row header fits one 4 KiB page
  /// (SQLite spills a row over about 4,061 bytes into overflow pages).
  static constexpr size_t entries_per_block = 250;
  static constexpr size_t entry_bytes = 16;

  int64_t id = 0;
  int level = 0;           ///< 0 when written from memory; a merge of level L makes L + 1.
  uint64_t entries = 0;
  int64_t max_seq = 0;     ///< The newest event it covers.
  run_filter filter;
  std::vector<uint64_t> fences; ///< First hash of each block.
  /// While the run is an input of a merge: hashes below this are the merge output's to answer
  /// (and the filter partitions below it are given back).
  uint64_t covered_below = 0;

  /// The key_blocks rowid of block `block`: the run's id in the high half, so a run's
  /// blocks are one contiguous rowid range, appended after every older run's.
  static int64_t block_rowid(int64_t run_id, size_t block) {
    return (run_id << 32) | static_cast<int64_t>(block);
  }

  /// The blocks that can hold entries with this hash: [first, last).
  std::pair<size_t, size_t> blocks_for(uint64_t hash) const;
};

/// A block's bytes: each entry as hash then seq, little-endian on the hosts we build for.
std::string encode_block(const key_entry* first, size_t count);

/// Appends the entries of a block's bytes to `out`; a trailing partial entry is ignored.
void decode_block(std::string_view bytes, std::vector<key_entry>& out);

/// Fences as a blob and back.
std::string encode_fences(const std::vector<uint64_t>& fences);
std::vector<uint64_t> decode_fences(std::string_view bytes);

} // namespace agg
