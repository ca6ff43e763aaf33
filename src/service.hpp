#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>

#include "actors/actors.hpp"
#include "core/config.hpp"
#include "core/runtime_metrics.hpp"
#include "http/routes/body_budget.hpp"

namespace agg {

class actor_bridge;
class subscription_hub;
class http_metrics;
class http_server;
class store_readers;
class store_tail;

/// The composition root: opens the store, spawns and wires the actors, serves HTTP,
/// and shuts all of it down in order.
class service {
public:
  /// Starts everything, or reports the first thing that failed.
  static caf::expected<std::unique_ptr<service>> start(const config& cfg);

  ~service();

  /// The port HTTP listens on (useful with --port 0).
  uint16_t port() const {
    return port_;
  }

  /// False if the HTTP listener died on its own.
  bool serving() const;

  /// Stops accepting, lets in-flight requests and commits finish, saves the
  /// counters and stops every actor. Idempotent.
  void stop();

private:
  explicit service(const config& cfg);

  // Counts `actor` in actors_down_ and logs if it ever exits for another reason than stop().
  template <class Handle>
  void watch(const Handle& actor, std::string name);

  config cfg_;
  caf::actor_system_config caf_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  writer_actor writer_;
  stats_actor stats_;
  std::vector<dedup_shard_actor> shards_;
  std::shared_ptr<runtime_metrics> runtime_ = std::make_shared<runtime_metrics>();
  /// Actors that exited for another reason than our shutdown: /readyz then says not ready.
  std::shared_ptr<std::atomic<uint64_t>> actors_down_ = std::make_shared<std::atomic<uint64_t>>(0);
  std::unique_ptr<actor_bridge> bridge_;
  std::shared_ptr<subscription_hub> hub_;
  std::shared_ptr<store_readers> readers_; ///< The store's read side, for the routes.
  std::unique_ptr<store_tail> tail_;       ///< Live events of a shared store; else null.
  std::unique_ptr<http_metrics> metrics_; ///< Before http_, so it outlives the HTTP threads.
  std::unique_ptr<body_budget> bodies_;    ///< Before http_, for the same reason.
  std::unique_ptr<http_server> http_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

} // namespace agg
