#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agg {

/// A shard's dedup keys in writes still pending, each with the request part that owns the
/// write: a duplicate of such a key must wait for that write's outcome. A key leaves when
/// its write resolves, either way; committed keys are the store's to know (its key index).
///
/// Keys live in a slab of entries, indexed by an open-addressing table (linear probing,
/// load <= 1/2) whose slots carry 32 bits of the hash, so a lookup reads a key only when
/// those bits match. An entry's number stays valid until its write resolves.
class key_table {
public:
  /// What a lookup found.
  struct found {
    enum { absent, pending } state;
    uint64_t owner; ///< The part whose write holds a pending key.
    uint32_t entry; ///< For a key added as pending: pass it to release().
  };

  key_table();

  /// Looks `key` up; if absent, adds it as pending for `owner` (state `absent`).
  found find_or_add(std::string&& key, uint64_t owner);

  /// The write holding `entry` resolved (committed or failed): forget the key.
  void release(uint32_t entry);

  size_t pending_size() const {
    return live_;
  }

private:
  struct entry {
    std::string key;
    uint64_t hash = 0;
    uint64_t owner = 0;
  };

  struct slot {
    uint32_t entry = 0;    ///< Entry number + 1; 0 marks an empty slot.
    uint32_t hash_low = 0; ///< Low 32 bits of the key's hash.
  };

  static uint64_t hash_of(std::string_view key);
  size_t probe(std::string_view key, uint64_t hash) const; // Slot of key, or an empty one.
  size_t slot_of(uint32_t entry) const;
  void erase_slot(size_t i);
  void grow();

  std::vector<entry> entries_;
  std::vector<uint32_t> free_; ///< Entry numbers to reuse.
  size_t live_ = 0;
  std::vector<slot> slots_;
  size_t mask_ = 0;
};

} // namespace agg
