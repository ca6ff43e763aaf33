#include "core/config.hpp"

#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

#include "core/tokens.hpp"

namespace agg {

namespace {

// Parses a whole decimal string into an unsigned integer within [min, max].
std::string parse_unsigned(const std::string& name, const std::string& text, uint64_t min,
                           uint64_t max, uint64_t& out) {
  uint64_t value = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || err != std::errc{} || end != text.data() + text.size()
      || value < min || value > max)
    return "option --" + name + " needs a whole number from " + std::to_string(min) + " to "
           + std::to_string(max) + ", got \"" + text + "\"";
  out = value;
  return {};
}

template <class T>
std::function<std::string(config&, const std::string&)> number(T config::*member, uint64_t min,
                                                                uint64_t max, const char* name) {
  return [=](config& cfg, const std::string& text) {
    uint64_t value = 0;
    auto err = parse_unsigned(name, text, min, max, value);
    if (err.empty())
      cfg.*member = static_cast<T>(value);
    return err;
  };
}

// An option holding a path that must not be empty.
std::function<std::string(config&, const std::string&)> path(std::string config::*member,
                                                             const char* name) {
  return [=](config& cfg, const std::string& text) {
    if (text.empty())
      return std::string{"option --"} + name + " needs a path";
    cfg.*member = text;
    return std::string{};
  };
}

struct option_spec {
  const char* name;
  const char* help;
  std::function<std::string(config&, const std::string&)> apply;
};

const std::vector<option_spec>& options() {
  // Upper bounds keep a typo from asking for absurd resources; 1<<30 is 1 GiB.
  static const std::vector<option_spec> specs = {
    {"host", "address to listen on", [](config& c, const std::string& v) {
       if (v.empty())
         return std::string{"option --host needs an address"};
       c.host = v;
       return std::string{};
     }},
    {"port", "TCP port (0 picks a free one)", number(&config::port, 0, 65535, "port")},
    {"data-dir", "directory of the SQLite file events.db", [](config& c, const std::string& v) {
       if (v.empty())
         return std::string{"option --data-dir needs a path"};
       c.data_dir = v;
       return std::string{};
     }},
    {"shards", "dedup actors; shard = hash(topic) mod N", number(&config::shards, 1, 256, "shards")},
    {"http-threads", "HTTP threads kept ready; each open connection has its own thread, "
                     "more start on demand up to --max-connections",
     number(&config::http_threads, 1, 4096, "http-threads")},
    {"max-connections", "open connections served at once; past it, new ones get 503 "
                        "too_many_connections",
     number(&config::max_connections, 1, 1000000, "max-connections")},
    {"header-timeout-ms", "time a client has to send a request's headers (slow clients are "
                          "closed)",
     number(&config::header_timeout_ms, 100, 3600000, "header-timeout-ms")},
    {"actor-threads", "actor scheduler threads, 0 = one per core",
     number(&config::actor_threads, 0, 256, "actor-threads")},
    {"actor-scheduler", "stealing: idle actor threads poll for work (CAF's default); sharing: "
                        "they sleep until a message wakes one",
     [](config& c, const std::string& v) {
       if (v != "stealing" && v != "sharing")
         return "option --actor-scheduler takes stealing or sharing, got \"" + v + "\"";
       c.actor_sharing = v == "sharing";
       return std::string{};
     }},
    {"cache-capacity", "committed keys remembered in memory, all shards together",
     number(&config::cache_capacity, 0, 1u << 30, "cache-capacity")},
    {"max-body-bytes", "largest request body", number(&config::max_body_bytes, 1, 1u << 30,
                                                      "max-body-bytes")},
    {"max-body-memory", "bytes of publish bodies held in memory at once, all requests "
                        "together; past it, publishes get 503 overloaded",
     number(&config::max_body_memory, 1, size_t{1} << 40, "max-body-memory")},
    {"max-events", "most events in one request", number(&config::max_events, 1, 1000000,
                                                        "max-events")},
    {"max-depth", "deepest JSON nesting of a request", number(&config::max_depth, 2, 10000,
                                                              "max-depth")},
    {"max-topic-bytes", "longest topic", number(&config::max_topic_bytes, 1, 1u << 20,
                                                "max-topic-bytes")},
    {"max-event-id-bytes", "longest event_id", number(&config::max_event_id_bytes, 1, 1u << 20,
                                                      "max-event-id-bytes")},
    {"max-source-bytes", "longest source", number(&config::max_source_bytes, 1, 1u << 20,
                                                  "max-source-bytes")},
    {"max-page", "largest limit of GET /events", number(&config::max_page, 1, 1000000,
                                                        "max-page")},
    {"commit-max-events", "most events in one group commit",
     number(&config::commit_max_events, 1, 1000000, "commit-max-events")},
    {"key-index-run-keys", "new dedup keys kept in memory (32 bytes each) before they are "
                           "written as a sorted run of the key index",
     number(&config::key_index_run_keys, 16, 16777216, "key-index-run-keys")},
    {"max-inflight-events", "events accepted but not yet committed, all requests together; "
                            "past it, publishes get 503 overloaded",
     number(&config::max_inflight_events, 1, 100000000, "max-inflight-events")},
    {"publish-timeout-ms", "how long a publish waits for its commit before a 503",
     number(&config::publish_timeout_ms, 1, 3600000, "publish-timeout-ms")},
    {"sync", "full (fsync per group commit: survives power loss) or normal (survives kill -9; "
             "a power loss takes at most the last --sync-interval-ms of commits)",
     [](config& c, const std::string& v) {
       if (v == "normal")
         c.sync = sync_mode::normal;
       else if (v == "full")
         c.sync = sync_mode::full;
       else
         return "option --sync takes normal or full, got \"" + v + "\"";
       return std::string{};
     }},
    {"sync-interval-ms", "with --sync normal, the longest time between two fsyncs of the WAL "
                         "(a thread of its own; commits do not wait for it)",
     number(&config::sync_interval_ms, 1, 3600000, "sync-interval-ms")},
    {"access-log", "on: log one line per request (client, request, status, time)",
     [](config& c, const std::string& v) {
       if (v != "on" && v != "off")
         return "option --access-log takes on or off, got \"" + v + "\"";
       c.access_log = v == "on";
       return std::string{};
     }},
    {"publish-reactor", "on: plain-HTTP POST /publish requests are read and answered by an "
                        "event loop instead of a thread per connection; off: every request "
                        "on a connection thread",
     [](config& c, const std::string& v) {
       if (v != "on" && v != "off")
         return "option --publish-reactor takes on or off, got \"" + v + "\"";
       c.publish_reactor = v == "on";
       return std::string{};
     }},
    {"max-subscribers", "open GET /subscribe streams at once (each holds a connection and its thread)",
     number(&config::max_subscribers, 1, 1000000, "max-subscribers")},
    {"subscriber-buffer", "events queued per subscriber; past it, it catches up from the store",
     number(&config::subscriber_buffer, 1, 10000000, "subscriber-buffer")},
    {"subscriber-max-catchups", "buffer overflows in a row before a lagging stream is closed",
     number(&config::subscriber_max_catchups, 0, 1000000, "subscriber-max-catchups")},
    {"heartbeat-ms", "idle time before a subscribe stream gets a heartbeat comment",
     number(&config::heartbeat_ms, 10, 3600000, "heartbeat-ms")},
    {"log-level", "error, warn, info or debug: the least severe lines written",
     [](config& c, const std::string& v) {
       if (!parse_log_level(v, c.log_level_min))
         return "option --log-level takes error, warn, info or debug, got \"" + v + "\"";
       return std::string{};
     }},
    {"log-format", "text, or json: one JSON object per line (ts, level, msg, fields)",
     [](config& c, const std::string& v) {
       if (v != "text" && v != "json")
         return "option --log-format takes text or json, got \"" + v + "\"";
       c.log_style = v == "json" ? log_format::json : log_format::text;
       return std::string{};
     }},
    {"metrics-topics", "per-topic series in GET /metrics for the N largest topics (+ other); "
                       "0 = none",
     number(&config::metrics_topics, 0, 1000, "metrics-topics")},
    {"publish-token-file", "file holding the bearer token POST /publish requires",
     path(&config::publish_token_file, "publish-token-file")},
    {"read-token-file", "file holding the bearer token GET /events and /stats require",
     path(&config::read_token_file, "read-token-file")},
    {"tls-cert", "PEM certificate: serve HTTPS (with --tls-key)", path(&config::tls_cert,
                                                                       "tls-cert")},
    {"tls-key", "PEM private key of --tls-cert", path(&config::tls_key, "tls-key")},
  };
  return specs;
}

std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos)
    return {};
  auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

} // namespace

std::string config::database_path() const {
  return data_dir + "/events.db";
}

std::string apply_option(config& cfg, const std::string& name, const std::string& value) {
  for (auto& spec : options())
    if (name == spec.name)
      return spec.apply(cfg, value);
  return "unknown option --" + name + " (see --help)";
}

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

std::vector<std::string> option_names() {
  std::vector<std::string> names;
  for (auto& spec : options())
    names.push_back(spec.name);
  return names;
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
  for (auto& spec : options())
    if (auto value = variable(env_name(spec.name)); !value.empty())
      if (auto err = spec.apply(result.cfg, value); !err.empty())
        return fail("environment variable " + env_name(spec.name) + ": " + err);
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
  config defaults;
  std::ostringstream out;
  out << "Usage: event-aggregator [--config FILE] [--name value]...\n\n"
      << "An HTTP event aggregator: deduplicates events by (topic, event_id) and stores\n"
      << "every unique event durably in SQLite before acknowledging it.\n\nOptions:\n";
  auto current = describe(defaults);
  std::istringstream values{current};
  std::map<std::string, std::string> value_of;
  for (std::string line; std::getline(values, line);)
    if (auto eq = line.find('='); eq != std::string::npos)
      value_of[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  for (auto& spec : options()) {
    std::string flag = std::string{"  --"} + spec.name;
    auto value = value_of.find(spec.name);
    out << flag << std::string(flag.size() < 24 ? 24 - flag.size() : 1, ' ') << spec.help
        << " (default " << (value == value_of.end() ? "<none>" : value->second) << ")\n"
        << std::string(24, ' ') << "env " << env_name(spec.name) << "\n";
  }
  out << "  --config FILE         read name = value lines first\n"
      << std::string(24, ' ') << "env " << env_name("config") << "\n"
      << "  --healthcheck         ask GET /readyz of the server these options configure;\n"
      << std::string(24, ' ') << "exit 0 when ready, 1 otherwise (for HEALTHCHECK)\n"
      << "  --help, --version\n\n"
      << "Precedence: command line, then environment (an empty variable counts as unset),\n"
      << "then the config file, then the default. Unknown " << env_prefix << "* variables\n"
      << "are ignored with a warning in the log.\n"
      << "Without a token file, the tokens come from " << publish_token_env << " and\n"
      << read_token_env << ".\n";
  return out.str();
}

std::string describe(const config& cfg) {
  std::ostringstream out;
  out << "host = " << cfg.host << "\nport = " << cfg.port << "\ndata-dir = " << cfg.data_dir
      << "\nshards = " << cfg.shards << "\nhttp-threads = " << cfg.http_threads
      << "\nmax-connections = " << cfg.max_connections
      << "\nheader-timeout-ms = " << cfg.header_timeout_ms
      << "\nactor-threads = " << cfg.actor_threads
      << "\nactor-scheduler = " << (cfg.actor_sharing ? "sharing" : "stealing")
      << "\ncache-capacity = " << cfg.cache_capacity
      << "\nmax-body-bytes = " << cfg.max_body_bytes << "\nmax-body-memory = "
      << cfg.max_body_memory << "\nmax-events = " << cfg.max_events
      << "\nmax-depth = " << cfg.max_depth << "\nmax-topic-bytes = " << cfg.max_topic_bytes
      << "\nmax-event-id-bytes = " << cfg.max_event_id_bytes
      << "\nmax-source-bytes = " << cfg.max_source_bytes << "\nmax-page = " << cfg.max_page
      << "\ncommit-max-events = " << cfg.commit_max_events
      << "\nkey-index-run-keys = " << cfg.key_index_run_keys
      << "\nmax-inflight-events = " << cfg.max_inflight_events
      << "\npublish-timeout-ms = " << cfg.publish_timeout_ms
      << "\nsync = " << (cfg.sync == sync_mode::full ? "full" : "normal")
      << "\nsync-interval-ms = " << cfg.sync_interval_ms
      << "\naccess-log = " << (cfg.access_log ? "on" : "off")
      << "\npublish-reactor = " << (cfg.publish_reactor ? "on" : "off")
      << "\nmax-subscribers = " << cfg.max_subscribers
      << "\nsubscriber-buffer = " << cfg.subscriber_buffer
      << "\nsubscriber-max-catchups = " << cfg.subscriber_max_catchups
      << "\nheartbeat-ms = " << cfg.heartbeat_ms
      << "\nlog-level = " << log_level_name(cfg.log_level_min)
      << "\nlog-format = " << (cfg.log_style == log_format::json ? "json" : "text")
      << "\nmetrics-topics = " << cfg.metrics_topics
      // The tokens themselves never reach a log: only whether one is set.
      << "\npublish-token = " << (cfg.publish_token.empty() ? "<none>" : "<set>")
      << "\nread-token = " << (cfg.read_token.empty() ? "<none>" : "<set>")
      << "\ntls-cert = " << (cfg.tls_cert.empty() ? "<none>" : cfg.tls_cert)
      << "\ntls-key = " << (cfg.tls_key.empty() ? "<none>" : cfg.tls_key) << "\n";
  return out.str();
}

} // namespace agg
