#include "codec/publish_decoder.hpp"

#include "codec/publish_decoder_fast.hpp"
#include "codec/publish_decoder_reference.hpp"

namespace agg {

decoded_publish decode_publish(std::string_view body, const publish_limits& limits) {
  // nlohmann's lexer was the measured hot spot of batch publishing; simdjson takes the
  // common valid body, and anything else gets the reference decoder's exact answer.
  if (auto events = decode_publish_fast(body, limits)) {
    decoded_publish out;
    out.events = std::move(*events);
    return out;
  }
  return decode_publish_reference(body, limits);
}

} // namespace agg
