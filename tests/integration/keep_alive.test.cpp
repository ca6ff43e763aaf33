// A pooled keep-alive client (httplib's, as the tests and --healthcheck use) publishing with
// idle gaps just under, around and past --idle-timeout-ms: the server closes idle
// connections and says so in Keep-Alive: timeout=N, the client notices the close before
// reusing a connection, and no request fails. Plain and TLS.
#include "support/certificate.hpp"
#include "support/events.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using agg::test::make_event;
using agg::test::server_process;
using namespace std::chrono_literals;

namespace {

constexpr int publishes = 10000;
constexpr int bursts = 40;
// The gaps between bursts, against an idle timeout of 400 ms: well under, just under, just
// past and well past it.
const std::vector<std::chrono::milliseconds> gaps = {100ms, 350ms, 450ms, 800ms};

void publish_with_gaps(server_process& server) {
  auto cli = server.client();
  cli.set_keep_alive(true);
  int failed = 0;
  std::string last_error;
  for (int b = 0; b < bursts; ++b) {
    for (int i = 0; i < publishes / bursts; ++i) {
      auto id = std::to_string(b) + "-" + std::to_string(i);
      auto r = cli.Post("/publish", make_event("pooled", id).dump(), "application/json");
      if (!r || r->status != 200) {
        ++failed;
        last_error = r ? std::to_string(r->status) : httplib::to_string(r.error());
      }
    }
    std::this_thread::sleep_for(gaps[b % gaps.size()]);
  }
  INFO("last failure: " << last_error);
  CHECK(failed == 0);
  CHECK(server.stats().at("unique_processed") == publishes);
}

} // namespace

TEST_CASE("a pooled client publishing with idle gaps around the idle timeout sees no failed "
          "request",
          "[integration][front][keepalive]") {
  SECTION("plain HTTP") {
    server_process server{{"--idle-timeout-ms", "400"}};
    server.start();
    publish_with_gaps(server);
  }
  SECTION("TLS") {
    agg::test::temp_dir dir;
    auto c = agg::test::make_certificate(dir, "c");
    server_process server{{"--idle-timeout-ms", "400", "--tls-cert", c.cert, "--tls-key", c.key}};
    server.start();
    publish_with_gaps(server);
  }
}
