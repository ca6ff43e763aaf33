#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "codec/publish_decoder.hpp"

namespace agg {

/// Bodies larger than this always go to the reference decoder: a simdjson parser keeps
/// about 6 bytes of buffers per body byte for reuse, so the cap bounds what the kept
/// parsers hold (batches of 1000 ~220-byte events, ~220 KB, still fit).
constexpr size_t fast_decode_max_body_bytes = 512u << 10;

/// Decodes the common, valid publish body with simdjson On-Demand. Returns the events
/// exactly as `decode_publish_reference` would, or nullopt when the body is invalid, hits
/// a limit, or holds anything this path does not reproduce with certainty (a BOM, integers
/// beyond 64 bits, an "events" key inside an event, ...): the caller then decodes it with
/// the reference decoder, which also words every error.
std::optional<event_batch> decode_publish_fast(std::string_view body,
                                               const publish_limits& limits);

} // namespace agg
