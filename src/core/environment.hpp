#pragma once

#include <map>
#include <string>
#include <vector>

namespace agg {

/// Environment variables by name; parse_command_line takes one so tests can inject it.
using environment = std::map<std::string, std::string>;

/// Every option is also read from EVENT_AGGREGATOR_<NAME>.
inline constexpr const char* env_prefix = "EVENT_AGGREGATOR_";

/// The variable of option `name`: "data-dir" -> "EVENT_AGGREGATOR_DATA_DIR".
std::string env_name(const std::string& option);

/// This process's variables that start with env_prefix (the rest do not concern us).
environment process_environment();

/// The variables in `env` with env_prefix that name neither an option in `options` nor
/// one of `also_known` (the token variables); sorted.
std::vector<std::string> unknown_env_names(const environment& env,
                                           const std::vector<std::string>& options,
                                           const std::vector<std::string>& also_known);

} // namespace agg
