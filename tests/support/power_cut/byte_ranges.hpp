#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <utility>
#include <vector>

namespace agg::test::power_cut {

/// A set of bytes of a file, as disjoint half-open ranges [begin, end): the bytes whose
/// synced contents are already journaled, so that only the first change to a byte after a
/// sync saves it.
class byte_ranges {
public:
  using range = std::pair<uint64_t, uint64_t>;

  /// The parts of [begin, end) not in the set, in order; adds all of [begin, end) to it.
  std::vector<range> take_missing(uint64_t begin, uint64_t end) {
    std::vector<range> missing;
    if (begin >= end)
      return missing;
    auto it = ranges_.upper_bound(begin);
    if (it != ranges_.begin() && std::prev(it)->second >= begin)
      --it; // a range that ends at or after `begin` overlaps or touches it
    uint64_t cursor = begin, merged_begin = begin, merged_end = end;
    while (it != ranges_.end() && it->first <= end) {
      if (it->first > cursor)
        missing.emplace_back(cursor, it->first);
      cursor = std::max(cursor, it->second);
      merged_begin = std::min(merged_begin, it->first);
      merged_end = std::max(merged_end, it->second);
      it = ranges_.erase(it);
    }
    if (cursor < end)
      missing.emplace_back(cursor, end);
    ranges_.emplace(merged_begin, merged_end);
    return missing;
  }

  void clear() { ranges_.clear(); }

private:
  std::map<uint64_t, uint64_t> ranges_; // begin -> end
};

} // namespace agg::test::power_cut
