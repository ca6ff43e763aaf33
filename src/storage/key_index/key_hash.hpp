#pragma once

#include <cstdint>
#include <string_view>

namespace agg {

/// The 64-bit hash of a dedup key: XXH3 of the event id, seeded with the topic's id.
/// It is stored in the key index's runs, so it must never change between builds: XXH3's
/// output is fixed by its specification since xxHash 0.8.0. A hash match is only a
/// candidate; the event row decides (two keys may share a hash).
uint64_t key_hash(int64_t topic_id, std::string_view event_id);

} // namespace agg
