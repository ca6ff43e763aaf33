#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "http/routes.hpp"

namespace agg {

/// How long GET /readyz waits for the stats actor: a load balancer's probe usually gives up
/// after a few seconds, and an actor that needs a whole second to answer is not healthy.
constexpr auto readiness_timeout = std::chrono::seconds(1);

/// Why the service should not get traffic now, or nullopt when it is ready: the actors
/// answer within readiness_timeout and the last commit did not fail.
std::optional<std::string> not_ready_reason(const route_context& ctx);

/// The body of GET /readyz for `reason` (nullopt: ready).
std::string encode_readiness(const std::optional<std::string>& reason);

} // namespace agg
