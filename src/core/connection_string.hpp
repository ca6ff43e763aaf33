#pragma once

#include <string>

namespace agg {

/// `conninfo` with every password replaced by `***`, for logs: the userinfo password and a
/// `password=` query parameter of a postgres:// or postgresql:// URI, or the `password`
/// keyword of the key=value form (quoted or not). Anything else is left as it was.
std::string redact_password(const std::string& conninfo);

} // namespace agg
