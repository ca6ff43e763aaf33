#pragma once

#include <vector>

#include "core/committed_event.hpp"

namespace agg {

/// What the writer tells of each group commit, once it is durable. The writer defines it and
/// the bridge's subscription_hub implements it, so the actor knows nothing of HTTP streams.
class commit_listener {
public:
  virtual ~commit_listener() = default;

  /// True while anybody listens: the writer builds nothing for nobody.
  virtual bool has_subscribers() const = 0;

  /// The events one commit stored, in seq order.
  virtual void deliver(const std::vector<committed_event>& events) = 0;
};

} // namespace agg
