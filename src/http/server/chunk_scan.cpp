#include "http/server/chunk_scan.hpp"

#include "http/server/hex_digit.hpp"

namespace agg {

namespace {

// 16 hex digits fill a uint64_t; more cannot be a size Beast would take either.
constexpr size_t max_digits = 16;

} // namespace

std::string chunk_scanner::fail(std::string why) {
  state_ = state::failed;
  return why;
}

std::string chunk_scanner::scan(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    switch (state_) {
    case state::done:
      return {};
    case state::failed:
      return "the chunked body is malformed";
    case state::data: {
      auto skip = std::min<uint64_t>(size_, bytes.size() - i);
      size_ -= skip;
      i += skip - 1;
      if (size_ == 0)
        state_ = state::data_cr;
      continue;
    }
    case state::data_cr:
      if (c != '\r')
        return fail("a chunk's data is not followed by CRLF");
      state_ = state::data_lf;
      continue;
    case state::data_lf:
      if (c != '\n')
        return fail("a chunk's data is not followed by CRLF");
      state_ = state::size;
      size_ = digits_ = line_ = 0;
      continue;
    case state::size_lf:
    case state::trailer_lf:
      if (c != '\n')
        return fail("a CR in a chunked body's line is not followed by LF");
      if (state_ == state::trailer_lf)
        state_ = line_ == 0 ? state::done : state::trailer;
      else
        state_ = size_ == 0 ? state::trailer : state::data;
      line_ = 0;
      continue;
    default:
      break; // a line: size, extension or trailer
    }
    if (c == '\n')
      return fail(state_ == state::trailer ? "a trailer line ends in a bare LF, not CRLF"
                                           : "a chunk-size line ends in a bare LF, not CRLF");
    if (c == '\r') {
      if (state_ == state::size && digits_ == 0)
        return fail("a chunk has no size");
      state_ = state_ == state::trailer ? state::trailer_lf : state::size_lf;
      continue;
    }
    if (++line_ > line_bytes_)
      return fail(state_ == state::trailer ? "a trailer line is longer than " + std::to_string(line_bytes_) + " bytes"
                                           : "a chunk-size line is longer than " + std::to_string(line_bytes_) + " bytes");
    if (state_ != state::size)
      continue;
    if (auto d = hex_digit(c); d >= 0) {
      if (++digits_ > max_digits)
        return fail("a chunk size has more than 16 hex digits");
      size_ = size_ * 16 + static_cast<uint64_t>(d);
    } else if ((c == ';' || c == ' ' || c == '\t') && digits_ > 0) {
      state_ = state::extension; // BWS before ';' (§7.1.1); Beast checks the rest
    } else {
      return fail("a chunk size is not hexadecimal");
    }
  }
  return state_ == state::failed ? "the chunked body is malformed" : std::string{};
}

} // namespace agg
