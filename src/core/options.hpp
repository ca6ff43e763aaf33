#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/log.hpp"

namespace agg {

/// One option of the service: all that the parser, `--help`, the start-up log and the README
/// check know of it. The table in options.cpp is the one place an option is written.
struct option {
  /// "data-dir": the flag `--data-dir`, the variable EVENT_AGGREGATOR_DATA_DIR, the config
  /// file's `data-dir = ...`.
  std::string name;
  /// The text `--help` shows beside the flag.
  std::string help;
  /// Sets the option from `text`; returns the error text ("option --name ..."), "" on success.
  std::function<std::string(config&, const std::string& text)> apply;
  /// The value as the start-up log and `--help`'s default show it; "<none>" when unset.
  std::function<std::string(const config&)> show;
  /// The name the start-up log shows the value under: `name`, except for a token file,
  /// whose line says whether the token is set ("publish-token = <set>"), never the token.
  std::string shown_as;
};

/// Every option but `--config`, in the order `--help` and the start-up log list them.
const std::vector<option>& options();

/// The option called `name`, or nullptr.
const option* find_option(std::string_view name);

/// The names of every option ("host", "data-dir", ...), without "config".
std::vector<std::string> option_names();

/// Applies one `name`/`value` pair; returns an error text, empty on success.
std::string apply_option(config& cfg, const std::string& name, const std::string& value);

/// Each option's effective value under its shown name, for the start-up log; tokens show as
/// `<set>` or `<none>`, never their value.
log_fields describe_fields(const config& cfg);

/// describe_fields as `name = value` lines.
std::string describe(const config& cfg);

} // namespace agg
