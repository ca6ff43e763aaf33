#include "actors/seen_cache.hpp"

#include <functional>

namespace agg {

seen_cache::seen_cache(size_t capacity) : capacity_(capacity) {
  if (capacity_ == 0)
    return;
  size_t size = 2;
  while (size < 2 * capacity_)
    size *= 2;
  slots_.resize(size);
  mask_ = size - 1;
}

uint64_t seen_cache::hash_of(std::string_view key) {
  return std::hash<std::string_view>{}(key);
}

bool seen_cache::contains(std::string_view key) const {
  if (capacity_ == 0)
    return false;
  auto h = hash_of(key);
  auto low = static_cast<uint32_t>(h);
  for (size_t i = h & mask_;; i = (i + 1) & mask_) {
    auto& s = slots_[i];
    if (s.position == 0)
      return false;
    if (s.hash_low == low && keys_[s.position - 1] == key)
      return true;
  }
}

size_t seen_cache::find_position(uint64_t hash, size_t position) const {
  for (size_t i = hash & mask_;; i = (i + 1) & mask_)
    if (slots_[i].position == position + 1)
      return i;
}

void seen_cache::erase_slot(size_t i) {
  // Backward-shift deletion: an entry may fill the hole if its home slot is not
  // strictly between the hole and its current place (cyclically).
  for (size_t j = (i + 1) & mask_; slots_[j].position != 0; j = (j + 1) & mask_) {
    size_t home = slots_[j].hash_low & mask_;
    bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
    if (movable) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i] = slot{};
}

void seen_cache::insert(std::string key) {
  if (capacity_ == 0)
    return;
  auto h = hash_of(key);
  auto low = static_cast<uint32_t>(h);
  size_t position;
  if (keys_.size() < capacity_) {
    if (contains(key))
      return;
    position = keys_.size();
    keys_.push_back(std::move(key));
    hashes_.push_back(h);
  } else {
    if (contains(key))
      return;
    position = oldest_;
    erase_slot(find_position(hashes_[position], position));
    keys_[position] = std::move(key);
    hashes_[position] = h;
    oldest_ = (oldest_ + 1) % capacity_;
  }
  size_t i = h & mask_;
  while (slots_[i].position != 0)
    i = (i + 1) & mask_;
  slots_[i] = slot{static_cast<uint32_t>(position + 1), low};
}

} // namespace agg
