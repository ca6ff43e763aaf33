#include "http/routes/auth.hpp"

#include <catch2/catch.hpp>

using agg::access_need;
using agg::auth_tokens;
using agg::auth_verdict;
using agg::check_access;

TEST_CASE("constant_time_equal is plain equality", "[auth]") {
  CHECK(agg::constant_time_equal("secret", "secret"));
  CHECK_FALSE(agg::constant_time_equal("secreT", "secret"));
  CHECK_FALSE(agg::constant_time_equal("secret", "secrets")); // a prefix
  CHECK_FALSE(agg::constant_time_equal("secrets", "secret")); // longer
  CHECK_FALSE(agg::constant_time_equal("", "secret"));
  CHECK_FALSE(agg::constant_time_equal(std::string_view{"secret\0", 7}, "secret"));
  CHECK(agg::constant_time_equal("", ""));
}

TEST_CASE("bearer_token takes the token of a Bearer header only", "[auth]") {
  CHECK(agg::bearer_token("Bearer abc") == "abc");
  CHECK(agg::bearer_token("bearer abc") == "abc"); // the scheme is case-insensitive
  CHECK(agg::bearer_token("BEARER  abc ") == "abc");
  CHECK_FALSE(agg::bearer_token("Bearer"));
  CHECK_FALSE(agg::bearer_token("Bearer "));
  CHECK_FALSE(agg::bearer_token("Bearerabc"));
  CHECK_FALSE(agg::bearer_token("Basic YWxhZGRpbjpvcGVuc2VzYW1l"));
  CHECK_FALSE(agg::bearer_token(""));
}

TEST_CASE("without tokens every route is open", "[auth]") {
  auth_tokens none;
  CHECK(check_access(none, access_need::publish, std::nullopt) == auth_verdict::allowed);
  CHECK(check_access(none, access_need::read, std::nullopt) == auth_verdict::allowed);
  CHECK(check_access(none, access_need::read, "Bearer junk") == auth_verdict::allowed);
}

TEST_CASE("a publish token guards publishing and leaves reads open", "[auth]") {
  auth_tokens t{"pub", ""};
  CHECK(check_access(t, access_need::publish, std::nullopt) == auth_verdict::unauthorized);
  CHECK(check_access(t, access_need::publish, "Basic cHViOg==") == auth_verdict::unauthorized);
  CHECK(check_access(t, access_need::publish, "Bearer nope") == auth_verdict::forbidden);
  CHECK(check_access(t, access_need::publish, "Bearer pubx") == auth_verdict::forbidden);
  CHECK(check_access(t, access_need::publish, "Bearer pub") == auth_verdict::allowed);
  CHECK(check_access(t, access_need::read, std::nullopt) == auth_verdict::allowed);
}

TEST_CASE("a read token guards reads and the publish token may read too", "[auth]") {
  auth_tokens t{"pub", "rd"};
  CHECK(check_access(t, access_need::read, std::nullopt) == auth_verdict::unauthorized);
  CHECK(check_access(t, access_need::read, "Bearer nope") == auth_verdict::forbidden);
  CHECK(check_access(t, access_need::read, "Bearer rd") == auth_verdict::allowed);
  CHECK(check_access(t, access_need::read, "Bearer pub") == auth_verdict::allowed);
  SECTION("the read token cannot publish") {
    CHECK(check_access(t, access_need::publish, "Bearer rd") == auth_verdict::forbidden);
  }
  SECTION("with only a read token, publishing stays open") {
    auth_tokens read_only{"", "rd"};
    CHECK(check_access(read_only, access_need::publish, std::nullopt) == auth_verdict::allowed);
    CHECK(check_access(read_only, access_need::read, "Bearer ") == auth_verdict::unauthorized);
  }
}
