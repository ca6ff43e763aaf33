#pragma once

#include <string_view>

#include "codec/publish_decoder.hpp"

namespace agg {

/// The reference decoder, on nlohmann's SAX parser: it defines what `decode_publish`
/// accepts, the events it yields and every error it reports (the rules of one event, and
/// their words, are core/event_rules.hpp's). The fast path (publish_decoder_fast.hpp) hands
/// it every body it is not certain about.
decoded_publish decode_publish_reference(std::string_view body, const publish_limits& limits);

} // namespace agg
