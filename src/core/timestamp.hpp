#pragma once

#include <string_view>

namespace agg {

/// True for an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`,
/// 'T' and 'Z' in either case, a real calendar date, second 60 allowed for leap seconds.
bool is_rfc3339_timestamp(std::string_view text);

} // namespace agg
