// The real binary with --store postgres on a real throw-away PostgreSQL cluster
// (support/postgres_cluster.hpp; SKIPPED: without postgresql-15): the same answers as on
// SQLite, the password kept out of the log, and 503 storage_unavailable while the database
// is down, with recovery and no restart.

#include "support/events.hpp"
#include "support/postgres_cluster.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

using agg::test::fetch_events;
using agg::test::ids_of;
using agg::test::json;
using agg::test::make_event;
using agg::test::make_events;
using agg::test::postgres_cluster;
using agg::test::publish_ok;
using agg::test::require_error;
using agg::test::server_options;
using agg::test::server_process;
using agg::test::stats_without_uptime;

namespace {

server_options on_postgres(const std::string& url, std::vector<std::string> more = {}) {
  server_options options;
  options.extra_args = {"--store", "postgres", "--postgres-url", url};
  options.extra_args.insert(options.extra_args.end(), more.begin(), more.end());
  return options;
}

} // namespace

TEST_CASE("the postgres store without a URL is an option error, exit 2",
          "[integration][postgres]") {
  auto run = agg::test::run_server_binary({"--store", "postgres"});
  INFO(run.output);
  CHECK(run.status.exited);
  CHECK(run.status.code == 2);
  CHECK(run.output.find("option --store postgres needs --postgres-url") != std::string::npos);
}

TEST_CASE("publish, dedup, paging and stats on postgres answer as on sqlite",
          "[integration][postgres]") {
  auto cluster = postgres_cluster::start_or_skip();
  if (!cluster)
    return;
  auto db = cluster->fresh_database();
  // A password in the URL (trust on the socket ignores it) must not reach the log.
  server_process server(on_postgres(cluster->url(db) + " password=hunter2-secret"));
  server.start();
  CHECK(server.log_tail(100000).find("hunter2-secret") == std::string::npos);
  CHECK(server.log_tail(100000).find("password=***") != std::string::npos);

  auto first = publish_ok(server, make_events("orders", "o", 5));
  CHECK(first.at("unique_processed") == 5);
  auto second = publish_ok(server, make_events("orders", "o", 5, 3)); // o3, o4 again
  CHECK(second.at("unique_processed") == 3);
  CHECK(second.at("duplicate_dropped") == 2);
  auto mixed =
    publish_ok(server, json::array({make_event("audit", "a"), make_event("audit", "a")}));
  CHECK(mixed.at("unique_processed") == 1);
  CHECK(mixed.at("duplicate_dropped") == 1);

  // Paging by seq: three pages of three, then none, in the order stored.
  auto paged = fetch_events(server, "orders", 3);
  CHECK(ids_of(paged)
        == std::vector<std::string>{"o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7"});
  CHECK(ids_of(fetch_events(server, "orders")) == ids_of(paged));
  CHECK(paged.at(3).at("payload") == json{{"i", 3}});
  CHECK(fetch_events(server, "no-such-topic").empty());

  auto stats = stats_without_uptime(server);
  INFO(stats.dump());
  CHECK(stats
        == json{{"received", 12},
                {"unique_processed", 9},
                {"duplicate_dropped", 3},
                {"topics", json::array({"audit", "orders"})}});
  CHECK(cluster->query(db, "SELECT count(*) FROM ea_events") == std::vector<std::string>{"9"});

  // A restart keeps the events and the lifetime counters (this run's row is saved at stop).
  server.restart();
  CHECK(stats_without_uptime(server) == stats);
  auto again = publish_ok(server, make_events("orders", "o", 2));
  CHECK(again.at("duplicate_dropped") == 2);
}

TEST_CASE("publishes get 503 storage_unavailable while PostgreSQL is down, then recover",
          "[integration][postgres][fault]") {
  auto cluster = postgres_cluster::start_or_skip();
  if (!cluster)
    return;
  auto db = cluster->fresh_database();
  server_process server(on_postgres(cluster->url(db), {"--publish-timeout-ms", "30000"}));
  server.start();
  publish_ok(server, make_events("t", "before", 3));

  cluster->stop();
  // Readiness notices before any publish fails: the server closed the replica's connection.
  CHECK(server.get("/readyz").status == 503);
  auto refused = server.post_json("/publish", make_events("t", "during", 2));
  auto message = require_error(refused, 503, "storage_unavailable");
  CHECK(refused.header("Retry-After") == "1");
  CHECK(message.find("the events were not stored") == 0);
  auto read = server.get("/events?topic=t&limit=10");
  require_error(read, 503, "storage_unavailable");
  auto ready = server.get("/readyz");
  CHECK(ready.status == 503);

  cluster->start();
  // The replica reconnects by itself (no restart): poll until a publish is stored. Every
  // answer meanwhile is a 503, never a 200 for events that were not committed.
  agg::test::reply answer;
  for (int attempt = 0; attempt < 600; ++attempt) {
    answer = server.post_json("/publish", make_events("t", "during", 2));
    if (answer.status == 200)
      break;
    REQUIRE(answer.status == 503);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(answer.status == 200);
  CHECK(answer.json().at("unique_processed") == 2);
  CHECK(ids_of(fetch_events(server, "t"))
        == std::vector<std::string>{"before0", "before1", "before2", "during0", "during1"});
  CHECK(server.get("/readyz").status == 200);
}
