#include "support/events.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using agg::test::json;
using agg::test::server_process;

TEST_CASE("GET /healthz answers 200 with status ok as JSON", "[integration][http]") {
  server_process server;
  server.start();
  auto r = server.get("/healthz");
  INFO(r.describe());
  REQUIRE(r.status == 200);
  CHECK(r.try_json() == json{{"status", "ok"}});
  CHECK(r.header("Content-Type").rfind("application/json", 0) == 0);
}

TEST_CASE("an unknown route answers 404 not_found as JSON", "[integration][http]") {
  server_process server;
  server.start();
  for (auto [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/index.html"},
                                                        {"GET", "/nope"},
                                                        {"POST", "/nope"},
                                                        {"GET", "/publish/extra"},
                                                        {"GET", "/eventsx?topic=a"},
                                                        {"DELETE", "/stats/1"}}) {
    INFO(method << " " << path);
    auto r = server.send(method, path);
    CHECK(agg::test::check_error(r, 404, "not_found"));
    CHECK(r.header("Content-Type").rfind("application/json", 0) == 0);
  }
  agg::test::require_healthy(server);
}

TEST_CASE("a wrong method on a known route answers 405 method_not_allowed with an Allow header",
          "[integration][http]") {
  server_process server;
  server.start();
  struct probe {
    std::string method, path, allowed;
  };
  for (auto& p : std::vector<probe>{{"GET", "/publish", "POST"},
                                    {"PUT", "/publish", "POST"},
                                    {"DELETE", "/publish", "POST"},
                                    {"POST", "/stats", "GET"},
                                    {"DELETE", "/events?topic=a", "GET"},
                                    {"POST", "/events?topic=a", "GET"},
                                    {"PUT", "/events", "GET"},
                                    {"POST", "/healthz", "GET"}}) {
    INFO(p.method << " " << p.path);
    auto r = server.send(p.method, p.path, "{}");
    CHECK(agg::test::check_error(r, 405, "method_not_allowed"));
    INFO("Allow: " << r.header("Allow"));
    CHECK(r.has_header("Allow"));
    CHECK(r.header("Allow").find(p.allowed) != std::string::npos);
  }
  // A 405 is not a publish: nothing moved.
  agg::test::require_nothing_stored(server);
}

TEST_CASE("several requests on one keep-alive connection are all answered", "[integration][http]") {
  server_process server;
  server.start();
  auto cli = server.client();
  cli.set_keep_alive(true);
  for (int i = 0; i < 20; ++i) {
    INFO("request " << i);
    auto body = agg::test::make_event("keepalive", "id-" + std::to_string(i)).dump();
    auto r = agg::test::to_reply(cli.Post("/publish", body, "application/json"));
    REQUIRE(r.status == 200);
    auto h = agg::test::to_reply(cli.Get("/healthz"));
    REQUIRE(h.status == 200);
  }
  CHECK(agg::test::fetch_events(server, "keepalive").size() == 20);
}

TEST_CASE("the --help option prints the options and exits 0", "[integration][cli]") {
  auto run = agg::test::run_server_binary({"--help"});
  INFO(run.status.describe() << "\noutput:\n" << run.output);
  REQUIRE(run.status.exited);
  CHECK(run.status.code == 0);
  for (const char* option :
       {"--host", "--port", "--data-dir", "--max-body-bytes", "--max-events", "--max-depth",
        "--max-topic-bytes", "--shards", "--key-index-run-keys", "--sync"})
    CHECK(run.output.find(option) != std::string::npos);
}

TEST_CASE("an unknown option prints an error and exits 2", "[integration][cli]") {
  for (auto args : std::vector<std::vector<std::string>>{
         {"--no-such-option"}, {"--no-such-option=1"}, {"--port", "1", "--bogus", "x"}}) {
    auto run = agg::test::run_server_binary(args);
    INFO(args.front() << ": " << run.status.describe() << "\noutput:\n" << run.output);
    REQUIRE(run.status.exited);
    CHECK(run.status.code == 2);
    CHECK_FALSE(run.output.empty());
  }
}

TEST_CASE("limits are read from both --name value and --name=value", "[integration][cli]") {
  for (auto args :
       std::vector<std::vector<std::string>>{{"--max-events", "3"}, {"--max-events=3"}}) {
    INFO("extra args: " << args.front());
    server_process server(args);
    server.start();
    agg::test::publish_ok(server, agg::test::make_events("cli", "a", 3));
    auto r = server.post_json("/publish", agg::test::make_events("cli", "b", 4));
    agg::test::require_error(r, 413, "too_many_events");
    CHECK(agg::test::fetch_events(server, "cli").size() == 3);
  }
}
