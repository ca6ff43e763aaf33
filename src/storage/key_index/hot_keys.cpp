#include "storage/key_index/hot_keys.hpp"

#include <algorithm>

namespace agg {

namespace {

constexpr size_t initial_capacity = 1024;

} // namespace

hot_keys::hot_keys() {
  reindex(initial_capacity);
}

void hot_keys::add(uint64_t hash, int64_t seq) {
  if ((entries_.size() + 1) * 2 > slots_.size())
    reindex(slots_.size() * 2);
  entries_.push_back({hash, seq});
  auto i = slot_of(hash);
  while (slots_[i] != 0)
    i = (i + 1) & mask_;
  slots_[i] = static_cast<uint32_t>(entries_.size());
}

size_t hot_keys::memory_bytes_at(size_t entries) {
  size_t capacity = 1, slots = initial_capacity;
  while (capacity < entries)
    capacity *= 2;
  while ((entries + 1) * 2 > slots)
    slots *= 2;
  return capacity * sizeof(key_entry) + slots * sizeof(uint32_t);
}

void hot_keys::truncate(size_t n) {
  if (n >= entries_.size())
    return;
  entries_.resize(n);
  reindex(slots_.size());
}

void hot_keys::clear() {
  entries_.clear();
  reindex(initial_capacity);
}

std::vector<key_entry> hot_keys::sorted() const {
  auto out = entries_;
  std::sort(out.begin(), out.end());
  return out;
}

void hot_keys::reindex(size_t capacity) {
  slots_.assign(capacity, 0);
  mask_ = capacity - 1;
  for (size_t n = 0; n < entries_.size(); ++n) {
    auto i = slot_of(entries_[n].hash);
    while (slots_[i] != 0)
      i = (i + 1) & mask_;
    slots_[i] = static_cast<uint32_t>(n + 1);
  }
}

} // namespace agg
