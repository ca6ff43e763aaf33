#include "core/cli.hpp"

#include <fstream>
#include <sstream>
#include <utility>

#include "core/tokens.hpp"

namespace agg {

namespace {

std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos)
    return {};
  auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

// --help's column for the option texts: a flag longer than this gets one space.
constexpr size_t help_column = 24;

} // namespace

std::string apply_config_file(config& cfg, const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return "cannot read config file " + path;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line.substr(0, line.find('#')));
    if (line.empty())
      continue;
    auto eq = line.find('=');
    if (eq == std::string::npos)
      return path + ":" + std::to_string(number) + ": expected name = value";
    auto value = trim(line.substr(eq + 1));
    // Accept quoted strings so values with spaces or '#' read naturally.
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    if (auto err = apply_option(cfg, trim(line.substr(0, eq)), value); !err.empty())
      return path + ":" + std::to_string(number) + ": " + err;
  }
  return {};
}

cli_result parse_command_line(int argc, const char* const* argv) {
  return parse_command_line(argc, argv, process_environment());
}

cli_result parse_command_line(int argc, const char* const* argv, const environment& env) {
  cli_result result;
  std::vector<std::pair<std::string, std::string>> given;
  std::string config_file;
  bool healthcheck = false;
  auto fail = [&](std::string text) {
    result.what = cli_result::action::error;
    result.message = std::move(text);
    return result;
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      result.what = cli_result::action::help;
      return result;
    }
    if (arg == "--version") {
      result.what = cli_result::action::version;
      return result;
    }
    if (arg == "--healthcheck") {
      // Read every other option as the server would, so the probe finds its host and port.
      healthcheck = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2)
      return fail("unexpected argument \"" + arg + "\" (options look like --name value)");
    std::string name = arg.substr(2), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return fail("option --" + name + " needs a value");
    }
    if (name == "config")
      config_file = value;
    else
      given.emplace_back(name, value);
  }
  // Lowest precedence first: the file, then the environment, then the command line.
  auto variable = [&](const std::string& name) -> std::string {
    auto it = env.find(name);
    return it == env.end() ? std::string{} : it->second;
  };
  if (config_file.empty())
    config_file = variable(env_name("config"));
  if (!config_file.empty())
    if (auto err = apply_config_file(result.cfg, config_file); !err.empty())
      return fail(err);
  for (auto& o : options())
    if (auto value = variable(env_name(o.name)); !value.empty())
      if (auto err = o.apply(result.cfg, value); !err.empty())
        return fail("environment variable " + env_name(o.name) + ": " + err);
  auto known = option_names();
  known.push_back("config");
  for (auto& name : unknown_env_names(env, known, {publish_token_env, read_token_env}))
    result.warnings.push_back("ignoring environment variable " + name
                              + ": no such option (see --help)");
  for (auto& [name, value] : given)
    if (auto err = apply_option(result.cfg, name, value); !err.empty())
      return fail(err);
  if (result.cfg.tls_cert.empty() != result.cfg.tls_key.empty())
    return fail("options --tls-cert and --tls-key go together: give both or neither");
  if (result.cfg.store == store_kind::postgres && result.cfg.postgres_url.empty())
    return fail("option --store postgres needs --postgres-url (or " + env_name("postgres-url")
                + "): the libpq connection string of the database, e.g. "
                  "postgresql://user@host/dbname");
  if (result.cfg.max_body_memory < result.cfg.max_body_bytes)
    return fail("--max-body-memory (" + std::to_string(result.cfg.max_body_memory)
                + ") is below --max-body-bytes (" + std::to_string(result.cfg.max_body_bytes)
                + "): a body of the allowed size could never be read");
  auto lookup = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  if (auto err = load_tokens(result.cfg, lookup); !err.empty())
    return fail(err);
  if (healthcheck)
    result.what = cli_result::action::healthcheck;
  return result;
}

std::string help_text() {
  const config defaults;
  const std::string indent(help_column, ' ');
  std::ostringstream out;
  out << "Usage: event-aggregator [--config FILE] [--name value]...\n\n"
      << "An HTTP event aggregator: deduplicates events by (topic, event_id) and stores\n"
      << "every unique event durably in SQLite before acknowledging it.\n\nOptions:\n";
  for (auto& o : options()) {
    std::string flag = "  --" + o.name;
    out << flag << std::string(flag.size() < help_column ? help_column - flag.size() : 1, ' ')
        << o.help << " (default " << o.show(defaults) << ")\n"
        << indent << "env " << env_name(o.name) << "\n";
  }
  out << "  --config FILE         read name = value lines first\n"
      << indent << "env " << env_name("config") << "\n"
      << "  --healthcheck         ask GET /readyz of the server these options configure;\n"
      << indent << "exit 0 when ready, 1 otherwise (for HEALTHCHECK)\n"
      << "  --help, --version\n\n"
      << "Precedence: command line, then environment (an empty variable counts as unset),\n"
      << "then the config file, then the default. Unknown " << env_prefix << "* variables\n"
      << "are ignored with a warning in the log.\n"
      << "Without a token file, the tokens come from " << publish_token_env << " and\n"
      << read_token_env << ".\n";
  return out.str();
}

} // namespace agg
