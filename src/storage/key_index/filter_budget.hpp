#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "storage/key_index/key_run.hpp"

namespace agg {

/// The expected share of absent keys that a filter at `bits_per_key` answers "maybe" for (our
/// blocked filter: 7 probes in one 512-bit block; 16 bits: 0.1%, 10: 1%, 8: 2.5%, 5: 14%).
double false_maybe_rate(double bits_per_key);

/// Bits per key for the filter of a new run of `entries` keys, beside runs of `others` keys,
/// when all filters together may use `filter_bits`. Monkey's rule (Dayan, Athanassoulis and
/// Idreos, SIGMOD 2017): a new key is looked up in every run, so the cost is the sum of the
/// runs' false-maybe rates, and that sum is least for a given memory when each run's rate is
/// in proportion to its size; a large run gets fewer bits per key than a small one (about 3
/// fewer per 4 times the keys). At most `max_bits`; 0 if there is no room at all.
double bits_for_run(uint64_t entries, const std::vector<uint64_t>& others, double filter_bits,
                    double max_bits);

/// Where to fold: a run (its index) and one of its partitions.
struct fold_choice {
  size_t run;
  size_t partition;
};

/// The partition whose halving adds the fewest expected false maybes per byte it gives back
/// (a partition gets 1 / partitions of its run's lookups); nothing if none can fold.
std::optional<fold_choice> choose_fold(const std::vector<key_run>& runs);

} // namespace agg
