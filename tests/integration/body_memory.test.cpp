// --max-body-memory: publish bodies held in memory at once are bounded across all requests.
#include "subscribe_client.hpp"
#include "support/events.hpp"
#include "support/raw_socket.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

using agg::test::fetch_events;
using agg::test::json;
using agg::test::metric;
using agg::test::poll_until;
using agg::test::make_events;
using agg::test::publish_ok;
using agg::test::raw_socket;
using agg::test::response_body;
using agg::test::response_header;
using agg::test::response_status;
using agg::test::server_process;

namespace {

// A POST /publish request head for a body of `length` bytes.
std::string publish_head(size_t length) {
  return "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Content-Length: " + std::to_string(length) + "\r\n\r\n";
}

const std::string body_gauge = "event_aggregator_request_body_bytes";

} // namespace

TEST_CASE("publish bodies share --max-body-memory: past it a publish gets 503 overloaded, "
          "and the memory comes back when a body is done",
          "[integration][overload][limits]") {
  // Room for the ~37 KB held body or one of 60 KB, not both.
  server_process s{{"--max-body-bytes", "60000", "--max-body-memory", "90000"}};
  s.start();
  auto held_body = make_events("held", "h", 300).dump(); // ~37 KB
  REQUIRE(held_body.size() < 60000);

  // A client that has declared its body but not sent all of it holds its share.
  raw_socket held{s.port()};
  REQUIRE(held.send(publish_head(held_body.size()) + held_body.substr(0, 1000)));
  // Once the server has taken the held body's share (it reads the head on its own
  // thread), a body of 60 KB would pass 90,000 bytes and is refused.
  REQUIRE(poll_until([&] { return metric(s, body_gauge) >= held_body.size(); }));
  raw_socket other{s.port()};
  REQUIRE(other.send(publish_head(60000) + std::string(10, ' ')));
  auto refused = other.read_response();
  INFO(refused);
  REQUIRE(response_status(refused) == 503);
  CHECK(response_header(refused, "Retry-After") == "1");
  auto error = json::parse(response_body(refused));
  CHECK(error.at("error") == "overloaded");
  CHECK(error.at("message").get<std::string>().find("--max-body-memory") != std::string::npos);

  // The held request completes normally once its body arrives.
  REQUIRE(held.send(held_body.substr(1000)));
  auto answer = held.read_response();
  INFO(answer);
  REQUIRE(response_status(answer) == 200);
  CHECK(json::parse(response_body(answer)).at("unique_processed") == 300);

  // Its share is back: a body as large as the other one is taken now.
  CHECK(metric(s, body_gauge) == 0);
  publish_ok(s, make_events("other", "o", 300));
  CHECK(fetch_events(s, "other").size() == 300);
  CHECK(fetch_events(s, "held").size() == 300);
}

TEST_CASE("a --max-body-memory below --max-body-bytes is an option error naming both",
          "[integration][limits]") {
  auto run = agg::test::run_server_binary(
    {"--port", "0", "--max-body-bytes", "2000", "--max-body-memory", "1000"});
  INFO(run.output);
  CHECK(run.status.exited);
  CHECK(run.status.code == 2);
  CHECK(run.output.find("--max-body-memory") != std::string::npos);
  CHECK(run.output.find("--max-body-bytes") != std::string::npos);
}

TEST_CASE("a chunked publish over --max-body-bytes gets 413 and a close, and the server reads "
          "it no further than the limit",
          "[integration][limits]") {
  server_process s{{"--max-body-bytes", "100000"}};
  s.start();
  raw_socket c{s.port()};
  REQUIRE(c.send("POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n"));
  // 64 MiB in 16 KiB chunks: far more than the limit, the server's linger reading (1 MiB) and
  // the kernel's socket buffers together, so a server that buffered the body would take it all.
  const std::string chunk = "4000\r\n" + std::string(16384, ' ') + "\r\n";
  const size_t total = size_t{64} << 20;
  size_t sent = 0;
  while (sent < total && c.send(chunk))
    sent += 16384;
  INFO("body bytes sent before the server closed: " << sent);
  CHECK(sent < total);
  auto answer = c.read_response();
  INFO(answer);
  REQUIRE(response_status(answer) == 413);
  CHECK(json::parse(response_body(answer)).at("error") == "body_too_large");
  CHECK(response_header(answer, "Connection") == "close");
  CHECK(c.wait_closed(std::chrono::seconds(10)));
  CHECK(metric(s, body_gauge) == 0);
  CHECK(s.get("/healthz").status == 200);
}
