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

bloom_filter bloom_filter::with_blocks(size_t blocks) {
  bloom_filter result;
  result.words_.assign((blocks == 0 ? 1 : blocks) * words_per_block, 0);
  return result;
}

size_t bloom_filter::foldable_blocks(double bits) {
  auto blocks = bits / (block_bytes * 8);
  if (blocks < 128) {
    // A small filter: the nearest power of two (within a factor of 1.41), so it folds down to
    // one block; an odd count such as 3 could not fold at all.
    size_t pow2 = 1;
    while (pow2 * 2 <= blocks * 1.4142)
      pow2 *= 2;
    return pow2;
  }
  // Keep the top four bits, rounded: e.g. 1,300 -> 1,280 (5 x 256), foldable eight times.
  auto n = static_cast<uint64_t>(blocks + 0.5);
  int shift = 0;
  while ((n >> shift) >= 16)
    ++shift;
  auto top = (n + (uint64_t{1} << (shift - 1))) >> shift;
  return static_cast<size_t>(top << shift);
}

void bloom_filter::fold() {
  auto half = blocks() / 2;
  for (size_t b = 0; b < half; ++b)
    for (size_t w = 0; w < words_per_block; ++w)
      words_[b * words_per_block + w] = words_[2 * b * words_per_block + w]
                                        | words_[(2 * b + 1) * words_per_block + w];
  words_.resize(half * words_per_block);
  words_.shrink_to_fit(); // The point of folding is the memory.
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
