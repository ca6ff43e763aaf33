#include "storage/key_index/run_builder.hpp"

#include <algorithm>

namespace agg {

run_builder::run_builder(run_store& store, int64_t id, int level, uint64_t entries,
                         unsigned bits_per_key)
  : store_(store) {
  run_.id = id;
  run_.level = level;
  run_.filter = bloom_filter{entries, bits_per_key};
  run_.fences.reserve(entries / key_run::entries_per_block + 1);
  pending_.reserve(key_run::entries_per_block);
  store_.write_unfinished(id);
}

void run_builder::add(const key_entry& e) {
  pending_.push_back(e);
  run_.filter.insert(e.hash);
  run_.max_seq = std::max(run_.max_seq, e.seq);
  ++run_.entries;
  if (pending_.size() == key_run::entries_per_block)
    write_block();
}

key_run run_builder::finish() {
  if (!pending_.empty())
    write_block();
  store_.write_row(run_);
  return std::move(run_);
}

void run_builder::write_block() {
  store_.write_block(run_.id, run_.fences.size(), pending_.data(), pending_.size());
  run_.fences.push_back(pending_.front().hash);
  pending_.clear();
}

} // namespace agg
