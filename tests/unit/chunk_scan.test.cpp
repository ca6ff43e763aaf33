#include "http/server/chunk_scan.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

// Scans `body` whole, then again one byte at a time (lines split across reads), and REQUIREs
// both to agree; returns the first error, or "" (and `done` whether the body ended).
std::string scan_both_ways(const std::string& body, bool& done) {
  agg::chunk_scanner whole{24};
  auto why = whole.scan(body);
  agg::chunk_scanner bytewise{24};
  std::string first;
  for (char c : body)
    if (auto w = bytewise.scan(std::string(1, c)); !w.empty() && first.empty())
      first = w;
  REQUIRE(first == why);
  REQUIRE(whole.done() == bytewise.done());
  done = whole.done();
  return why;
}

} // namespace

TEST_CASE("a chunk scanner passes sound chunked bodies and stops at their end",
          "[chunk_scan]") {
  bool done = false;
  SECTION("chunks, an extension, BWS before it and a trailer") {
    CHECK(scan_both_ways("5\r\nhe\nlo\r\nA ;x=\"y\"\r\n0123456789\r\n0\r\nT: 1\r\n\r\n", done).empty());
    CHECK(done);
  }
  SECTION("chunk data may hold CR and LF in any order") {
    CHECK(scan_both_ways("4\r\n\n\r\r\n\r\n0\r\n\r\n", done).empty());
    CHECK(done);
  }
  SECTION("bytes after the end (a pipelined request) are not its business") {
    CHECK(scan_both_ways("0\r\n\r\nGET / HTTP/1.1\n\n", done).empty());
    CHECK(done);
  }
  SECTION("a body cut short is sound so far") {
    CHECK(scan_both_ways("5\r\nhel", done).empty());
    CHECK_FALSE(done);
  }
}

TEST_CASE("a chunk scanner refuses bare LFs, CRs without LF and overlong lines in a "
          "chunked body",
          "[chunk_scan]") {
  bool done = false;
  CHECK(scan_both_ways("5\nhello\n0\n\n", done) == "a chunk-size line ends in a bare LF, not CRLF");
  CHECK(scan_both_ways("5;a=b\nhello\r\n", done) == "a chunk-size line ends in a bare LF, not CRLF");
  CHECK(scan_both_ways("5\r\nhello\r\n0\n", done) == "a chunk-size line ends in a bare LF, not CRLF");
  CHECK(scan_both_ways("0\r\nT: 1\n\r\n", done) == "a trailer line ends in a bare LF, not CRLF");
  CHECK(scan_both_ways("0\r\n\n", done) == "a trailer line ends in a bare LF, not CRLF");
  CHECK(scan_both_ways("5\r\nhello\n", done) == "a chunk's data is not followed by CRLF");
  CHECK(scan_both_ways("5\rx", done) == "a CR in a chunked body's line is not followed by LF");
  CHECK(scan_both_ways("zz\r\n", done) == "a chunk size is not hexadecimal");
  CHECK(scan_both_ways(";a\r\n", done) == "a chunk size is not hexadecimal");
  CHECK(scan_both_ways("\r\n", done) == "a chunk has no size");
  CHECK(scan_both_ways("11111111111111111\r\n", done) == "a chunk size has more than 16 hex digits");
  CHECK(scan_both_ways("5;a=" + std::string(30, 'b'), done) == "a chunk-size line is longer than 24 bytes");
  CHECK(scan_both_ways("0\r\nT: " + std::string(30, 'b'), done) == "a trailer line is longer than 24 bytes");
  CHECK_FALSE(done);
}
