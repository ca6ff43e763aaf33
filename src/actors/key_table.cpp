#include "actors/key_table.hpp"

#include <functional>

namespace agg {

key_table::key_table() {
  slots_.resize(16);
  mask_ = slots_.size() - 1;
}

uint64_t key_table::hash_of(std::string_view key) {
  return std::hash<std::string_view>{}(key);
}

size_t key_table::probe(std::string_view key, uint64_t hash) const {
  auto low = static_cast<uint32_t>(hash);
  size_t i = hash & mask_;
  for (; slots_[i].entry != 0; i = (i + 1) & mask_)
    if (slots_[i].hash_low == low && entries_[slots_[i].entry - 1].key == key)
      return i;
  return i;
}

size_t key_table::slot_of(uint32_t e) const {
  for (size_t i = entries_[e].hash & mask_;; i = (i + 1) & mask_)
    if (slots_[i].entry == e + 1)
      return i;
}

key_table::found key_table::find_or_add(std::string&& key, uint64_t owner) {
  auto h = hash_of(key);
  auto i = probe(key, h);
  if (slots_[i].entry != 0)
    return {found::pending, entries_[slots_[i].entry - 1].owner, 0};
  uint32_t n;
  if (!free_.empty()) {
    n = free_.back();
    free_.pop_back();
  } else {
    n = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  entries_[n] = {std::move(key), h, owner};
  slots_[i] = {n + 1, static_cast<uint32_t>(h)};
  if (++live_ * 2 > slots_.size())
    grow();
  return {found::absent, owner, n};
}

void key_table::release(uint32_t n) {
  erase_slot(slot_of(n));
  entries_[n].key = std::string{}; // Frees the key's memory now, not when reused.
  free_.push_back(n);
  --live_;
}

void key_table::erase_slot(size_t i) {
  // Backward-shift deletion: an entry may fill the hole if its home slot is not
  // strictly between the hole and its current place (cyclically).
  for (size_t j = (i + 1) & mask_; slots_[j].entry != 0; j = (j + 1) & mask_) {
    size_t home = slots_[j].hash_low & mask_;
    bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
    if (movable) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i] = slot{};
}

void key_table::grow() {
  std::vector<slot> old(slots_.size() * 2);
  old.swap(slots_);
  mask_ = slots_.size() - 1;
  for (auto& s : old) {
    if (s.entry == 0)
      continue;
    size_t i = entries_[s.entry - 1].hash & mask_;
    while (slots_[i].entry != 0)
      i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

} // namespace agg
