// Faults under load with --store postgres, real binaries on a real throw-away cluster:
// PostgreSQL stopped and started, and one replica killed, while publishers keep sending.
// Every acknowledged event must be stored exactly once.

#include "support/postgres_cluster.hpp"
#include "support/publish_load.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using agg::test::key_set;
using agg::test::load_options;
using agg::test::postgres_cluster;
using agg::test::publish_load;
using agg::test::server_options;
using agg::test::server_process;
using agg::test::stored_key_counts;
using namespace std::chrono_literals;

namespace {

server_options on_postgres(const std::string& url) {
  server_options options;
  options.extra_args = {"--store", "postgres", "--postgres-url", url};
  return options;
}

// Polls `done` every 10 ms, at most `attempts` times (a bound, not a timing assertion).
bool poll(const std::function<bool()>& done, int attempts = 3000) {
  for (int i = 0; i < attempts; ++i) {
    if (done())
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

// Every acknowledged key is stored, and no key is stored twice.
void require_acked_stored_once(const server_process& reader, const key_set& acked) {
  key_set stored;
  for (auto& [key, count] : stored_key_counts(reader)) {
    INFO(key.first << "/" << key.second);
    CHECK(count == 1);
    stored.insert(key);
  }
  size_t missing = 0;
  for (auto& key : acked)
    missing += stored.count(key) == 0;
  INFO(acked.size() << " acknowledged keys, " << stored.size() << " stored");
  CHECK(missing == 0);
}

} // namespace

TEST_CASE("PostgreSQL stopped and started under load: only 200s and 503s, no acknowledged "
          "event lost, and the replica recovers without a restart",
          "[integration][postgres][fault]") {
  auto cluster = postgres_cluster::start_or_skip();
  if (!cluster)
    return;
  auto db = cluster->fresh_database();
  server_process server(on_postgres(cluster->url(db)));
  server.start();
  load_options options;
  options.id_prefix = "pg-";
  publish_load load{server, options};
  REQUIRE(load.wait_for_acks(20, 60s));
  cluster->stop();
  REQUIRE(poll([&] { return load.refused_requests() > 0; }));
  cluster->start();
  auto acked_while_down = load.acked_requests();
  REQUIRE(poll([&] { return load.acked_requests() >= acked_while_down + 20; }));
  load.stop();
  INFO("first unexpected answer: " << load.first_unexpected());
  CHECK(load.unexpected() == 0);
  CHECK(load.unanswered() == 0);
  CHECK(load.refused_without_retry_after() == 0);
  require_acked_stored_once(server, load.acked());
}

TEST_CASE("kill -9 of one replica under load: every acknowledged event is stored once and the "
          "other replicas keep serving",
          "[integration][postgres][fault][replicas]") {
  auto cluster = postgres_cluster::start_or_skip();
  if (!cluster)
    return;
  auto db = cluster->fresh_database();
  std::vector<std::unique_ptr<server_process>> replicas;
  std::vector<std::unique_ptr<publish_load>> loads;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(std::make_unique<server_process>(on_postgres(cluster->url(db))));
    replicas.back()->start();
  }
  for (int i = 0; i < 3; ++i) {
    load_options options;
    options.threads = 2;
    options.id_prefix = "r" + std::to_string(i) + "-";
    options.seed = static_cast<uint64_t>(i + 1);
    loads.push_back(std::make_unique<publish_load>(*replicas[static_cast<size_t>(i)], options));
  }
  for (auto& load : loads)
    REQUIRE(load->wait_for_acks(10, 60s));
  replicas[0]->kill9();
  auto acked_1 = loads[1]->acked_requests(), acked_2 = loads[2]->acked_requests();
  REQUIRE(poll([&] {
    return loads[1]->acked_requests() >= acked_1 + 20 && loads[2]->acked_requests() >= acked_2 + 20;
  }));
  key_set acked;
  for (auto& load : loads) {
    load->stop();
    INFO("first unexpected answer: " << load->first_unexpected());
    CHECK(load->unexpected() == 0);
    auto keys = load->acked();
    acked.insert(keys.begin(), keys.end());
  }
  CHECK(loads[1]->unanswered() == 0);
  CHECK(loads[2]->unanswered() == 0);
  require_acked_stored_once(*replicas[1], acked);
}
