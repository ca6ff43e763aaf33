#include "support/build_flavour.hpp"
#include "support/proc_status.hpp"
#include "support/raw_socket.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using agg::test::proc_status;
using agg::test::raw_socket;
using agg::test::response_body;
using agg::test::response_header;
using agg::test::response_status;
using agg::test::server_process;
using namespace std::chrono_literals;

namespace {

const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

/// Opens `n` connections and makes each a keep-alive connection that has been answered once:
/// all connect, then all send, then all read, so they go idle together.
std::vector<raw_socket> idle_keep_alive_connections(uint16_t port, size_t n) {
  std::vector<raw_socket> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i)
    out.emplace_back(port);
  for (auto& s : out)
    REQUIRE(s.send(healthz));
  for (auto& s : out)
    REQUIRE(response_status(s.read_response()) == 200);
  return out;
}

/// Time from connecting to reading the whole answer of GET /healthz on a new connection.
std::chrono::microseconds new_client_round_trip(uint16_t port, int& status) {
  auto started = std::chrono::steady_clock::now();
  raw_socket s{port};
  s.send(healthz);
  status = response_status(s.read_response(5s));
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now()
                                                               - started);
}

} // namespace

TEST_CASE("1000 idle keep-alive connections and 20 slow clients cost no thread and do not keep "
          "a new client waiting",
          "[connections]") {
  REQUIRE(agg::test::raise_open_file_limit() >= 1200); // 1000 idle + 20 slow + the new ones
  server_process server;
  server.start();
  auto threads_before = proc_status(server.pid(), "Threads");
  REQUIRE(threads_before);

  // Slow clients send one header byte per second and never finish (slowloris).
  std::vector<raw_socket> slow;
  for (int i = 0; i < 20; ++i)
    slow.emplace_back(server.port());
  std::atomic<bool> stop_slow{false};
  std::thread dribble{[&] {
    const std::string header = "GET /healthz HTTP/1.1\r\nX-Slow: " + std::string(200, 'a');
    for (size_t i = 0; !stop_slow && i < header.size(); ++i) {
      for (auto& s : slow)
        s.send(header.substr(i, 1));
      for (int tick = 0; tick < 10 && !stop_slow; ++tick)
        std::this_thread::sleep_for(100ms);
    }
  }};

  auto idle = idle_keep_alive_connections(server.port(), 1000);

  // A connection costs no thread: the front holds them all on its event loop. The 1000
  // requests just answered may have started workers, which exit once idle (5 s): poll until
  // they have, with every connection still open.
  auto threads = proc_status(server.pid(), "Threads");
  REQUIRE(threads);
  for (auto until = std::chrono::steady_clock::now() + 30s;
       *threads >= *threads_before + 20 && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(100ms);
    threads = proc_status(server.pid(), "Threads");
    REQUIRE(threads);
  }
  CHECK(*threads < *threads_before + 20);

  // New clients are answered while all of them are open (no timing asserted: a busy machine
  // may be slow, but nothing waits for an idle connection to end).
  for (int i = 0; i < 5; ++i) {
    int status = 0;
    new_client_round_trip(server.port(), status);
    REQUIRE(status == 200);
  }

  // The idle and slow connections were all still open meanwhile (the idle timeout is 75 s,
  // the slow clients' header deadline 10 s from their first byte: both far off).
  size_t idle_open = 0;
  for (auto& s : idle)
    idle_open += s.open() ? 1 : 0;
  CHECK(idle_open == idle.size());

  stop_slow = true;
  dribble.join();
}

TEST_CASE("past --max-connections a new connection gets 503 too_many_connections and is closed",
          "[connections]") {
  server_process server{{"--max-connections", "8", "--http-threads", "2"}};
  server.start();
  auto held = idle_keep_alive_connections(server.port(), 8);

  raw_socket extra{server.port()};
  REQUIRE(extra.send(healthz));
  auto refused = extra.read_response();
  REQUIRE(response_status(refused) == 503);
  CHECK(response_header(refused, "Retry-After") == "1");
  CHECK(response_header(refused, "Connection") == "close");
  auto body = nlohmann::json::parse(response_body(refused));
  CHECK(body.at("error") == "too_many_connections");
  CHECK(body.at("message").get<std::string>().find("--max-connections") != std::string::npos);
  // The server ends the refused connection itself; it does not wait for the client.
  CHECK(extra.wait_closed(2s));

  SECTION("the connections under the cap are still served") {
    for (auto& s : held) {
      REQUIRE(s.send(healthz));
      CHECK(response_status(s.read_response()) == 200);
    }
  }
  SECTION("once connections close, new ones are served again") {
    held.clear();
    int status = 0;
    for (int attempt = 0; attempt < 200 && status != 200; ++attempt) {
      raw_socket again{server.port()};
      again.send(healthz);
      status = response_status(again.read_response());
      if (status != 200)
        std::this_thread::sleep_for(10ms);
    }
    CHECK(status == 200);
  }
  CHECK(server.log_tail().find("connection limit reached") != std::string::npos);
}

TEST_CASE("an open-file limit too small for --max-connections lowers the cap, with a warning",
          "[connections]") {
  agg::test::server_options options;
  options.extra_args = {"--max-connections", "4096"};
  options.open_file_limit = 384; // one descriptor per connection after 256 reserved: 128
  server_process server{options};
  server.start();
  auto log = server.log_tail(20000);
  CHECK(log.find("open file limit 384") != std::string::npos);
  CHECK(log.find("serving at most 128 connections") != std::string::npos);

  auto held = idle_keep_alive_connections(server.port(), 128);
  raw_socket extra{server.port()};
  REQUIRE(extra.send(healthz));
  auto refused = extra.read_response();
  CHECK(response_status(refused) == 503);
  CHECK(nlohmann::json::parse(response_body(refused)).at("error") == "too_many_connections");
}

TEST_CASE("a client that sends its headers too slowly is disconnected, others are served",
          "[connections]") {
  server_process server{{"--header-timeout-ms", "500"}};
  server.start();
  raw_socket slow{server.port()};
  const std::string header = "GET /healthz HTTP/1.1\r\nX-Slow: " + std::string(100, 'a') + "\r\n";
  bool closed = false;
  // One byte every 100 ms: the whole header would take over 13 s; the deadline (the 2 s
  // keep-alive wait plus 500 ms) ends the connection long before.
  for (size_t i = 0; i < header.size() && !closed; ++i) {
    if (!slow.send(header.substr(i, 1)) || !slow.open())
      closed = true;
    else
      closed = slow.wait_closed(100ms);
  }
  CHECK(closed);
  CHECK(server.get("/healthz").status == 200);

  SECTION("a client that sends its request at a normal pace is not affected") {
    raw_socket normal{server.port()};
    REQUIRE(normal.send(healthz));
    CHECK(response_status(normal.read_response()) == 200);
    // Idle between requests is the idle timeout, not a slow header.
    std::this_thread::sleep_for(1500ms);
    REQUIRE(normal.send(healthz));
    CHECK(response_status(normal.read_response()) == 200);
  }
}
