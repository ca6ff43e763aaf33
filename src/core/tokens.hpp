#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/config.hpp"

namespace agg {

/// The environment variables that hold the bearer tokens when no token file is given.
inline constexpr const char* publish_token_env = "EVENT_AGGREGATOR_PUBLISH_TOKEN";
inline constexpr const char* read_token_env = "EVENT_AGGREGATOR_READ_TOKEN";

/// Looks up an environment variable; nullptr when it is unset (std::getenv fits).
using env_lookup = std::function<const char*(const char*)>;

/// Why `token` cannot be sent as `Authorization: Bearer <token>`, or "" when it can.
std::string check_token(std::string_view token);

/// Fills `cfg.publish_token` and `cfg.read_token`: a token file wins over the environment
/// variable, an empty variable counts as unset. Returns an error text, "" on success; the
/// text never contains a token.
std::string load_tokens(config& cfg, const env_lookup& env);

} // namespace agg
