#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace agg {

/// A simdjson parser and a padded copy of a body (simdjson reads up to SIMDJSON_PADDING bytes
/// past the end), reused across requests.
struct simdjson_workspace {
  simdjson::ondemand::parser parser;
  std::unique_ptr<char[]> buffer;
  size_t capacity = 0;

  /// Copies `body` into the buffer, padded with zeros, growing it when needed.
  void load(std::string_view body);
};

/// Keeps a few workspaces for the threads decoding at the same time; extra ones, made when
/// more decode at once, are freed after use, so idle memory stays bounded.
class simdjson_workspace_pool {
public:
  /// A kept workspace, or a new one.
  std::unique_ptr<simdjson_workspace> take();

  /// Keeps `w` for the next take, or frees it when enough are kept.
  void give_back(std::unique_ptr<simdjson_workspace> w);

private:
  // More than the cores that decode at once on the machines we run on (2-8).
  static constexpr size_t max_kept = 8;
  std::mutex mutex_;
  std::vector<std::unique_ptr<simdjson_workspace>> free_;
};

} // namespace agg
