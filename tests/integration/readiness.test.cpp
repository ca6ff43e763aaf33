#include <catch2/catch.hpp>

#include <sys/resource.h>

#include "support/events.hpp"
#include "support/server_process.hpp"

using agg::test::json;
using agg::test::make_event;
using agg::test::server_options;
using agg::test::server_process;

TEST_CASE("GET /readyz answers 200 ready on a healthy server", "[integration][readyz]") {
  server_process server;
  server.start();
  auto r = server.get("/readyz");
  INFO(r.describe());
  CHECK(r.status == 200);
  CHECK(r.body == R"({"status":"ready"})");
  CHECK(r.header("Content-Type") == "application/json");
  agg::test::publish_ok(server, make_event("ready", "r-1"));
  CHECK(server.get("/readyz").status == 200);
  auto post = server.post("/readyz", "");
  CHECK(post.status == 405);
  CHECK(post.header("Allow") == "GET, HEAD");
}

TEST_CASE("GET /readyz is 503 while the store takes no writes and ready again without a publish",
          "[integration][readyz][storage]") {
  // RLIMIT_FSIZE makes writes past 1 MiB fail with EFBIG: a full disk without root.
  server_options options;
  options.file_size_limit = 1u << 20;
  server_process server(options);
  server.start();
  INFO("server log:\n" << server.log_tail());
  json failed;
  // 40 requests of 128 KiB are 5 MiB, far over the limit.
  for (int request = 0; request < 40 && failed.is_null(); ++request) {
    auto batch = agg::test::heavy_batch(request);
    auto r = server.post_json("/publish", batch);
    if (r.status != 200) {
      REQUIRE(agg::test::check_error(r, 503, "storage_unavailable"));
      failed = batch;
    } else {
      CHECK(server.get("/readyz").status == 200); // ready while commits succeed
    }
  }
  REQUIRE_FALSE(failed.is_null());

  auto counters_before = agg::test::stats_without_uptime(server);
  // The probe's own small write might still fit under the limit: take all room away.
  server.set_file_size_limit(1);
  auto down = server.get("/readyz");
  INFO(down.describe());
  CHECK(down.status == 503);
  auto body = down.json();
  CHECK(body.at("status") == "not_ready");
  CHECK(body.at("reason").get<std::string>().rfind("the store does not take writes: ", 0) == 0);
  CHECK(server.get("/healthz").status == 200); // alive, only not ready
  CHECK(server.get("/readyz").status == 503);  // asking again does not make it ready

  // Room again, and no publish: the readiness probe's own write proves the store writable.
  server.set_file_size_limit(RLIM_INFINITY);
  auto up = server.get("/readyz");
  INFO(up.describe());
  CHECK(up.status == 200);
  CHECK(up.body == R"({"status":"ready"})");
  CHECK(agg::test::stats_without_uptime(server) == counters_before); // the probe stores nothing
  agg::test::publish_ok(server, failed); // and the failed batch goes in now
}
