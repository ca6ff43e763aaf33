#include "codec/simdjson_workspace.hpp"

#include <cstring>

namespace agg {

void simdjson_workspace::load(std::string_view body) {
  if (capacity < body.size() + simdjson::SIMDJSON_PADDING) {
    capacity = body.size() + simdjson::SIMDJSON_PADDING;
    buffer = std::make_unique<char[]>(capacity);
  }
  std::memcpy(buffer.get(), body.data(), body.size());
  std::memset(buffer.get() + body.size(), 0, simdjson::SIMDJSON_PADDING);
}

std::unique_ptr<simdjson_workspace> simdjson_workspace_pool::take() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!free_.empty()) {
      auto w = std::move(free_.back());
      free_.pop_back();
      return w;
    }
  }
  return std::make_unique<simdjson_workspace>();
}

void simdjson_workspace_pool::give_back(std::unique_ptr<simdjson_workspace> w) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (free_.size() < max_kept)
    free_.push_back(std::move(w));
}

} // namespace agg
