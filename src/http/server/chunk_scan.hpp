#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace agg {

/// Follows the line structure of a chunked body (RFC 9112 §7.1) ahead of Boost.Beast, for
/// what Beast 1.74 waits on instead of refusing: its chunk-size, chunk-extension and trailer
/// lines end only at a CRLF, so a line ended by a bare LF (§2.2) hangs until the read
/// timeout, and a line that never ends is buffered without bound. Chunk syntax (hex digits,
/// extension tokens, trailer fields) stays Beast's to check.
///
/// Call order: (scan)* on the body's bytes in order, each byte once; bytes after the body's
/// end (a pipelined request) are ignored.
class chunk_scanner {
public:
  /// `line_bytes`: the longest chunk-size or trailer line, CRLF excluded.
  explicit chunk_scanner(size_t line_bytes) : line_bytes_(line_bytes) {}

  /// Scans the next bytes of the body: "" while they are sound, else what is wrong (for the
  /// 400 answer). After an error the scanner stays failed.
  std::string scan(std::string_view bytes);

  /// True once the body's final empty line was scanned.
  bool done() const { return state_ == state::done; }

private:
  enum class state { size, extension, size_lf, data, data_cr, data_lf, trailer, trailer_lf, done, failed };

  std::string fail(std::string why);

  size_t line_bytes_;
  state state_ = state::size;
  uint64_t size_ = 0;  ///< The chunk size read so far, then the data bytes still to skip.
  size_t digits_ = 0;  ///< Hex digits of the size read so far.
  size_t line_ = 0;    ///< Bytes of the current line so far.
};

} // namespace agg
