#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agg {

/// The bearer tokens the routes check; an empty token leaves its routes open.
struct auth_tokens {
  std::string publish; ///< Required by POST /publish; also grants reads.
  std::string read;    ///< Required by GET /events and GET /stats.
};

/// What a route asks of its caller.
enum class access_need { publish, read };

/// The verdict on one request.
enum class auth_verdict {
  allowed,      ///< Go on.
  unauthorized, ///< 401: no `Authorization: Bearer <token>` header at all.
  forbidden,    ///< 403: a bearer token that does not grant this access.
};

/// Compares two strings in time that depends only on `expected`'s length, not on where
/// they differ, so response times do not reveal a token byte by byte.
bool constant_time_equal(std::string_view given, std::string_view expected);

/// The token of an `Authorization` header value `Bearer <token>` (scheme case-insensitive),
/// or nullopt for another scheme or an empty token.
std::optional<std::string_view> bearer_token(std::string_view header);

/// Decides on a request whose Authorization header is `header` (nullopt when absent).
auth_verdict check_access(const auth_tokens& tokens, access_need need,
                          std::optional<std::string_view> header);

} // namespace agg
