#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agg {

/// A bounded set of keys known to be committed; when full, the oldest key makes room.
/// A hit proves a duplicate; a miss proves nothing (the store decides).
///
/// Keys sit in a ring in insertion order, indexed by an open-addressing table
/// (linear probing, load <= 1/2) whose slots carry 32 bits of the hash: a lookup
/// touches one slot line and reads a key only when those bits match. Eviction is
/// first-in-first-out, which suits dedup: retries come soon after the original.
class seen_cache {
public:
  explicit seen_cache(size_t capacity);

  /// True if `key` is cached.
  bool contains(std::string_view key) const;

  /// Adds `key` unless present, evicting the oldest key when full.
  void insert(std::string key);

  size_t size() const {
    return keys_.size();
  }

  size_t capacity() const {
    return capacity_;
  }

private:
  struct slot {
    uint32_t position = 0; ///< Ring position + 1; 0 marks an empty slot.
    uint32_t hash_low = 0; ///< Low 32 bits of the key's hash.
  };

  static uint64_t hash_of(std::string_view key);

  // The slot index holding ring position `position`, whose key hashes to `hash`.
  size_t find_position(uint64_t hash, size_t position) const;

  // Empties slot `i`, moving later entries of its probe run back (no tombstones).
  void erase_slot(size_t i);

  size_t capacity_;
  std::vector<std::string> keys_; ///< The ring.
  std::vector<uint64_t> hashes_;  ///< Hash of each ring entry, for eviction.
  size_t oldest_ = 0;             ///< Ring position replaced next once full.
  std::vector<slot> slots_;
  size_t mask_ = 0;
};

} // namespace agg
