#pragma once

#include <cstddef>
#include <string_view>

#include "codec/publish_decoder.hpp"

namespace agg {

/// The longest timestamp accepted: 64 bytes hold any RFC 3339 stamp with nanoseconds (the
/// format check bounds it anyway).
constexpr size_t max_timestamp_bytes = 64;

/// The reference decoder, on nlohmann's SAX parser: it defines what `decode_publish`
/// accepts, the events it yields and every error it reports. The fast path
/// (publish_decoder_fast.hpp) hands it every body it is not certain about.
decoded_publish decode_publish_reference(std::string_view body, const publish_limits& limits);

} // namespace agg
