#pragma once

#include <ostream>

#include "core/config.hpp"

namespace agg {

/// How long `--healthcheck` waits to connect and for the answer: under Docker's default
/// HEALTHCHECK timeout (30 s) and the 5 s our Dockerfile sets.
constexpr int health_check_timeout_seconds = 3;

/// The client side of `event-aggregator --healthcheck`: asks GET /readyz of the server that
/// `cfg` configures (a wildcard host such as 0.0.0.0 is asked on loopback; HTTPS when a TLS
/// certificate is set, without verifying it, since it is the same machine). Writes one line
/// saying what it found to `out`; returns the exit code, 0 when the answer is 200, else 1.
int run_health_check(const config& cfg, std::ostream& out);

} // namespace agg
