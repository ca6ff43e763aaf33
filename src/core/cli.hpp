#pragma once

#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/environment.hpp"
#include "core/options.hpp"

namespace agg {

/// The outcome of reading the command line: run, print help/version, or fail.
struct cli_result {
  /// healthcheck: probe GET /readyz of the configured server instead of serving.
  enum class action { run, help, version, error, healthcheck } what = action::run;
  config cfg;
  std::string message; ///< The error text for `action::error`.
  std::vector<std::string> warnings; ///< For the log, e.g. unknown EVENT_AGGREGATOR_* variables.
};

/// Reads options with the precedence command line > environment (EVENT_AGGREGATOR_<NAME>,
/// see env_name; an empty variable counts as unset) > `--config FILE` (or
/// EVENT_AGGREGATOR_CONFIG) > default, then the bearer tokens (see core/tokens.hpp) from
/// their files or `env`.
cli_result parse_command_line(int argc, const char* const* argv, const environment& env);

/// parse_command_line with this process's environment.
cli_result parse_command_line(int argc, const char* const* argv);

/// Reads `name = value` lines ('#' starts a comment) from a file into `cfg`.
std::string apply_config_file(config& cfg, const std::string& path);

/// The text `--help` prints.
std::string help_text();

} // namespace agg
