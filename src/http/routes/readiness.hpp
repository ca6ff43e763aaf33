#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "http/routes/routes.hpp"

namespace agg {

/// How long GET /readyz waits for each actor it asks (the stats actor, then the writer): a
/// load balancer's probe usually gives up after a few seconds, and an actor that needs a
/// whole second to answer is not healthy.
constexpr auto readiness_timeout = std::chrono::seconds(1);

/// How long after refusing a publish as overloaded the service reports itself not ready, so
/// a balancer steers new work elsewhere while the backlog drains.
constexpr auto readiness_overload_window = std::chrono::seconds(1);

/// Why the service should not get traffic now, or nullopt when it is ready: no actor has
/// died, the stats actor and the writer answer within readiness_timeout, the store takes
/// writes (after a failed commit the writer tries one), and no publish was refused as
/// overloaded within readiness_overload_window.
std::optional<std::string> not_ready_reason(const route_context& ctx);

/// The body of GET /readyz for `reason` (nullopt: ready).
std::string encode_readiness(const std::optional<std::string>& reason);

} // namespace agg
