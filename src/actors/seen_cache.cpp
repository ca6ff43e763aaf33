#include "actors/seen_cache.hpp"

#include <algorithm>

namespace agg {

seen_cache::seen_cache(size_t capacity) : capacity_(capacity) {
  // Reserve up front for typical sizes, but not for a huge configured capacity.
  index_.reserve(std::min<size_t>(capacity, 1u << 16));
}

bool seen_cache::contains(std::string_view key) {
  auto i = index_.find(key);
  if (i == index_.end())
    return false;
  order_.splice(order_.begin(), order_, i->second);
  return true;
}

void seen_cache::insert(std::string key) {
  if (capacity_ == 0 || contains(key))
    return;
  if (index_.size() == capacity_) {
    index_.erase(std::string_view{order_.back()});
    order_.pop_back();
  }
  order_.push_front(std::move(key));
  index_.emplace(std::string_view{order_.front()}, order_.begin());
}

} // namespace agg
