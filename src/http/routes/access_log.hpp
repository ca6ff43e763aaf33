#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace agg {

/// One access-log line (without the log's timestamp and level): client address, method and
/// target quoted, status, and the time from routing to the logged answer, e.g.
/// `access 127.0.0.1 "GET /events?topic=a" 200 0.412ms`; the time is "-" when unknown (a
/// request refused before routing, e.g. malformed HTTP). Bytes outside printable ASCII,
/// '"' and '\' in the method and target are written as \xNN, so a request cannot forge or
/// split log lines.
std::string access_line(std::string_view remote, std::string_view method,
                        std::string_view target, int status,
                        std::optional<std::chrono::nanoseconds> took);

} // namespace agg
