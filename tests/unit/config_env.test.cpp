#include "core/cli.hpp"

#include <fstream>
#include <vector>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

namespace {

agg::cli_result parse(std::vector<const char*> args, const agg::environment& env) {
  args.insert(args.begin(), "event-aggregator");
  return agg::parse_command_line(static_cast<int>(args.size()), args.data(), env);
}

} // namespace

TEST_CASE("an option's variable is EVENT_AGGREGATOR_ and its name upper-cased, '-' as '_'",
          "[config][env]") {
  CHECK(agg::env_name("port") == "EVENT_AGGREGATOR_PORT");
  CHECK(agg::env_name("data-dir") == "EVENT_AGGREGATOR_DATA_DIR");
  CHECK(agg::env_name("max-body-bytes") == "EVENT_AGGREGATOR_MAX_BODY_BYTES");
}

TEST_CASE("every option can come from the environment", "[config][env]") {
  auto r = parse({}, {{"EVENT_AGGREGATOR_PORT", "9001"},
                      {"EVENT_AGGREGATOR_DATA_DIR", "/srv/agg"},
                      {"EVENT_AGGREGATOR_MAX_BODY_BYTES", "4096"},
                      {"EVENT_AGGREGATOR_SYNC", "normal"},
                      {"EVENT_AGGREGATOR_HOST", "0.0.0.0"}});
  REQUIRE(r.what == agg::cli_result::action::run);
  CHECK(r.cfg.port == 9001);
  CHECK(r.cfg.data_dir == "/srv/agg");
  CHECK(r.cfg.max_body_bytes == 4096);
  CHECK(r.cfg.sync == agg::sync_mode::normal);
  CHECK(r.cfg.host == "0.0.0.0");
  CHECK(r.warnings.empty());
  SECTION("each option reads its variable exactly as its command-line flag") {
    for (auto& name : agg::option_names()) {
      for (const char* value : {"x", "12", "on"}) {
        INFO("option " << name << " = " << value);
        auto flag = "--" + name;
        auto from_cli = parse({flag.c_str(), value}, {});
        auto from_env = parse({}, {{agg::env_name(name), value}});
        REQUIRE(from_env.what == from_cli.what);
        if (from_cli.what == agg::cli_result::action::run)
          CHECK(agg::describe(from_env.cfg) == agg::describe(from_cli.cfg));
        else if (from_cli.message.rfind("option --" + name + " ", 0) == 0)
          CHECK(from_env.message == "environment variable " + agg::env_name(name) + ": "
                                      + from_cli.message);
        else // checked once all sources merged: --tls-cert needs --tls-key, token files
          CHECK(from_env.message == from_cli.message);
      }
    }
  }
}

TEST_CASE("precedence: command line, then environment, then config file, then default",
          "[config][env]") {
  agg::test::temp_dir dir;
  auto path = (dir / "agg.conf").string();
  std::ofstream{path} << "port = 9100\nshards = 3\nmax-events = 7\n";
  agg::environment env{{"EVENT_AGGREGATOR_PORT", "9200"}, {"EVENT_AGGREGATOR_SHARDS", "5"}};
  auto r = parse({"--config", path.c_str(), "--port", "9300"}, env);
  REQUIRE(r.what == agg::cli_result::action::run);
  CHECK(r.cfg.port == 9300);       // command line over environment and file
  CHECK(r.cfg.shards == 5);        // environment over file
  CHECK(r.cfg.max_events == 7);    // file over default
  CHECK(r.cfg.max_page == 10000);  // default
  SECTION("EVENT_AGGREGATOR_CONFIG names the file when --config does not") {
    auto viaenv = parse({}, {{"EVENT_AGGREGATOR_CONFIG", path}});
    REQUIRE(viaenv.what == agg::cli_result::action::run);
    CHECK(viaenv.cfg.port == 9100);
    auto missing = parse({}, {{"EVENT_AGGREGATOR_CONFIG", "/nonexistent.conf"}});
    CHECK(missing.message == "cannot read config file /nonexistent.conf");
  }
  SECTION("an empty variable counts as unset") {
    auto empty = parse({"--config", path.c_str()}, {{"EVENT_AGGREGATOR_PORT", ""}});
    REQUIRE(empty.what == agg::cli_result::action::run);
    CHECK(empty.cfg.port == 9100);
  }
}

TEST_CASE("an invalid variable is an error naming the variable", "[config][env]") {
  auto r = parse({}, {{"EVENT_AGGREGATOR_PORT", "80a"}});
  CHECK(r.what == agg::cli_result::action::error);
  CHECK(r.message == "environment variable EVENT_AGGREGATOR_PORT: option --port needs a whole "
                     "number from 0 to 65535, got \"80a\"");
  SECTION("even when the command line would override it") {
    // A broken deployment setting should not hide behind a flag that happens to win today.
    auto masked = parse({"--port", "1"}, {{"EVENT_AGGREGATOR_PORT", "80a"}});
    CHECK(masked.what == agg::cli_result::action::error);
  }
}

TEST_CASE("unknown EVENT_AGGREGATOR_ variables are warnings, tokens are known",
          "[config][env]") {
  auto r = parse({}, {{"EVENT_AGGREGATOR_PROT", "1"},
                      {"EVENT_AGGREGATOR_PUBLISH_TOKEN", "p"},
                      {"EVENT_AGGREGATOR_READ_TOKEN", "r"},
                      {"EVENT_AGGREGATOR_CONFIG", ""},
                      {"OTHER_PORT", "1"}});
  REQUIRE(r.what == agg::cli_result::action::run);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0] == "ignoring environment variable EVENT_AGGREGATOR_PROT: no such option "
                         "(see --help)");
  CHECK(r.cfg.publish_token == "p"); // the tokens still come from the injected environment
  CHECK(r.cfg.read_token == "r");
}

TEST_CASE("--help names each option's variable", "[config][env]") {
  auto text = agg::help_text();
  for (auto& name : agg::option_names())
    CHECK(text.find("env " + agg::env_name(name) + "\n") != std::string::npos);
  CHECK(text.find("env EVENT_AGGREGATOR_CONFIG") != std::string::npos);
}
