#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <string>

#include "support/events.hpp"
#include "support/server_process.hpp"

using agg::test::json;
using agg::test::run_server_binary;
using agg::test::server_options;
using agg::test::server_process;

TEST_CASE("the healthcheck mode exits 0 when the configured server is ready, 1 when it is not there",
          "[integration][healthcheck]") {
  server_process server;
  server.start();
  auto port = std::to_string(server.port());

  SECTION("options on the command line") {
    auto run = run_server_binary({"--healthcheck", "--port", port});
    INFO(run.status.describe() << "\n" << run.output);
    CHECK(run.status.exited);
    CHECK(run.status.code == 0);
    CHECK(run.output == "ready: http://127.0.0.1:" + port + "/readyz answered 200\n");
  }
  SECTION("options from the environment, as in the image; a wildcard host is asked on loopback") {
    auto run = run_server_binary({"--healthcheck"}, std::chrono::seconds(10),
                                 {{"EVENT_AGGREGATOR_HOST", "0.0.0.0"},
                                  {"EVENT_AGGREGATOR_PORT", port}});
    INFO(run.output);
    CHECK(run.status.code == 0);
  }
  SECTION("nothing listens on the port") {
    auto free_port = std::to_string(agg::test::pick_free_port());
    auto run = run_server_binary({"--healthcheck", "--port", free_port});
    INFO(run.output);
    CHECK(run.status.code == 1);
    CHECK(run.output.rfind("not ready: no answer from http://127.0.0.1:" + free_port, 0) == 0);
  }
  SECTION("a bad option is still exit code 2") {
    CHECK(run_server_binary({"--healthcheck", "--port", "x"}).status.code == 2);
  }
}

TEST_CASE("the healthcheck mode exits 1 while the server answers 503 not ready",
          "[integration][healthcheck][storage]") {
  server_options options;
  options.file_size_limit = 1u << 20; // writes past 1 MiB fail: a full disk without root
  server_process server(options);
  server.start();
  bool failed = false;
  for (int request = 0; request < 40 && !failed; ++request)
    failed = server.post_json("/publish", agg::test::heavy_batch(request)).status == 503;
  REQUIRE(failed);
  server.set_file_size_limit(1); // no write can succeed, not even the readiness probe's
  auto run = run_server_binary({"--healthcheck", "--port", std::to_string(server.port())});
  INFO(run.output << "\nserver log:\n" << server.log_tail());
  CHECK(run.status.code == 1);
  CHECK(run.output.find("answered 503 {\"reason\":\"the store does not take writes")
        != std::string::npos);
  server.set_file_size_limit(RLIM_INFINITY);
  CHECK(run_server_binary({"--healthcheck", "--port", std::to_string(server.port())}).status.code
        == 0);
}
