#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <httplib.h>

namespace agg {

/// The limits of a request head (RFC 9112 §2.3 leaves them to the server).
struct head_limits {
  size_t line_bytes = 8192;  ///< A request line or field line, CRLF excluded.
  size_t head_bytes = 65536; ///< The whole head, final empty line included.
  size_t fields = 100;       ///< Field lines.
};

/// What scan_head found in the bytes buffered so far.
struct head_scan {
  enum class verdict { need_more, complete, invalid } result = verdict::need_more;
  size_t head_bytes = 0; ///< complete: where the head ends (after its empty line).
  std::string why;       ///< invalid: what is wrong, for the 400 answer.
};

/// Checks the line structure of a head before Boost.Beast parses it, for what Beast 1.74
/// accepts but RFC 9112 lets a server reject and a proxy may read differently: a bare LF
/// (§2.2), obs-fold (§5.2), and lines, heads or field counts over `limits`. Beast then
/// parses the head it delimits (tokens, whitespace before a colon, Content-Length values).
head_scan scan_head(std::string_view buffered, const head_limits& limits);

/// The framing rules Beast leaves to its caller, on a parsed head: a Transfer-Encoding whose
/// final coding is not chunked (§6.1), HTTP/1.0 with Transfer-Encoding, Host missing or
/// repeated on HTTP/1.1 (§3.2), and the request target's form (§3.2). "" when it is sound.
/// `tls`: the connection is HTTPS (an absolute-form target must say https).
std::string check_framing(const boost::beast::http::request_header<>& head, bool chunked,
                          bool tls);

/// Fills `req` from a sound head: method, target, version, the fields verbatim (never
/// percent-decoded), the decoded path and query parameters.
void fill_request(const boost::beast::http::request_header<>& head, httplib::Request& req);

/// `text` with %XX sequences decoded (and '+' as a space when `plus_is_space`); a '%' that
/// starts no valid sequence stays as it is.
std::string percent_decode(std::string_view text, bool plus_is_space);

} // namespace agg
