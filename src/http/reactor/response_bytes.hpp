#pragma once

#include <string>

namespace httplib {
struct Response;
}

namespace agg {

/// The bytes cpp-httplib 0.11.4 writes for `res` (status line, headers in its order, body)
/// after adding, as it does, `Content-Length` and either `Connection: close` (when `close`)
/// or `Keep-Alive: timeout=..., max=...` (server_tuning.hpp). For the publish reactor, which
/// answers without httplib; tests compare both for the same request.
std::string response_bytes(httplib::Response& res, bool close);

/// httplib's reason phrase for `status`, for the statuses our routes answer.
const char* reason_phrase(int status);

} // namespace agg
