#include "storage/key_index/bloom_filter.hpp"

#include <cstring>

namespace agg {

namespace {

// Bits set per key: 7 chunks of 9 bits use 63 bits of one remixed word.
constexpr unsigned probes = 7;

// The block comes from the hash's high half; the bit positions from a remix of the whole
// hash (splitmix64's finalizer), so the two do not correlate.
uint64_t remix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

} // namespace

bloom_filter::bloom_filter(size_t keys, unsigned bits_per_key) {
  size_t bits = keys * bits_per_key;
  size_t blocks = (bits + block_bytes * 8 - 1) / (block_bytes * 8);
  words_.assign((blocks == 0 ? 1 : blocks) * words_per_block, 0);
}

bloom_filter bloom_filter::from_bytes(std::string_view bytes) {
  bloom_filter result;
  if (bytes.empty() || bytes.size() % block_bytes != 0)
    return result;
  result.words_.resize(bytes.size() / sizeof(uint64_t));
  std::memcpy(result.words_.data(), bytes.data(), bytes.size());
  return result;
}

size_t bloom_filter::block_of(uint64_t hash) const {
  // Multiply-shift maps the high half onto [0, blocks) without a division.
  return static_cast<size_t>(((hash >> 32) * blocks()) >> 32) * words_per_block;
}

void bloom_filter::insert(uint64_t hash) {
  if (words_.empty())
    return;
  auto* block = &words_[block_of(hash)];
  auto bits = remix(hash);
  for (unsigned i = 0; i < probes; ++i, bits >>= 9)
    block[(bits & 511) >> 6] |= uint64_t{1} << (bits & 63);
}

bool bloom_filter::may_contain(uint64_t hash) const {
  if (words_.empty())
    return true; // An unreadable filter must not turn a stored key into a new one.
  auto* block = &words_[block_of(hash)];
  auto bits = remix(hash);
  for (unsigned i = 0; i < probes; ++i, bits >>= 9)
    if ((block[(bits & 511) >> 6] & (uint64_t{1} << (bits & 63))) == 0)
      return false;
  return true;
}

} // namespace agg
