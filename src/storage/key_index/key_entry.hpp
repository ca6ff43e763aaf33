#pragma once

#include <cstdint>
#include <tuple>

namespace agg {

/// One stored event in the key index: its key's hash and its seq (the events row that
/// holds the key itself).
struct key_entry {
  uint64_t hash;
  int64_t seq;

  friend bool operator<(const key_entry& a, const key_entry& b) {
    return std::tie(a.hash, a.seq) < std::tie(b.hash, b.seq);
  }
};

} // namespace agg
