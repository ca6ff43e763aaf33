#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agg {

/// A shard's memory of dedup keys: those in a write still pending (with the request
/// part that owns the write) and a bounded set of committed ones. A committed hit
/// proves a duplicate; a miss proves nothing (the store decides).
///
/// Keys live in a slab of entries, indexed by an open-addressing table (linear
/// probing, load <= 1/2) whose slots carry 32 bits of the hash, so a lookup reads a
/// key only when those bits match. Committed keys leave first-in-first-out, which
/// suits dedup: retries come soon after the original. Pending keys never leave until
/// their write resolves, and an entry's number stays valid until then.
class key_table {
public:
  /// What a lookup found.
  struct found {
    enum { absent, pending, committed } state;
    uint64_t owner; ///< The part whose write holds a pending key.
    uint32_t entry; ///< For a key added as pending: pass it to commit() or drop().
  };

  explicit key_table(size_t committed_capacity);

  /// Looks `key` up; if absent, adds it as pending for `owner` (state `absent`).
  found find_or_add(std::string&& key, uint64_t owner);

  /// True if `key` is a committed key.
  bool committed(std::string_view key) const;

  /// The write holding `entry` committed: it becomes a committed key (the oldest
  /// committed key may leave to make room).
  void commit(uint32_t entry);

  /// The write holding `entry` failed: forget the key.
  void drop(uint32_t entry);

  size_t committed_size() const {
    return ring_size_;
  }

  size_t pending_size() const {
    return live_ - ring_size_;
  }

private:
  struct entry {
    std::string key;
    uint64_t hash = 0;
    uint64_t owner = 0; ///< 0 once committed.
  };

  struct slot {
    uint32_t entry = 0;    ///< Entry number + 1; 0 marks an empty slot.
    uint32_t hash_low = 0; ///< Low 32 bits of the key's hash.
  };

  static uint64_t hash_of(std::string_view key);
  size_t probe(std::string_view key, uint64_t hash) const; // Slot of key, or an empty one.
  size_t slot_of(uint32_t entry) const;
  void erase_slot(size_t i);
  void release(uint32_t entry);
  void grow();

  size_t capacity_;
  std::vector<entry> entries_;
  std::vector<uint32_t> free_; ///< Entry numbers to reuse.
  size_t live_ = 0;
  std::vector<uint32_t> ring_; ///< Committed entries; once full, the oldest at ring_head_.
  size_t ring_head_ = 0;
  size_t ring_size_ = 0;
  std::vector<slot> slots_;
  size_t mask_ = 0;
};

} // namespace agg
