#include "core/options.hpp"

#include "core/connection_string.hpp"
#include <charconv>
#include <cstdint>
#include <utility>

namespace agg {

namespace {

// -- the kinds of option: each builder says how text becomes the value and back --

// A whole decimal number within [min, max].
template <class T>
option number(const char* name, T config::*member, uint64_t min, uint64_t max,
              const char* help) {
  auto apply = [=](config& cfg, const std::string& text) {
    uint64_t value = 0;
    auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || err != std::errc{} || end != text.data() + text.size() || value < min
        || value > max)
      return std::string{"option --"} + name + " needs a whole number from "
             + std::to_string(min) + " to " + std::to_string(max) + ", got \"" + text + "\"";
    cfg.*member = static_cast<T>(value);
    return std::string{};
  };
  auto show = [=](const config& cfg) { return std::to_string(cfg.*member); };
  return {name, help, apply, show, name};
}

// Text that must not be empty: "option --host needs an address".
option text(const char* name, std::string config::*member, const char* needs,
            const char* help) {
  auto apply = [=](config& cfg, const std::string& value) {
    if (value.empty())
      return std::string{"option --"} + name + " needs " + needs;
    cfg.*member = value;
    return std::string{};
  };
  auto show = [=](const config& cfg) {
    return (cfg.*member).empty() ? std::string{"<none>"} : cfg.*member;
  };
  return {name, help, apply, show, name};
}

// One of a few words, each standing for a value: "option --sync takes normal or full".
template <class T>
option choice(const char* name, T config::*member,
              std::vector<std::pair<const char*, T>> words, const char* help) {
  std::string listed;
  for (size_t i = 0; i < words.size(); ++i)
    listed.append(i == 0 ? "" : i + 1 == words.size() ? " or " : ", ").append(words[i].first);
  auto apply = [=](config& cfg, const std::string& value) {
    for (auto& [word, meaning] : words)
      if (value == word) {
        cfg.*member = meaning;
        return std::string{};
      }
    return std::string{"option --"} + name + " takes " + listed + ", got \"" + value + "\"";
  };
  auto show = [=](const config& cfg) {
    for (auto& [word, meaning] : words)
      if (cfg.*member == meaning)
        return std::string{word};
    return std::string{"<none>"}; // Unreachable while the words cover every value.
  };
  return {name, help, apply, show, name};
}

option on_off(const char* name, bool config::*member, const char* help) {
  return choice(name, member, {{"on", true}, {"off", false}}, help);
}

// The path of a file holding a bearer token (core/tokens.hpp reads it). The log shows only
// whether the token in the end came from somewhere, under `shown_as`.
option token_file(const char* name, std::string config::*member, const char* shown_as,
                  std::string config::*token, const char* help) {
  auto o = text(name, member, "a path", help);
  o.show = [=](const config& cfg) {
    return std::string{(cfg.*token).empty() ? "<none>" : "<set>"};
  };
  o.shown_as = shown_as;
  return o;
}

// A libpq connection string: shown with its password masked, since the start-up line is logged.
option connection_string(const char* name, std::string config::*member, const char* help) {
  auto o = text(name, member, "a libpq connection string", help);
  o.show = [=](const config& cfg) {
    return (cfg.*member).empty() ? std::string{"<none>"} : redact_password(cfg.*member);
  };
  return o;
}

} // namespace

const std::vector<option>& options() {
  // Upper bounds keep a typo from asking for absurd resources; 1<<30 is 1 GiB.
  static const std::vector<option> table = {
    text("host", &config::host, "an address", "address to listen on"),
    number("port", &config::port, 0, 65535, "TCP port (0 picks a free one)"),
    text("data-dir", &config::data_dir, "a path", "directory of the SQLite file events.db"),
    choice("store", &config::store,
           {{"sqlite", store_kind::sqlite}, {"postgres", store_kind::postgres}},
           "sqlite: one embedded file in --data-dir; postgres: a PostgreSQL 15 database that "
           "several replicas share, at --postgres-url"),
    connection_string("postgres-url", &config::postgres_url,
                      "with --store postgres, the database's libpq connection string (URI or "
                      "key=value; the password is never logged)"),
    number("shards", &config::shards, 1, 256, "dedup actors; shard = hash(topic) mod N"),
    number("http-threads", &config::http_threads, 1, 4096,
           "worker threads kept ready for requests that may block (SQLite reads, /subscribe "
           "streams, bodies over 64 KiB); more start on demand. Connections never hold one"),
    number("max-connections", &config::max_connections, 1, 1000000,
           "open connections served at once; past it, new ones get 503 too_many_connections"),
    number("header-timeout-ms", &config::header_timeout_ms, 100, 3600000,
           "time a client has to send a request's headers (slow clients are closed)"),
    number("idle-timeout-ms", &config::idle_timeout_ms, 100, 3600000,
           "time a keep-alive connection may stay idle between requests (nginx's 75 s; "
           "SIGTERM closes idle connections at once)"),
    number("actor-threads", &config::actor_threads, 0, 256,
           "actor scheduler threads, 0 = one per core"),
    choice("actor-scheduler", &config::actor_sharing, {{"stealing", false}, {"sharing", true}},
           "stealing: idle actor threads poll for work (CAF's default); sharing: they sleep "
           "until a message wakes one"),
    number("max-body-bytes", &config::max_body_bytes, 1, 1u << 30, "largest request body"),
    number("max-body-memory", &config::max_body_memory, 1, uint64_t{1} << 40,
           "bytes of publish bodies held in memory at once, all requests together; past it, "
           "publishes get 503 overloaded"),
    number("max-events", &config::max_events, 1, 1000000, "most events in one request"),
    number("max-depth", &config::max_depth, 2, 10000, "deepest JSON nesting of a request"),
    number("max-topic-bytes", &config::max_topic_bytes, 1, 1u << 20, "longest topic"),
    number("max-event-id-bytes", &config::max_event_id_bytes, 1, 1u << 20, "longest event_id"),
    number("max-source-bytes", &config::max_source_bytes, 1, 1u << 20, "longest source"),
    number("max-page", &config::max_page, 1, 1000000, "largest limit of GET /events"),
    number("commit-max-events", &config::commit_max_events, 1, 1000000,
           "most events in one group commit"),
    number("key-index-run-keys", &config::key_index_run_keys, 16, 16777216,
           "new dedup keys kept in memory (32 bytes each) before they are written as a sorted "
           "run of the key index"),
    number("key-index-memory", &config::key_index_memory, 65536, size_t{1} << 40,
           "bytes the dedup key index may hold in memory: its newest keys, block fences and "
           "Bloom filters (folded to fit); past what it covers well, lookups read more blocks"),
    number("max-inflight-events", &config::max_inflight_events, 1, 100000000,
           "events accepted but not yet committed, all requests together; past it, publishes "
           "get 503 overloaded"),
    number("publish-timeout-ms", &config::publish_timeout_ms, 1, 3600000,
           "how long a publish waits for its commit before a 503"),
    choice("sync", &config::sync, {{"normal", sync_mode::normal}, {"full", sync_mode::full}},
           "full (fsync per group commit: survives power loss) or normal (survives kill -9; "
           "a power loss takes at most the last --sync-interval-ms of commits)"),
    number("sync-interval-ms", &config::sync_interval_ms, 1, 3600000,
           "with --sync normal, the longest time between two fsyncs of the WAL (a thread of "
           "its own; commits do not wait for it)"),
    on_off("access-log", &config::access_log,
           "on: log one line per request (client, request, status, time)"),
    on_off("publish-reactor", &config::publish_reactor,
           "no effect: the HTTP front serves every connection on one event loop (accepted so "
           "that existing configurations still start)"),
    number("max-subscribers", &config::max_subscribers, 1, 1000000,
           "open GET /subscribe streams at once (each holds a connection and its thread)"),
    number("subscriber-buffer", &config::subscriber_buffer, 1, 10000000,
           "events queued per subscriber; past it, it catches up from the store"),
    number("subscriber-max-catchups", &config::subscriber_max_catchups, 0, 1000000,
           "buffer overflows in a row before a lagging stream is closed"),
    number("heartbeat-ms", &config::heartbeat_ms, 10, 3600000,
           "idle time before a subscribe stream gets a heartbeat comment"),
    choice("log-level", &config::log_level_min,
           {{"error", log_level::error},
            {"warn", log_level::warn},
            {"info", log_level::info},
            {"debug", log_level::debug}},
           "error, warn, info or debug: the least severe lines written"),
    choice("log-format", &config::log_style,
           {{"text", log_format::text}, {"json", log_format::json}},
           "text, or json: one JSON object per line (ts, level, msg, fields)"),
    number("metrics-topics", &config::metrics_topics, 0, 1000,
           "per-topic series in GET /metrics for the N largest topics (+ other); 0 = none"),
    token_file("publish-token-file", &config::publish_token_file, "publish-token",
               &config::publish_token, "file holding the bearer token POST /publish requires"),
    token_file("read-token-file", &config::read_token_file, "read-token", &config::read_token,
               "file holding the bearer token GET /events and /stats require"),
    text("tls-cert", &config::tls_cert, "a path",
         "PEM certificate: serve HTTPS (with --tls-key)"),
    text("tls-key", &config::tls_key, "a path", "PEM private key of --tls-cert"),
  };
  return table;
}

const option* find_option(std::string_view name) {
  for (auto& o : options())
    if (o.name == name)
      return &o;
  return nullptr;
}

std::vector<std::string> option_names() {
  std::vector<std::string> names;
  for (auto& o : options())
    names.push_back(o.name);
  return names;
}

std::string apply_option(config& cfg, const std::string& name, const std::string& value) {
  if (auto* o = find_option(name))
    return o->apply(cfg, value);
  return "unknown option --" + name + " (see --help)";
}

log_fields describe_fields(const config& cfg) {
  log_fields fields;
  for (auto& o : options())
    fields.emplace_back(o.shown_as, o.show(cfg));
  return fields;
}

std::string describe(const config& cfg) {
  std::string out;
  for (auto& f : describe_fields(cfg))
    out.append(f.key).append(" = ").append(f.value).append("\n");
  return out;
}

} // namespace agg
