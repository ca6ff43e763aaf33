#include "core/tokens.hpp"

#include <fstream>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

namespace {

// A fake environment for load_tokens.
agg::env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

} // namespace

TEST_CASE("tokens come from the environment when no file is given", "[tokens]") {
  agg::config cfg;
  auto err = agg::load_tokens(
    cfg, env_of({{"EVENT_AGGREGATOR_PUBLISH_TOKEN", "p1"}, {"EVENT_AGGREGATOR_READ_TOKEN", "r1"}}));
  CHECK(err.empty());
  CHECK(cfg.publish_token == "p1");
  CHECK(cfg.read_token == "r1");
  SECTION("unset or empty variables leave the routes open") {
    agg::config open;
    CHECK(agg::load_tokens(open, env_of({{"EVENT_AGGREGATOR_READ_TOKEN", ""}})).empty());
    CHECK(open.publish_token.empty());
    CHECK(open.read_token.empty());
  }
}

TEST_CASE("a token file wins over the environment and loses its surrounding whitespace",
          "[tokens]") {
  agg::test::temp_dir dir;
  auto path = (dir / "publish.token").string();
  std::ofstream{path} << "  file-token\n";
  agg::config cfg;
  cfg.publish_token_file = path;
  auto err = agg::load_tokens(cfg, env_of({{"EVENT_AGGREGATOR_PUBLISH_TOKEN", "env-token"}}));
  CHECK(err.empty());
  CHECK(cfg.publish_token == "file-token");
}

TEST_CASE("an unusable token is a start-up error that never quotes the token", "[tokens]") {
  agg::test::temp_dir dir;
  agg::config cfg;
  SECTION("a missing file") {
    cfg.read_token_file = (dir / "absent").string();
    CHECK(agg::load_tokens(cfg, env_of({}))
          == "option --read-token-file: cannot read " + cfg.read_token_file);
  }
  SECTION("an empty file") {
    cfg.publish_token_file = (dir / "empty").string();
    std::ofstream{cfg.publish_token_file} << "\n";
    CHECK(agg::load_tokens(cfg, env_of({}))
          == "option --publish-token-file: " + cfg.publish_token_file + " holds no token");
  }
  SECTION("a space inside the token") {
    cfg.publish_token_file = (dir / "spaced").string();
    std::ofstream{cfg.publish_token_file} << "two words";
    auto err = agg::load_tokens(cfg, env_of({}));
    CHECK(err.find("may only hold visible ASCII") != std::string::npos);
    CHECK(err.find("two words") == std::string::npos);
  }
  SECTION("a control byte in the environment") {
    auto err = agg::load_tokens(cfg, env_of({{"EVENT_AGGREGATOR_READ_TOKEN", "a\tb"}}));
    CHECK(err.rfind("environment variable EVENT_AGGREGATOR_READ_TOKEN ", 0) == 0);
  }
}
