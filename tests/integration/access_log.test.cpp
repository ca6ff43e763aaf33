#include <catch2/catch.hpp>

#include <regex>
#include <thread>

#include "support/events.hpp"
#include "support/server_process.hpp"

using agg::test::server_process;

namespace {

/// Polls the server log until it holds `what` (lines are written just after the answer).
bool log_shows(const server_process& server, const std::string& what) {
  for (int i = 0; i < 2000; ++i) {
    if (server.log_tail(1 << 20).find(what) != std::string::npos)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

} // namespace

TEST_CASE("the access log, when on, has one line per request, and none when off (the default)",
          "[integration][access_log]") {
  server_process server({"--access-log", "on"});
  server.start();
  agg::test::publish_ok(server, agg::test::make_event("acc", "a-1"));
  CHECK(server.get("/events?topic=acc&limit=1").status == 200);
  CHECK(server.get("/nowhere").status == 404);
  INFO("server log:\n" << server.log_tail());
  // Each line is written after its answer, on that connection's thread: wait for each one,
  // since lines of requests on different connections may land in either order.
  CHECK(log_shows(server, "access 127.0.0.1 \"GET /nowhere\" 404 "));
  CHECK(log_shows(server, "access 127.0.0.1 \"GET /events?topic=acc&limit=1\" 200 "));
  CHECK(log_shows(server, "access 127.0.0.1 \"POST /publish\" 200 "));
  auto log = server.log_tail(1 << 20);
  CHECK(std::regex_search(log, std::regex{R"(INFO access 127\.0\.0\.1 "POST /publish" 200 [0-9]+\.[0-9]{3}ms\n)"}));

  server_process quiet;
  quiet.start();
  agg::test::publish_ok(quiet, agg::test::make_event("acc", "a-1"));
  CHECK(quiet.get("/nowhere").status == 404);
  // The metrics count the 404 after the same logger call that would write the line.
  for (int i = 0; i < 2000; ++i) {
    auto m = quiet.get("/metrics").body;
    if (m.find(R"(route="other",code="404"} 1)") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(quiet.log_tail(1 << 20).find(" access ") == std::string::npos);
}
