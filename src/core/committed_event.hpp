#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/event.hpp"

namespace agg {

/// A committed event as handed to subscribers: shared, so ten subscribers cost one copy,
/// and put in its wire form once, by whichever stream sends it first.
struct committed_event_data {
  explicit committed_event_data(stored_event e) : event(std::move(e)) {
  }
  stored_event event;
  mutable std::once_flag encoded_once; ///< Guards `encoded`.
  mutable std::string encoded;         ///< The wire form, opaque here (the stream fills it).
};

using committed_event = std::shared_ptr<const committed_event_data>;

} // namespace agg
