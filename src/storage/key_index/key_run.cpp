#include "storage/key_index/key_run.hpp"

#include <algorithm>
#include <cstring>

namespace agg {

std::pair<size_t, size_t> key_run::blocks_for(uint64_t hash) const {
  // Entries with this hash start in the block before the first fence >= hash (a block may
  // begin mid-way through equal hashes) and end before the first fence > hash.
  auto lower = std::lower_bound(fences.begin(), fences.end(), hash);
  auto upper = std::upper_bound(lower, fences.end(), hash);
  auto first = static_cast<size_t>(lower - fences.begin());
  return {first == 0 ? 0 : first - 1, static_cast<size_t>(upper - fences.begin())};
}

std::string encode_block(const key_entry* first, size_t count) {
  std::string bytes(count * key_run::entry_bytes, '\0');
  auto* out = bytes.data();
  for (size_t i = 0; i < count; ++i, out += key_run::entry_bytes) {
    std::memcpy(out, &first[i].hash, 8);
    std::memcpy(out + 8, &first[i].seq, 8);
  }
  return bytes;
}

void decode_block(std::string_view bytes, std::vector<key_entry>& out) {
  auto count = bytes.size() / key_run::entry_bytes;
  out.reserve(out.size() + count);
  auto* in = bytes.data();
  for (size_t i = 0; i < count; ++i, in += key_run::entry_bytes) {
    key_entry e;
    std::memcpy(&e.hash, in, 8);
    std::memcpy(&e.seq, in + 8, 8);
    out.push_back(e);
  }
}

std::string encode_fences(const std::vector<uint64_t>& fences) {
  if (fences.empty()) // data() may be null, which memcpy and string must not get.
    return {};
  return {reinterpret_cast<const char*>(fences.data()), fences.size() * sizeof(uint64_t)};
}

std::vector<uint64_t> decode_fences(std::string_view bytes) {
  std::vector<uint64_t> fences(bytes.size() / sizeof(uint64_t));
  if (!fences.empty())
    std::memcpy(fences.data(), bytes.data(), fences.size() * sizeof(uint64_t));
  return fences;
}

} // namespace agg
