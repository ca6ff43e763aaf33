#pragma once

#include <string_view>

namespace agg {

/// docs/openapi.json as it was when the server was built (CMake embeds it).
std::string_view openapi_document();

} // namespace agg
