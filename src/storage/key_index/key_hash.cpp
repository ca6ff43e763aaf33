#include "storage/key_index/key_hash.hpp"

// Header-only use of Debian's libxxhash-dev: no shared library at run time.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace agg {

uint64_t key_hash(int64_t topic_id, std::string_view event_id) {
  return XXH3_64bits_withSeed(event_id.data(), event_id.size(), static_cast<uint64_t>(topic_id));
}

} // namespace agg
