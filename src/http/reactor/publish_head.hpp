#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace agg {

/// The head of a request the publish reactor serves itself: `POST /publish` (optionally with a
/// query) over HTTP/1.1 with a Content-Length body.
struct publish_head {
  size_t head_bytes = 0;                    ///< Request line and headers, the blank line included.
  size_t content_length = 0;                ///< Body bytes that follow the head.
  std::string target;                       ///< As sent: "/publish" or "/publish?...".
  std::optional<std::string> authorization; ///< The Authorization value, when sent.
  bool close = false; ///< "Connection: close": answer, then end the connection (as httplib).
};

/// What the bytes at the start of a connection's next request say.
enum class head_verdict {
  need_more, ///< So far a prefix of a request the reactor may serve: wait for more bytes.
  publish,   ///< A complete head the reactor serves; `out` holds it.
  other,     ///< Anything else (another route, chunked, Expect, HTTP/1.0, odd syntax): httplib's.
};

/// Reads `bytes` (peeked, not consumed) as the start of a request. Strict on purpose: whatever
/// it does not fully understand is `other`, and httplib answers it exactly as without the
/// reactor. A bare LF, a folded header, a repeated Content-Length or Authorization, a missing
/// or zero Content-Length, Transfer-Encoding and Expect all count as `other`.
head_verdict read_publish_head(std::string_view bytes, publish_head& out);

} // namespace agg
