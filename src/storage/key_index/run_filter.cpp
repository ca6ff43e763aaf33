#include "storage/key_index/run_filter.hpp"

namespace agg {

run_filter::run_filter(unsigned partition_bits)
  : bits_(partition_bits), parts_(size_t{1} << partition_bits) {
}

uint64_t run_filter::first_hash(size_t p) const {
  if (p >= parts_.size())
    return UINT64_MAX;
  return bits_ == 0 ? 0 : static_cast<uint64_t>(p) << (64 - bits_);
}

void run_filter::build(size_t p, size_t blocks) {
  replace(p, bloom_filter::with_blocks(blocks));
  parts_[p].keys = 0;
}

void run_filter::set(size_t p, bloom_filter filter, uint64_t keys) {
  replace(p, std::move(filter));
  parts_[p].keys = keys;
}

void run_filter::fold(size_t p) {
  bytes_ -= parts_[p].filter.bytes().size();
  parts_[p].filter.fold();
  bytes_ += parts_[p].filter.bytes().size();
}

void run_filter::release(size_t p) {
  replace(p, bloom_filter{});
}

void run_filter::replace(size_t p, bloom_filter filter) {
  bytes_ -= parts_[p].filter.bytes().size();
  parts_[p].filter = std::move(filter);
  bytes_ += parts_[p].filter.bytes().size();
}

} // namespace agg
