#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

// What the integration tests keep of an HTTP answer, and URL helpers.

namespace agg::test {

/// An HTTP answer copied out of httplib's Result, so any thread can keep it.
struct reply {
  httplib::Error error = httplib::Error::Unknown; ///< Success when a response arrived.
  int status = 0;                                 ///< 0 when no response arrived.
  std::string body;
  httplib::Headers headers;

  /// True when the server answered (any status).
  bool answered() const { return error == httplib::Error::Success; }
  /// The first value of header `name` (case-insensitive), or "".
  std::string header(const std::string& name) const;
  bool has_header(const std::string& name) const;
  /// The body parsed as JSON; nullopt when it is not JSON.
  std::optional<nlohmann::json> try_json() const;
  /// The body parsed as JSON; throws std::runtime_error quoting the reply otherwise.
  nlohmann::json json() const;
  /// "status 400: {...}" (body cut to 2000 bytes) or "no response: <httplib error>".
  std::string describe() const;
};

/// Copies an httplib result into a reply.
reply to_reply(const httplib::Result& result);

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(const std::string& text);
/// Decodes %XX escapes and '+' as space.
std::string url_decode(const std::string& text);

/// The value of header `name` in the answer to GET `path` on 127.0.0.1:`port`, byte for byte
/// as sent ("" if absent): httplib's client URL-decodes header values.
std::string raw_header(uint16_t port, const std::string& path, const std::string& name);

} // namespace agg::test
