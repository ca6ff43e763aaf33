#pragma once

#include <cstddef>
#include <ctime>

namespace agg {

// Shared by the httplib server (http_server.cpp) and the publish reactor, so that a
// connection behaves the same whichever of them serves it.

/// Requests one keep-alive connection may carry: many, so wrk-style clients reuse
/// connections, but not unbounded, so a client cannot hold a thread forever.
inline constexpr size_t keep_alive_requests = 1000;

/// Seconds an idle keep-alive connection is kept before it is closed. Short, because an idle
/// connection on httplib still costs a thread that polls every ~11 ms, and a socket.
inline constexpr time_t keep_alive_seconds = 2;

/// Per-read/write limit on a connection.
inline constexpr time_t io_timeout_seconds = 10;

} // namespace agg
