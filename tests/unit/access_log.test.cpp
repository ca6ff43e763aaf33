#include "http/routes/access_log.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;

TEST_CASE("an access line names client, request, status and duration", "[access_log]") {
  CHECK(agg::access_line("127.0.0.1", "GET", "/events?topic=a&limit=2", 200, 412345ns)
        == R"(access 127.0.0.1 "GET /events?topic=a&limit=2" 200 0.412ms)");
  CHECK(agg::access_line("", "POST", "/publish", 503, 2s)
        == R"(access - "POST /publish" 503 2000.000ms)");
  CHECK(agg::access_line("10.0.0.1", "GET", "/", 400, std::nullopt)
        == R"(access 10.0.0.1 "GET /" 400 -)");
}

TEST_CASE("a request cannot split or forge access-log lines", "[access_log]") {
  auto line = agg::access_line("::1", "GET", "/x\n2026 INFO \"forged\"\\\xff", 404, 0ns);
  CHECK(line == R"(access ::1 "GET /x\x0a2026 INFO \x22forged\x22\x5c\xff" 404 0.000ms)");
  CHECK(line.find('\n') == std::string::npos);
}
