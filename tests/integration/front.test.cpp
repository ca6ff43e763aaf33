#include "support/events.hpp"
#include "support/raw_socket.hpp"
#include "support/server_process.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

// The HTTP front frames every request of every connection on one event loop. These tests
// drive it over raw sockets, where the way bytes arrive can be chosen: pipelined, dribbled,
// a body after its head. The framing probes are in framing_probes.test.cpp.

using agg::test::json;
using agg::test::make_event;
using agg::test::raw_socket;
using agg::test::response_body;
using agg::test::response_header;
using agg::test::response_status;
using agg::test::server_process;
using namespace std::chrono_literals;

namespace {

/// A POST /publish request with `body`, HTTP/1.1 and a Content-Length.
std::string publish_request(const std::string& body, const std::string& extra_headers = "") {
  return "POST /publish HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
         + extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string publish_request(const json& body) {
  return publish_request(body.dump(), "");
}

const std::string stats_request = "GET /stats HTTP/1.1\r\nHost: test\r\n\r\n";

/// The JSON body of a raw response; FAILs unless it is JSON.
json body_of(const std::string& response) {
  INFO("response: " << response);
  auto j = json::parse(response_body(response), nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

/// REQUIREs a 200 publish answer with these counts.
void require_published(const std::string& response, int unique, int duplicates) {
  INFO("response: " << response);
  REQUIRE(response_status(response) == 200);
  auto j = body_of(response);
  CHECK(j.at("unique_processed") == unique);
  CHECK(j.at("duplicate_dropped") == duplicates);
}

/// The answer to `request` on a new connection.
std::string exchange(uint16_t port, const std::string& request) {
  raw_socket s{port};
  REQUIRE(s.send(request));
  return s.read_response();
}

} // namespace

TEST_CASE("a keep-alive connection publishes, then asks GET /stats, then publishes again: all "
          "answered in order on the same socket",
          "[integration][front]") {
  server_process server;
  server.start();
  raw_socket s{server.port()};
  REQUIRE(s.send(publish_request(make_event("ka", "1"))));
  require_published(s.read_response(), 1, 0);
  REQUIRE(s.send(publish_request(make_event("ka", "2"))));
  require_published(s.read_response(), 1, 0);
  // Not a publish: the connection moves to an httplib thread with nothing of it consumed.
  REQUIRE(s.send(stats_request));
  auto stats = s.read_response();
  REQUIRE(response_status(stats) == 200);
  CHECK(body_of(stats).at("unique_processed") == 2);
  // httplib serves the rest of the connection's life, publishes included.
  REQUIRE(s.send(publish_request(make_event("ka", "2"))));
  require_published(s.read_response(), 0, 1);
  CHECK(s.open());
}

TEST_CASE("pipelined requests in one write are all answered, in order", "[integration][front]") {
  server_process server;
  server.start();
  raw_socket s{server.port()};
  SECTION("three publishes, one of them invalid, then a GET /stats") {
    REQUIRE(s.send(publish_request(make_event("pipe", "a"))
                   + publish_request(std::string{"{not json"}, "")
                   + publish_request(make_event("pipe", "a")) + stats_request));
    require_published(s.read_response(), 1, 0);
    auto bad = s.read_response();
    CHECK(response_status(bad) == 400);
    CHECK(body_of(bad).at("error") == "invalid_json");
    require_published(s.read_response(), 0, 1);
    auto stats = s.read_response();
    REQUIRE(response_status(stats) == 200);
    CHECK(body_of(stats).at("received") == 2);
  }
  SECTION("fifty publishes") {
    std::string all;
    for (int i = 0; i < 50; ++i)
      all += publish_request(make_event("pipe", std::to_string(i)));
    REQUIRE(s.send(all));
    for (int i = 0; i < 50; ++i)
      require_published(s.read_response(), 1, 0);
    CHECK(server.stats().at("unique_processed") == 50);
  }
}

TEST_CASE("a publish split across many small writes is answered once it is whole",
          "[integration][front]") {
  server_process server;
  server.start();
  raw_socket s{server.port()};
  auto request = publish_request(make_event("split", "1"));
  for (size_t at = 0; at < request.size(); at += 7) {
    REQUIRE(s.send(request.substr(at, 7)));
    // A short pause so the pieces arrive as separate segments (pacing, not synchronisation).
    std::this_thread::sleep_for(1ms);
  }
  require_published(s.read_response(), 1, 0);
  // And the connection is ready for the next one.
  REQUIRE(s.send(publish_request(make_event("split", "2"))));
  require_published(s.read_response(), 1, 0);
}

TEST_CASE("a body that arrives after its head is read when it comes", "[integration][front]") {
  server_process server;
  server.start();
  raw_socket s{server.port()};
  auto body = make_event("slow-body", "1").dump();
  auto request = publish_request(body);
  auto head = request.substr(0, request.size() - body.size());
  REQUIRE(s.send(head + body.substr(0, 10)));
  // Nothing can be answered before the rest of the body.
  CHECK(s.read_response(300ms).empty());
  CHECK(server.get("/healthz").status == 200); // the loop is not stuck on it
  REQUIRE(s.send(body.substr(10)));
  require_published(s.read_response(), 1, 0);
}

TEST_CASE("Expect: 100-continue, chunked bodies and HTTP/1.0 are served like any publish",
          "[integration][front]") {
  server_process server{{"--max-body-bytes", "2000"}};
  server.start();
  auto body = make_event("other", "1").dump();
  SECTION("Expect: 100-continue") {
    raw_socket s{server.port()};
    REQUIRE(s.send("POST /publish HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: "
                   + std::to_string(body.size()) + "\r\n\r\n"));
    auto go_on = s.read_response();
    CHECK(response_status(go_on) == 100);
    REQUIRE(s.send(body));
    require_published(s.read_response(), 1, 0);
  }
  SECTION("a chunked body") {
    raw_socket s{server.port()};
    std::ostringstream size;
    size << std::hex << body.size();
    REQUIRE(s.send("POST /publish HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                   + size.str() + "\r\n" + body + "\r\n0\r\n\r\n"));
    require_published(s.read_response(), 1, 0);
  }
  SECTION("HTTP/1.0") {
    raw_socket s{server.port()};
    REQUIRE(s.send("POST /publish HTTP/1.0\r\nContent-Length: " + std::to_string(body.size())
                   + "\r\n\r\n" + body));
    require_published(s.read_response(), 1, 0);
  }
  SECTION("a body over --max-body-bytes") {
    auto r = exchange(server.port(), publish_request(std::string{std::string(3000, ' ')}, ""));
    CHECK(response_status(r) == 413);
    CHECK(body_of(r).at("error") == "body_too_large");
  }
  SECTION("a path that only starts like /publish") {
    auto r = exchange(server.port(), "POST /publishx HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}");
    CHECK(response_status(r) == 404);
  }
}

TEST_CASE("the 1000th request on a connection is answered with Connection: close, and the "
          "connection ends",
          "[integration][front]") {
  server_process server;
  server.start();
  raw_socket s{server.port()};
  // A hundred in flight at once (pipelined), so the test does not wait for 1000 commits in a
  // row; not all 1000, so neither side's socket buffers fill while the other does not read.
  std::string last;
  for (int round = 0; round < 10; ++round) {
    std::string hundred;
    for (int i = 0; i < 100; ++i)
      hundred += publish_request(make_event("count", std::to_string(i % 10)));
    REQUIRE(s.send(hundred));
    for (int i = 0; i < 100; ++i) {
      last = s.read_response();
      INFO("answer " << round * 100 + i);
      REQUIRE(response_status(last) == 200);
      if (round * 100 + i < 999)
        REQUIRE(response_header(last, "Connection") == "keep-alive");
    }
  }
  CHECK(response_header(last, "Connection") == "close");
  CHECK(s.wait_closed(5s));
}

TEST_CASE("connections end when idle past --idle-timeout-ms, and when a head comes too slowly",
          "[integration][front][connections]") {
  server_process server{{"--header-timeout-ms", "500", "--idle-timeout-ms", "1000"}};
  server.start();
  SECTION("idle after an answer: closed after the idle timeout, not before") {
    raw_socket s{server.port()};
    REQUIRE(s.send(publish_request(make_event("idle", "1"))));
    auto answer = s.read_response();
    require_published(answer, 1, 0);
    CHECK(response_header(answer, "Keep-Alive") == "timeout=1");
    auto started = std::chrono::steady_clock::now();
    CHECK(s.wait_closed(30s));
    CHECK(std::chrono::steady_clock::now() - started >= 900ms); // a lower bound: never flaky
  }
  SECTION("a publish head dribbled a byte every 100 ms") {
    raw_socket s{server.port()};
    auto head = "POST /publish HTTP/1.1\r\nX-Slow: " + std::string(100, 'a') + "\r\n";
    bool closed = false;
    for (size_t i = 0; i < head.size() && !closed; ++i)
      closed = !s.send(head.substr(i, 1)) || s.wait_closed(100ms);
    CHECK(closed); // the deadline, 500 ms from the first byte, is long before the 13 s it takes
  }
  CHECK(server.get("/healthz").status == 200);
}

TEST_CASE("past --max-connections, publishing connections count too",
          "[integration][front][connections]") {
  server_process server{{"--max-connections", "8", "--http-threads", "2"}};
  server.start();
  std::vector<raw_socket> held;
  for (int i = 0; i < 8; ++i) {
    held.emplace_back(server.port());
    REQUIRE(held.back().send(publish_request(make_event("cap", std::to_string(i)))));
    require_published(held.back().read_response(), 1, 0);
  }
  raw_socket extra{server.port()};
  REQUIRE(extra.send(publish_request(make_event("cap", "extra"))));
  auto refused = extra.read_response();
  CHECK(response_status(refused) == 503);
  CHECK(body_of(refused).at("error") == "too_many_connections");
  // Closing one frees its place.
  held.pop_back();
  int status = 0;
  for (int attempt = 0; attempt < 200 && status != 200; ++attempt) {
    raw_socket again{server.port()};
    again.send(publish_request(make_event("cap", "again")));
    status = response_status(again.read_response());
    if (status != 200)
      std::this_thread::sleep_for(10ms);
  }
  CHECK(status == 200);
}

TEST_CASE("a publish whose commit outlives --publish-timeout-ms gets 503 timeout, one past "
          "--max-inflight-events 503 overloaded, and the connection goes on",
          "[integration][front][overload]") {
  server_process server{{"--publish-timeout-ms", "300", "--max-inflight-events", "1"}};
  server.start();
  raw_socket s{server.port()};
  REQUIRE(s.send(publish_request(make_event("lock", "before"))));
  require_published(s.read_response(), 1, 0);

  SQLite::Database other{(server.data_dir() / "events.db").string(), SQLite::OPEN_READWRITE};
  other.exec("BEGIN EXCLUSIVE"); // the writer's commit now waits for the lock

  REQUIRE(s.send(publish_request(make_event("lock", "waits"))));
  auto timed_out = s.read_response();
  INFO(timed_out);
  CHECK(response_status(timed_out) == 503);
  CHECK(body_of(timed_out).at("error") == "timeout");
  CHECK(response_header(timed_out, "Retry-After") == "1");
  CHECK(response_header(timed_out, "Connection") == "keep-alive");

  // Its event still counts in flight (queued at the writer): the next one is refused.
  REQUIRE(s.send(publish_request(make_event("lock", "refused"))));
  auto refused = s.read_response();
  CHECK(response_status(refused) == 503);
  CHECK(body_of(refused).at("error") == "overloaded");
  CHECK(response_header(refused, "Retry-After") == "1");

  other.exec("ROLLBACK");
  // The late outcome of the timed-out request is dropped, not sent as an answer to this one.
  int status = 0;
  std::string answer;
  for (int attempt = 0; attempt < 400 && status != 200; ++attempt) {
    REQUIRE(s.send(publish_request(make_event("lock", "after"))));
    answer = s.read_response();
    status = response_status(answer);
    if (status != 200)
      std::this_thread::sleep_for(25ms); // the writer still waits out its busy timeout
  }
  INFO(answer);
  REQUIRE(status == 200);
  auto ids = agg::test::ids_of(agg::test::fetch_events(server, "lock"));
  CHECK(std::set<std::string>(ids.begin(), ids.end()).count("after") == 1);
}

TEST_CASE("SIGTERM with publishes in flight: every acknowledged event is stored, the server "
          "exits 0",
          "[integration][front][shutdown]") {
  server_process server;
  server.start();
  std::mutex mutex;
  std::set<std::string> acknowledged;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&, c] {
      raw_socket s{server.port()};
      for (int i = 0;; ++i) {
        auto id = std::to_string(c) + "-" + std::to_string(i);
        // Four requests in one write: some are always in flight.
        std::string batch;
        for (int k = 0; k < 4; ++k)
          batch += publish_request(make_event("term", id + "-" + std::to_string(k)));
        if (!s.send(batch))
          return;
        for (int k = 0; k < 4; ++k) {
          auto r = s.read_response(15s);
          if (response_status(r) != 200)
            return;
          std::lock_guard<std::mutex> lock{mutex};
          acknowledged.insert(id + "-" + std::to_string(k));
          ++answered;
        }
      }
    });
  auto until = std::chrono::steady_clock::now() + 60s;
  while (answered < 400 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(1ms);
  REQUIRE(answered >= 400);
  auto stopped = server.stop_with(SIGTERM);
  for (auto& t : clients)
    t.join();
  INFO(stopped.describe() << "\n" << server.log_tail());
  CHECK(stopped.exited);
  CHECK(stopped.code == 0);
  server.start();
  auto stored = agg::test::ids_of(agg::test::fetch_events(server, "term"));
  std::set<std::string> stored_set(stored.begin(), stored.end());
  size_t missing = 0;
  for (auto& id : acknowledged)
    missing += stored_set.count(id) ? 0 : 1;
  CHECK(acknowledged.size() >= 400);
  CHECK(missing == 0);
}
