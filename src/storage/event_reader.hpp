#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "core/event.hpp"

namespace agg {

/// Reads stored events on one connection, for one thread at a time (GET /events, and a
/// subscriber's replay and catch-ups); each store has its own implementation.
class event_reader {
public:
  virtual ~event_reader() = default;

  /// The id of `topic`, or nothing if no event of it was ever stored.
  virtual caf::expected<std::optional<int64_t>> topic_id(const std::string& topic) = 0;

  /// Up to `limit` events of the topic with seq > `after`, in seq order.
  virtual caf::expected<std::vector<stored_event>>
  page(int64_t topic_id, const std::string& topic, int64_t after, size_t limit) = 0;

  /// Up to `limit` events of every topic with seq > `after`, in seq order (what a tail of
  /// a store that other processes write passes on to subscribers).
  virtual caf::expected<std::vector<stored_event>> events_after(int64_t after, size_t limit) = 0;

  /// The highest seq stored so far, 0 for an empty store.
  virtual caf::expected<int64_t> newest_seq() = 0;

  /// Starts a read transaction: every read until end_snapshot() sees the same commits.
  virtual caf::error begin_snapshot() = 0;

  /// Ends the read transaction of begin_snapshot().
  virtual void end_snapshot() = 0;
};

} // namespace agg
