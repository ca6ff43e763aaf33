#pragma once

// Events and commit arguments for the store-level unit tests.

#include <string>
#include <utility>
#include <vector>

#include "core/event.hpp"

namespace agg::test {

inline agg::event make_event(std::string topic, std::string id, std::string payload = "{}") {
  return {std::move(topic), std::move(id), "2025-01-31T12:00:00Z", "src", std::move(payload)};
}

/// What event_store::commit takes: pointers into `events`, which must outlive them.
inline std::vector<const agg::event*> pointers(const std::vector<agg::event>& events) {
  std::vector<const agg::event*> out;
  for (auto& e : events)
    out.push_back(&e);
  return out;
}

} // namespace agg::test
