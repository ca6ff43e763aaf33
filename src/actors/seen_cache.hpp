#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace agg {

/// A bounded set of keys known to be committed, evicting the least recently used.
/// A hit proves a duplicate; a miss proves nothing (the store decides).
class seen_cache {
public:
  explicit seen_cache(size_t capacity);

  /// True if `key` is cached; marks it most recently used.
  bool contains(std::string_view key);

  /// Adds `key` (or refreshes it), evicting the oldest key when full.
  void insert(std::string key);

  size_t size() const {
    return index_.size();
  }

  size_t capacity() const {
    return capacity_;
  }

private:
  size_t capacity_;
  std::list<std::string> order_; // Front: most recently used.
  // Views point into order_'s nodes, which never move, so each key is stored once.
  std::unordered_map<std::string_view, std::list<std::string>::iterator> index_;
};

} // namespace agg
