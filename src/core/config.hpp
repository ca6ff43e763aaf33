#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/log.hpp"

namespace agg {

/// How hard each group commit pushes data to disk.
enum class sync_mode {
  /// WAL + synchronous=NORMAL: survives a process crash (kill -9); the WAL is fsynced every
  /// sync_interval_ms, so a power loss takes at most the commits since the last fsync began.
  normal,
  full, ///< WAL + synchronous=FULL: fsync per group commit, survives power loss.
};

/// Where the events live.
enum class store_kind {
  sqlite,   ///< One embedded SQLite file in data_dir (the default).
  postgres, ///< A PostgreSQL database that several replicas may share (postgres_url).
};

/// Every option of the service, with its default; the table in core/options.cpp says how
/// each is read, checked and shown.
struct config {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string data_dir = "./data";
  store_kind store = store_kind::sqlite;
  std::string postgres_url; ///< libpq connection string; its password is never logged.
  size_t shards = 4;
  size_t http_threads = 64;     ///< Warm HTTP threads; more start per connection.
  size_t max_connections = 4096; ///< Open connections served; past it, 503 too_many_connections.
  uint32_t header_timeout_ms = 10000; ///< Longest time to send a request's headers.
  uint32_t idle_timeout_ms = 75000;   ///< A keep-alive connection idle this long is closed.
  size_t actor_threads = 0; ///< 0: one per hardware thread.
  /// CAF's scheduler: false = work stealing (idle workers poll), true = work sharing
  /// (idle workers sleep until a message arrives).
  bool actor_sharing = false;
  size_t max_body_bytes = 16u << 20;
  size_t max_body_memory = 256u << 20; ///< Publish bodies in memory at once, all together.
  size_t max_events = 10000;
  size_t max_depth = 64;
  size_t max_topic_bytes = 1024;
  size_t max_event_id_bytes = 1024;
  size_t max_source_bytes = 1024;
  size_t max_page = 10000;
  size_t commit_max_events = 20000;
  size_t key_index_run_keys = 262144; ///< New dedup keys in memory before they become a run.
  size_t key_index_memory = size_t{128} << 20; ///< All the dedup key index holds in memory.
  size_t max_inflight_events = 100000;
  uint32_t publish_timeout_ms = 10000;
  sync_mode sync = sync_mode::full;
  uint32_t sync_interval_ms = 1000; ///< --sync normal: longest time between two WAL fsyncs.
  bool access_log = false; ///< One log line per answered request.
  bool publish_reactor = true; ///< POST /publish on the event loop (plain HTTP only).
  size_t max_subscribers = 1000;       ///< Open GET /subscribe streams at once.
  size_t subscriber_buffer = 8192;     ///< Events queued per subscriber before it catches up from the store.
  size_t subscriber_max_catchups = 10; ///< Overflows in a row before a lagging stream is closed.
  uint32_t heartbeat_ms = 15000;       ///< Idle time before a stream gets a heartbeat comment.
  log_level log_level_min = log_level::info; ///< Lines below this level are not written.
  log_format log_style = log_format::text;
  size_t metrics_topics = 0; ///< Per-topic series in GET /metrics: the N largest topics + other.
  std::string publish_token_file; ///< Empty: the token comes from the environment, if any.
  std::string read_token_file;    ///< Empty: the token comes from the environment, if any.
  std::string publish_token;      ///< Secret, never logged; empty: POST /publish is open.
  std::string read_token;         ///< Secret, never logged; empty: reads are open.
  std::string tls_cert;           ///< PEM certificate (chain); set with tls_key, or neither.
  std::string tls_key;            ///< PEM private key of tls_cert.

  /// The SQLite file inside `data_dir`.
  std::string database_path() const;
};

} // namespace agg
