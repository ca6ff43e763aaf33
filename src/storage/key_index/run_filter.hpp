#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "storage/key_index/bloom_filter.hpp"

namespace agg {

/// A run's Bloom filter, in partitions by the top bits of the hash: partition p holds the keys
/// whose hash starts with p. A merge writes keys in hash order, so it completes the output's
/// partitions one after another and can hand each hash range over from its inputs to its
/// output, freeing the inputs' partitions as it goes instead of holding both filters whole;
/// and the memory budget folds (halves) one partition at a time, not a whole run's filter.
class run_filter {
public:
  /// One partition: a blocked Bloom filter and the number of keys it holds.
  struct partition {
    bloom_filter filter; ///< No blocks: not built, or given back (answers maybe).
    uint64_t keys = 0;
  };

  run_filter() = default;

  /// 2^`partition_bits` partitions, none built yet.
  explicit run_filter(unsigned partition_bits);

  unsigned partition_bits() const {
    return bits_;
  }

  size_t partitions() const {
    return parts_.size();
  }

  size_t partition_of(uint64_t hash) const {
    return bits_ == 0 ? 0 : static_cast<size_t>(hash >> (64 - bits_));
  }

  /// The lowest hash of partition `p`; UINT64_MAX past the last (no hash is above all).
  uint64_t first_hash(size_t p) const;

  /// False only if no key with this hash was inserted.
  bool may_contain(uint64_t hash) const {
    if (parts_.empty())
      return true; // A run without a filter must not turn a stored key into a new one.
    return parts_[partition_of(hash)].filter.may_contain(local(hash));
  }

  /// Adds a key to its partition, which must have been built.
  void insert(uint64_t hash) {
    auto& p = parts_[partition_of(hash)];
    p.filter.insert(local(hash));
    ++p.keys;
  }

  const partition& at(size_t p) const {
    return parts_[p];
  }

  /// Makes partition `p` an empty filter of `blocks` blocks, to insert into.
  void build(size_t p, size_t blocks);

  /// Sets partition `p` as it was stored.
  void set(size_t p, bloom_filter filter, uint64_t keys);

  /// Halves partition `p`. REQUIRES: at(p).filter.can_fold().
  void fold(size_t p);

  /// Gives partition `p`'s memory back; it answers maybe from then on.
  void release(size_t p);

  size_t memory_bytes() const {
    return parts_.capacity() * sizeof(partition) + bytes_;
  }

private:
  // The hash as the partition's filter sees it: rotated so that the block comes from the bits
  // below the partition number (the top bits are the same for all of a partition's keys).
  uint64_t local(uint64_t hash) const {
    return bits_ == 0 ? hash : (hash << bits_) | (hash >> (64 - bits_));
  }

  void replace(size_t p, bloom_filter filter);

  unsigned bits_ = 0;
  std::vector<partition> parts_;
  size_t bytes_ = 0; // Of the partitions' filters, kept so that reading it costs nothing.
};

} // namespace agg
