#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "storage/key_index/key_entry.hpp"

namespace agg {

/// The key index's newest entries, in memory only: the events stored after the last run
/// was written (they are found again from the events table after a restart).
///
/// Entries sit in arrival order in a vector, indexed by an open-addressing table (linear
/// probing, load <= 1/2), so the newest entries can be dropped again (truncate) when the
/// transaction that added them fails.
class hot_keys {
public:
  hot_keys();

  void add(uint64_t hash, int64_t seq);

  /// Calls `fn(seq)` for each entry with this hash until it returns true; true if one did.
  template <class F>
  bool any_of(uint64_t hash, F&& fn) const {
    for (size_t i = slot_of(hash);; i = (i + 1) & mask_) {
      auto n = slots_[i];
      if (n == 0)
        return false;
      auto& e = entries_[n - 1];
      if (e.hash == hash && fn(e.seq))
        return true;
    }
  }

  size_t size() const {
    return entries_.size();
  }

  size_t memory_bytes() const {
    return entries_.capacity() * sizeof(key_entry) + slots_.size() * sizeof(uint32_t);
  }

  /// What memory_bytes() reaches with `entries` entries (the vector and table double).
  static size_t memory_bytes_at(size_t entries);

  /// Drops the entries added after the first `n`.
  void truncate(size_t n);

  void clear();

  /// The entries, sorted by (hash, seq): the order of a run.
  std::vector<key_entry> sorted() const;

private:
  size_t slot_of(uint64_t hash) const {
    return static_cast<size_t>(hash) & mask_;
  }

  void reindex(size_t capacity);

  std::vector<key_entry> entries_;
  std::vector<uint32_t> slots_; // Entry number + 1; 0 marks an empty slot.
  size_t mask_ = 0;
};

} // namespace agg
