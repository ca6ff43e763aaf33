#pragma once

namespace agg::test {

/// True in a -DAGG_SANITIZE=ON build (tests and server get the same flags). ASan's shadow
/// memory and its 256 MiB quarantine of freed blocks make resident-memory figures meaningless,
/// and its checks slow every call, so tests skip memory and latency bounds there and say so.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool sanitized_build = true;
#else
inline constexpr bool sanitized_build = false;
#endif

} // namespace agg::test
