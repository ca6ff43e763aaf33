#pragma once

#include <string_view>

namespace agg {

/// Writes one timestamped line to stderr; safe from any thread.
void log_info(std::string_view text);

/// Like log_info, marked as a warning.
void log_warning(std::string_view text);

/// Like log_info, marked as an error.
void log_error(std::string_view text);

} // namespace agg
