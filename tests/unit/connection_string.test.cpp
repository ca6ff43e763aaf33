#include "core/connection_string.hpp"

#include <catch2/catch.hpp>

using agg::redact_password;

TEST_CASE("a connection string's password never reaches the log", "[options][postgres]") {
  SECTION("URI userinfo") {
    CHECK(redact_password("postgresql://ea:s3cret@db.example:5432/events")
          == "postgresql://ea:***@db.example:5432/events");
    CHECK(redact_password("postgres://ea:p%40ss@db/events?sslmode=require")
          == "postgres://ea:***@db/events?sslmode=require");
  }
  SECTION("URI query parameter") {
    CHECK(redact_password("postgresql://db/events?user=ea&password=s3cret&sslmode=require")
          == "postgresql://db/events?user=ea&password=***&sslmode=require");
    CHECK(redact_password("postgresql:///events?password=x")
          == "postgresql:///events?password=***");
  }
  SECTION("key=value form, bare and quoted") {
    CHECK(redact_password("host=db password=s3cret dbname=events")
          == "host=db password=*** dbname=events");
    CHECK(redact_password("password = 'it\\'s secret' host=db") == "password = *** host=db");
  }
  SECTION("nothing to hide stays as it was") {
    CHECK(redact_password("postgresql://ea@db/events") == "postgresql://ea@db/events");
    CHECK(redact_password("host=/tmp/pg port=5432 user=ea dbname=x")
          == "host=/tmp/pg port=5432 user=ea dbname=x");
  }
}
