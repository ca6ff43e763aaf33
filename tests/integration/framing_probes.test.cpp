// Raw-socket probes of the front's framing (RFC 9112), one case per rule: the status, whether
// the connection was closed or kept (a kept one must serve a next request, in sync), and that
// a request hidden in a body is never executed. The smuggled requests all publish to the
// topic "smuggled": every case ends by checking that it is still empty.
#include "support/certificate.hpp"
#include "support/events.hpp"
#include "support/raw_socket.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using agg::test::json;
using agg::test::make_event;
using agg::test::raw_socket;
using agg::test::response_body;
using agg::test::response_header;
using agg::test::response_status;
using agg::test::server_process;
using namespace std::chrono_literals;

namespace {

const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";

std::string publish_of(const std::string& body, const std::string& extra = "") {
  return "POST /publish HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" + extra
         + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// A complete publish of event `id` to the topic "smuggled": the payload of every body that
/// a wrong reading would run as the next request.
std::string smuggled(const std::string& id) {
  return publish_of(make_event("smuggled", id).dump());
}

struct probe_result {
  int status = 0;
  std::string answer;
  bool closed = false;
};

/// Sends `bytes` on a new connection, reads one answer, then tells whether the connection
/// was closed: a kept one must answer GET /healthz with 200 (so it is still in sync).
probe_result probe(const server_process& s, const std::string& bytes) {
  raw_socket c{s.port(), s.uses_tls()};
  probe_result r;
  REQUIRE(c.send(bytes));
  r.answer = c.read_response();
  r.status = response_status(r.answer);
  if (response_header(r.answer, "Connection") == "close") {
    r.closed = c.wait_closed(10s);
    return r;
  }
  if (!c.send(healthz)) {
    r.closed = true;
    return r;
  }
  auto next = c.read_response();
  r.closed = response_status(next) != 200;
  return r;
}

/// The error code of a JSON error answer.
std::string error_of(const probe_result& r) {
  auto j = json::parse(response_body(r.answer), nullptr, false);
  return j.is_object() && j.contains("error") ? j.at("error").get<std::string>() : "";
}

void require_nothing_smuggled(const server_process& s) {
  CHECK(agg::test::fetch_events(s, "smuggled").empty());
}

/// REQUIREs a 400 bad_request that closed the connection.
void require_refused_and_closed(const probe_result& r) {
  INFO(r.answer);
  CHECK(r.status == 400);
  CHECK(error_of(r) == "bad_request");
  CHECK(response_header(r.answer, "Connection") == "close");
  CHECK(r.closed);
}

std::string gzip(const std::string& text) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

/// One probe of framing that must get 400 and a close.
struct framing_item {
  const char* name;
  std::string bytes;
};

/// The ambiguous and invalid framings, each with a request to the topic "smuggled" in or as
/// its body; `tls`: for an HTTPS server (the wrong scheme is then http).
std::vector<framing_item> invalid_framings(bool tls) {
  auto hidden = smuggled("hidden");
  auto cl = std::to_string(hidden.size());
  const std::string chunked_head =
    "POST /publish HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  auto hex = [](size_t n) {
    char digits[24];
    std::snprintf(digits, sizeof(digits), "%zx", n);
    return std::string{digits};
  };
  return {
    {"Transfer-Encoding with Content-Length",
     "POST /publish HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: " + cl
       + "\r\n\r\n0\r\n\r\n" + hidden},
    {"Content-Length with Transfer-Encoding",
     "POST /publish HTTP/1.1\r\nHost: t\r\nContent-Length: " + cl
       + "\r\nTransfer-Encoding: chunked\r\n\r\n" + hidden},
    {"a Transfer-Encoding whose final coding is not chunked",
     "POST /publish HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n" + hidden},
    {"chunked, then another coding",
     "POST /publish HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n" + hidden},
    {"a percent-encoded chunked (%63hunked)",
     "POST /publish HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: %63hunked\r\n\r\n" + hidden},
    {"Content-Length in hex", "POST /publish HTTP/1.1\r\nHost: t\r\nContent-Length: 0x5d\r\n\r\n" + hidden},
    {"Content-Length with a sign", "POST /publish HTTP/1.1\r\nHost: t\r\nContent-Length: +" + cl + "\r\n\r\n" + hidden},
    {"two different Content-Length values",
     "POST /publish HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: " + cl
       + "\r\n\r\n" + hidden},
    {"obs-fold", "POST /publish HTTP/1.1\r\nHost: t\r\nX-A: a\r\n b\r\nContent-Length: " + cl
                   + "\r\n\r\n" + hidden},
    {"a folded Content-Length", "POST /publish HTTP/1.1\r\nHost: t\r\nContent-Length:\r\n " + cl
                                  + "\r\n\r\n" + hidden},
    {"whitespace before the colon",
     "POST /publish HTTP/1.1\r\nHost: t\r\nContent-Length : " + cl + "\r\n\r\n" + hidden},
    {"a bare LF in a field line",
     "POST /publish HTTP/1.1\r\nHost: t\nContent-Length: " + cl + "\r\n\r\n" + hidden},
    {"a bare LF ending the head", "POST /publish HTTP/1.1\r\nHost: t\r\n\n" + hidden},
    {"an invalid method token", "PO(ST /publish HTTP/1.1\r\nHost: t\r\nContent-Length: " + cl
                                  + "\r\n\r\n" + hidden},
    {"a field line over 8 KiB", "POST /publish HTTP/1.1\r\nHost: t\r\nX-Big: "
                                  + std::string(9000, 'a') + "\r\nContent-Length: " + cl
                                  + "\r\n\r\n" + hidden},
    {"a head over 64 KiB", [&] {
       std::string h = "POST /publish HTTP/1.1\r\nHost: t\r\n";
       for (int i = 0; i < 80; ++i)
         h += "X-F" + std::to_string(i) + ": " + std::string(1000, 'a') + "\r\n";
       return h + "Content-Length: " + cl + "\r\n\r\n" + hidden;
     }()},
    {"more than 100 fields", [&] {
       std::string h = "POST /publish HTTP/1.1\r\nHost: t\r\n";
       for (int i = 0; i < 120; ++i)
         h += "X-F" + std::to_string(i) + ": a\r\n";
       return h + "Content-Length: " + cl + "\r\n\r\n" + hidden;
     }()},
    {"HTTP/1.1 without Host", "POST /publish HTTP/1.1\r\nContent-Length: " + cl + "\r\n\r\n" + hidden},
    {"two Host fields", "POST /publish HTTP/1.1\r\nHost: t\r\nHost: u\r\nContent-Length: " + cl
                          + "\r\n\r\n" + hidden},
    {"a chunk size that is not hex",
     "POST /publish HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + hidden},
    // A chunked body written with bare LFs: Beast looks only for CRLF and would wait for one.
    {"a bare LF ending a chunk-size line",
     chunked_head + hex(hidden.size()) + "\n" + hidden + "\n0\n\n"},
    {"a bare LF ending a chunk-size line, no CR anywhere", chunked_head + "5\nhello\n0\n\n"},
    {"a bare LF ending a chunk extension", chunked_head + "5;a=b\nhello\n0\n\n"},
    {"a bare LF ending a chunk extension before a CRLF",
     chunked_head + hex(hidden.size()) + ";a=b\n" + hidden + "\r\n0\r\n\r\n"},
    {"a bare LF ending the last chunk", chunked_head + "5\r\nhello\r\n0\n\n"},
    {"a bare LF ending a trailer line", chunked_head + "5\r\nhello\r\n0\r\nX-T: 1\n\n"},
    {"a bare LF after a chunk's data", chunked_head + "5\r\nhello\n0\r\n\r\n"},
    {"a chunk-size line over 8 KiB", chunked_head + "5;a=" + std::string(9000, 'b') + "\r\nhello\r\n0\r\n\r\n"},
    {"an absolute-form target for another authority",
     "GET http://elsewhere.example/healthz HTTP/1.1\r\nHost: t\r\n\r\n" + hidden},
    {"a target with the other scheme (https on plain HTTP, http on HTTPS)",
     std::string{"GET "} + (tls ? "http" : "https") + "://t/healthz HTTP/1.1\r\nHost: t\r\n\r\n" + hidden},
    {"an authority-form target", "GET t:80 HTTP/1.1\r\nHost: t\r\n\r\n" + hidden},
  };
}

/// Every invalid framing on its own connection to `s`: 400, a close, nothing smuggled.
void check_invalid_framings(const server_process& s) {
  for (auto& it : invalid_framings(s.uses_tls())) {
    INFO(it.name);
    require_refused_and_closed(probe(s, it.bytes));
  }
  require_nothing_smuggled(s);
}

} // namespace

TEST_CASE("ambiguous or invalid framing gets 400 and a close, and never runs the body",
          "[integration][front][framing]") {
  server_process s;
  s.start();
  check_invalid_framings(s);
}

namespace {

/// The answers sent before a body is read, on `s` (--max-body-bytes 200000, publish token
/// "secret"): a short body is drained, a long one closes, nothing is smuggled.
void check_early_answers(const server_process& s) {
  auto hidden = smuggled("after-401");
  SECTION("a short body is read and dropped: the connection stays in sync") {
    auto r = probe(s, "POST /publish HTTP/1.1\r\nHost: t\r\nContent-Length: "
                        + std::to_string(hidden.size()) + "\r\n\r\n" + hidden);
    INFO(r.answer);
    CHECK(r.status == 401);
    CHECK_FALSE(r.closed);
  }
  SECTION("a body longer than the drain bound: answered with close, never read") {
    std::string padding(100000, ' ');
    auto r = probe(s, "POST /publish HTTP/1.1\r\nHost: t\r\nContent-Length: "
                        + std::to_string(hidden.size() + padding.size()) + "\r\n\r\n" + hidden
                        + padding);
    INFO(r.answer);
    CHECK(r.status == 401);
    CHECK(r.closed);
  }
  SECTION("a body over --max-body-bytes: 413, close") {
    auto r = probe(s, "POST /publish HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer secret\r\n"
                      "Content-Length: 300000\r\n\r\n" + hidden);
    INFO(r.answer);
    CHECK(r.status == 413);
    CHECK(r.closed);
  }
  SECTION("the issue's probe: a lowercase method with a publish as its body") {
    auto r = probe(s, "post /publish HTTP/1.1\r\nHost: t\r\nContent-Length: "
                        + std::to_string(hidden.size()) + "\r\n\r\n" + hidden);
    INFO(r.answer);
    CHECK(r.status == 405);
    CHECK_FALSE(r.closed);
  }
  SECTION("an Expect other than 100-continue: 417, close") {
    auto r = probe(s, "POST /publish HTTP/1.1\r\nHost: t\r\nExpect: magic\r\nContent-Length: "
                        + std::to_string(hidden.size()) + "\r\n\r\n" + hidden);
    INFO(r.answer);
    CHECK(r.status == 417);
    CHECK(r.closed);
  }
  require_nothing_smuggled(s);
}

/// The options check_early_answers() needs (--max-body-bytes 200000, the publish token
/// "secret"), then `args`.
agg::test::server_options early_answer_options(std::vector<std::string> args = {}) {
  agg::test::server_options options;
  options.extra_args = {"--max-body-bytes", "200000"};
  options.extra_args.insert(options.extra_args.end(), args.begin(), args.end());
  options.env = {{"EVENT_AGGREGATOR_PUBLISH_TOKEN", "secret"}};
  return options;
}

} // namespace

TEST_CASE("a request answered before its body is read drains the body or closes, and never "
          "runs it",
          "[integration][front][framing]") {
  server_process s{early_answer_options()};
  s.start();
  check_early_answers(s);
}

TEST_CASE("field values are taken verbatim, never percent-decoded", "[integration][front][framing]") {
  agg::test::server_options options;
  options.env = {{"EVENT_AGGREGATOR_PUBLISH_TOKEN", "tok%41"}};
  server_process s{options};
  s.start();
  auto body = make_event("verbatim", "1").dump();
  SECTION("a token containing %41 matches itself") {
    auto r = probe(s, publish_of(body, "Authorization: Bearer tok%41\r\n"));
    CHECK(r.status == 200);
  }
  SECTION("and not its decoded form") {
    auto r = probe(s, publish_of(body, "Authorization: Bearer tokA\r\n"));
    CHECK(r.status == 403);
    CHECK_FALSE(r.closed);
  }
  SECTION("Connection: %63lose does not close") {
    auto r = probe(s, "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: %63lose\r\n\r\n");
    CHECK(r.status == 200);
    CHECK_FALSE(r.closed);
  }
}

TEST_CASE("an absolute-form target for our own authority is served", "[integration][front][framing]") {
  server_process s;
  s.start();
  auto r = probe(s, "GET http://t/healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(r.status == 200);
  CHECK_FALSE(r.closed);
  auto q = probe(s, "GET http://t/events?topic=none HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(q.status == 200);
  CHECK(response_body(q.answer) == "[]");
}

TEST_CASE("one behaviour: Content-Encoding, Range and multipart get the same answer at any "
          "body size, and no input draws a 500",
          "[integration][front][framing]") {
  server_process s;
  s.start();
  for (int events : {1, 600}) { // ~220 bytes, and ~130 KB: past the loop thread's size
    DYNAMIC_SECTION(events << " events") {
      auto body = agg::test::make_events("coded", "e" + std::to_string(events) + "-", events).dump();
      auto gz = probe(s, publish_of(gzip(body), "Content-Encoding: gzip\r\n"));
      INFO(gz.answer);
      CHECK(gz.status == 200);
      CHECK(json::parse(response_body(gz.answer)).at("unique_processed") == events);
      auto br = probe(s, publish_of(body, "Content-Encoding: br\r\n"));
      CHECK(br.status == 415);
      CHECK(error_of(br) == "unsupported_encoding");
      CHECK_FALSE(br.closed);
      auto broken = probe(s, publish_of(body, "Content-Encoding: gzip\r\n"));
      CHECK(broken.status == 400);
      auto ranged = probe(s, publish_of(body, "Range: bytes=x\r\n"));
      CHECK(ranged.status == 200); // a duplicate now: Range on a POST is ignored
      auto multipart = probe(s, publish_of("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                                           + body + "\r\n--b--\r\n",
                                           "Content-Type: multipart/form-data; boundary=b\r\n"));
      CHECK(multipart.status == 400);
      CHECK(error_of(multipart) == "invalid_json");
    }
  }
  CHECK(s.log_tail(100000).find("internal error") == std::string::npos);
}

namespace {

/// Nine pipelined requests of mixed routes (publishes, reads, errors) on one connection to
/// `s`: nine answers, in order.
void check_pipelining(const server_process& s) {
  raw_socket c{s.port(), s.uses_tls()};
  std::string all = publish_of(make_event("piped", "1").dump()) + "GET /stats HTTP/1.1\r\nHost: t\r\n\r\n"
                    + healthz + "GET /events?topic=piped&limit=10 HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /publish HTTP/1.1\r\nHost: t\r\n\r\n" + publish_of("{oops")
                    + "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"
                    + publish_of(make_event("piped", "2").dump());
  REQUIRE(c.send(all));
  std::vector<int> statuses;
  std::vector<std::string> answers;
  for (int i = 0; i < 9; ++i) {
    auto a = c.read_response();
    answers.push_back(a);
    statuses.push_back(response_status(a));
  }
  CHECK(statuses == std::vector<int>{200, 200, 200, 200, 404, 405, 400, 200, 200});
  CHECK(response_body(answers[3]).find("\"event_id\":\"1\"") != std::string::npos);
  CHECK(agg::test::fetch_events(s, "piped").size() == 2);
}

} // namespace

TEST_CASE("N pipelined requests of mixed routes get N answers, in order",
          "[integration][front][framing]") {
  server_process s;
  s.start();
  check_pipelining(s);
}

TEST_CASE("a body that arrives late and is invalid gets its 400, and the next request its "
          "answer",
          "[integration][front][framing]") {
  server_process s;
  s.start();
  raw_socket c{s.port()};
  REQUIRE(c.send("POST /publish HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n"));
  REQUIRE(c.send("{oops" + healthz));
  auto first = c.read_response();
  CHECK(response_status(first) == 400);
  CHECK(response_status(c.read_response()) == 200);
}

TEST_CASE("a client that half-closes after its request still gets the answer",
          "[integration][front][framing]") {
  server_process s;
  s.start();
  raw_socket c{s.port()};
  REQUIRE(c.send(publish_of(make_event("half", "1").dump())));
  c.shutdown_send();
  auto answer = c.read_response();
  CHECK(response_status(answer) == 200);
  CHECK(c.wait_closed(10s));
  CHECK(agg::test::fetch_events(s, "half").size() == 1);
}

// The same probes over TLS: the front frames a TLS connection's decrypted bytes with the same
// code, and these prove that nothing on the TLS path (its reads, its close) differs.
namespace {

std::vector<std::string> tls_args(const agg::test::temp_dir& dir) {
  auto c = agg::test::make_certificate(dir, "probe");
  return {"--tls-cert", c.cert, "--tls-key", c.key};
}

} // namespace

TEST_CASE("over TLS, ambiguous or invalid framing gets 400 and a close, and never runs the body",
          "[integration][front][framing][tls]") {
  agg::test::temp_dir dir;
  server_process s{tls_args(dir)};
  s.start();
  check_invalid_framings(s);
}

TEST_CASE("over TLS, a request answered before its body is read drains the body or closes",
          "[integration][front][framing][tls]") {
  agg::test::temp_dir dir;
  server_process s{early_answer_options(tls_args(dir))};
  s.start();
  check_early_answers(s);
}

TEST_CASE("over TLS, N pipelined requests of mixed routes get N answers, in order",
          "[integration][front][framing][tls]") {
  agg::test::temp_dir dir;
  server_process s{tls_args(dir)};
  s.start();
  check_pipelining(s);
}
