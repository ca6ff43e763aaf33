#pragma once

#include <string>

#include <httplib.h>

namespace agg {

/// How an answer's body is delimited on the wire.
enum class body_framing { length, chunked, until_close };

/// The status line and header fields of `res`: its own fields, except those the front owns
/// (Content-Length, Transfer-Encoding, Connection, Keep-Alive), which follow from `framing`,
/// `close` and `idle_seconds` (sent as Keep-Alive: timeout=N, RFC 7230 appendix A.1.2).
std::string answer_head(const httplib::Response& res, body_framing framing, bool close,
                        long idle_seconds);

} // namespace agg
