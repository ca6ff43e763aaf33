#include "storage/key_index/run_builder.hpp"

#include <algorithm>

namespace agg {

namespace {

// At most 2^12 partitions (the key_filters rowid has 16 bits for them); a run of fewer than
// 2 x partition_keys keys has one.
unsigned partition_bits_for(uint64_t entries, uint64_t partition_keys) {
  unsigned bits = 0;
  while (bits < 12 && (entries >> (bits + 1)) >= partition_keys)
    ++bits;
  return bits;
}

} // namespace

run_builder::run_builder(run_store& store, int64_t id, int level, uint64_t entries,
                         double bits_per_key, uint64_t partition_keys)
  : store_(store), bits_per_key_(bits_per_key) {
  run_.id = id;
  run_.level = level;
  run_.filter = run_filter{partition_bits_for(entries, std::max<uint64_t>(partition_keys, 1))};
  keys_per_partition_ = entries / run_.filter.partitions() + 1;
  run_.fences.reserve(entries / key_run::entries_per_block + run_.filter.partitions());
  pending_.reserve(key_run::entries_per_block);
  store_.write_unfinished(id);
}

void run_builder::add(const key_entry& e) {
  auto p = run_.filter.partition_of(e.hash);
  while (!open_ || complete_ < p) {
    if (open_)
      complete_partition();
    start_partition(complete_);
  }
  pending_.push_back(e);
  run_.filter.insert(e.hash);
  run_.max_seq = std::max(run_.max_seq, e.seq);
  ++run_.entries;
  if (pending_.size() == key_run::entries_per_block)
    write_block();
}

key_run run_builder::finish() {
  while (complete_ < run_.filter.partitions()) {
    if (!open_)
      start_partition(complete_);
    complete_partition();
  }
  store_.write_row(run_);
  return std::move(run_);
}

void run_builder::start_partition(size_t p) {
  auto bits = bits_per_key_ * static_cast<double>(keys_per_partition_);
  run_.filter.build(p, bloom_filter::foldable_blocks(bits));
  open_ = true;
}

void run_builder::complete_partition() {
  // A block never spans two partitions, so a complete partition's entries are all written.
  if (!pending_.empty())
    write_block();
  store_.write_partition(run_, complete_);
  ++complete_;
  open_ = false;
}

void run_builder::write_block() {
  store_.write_block(run_.id, run_.fences.size(), pending_.data(), pending_.size());
  run_.fences.push_back(pending_.front().hash);
  pending_.clear();
}

} // namespace agg
