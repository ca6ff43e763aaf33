#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace agg {

/// A blocked Bloom filter over 64-bit key hashes: each key sets `probes` bits inside one
/// 512-bit block (one cache line), so a lookup costs one cache miss. "No" is certain;
/// "maybe" is wrong for about 0.2% of absent keys at 16 bits per key.
///
/// The bytes are the filter itself (host byte order), so a filter is saved and loaded as
/// one blob; the block count follows from the size.
///
/// A filter can be folded to half its size without its keys: the block of a hash is its high
/// 32 bits scaled to the block count, so with half the blocks it is the old block halved, and
/// ORing each pair of blocks keeps every key's bits. A folded filter answers "maybe" more often
/// but never "no" for a key it holds.
class bloom_filter {
public:
  static constexpr size_t block_bytes = 64;

  bloom_filter() = default;

  /// An empty filter sized for `keys` keys at `bits_per_key` bits each (at least one block).
  bloom_filter(size_t keys, unsigned bits_per_key);

  /// An empty filter of `blocks` blocks (at least one).
  static bloom_filter with_blocks(size_t blocks);

  /// A block count near `bits` / 512 that can be folded many times: a power of two below 128
  /// blocks, else its four highest bits kept (within 1/16 of the ideal) and the rest zero.
  static size_t foldable_blocks(double bits);

  /// A filter from bytes made by bytes(); empty if their size is no whole number of blocks.
  static bloom_filter from_bytes(std::string_view bytes);

  void insert(uint64_t hash);

  bool may_contain(uint64_t hash) const;

  std::string_view bytes() const {
    return {reinterpret_cast<const char*>(words_.data()), words_.size() * sizeof(uint64_t)};
  }

  size_t blocks() const {
    return words_.size() / words_per_block;
  }

  bool can_fold() const {
    return blocks() >= 2 && blocks() % 2 == 0;
  }

  /// Halves the filter, keeping every key it holds. REQUIRES: can_fold().
  void fold();

private:
  static constexpr size_t words_per_block = block_bytes / sizeof(uint64_t);

  // The block's first word, and the bit pattern's mixer input, for `hash`.
  size_t block_of(uint64_t hash) const;

  std::vector<uint64_t> words_;
};

} // namespace agg
