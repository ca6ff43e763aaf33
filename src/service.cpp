#include "service.hpp"

#include <algorithm>
#include <filesystem>
#include <thread>

#include <caf/all.hpp>

#include "actors/dedup_shard.hpp"
#include "actors/stats.hpp"
#include "bridge/store_tail.hpp"
#include "bridge/subscription_hub.hpp"
#include "actors/writer.hpp"
#include "core/errors.hpp"
#include "core/log.hpp"
#include "bridge/actor_bridge.hpp"
#include "http/routes/http_metrics.hpp"
#include "http/http_server.hpp"
#include "core/connection_string.hpp"
#include "storage/postgres/postgres_event_store.hpp"
#include "storage/postgres/postgres_readers.hpp"
#include "storage/sqlite/sqlite_event_store.hpp"
#include "storage/sqlite/sqlite_readers.hpp"

namespace agg {

namespace {

// Connections kept for publishers and readers however many subscribe: the publish plateau
// is reached with 64 connections (docs/BENCHMARKS.md).
constexpr size_t connections_for_requests = 64;

// How often a replica on a shared store looks for events that other replicas committed:
// what a subscriber may wait for another replica's event, beyond its commit. Each look
// is one lookup of max(seq) on the primary key.
constexpr auto shared_store_poll = std::chrono::milliseconds(50);

// Each open stream holds a connection (and its HTTP thread) for as long as it runs, so
// subscribers alone must not fill --max-connections.
size_t subscriber_cap(const config& cfg) {
  auto room = cfg.max_connections > connections_for_requests
                ? cfg.max_connections - connections_for_requests
                : 1;
  if (cfg.max_subscribers <= room)
    return cfg.max_subscribers;
  log_warning("--max-subscribers " + std::to_string(cfg.max_subscribers) + " would leave fewer than "
              + std::to_string(connections_for_requests) + " of --max-connections "
              + std::to_string(cfg.max_connections) + " for other requests; serving at most "
              + std::to_string(room) + " subscribers");
  return room;
}

struct opened_store {
  std::unique_ptr<event_store> store;
  std::shared_ptr<store_readers> readers;
};

// The store --store names, with its read side.
caf::expected<opened_store> open_store(const config& cfg,
                                       const std::shared_ptr<runtime_metrics>& runtime) {
  if (cfg.store == store_kind::postgres) {
    auto store = postgres_event_store::open(cfg.postgres_url);
    if (!store)
      return store.error();
    auto run = (*store)->run();
    return opened_store{std::move(*store),
                        std::make_shared<postgres_readers>(cfg.postgres_url, run)};
  }
  std::error_code fs_err;
  std::filesystem::create_directories(cfg.data_dir, fs_err);
  if (fs_err)
    return make_error(ec::startup_failure,
                      "cannot create data dir " + cfg.data_dir + ": " + fs_err.message());
  key_index_options keys;
  keys.run_entries = cfg.key_index_run_keys;
  keys.memory_bytes = cfg.key_index_memory;
  wal_sync_options wal{std::chrono::milliseconds(cfg.sync_interval_ms),
                       std::shared_ptr<wal_sync_status>(runtime, &runtime->wal)};
  auto store = sqlite_event_store::open(cfg.database_path(), cfg.sync, keys, std::move(wal));
  if (!store)
    return store.error();
  return opened_store{std::move(*store), std::make_shared<sqlite_readers>(cfg.database_path())};
}

} // namespace

service::service(const config& cfg) : cfg_(cfg) {
}

caf::expected<std::unique_ptr<service>> service::start(const config& cfg) {
  // Made before the service, so that the store publishes its WAL's state into it from the
  // start (the aliasing shared_ptr keeps the whole struct alive for the store's syncer).
  auto runtime = std::make_shared<runtime_metrics>();
  auto opened = open_store(cfg, runtime);
  if (!opened)
    return opened.error();
  auto& [store, readers] = *opened;
  auto counters = store->counters();
  auto topics = store->topics();
  if (!counters)
    return counters.error();
  if (!topics)
    return topics.error();
  log_fields fields;
  if (cfg.store == store_kind::postgres) {
    fields = {{"store", "postgres"},
              {"url", redact_password(cfg.postgres_url)},
              {"topics", topics->size()}};
  } else {
    fields = {{"path", cfg.database_path()},
              {"events", counters->unique},
              {"topics", topics->size()},
              {"sync", cfg.sync == sync_mode::full ? "full" : "normal"}};
    // What a power loss may take: say it where an operator looks after one.
    if (cfg.sync == sync_mode::normal)
      fields.emplace_back("sync_interval_ms", cfg.sync_interval_ms);
  }
  log_info("opened the store", fields);

  std::unique_ptr<service> svc{new service(cfg)};
  svc->runtime_ = std::move(runtime);
  svc->readers_ = std::move(readers);
  svc->hub_ = std::make_shared<subscription_hub>(subscriber_cap(cfg), cfg.subscriber_buffer);
  // On a store other replicas write, subscribers hear of every commit from the tail, this
  // replica's own included: one source keeps the seq order that streams rely on.
  std::shared_ptr<commit_listener> announce_to = svc->hub_;
  if (svc->readers_->shared()) {
    auto tail = store_tail::start(svc->readers_, svc->hub_, shared_store_poll);
    if (!tail)
      return tail.error();
    svc->tail_ = std::move(*tail);
    announce_to = nullptr;
  }
  // CAF's own default is at least 4 workers; on a 2-core box the extra ones only spin
  // and steal CPU from the HTTP threads (measured: ~14k vs ~20k single-event req/s).
  auto workers = cfg.actor_threads > 0 ? cfg.actor_threads
                                       : std::max<size_t>(1, std::thread::hardware_concurrency());
  svc->caf_cfg_.set("scheduler.max-threads", workers);
  if (cfg.actor_sharing)
    svc->caf_cfg_.set("scheduler.policy", caf::atom("sharing"));
  svc->sys_ = std::make_unique<caf::actor_system>(svc->caf_cfg_);
  auto& sys = *svc->sys_;
  // The writer blocks on its store, so it gets its own thread rather than a scheduler slot.
  svc->writer_ = sys.spawn<caf::detached>(writer, std::shared_ptr<event_store>{std::move(store)},
                                          cfg.commit_max_events, announce_to, svc->runtime_);
  svc->watch(svc->writer_, "writer");
  svc->stats_ = sys.spawn(stats, svc->writer_, *counters, std::move(*topics));
  svc->watch(svc->stats_, "stats");
  for (size_t i = 0; i < cfg.shards; ++i) {
    svc->shards_.push_back(sys.spawn(dedup_shard, svc->writer_, svc->stats_));
    svc->watch(svc->shards_.back(), "dedup shard " + std::to_string(i));
  }
  svc->bridge_ = std::make_unique<actor_bridge>(sys, svc->shards_, svc->stats_,
                                                std::chrono::milliseconds(cfg.publish_timeout_ms),
                                                cfg.max_inflight_events, svc->writer_,
                                                svc->runtime_.get());
  log_debug("actors started", {{"shards", cfg.shards},
                               {"scheduler_threads", workers},
                               {"scheduler", cfg.actor_sharing ? "sharing" : "stealing"}});

  route_context routes;
  routes.bridge = svc->bridge_.get();
  svc->metrics_ = std::make_unique<http_metrics>();
  routes.metrics = svc->metrics_.get();
  routes.limits = {cfg.max_events, cfg.max_depth, cfg.max_topic_bytes, cfg.max_event_id_bytes,
                   cfg.max_source_bytes};
  routes.max_page = cfg.max_page;
  routes.access_log = cfg.access_log;
  routes.max_body_bytes = cfg.max_body_bytes;
  svc->bodies_ = std::make_unique<body_budget>(cfg.max_body_memory);
  routes.bodies = svc->bodies_.get();
  routes.readers = svc->readers_;
  routes.hub = svc->hub_;
  routes.sse.heartbeat = std::chrono::milliseconds(cfg.heartbeat_ms);
  routes.sse.max_catchups = cfg.subscriber_max_catchups;
  routes.runtime = svc->runtime_.get();
  routes.metrics_topics = cfg.metrics_topics;
  routes.actors_down = svc->actors_down_.get();
  svc->http_ = std::make_unique<http_server>(cfg, routes);
  auto port = svc->http_->start(cfg.host, cfg.port);
  if (!port) {
    svc->stop();
    return port.error();
  }
  svc->port_ = *port;
  auto address = (cfg.tls_cert.empty() ? "http://" : "https://") + cfg.host + ":"
                 + std::to_string(*port);
  // Scripts (bench/lib.sh) read the port from "listening on <address>" with --port 0.
  log_info("listening on " + address, {{"address", address}, {"http_threads", cfg.http_threads}});
  return svc;
}

service::~service() {
  stop();
}

template <class Handle>
void service::watch(const Handle& actor, std::string name) {
  // Runs when the actor exits; anything but our own shutdown is a failure worth a line.
  actor->attach_functor([down = actors_down_, name = std::move(name)](const caf::error& reason) {
    if (!reason || reason == caf::exit_reason::user_shutdown)
      return;
    down->fetch_add(1);
    log_error("actor stopped unexpectedly", {{"actor", name}, {"reason", error_text(reason)}});
  });
}

bool service::serving() const {
  return http_ && http_->running();
}

void service::stop() {
  if (stopped_ || !sys_)
    return;
  stopped_ = true;
  // 1. No new requests; in-flight ones finish, since the actors still run. Subscribe
  // streams end first: they would otherwise hold their threads until the next heartbeat.
  tail_.reset();
  if (hub_)
    hub_->close();
  if (http_) {
    http_->stop();
    log_info("shutdown: HTTP stopped, in-flight requests answered");
  }
  // 2. Save the duplicate counter (unique is saved with every commit).
  {
    caf::scoped_actor self{*sys_};
    self->request(stats_, std::chrono::seconds(5), persist_atom::value)
      .receive([](bool) { log_info("shutdown: counters saved"); },
               [](caf::error& err) { log_error("could not save counters: " + error_text(err)); });
  }
  // 3. Stop the actors; nothing holds a scoped_actor any more, so awaiting cannot hang.
  for (auto& shard : shards_)
    caf::anon_send_exit(shard, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(stats_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(writer_, caf::exit_reason::user_shutdown);
  shards_.clear();
  stats_ = nullptr;
  writer_ = nullptr;
  // The bridge goes after the actors: a ticket still queued at a stopping actor (a publish
  // that timed out) reports to the bridge's counters, or its callback, when it dies.
  sys_->await_all_actors_done();
  bridge_.reset();
  log_info("shutdown: actors stopped, store closed; stopped");
}

} // namespace agg
