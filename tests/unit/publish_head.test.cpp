#include "http/reactor/publish_head.hpp"

#include <catch2/catch.hpp>

#include <string>

using agg::head_verdict;
using agg::publish_head;
using agg::read_publish_head;

namespace {

head_verdict verdict_of(const std::string& bytes) {
  publish_head head;
  return read_publish_head(bytes, head);
}

} // namespace

TEST_CASE("a POST /publish head with a Content-Length is the reactor's, with its fields",
          "[publish_head]") {
  publish_head head;
  std::string bytes = "POST /publish?x=1 HTTP/1.1\r\nHost: a\r\ncontent-length:  12 \r\n"
                      "Authorization: Bearer t0k\r\nConnection: close\r\n\r\n{\"a\":\"b\"}\r\n\n";
  REQUIRE(read_publish_head(bytes, head) == head_verdict::publish);
  CHECK(head.head_bytes == bytes.find("\r\n\r\n") + 4);
  CHECK(head.content_length == 12);
  CHECK(head.target == "/publish?x=1");
  CHECK(head.authorization == std::optional<std::string>{"Bearer t0k"});
  CHECK(head.close);
}

TEST_CASE("a prefix of a publish head needs more bytes, and anything else is httplib's",
          "[publish_head]") {
  SECTION("prefixes") {
    for (auto* bytes : {"", "P", "POST /pub", "POST /publish HTTP/1.1\r\nContent-Length: 2\r\n"})
      CHECK(verdict_of(bytes) == head_verdict::need_more);
  }
  SECTION("other requests, decided as early as the bytes allow") {
    for (auto* bytes : {"G", "GET /stats HTTP/1.1\r\n\r\n", "POST /publishx HTTP/1.1\r\n\r\n",
                        "POST /events", "PUT /publish"})
      CHECK(verdict_of(bytes) == head_verdict::other);
  }
  SECTION("publish heads it leaves to httplib") {
    const std::string start = "POST /publish HTTP/1.1\r\n";
    for (auto& rest :
         {std::string{"\r\n"},                      // no length
          std::string{"Content-Length: 0\r\n\r\n"}, // empty body
          std::string{"Content-Length: 1\r\nContent-Length: 1\r\n\r\n"},
          std::string{"Content-Length: -1\r\n\r\n"}, std::string{"Content-Length: 1x\r\n\r\n"},
          std::string{"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"},
          std::string{"Content-Length: 2\r\nExpect: 100-continue\r\n\r\n"},
          std::string{"Content-Length: 2\r\n folded\r\n\r\n"},
          std::string{"Content-Length: 2\r\nNo colon\r\n\r\n"},
          std::string{"Content-Length: 2\nHost: a\r\n\r\n"}, // bare LF
          std::string{"Authorization: a\r\nAuthorization: b\r\nContent-Length: 2\r\n\r\n"}})
      CHECK(verdict_of(start + rest) == head_verdict::other);
    CHECK(verdict_of("POST /publish HTTP/1.0\r\nContent-Length: 2\r\n\r\n") == head_verdict::other);
    CHECK(verdict_of("POST /publish  HTTP/1.1\r\nContent-Length: 2\r\n\r\n")
          == head_verdict::other);
  }
}
