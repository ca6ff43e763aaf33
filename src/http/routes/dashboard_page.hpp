#pragma once

#include <string_view>

namespace agg {

/// src/http/routes/dashboard.html as it was when the server was built (CMake embeds it).
std::string_view dashboard_page();

/// The Content-Security-Policy sent with the page: only inline script and style and
/// requests to this server, so a browser itself refuses any outside resource.
inline constexpr const char* dashboard_csp
  = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; base-uri 'none'";

} // namespace agg
