#pragma once

#include <cstdint>

#include <caf/error.hpp>

namespace agg {

/// Where a dedup shard reports how its part of one publish request was resolved. A publish
/// message carries it; the bridge's publish_ticket implements it, so the actors know nothing
/// of the threads that wait for the answer.
class part_sink {
public:
  virtual ~part_sink() = default;

  /// Reports one part; safe from any thread, exactly once per part.
  virtual void part_done(uint64_t unique, uint64_t duplicates, caf::error error = {}) = 0;
};

} // namespace agg
