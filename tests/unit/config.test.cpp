#include "core/cli.hpp"

#include <fstream>
#include <vector>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

namespace {

agg::cli_result parse(std::vector<const char*> args) {
  args.insert(args.begin(), "event-aggregator");
  // An empty environment: EVENT_AGGREGATOR_* variables of the test run must not leak in.
  return agg::parse_command_line(static_cast<int>(args.size()), args.data(), {});
}

} // namespace

TEST_CASE("defaults hold when no option is given", "[config]") {
  auto r = parse({});
  REQUIRE(r.what == agg::cli_result::action::run);
  CHECK(r.cfg.host == "127.0.0.1");
  CHECK(r.cfg.port == 8080);
  CHECK(r.cfg.data_dir == "./data");
  CHECK(r.cfg.database_path() == "./data/events.db");
  CHECK(r.cfg.max_events >= 10000);
  CHECK(r.cfg.max_body_bytes >= 8u << 20);
  CHECK(r.cfg.sync == agg::sync_mode::full); // durable by default (issue 17)
}

TEST_CASE("options take '--name value' and '--name=value'", "[config]") {
  auto r = parse({"--host", "0.0.0.0", "--port=9000", "--data-dir", "/tmp/x", "--shards", "8",
                  "--sync=normal", "--max-events", "5"});
  REQUIRE(r.what == agg::cli_result::action::run);
  CHECK(r.cfg.host == "0.0.0.0");
  CHECK(r.cfg.port == 9000);
  CHECK(r.cfg.data_dir == "/tmp/x");
  CHECK(r.cfg.shards == 8);
  CHECK(r.cfg.sync == agg::sync_mode::normal);
  CHECK(r.cfg.max_events == 5);
  CHECK(parse({"--actor-scheduler", "sharing"}).cfg.actor_sharing);
  CHECK_FALSE(parse({"--actor-scheduler=stealing"}).cfg.actor_sharing);
}

TEST_CASE("bad options are errors that name the option", "[config]") {
  SECTION("unknown option") {
    auto r = parse({"--prot", "1"});
    CHECK(r.what == agg::cli_result::action::error);
    CHECK(r.message == "unknown option --prot (see --help)");
  }
  SECTION("not a number") {
    auto r = parse({"--port", "80a"});
    CHECK(r.what == agg::cli_result::action::error);
    CHECK(r.message == "option --port needs a whole number from 0 to 65535, got \"80a\"");
  }
  SECTION("out of range") {
    CHECK(parse({"--port", "65536"}).what == agg::cli_result::action::error);
    CHECK(parse({"--shards", "0"}).what == agg::cli_result::action::error);
  }
  SECTION("missing value") {
    auto r = parse({"--port"});
    CHECK(r.what == agg::cli_result::action::error);
    CHECK(r.message == "option --port needs a value");
  }
  SECTION("bad sync mode") {
    auto r = parse({"--sync", "sometimes"});
    CHECK(r.message == "option --sync takes normal or full, got \"sometimes\"");
  }
  SECTION("bad actor scheduler") {
    auto r = parse({"--actor-scheduler", "fifo"});
    CHECK(r.message == "option --actor-scheduler takes stealing or sharing, got \"fifo\"");
  }
  SECTION("positional argument") {
    CHECK(parse({"serve"}).what == agg::cli_result::action::error);
  }
}

TEST_CASE("--help lists every option with its default", "[config]") {
  CHECK(parse({"--help"}).what == agg::cli_result::action::help);
  auto text = agg::help_text();
  for (auto name : {"--host", "--port", "--data-dir", "--shards", "--http-threads",
                    "--key-index-run-keys", "--max-body-bytes", "--max-events", "--max-depth",
                    "--sync", "--config", "--publish-timeout-ms"})
    CHECK(text.find(name) != std::string::npos);
  CHECK(text.find("(default 8080)") != std::string::npos);
}

TEST_CASE("a config file sets options and the command line overrides it", "[config]") {
  agg::test::temp_dir dir;
  auto path = (dir / "aggregator.conf").string();
  std::ofstream{path} << "# comment\nport = 9100\nshards=3  # trailing comment\n"
                         "data-dir = \"/var/lib/agg\"\n\n";
  auto r = parse({"--config", path.c_str(), "--shards", "5"});
  REQUIRE(r.what == agg::cli_result::action::run);
  CHECK(r.cfg.port == 9100);
  CHECK(r.cfg.shards == 5);
  CHECK(r.cfg.data_dir == "/var/lib/agg");
  SECTION("an unknown key in the file is an error with its line") {
    std::ofstream{path} << "port = 1\nshard = 2\n";
    auto bad = parse({"--config", path.c_str()});
    CHECK(bad.what == agg::cli_result::action::error);
    CHECK(bad.message == path + ":2: unknown option --shard (see --help)");
  }
  SECTION("a missing file is an error") {
    auto bad = parse({"--config", "/nonexistent/agg.conf"});
    CHECK(bad.message == "cannot read config file /nonexistent/agg.conf");
  }
}

TEST_CASE("the TLS certificate and key options go together", "[config][tls]") {
  auto both = parse({"--tls-cert", "/c.pem", "--tls-key=/k.pem"});
  REQUIRE(both.what == agg::cli_result::action::run);
  CHECK(both.cfg.tls_cert == "/c.pem");
  CHECK(both.cfg.tls_key == "/k.pem");
  for (auto* one : {"--tls-cert", "--tls-key"}) {
    auto r = parse({one, "/x.pem"});
    CHECK(r.what == agg::cli_result::action::error);
    CHECK(r.message == "options --tls-cert and --tls-key go together: give both or neither");
  }
}

TEST_CASE("the postgres store needs a connection string, whose password is never shown",
          "[config][postgres]") {
  auto missing = parse({"--store", "postgres"});
  CHECK(missing.what == agg::cli_result::action::error);
  CHECK(missing.message
        == "option --store postgres needs --postgres-url (or EVENT_AGGREGATOR_POSTGRES_URL): the "
           "libpq connection string of the database, e.g. postgresql://user@host/dbname");
  auto args = std::vector<const char*>{"event-aggregator", "--store", "postgres"};
  auto from_env = agg::parse_command_line(
    3, args.data(), {{"EVENT_AGGREGATOR_POSTGRES_URL", "postgresql://ea:s3cret@db/events"}});
  REQUIRE(from_env.what == agg::cli_result::action::run);
  CHECK(from_env.cfg.store == agg::store_kind::postgres);
  CHECK(from_env.cfg.postgres_url == "postgresql://ea:s3cret@db/events");
  auto shown = agg::describe(from_env.cfg);
  CHECK(shown.find("s3cret") == std::string::npos);
  CHECK(shown.find("postgres-url = postgresql://ea:***@db/events") != std::string::npos);
  auto bad = parse({"--store", "mysql"});
  CHECK(bad.message == "option --store takes sqlite or postgres, got \"mysql\"");
  // The default is unchanged: the embedded store, with no URL needed.
  CHECK(parse({}).cfg.store == agg::store_kind::sqlite);
}

TEST_CASE("the start-up description shows whether a token is set, never the token",
          "[config][auth]") {
  agg::config cfg;
  CHECK(agg::describe(cfg).find("publish-token = <none>\nread-token = <none>")
        != std::string::npos);
  cfg.publish_token = "pub-secret";
  cfg.read_token = "read-secret";
  auto text = agg::describe(cfg);
  CHECK(text.find("publish-token = <set>\nread-token = <set>") != std::string::npos);
  CHECK(text.find("secret") == std::string::npos);
  CHECK(agg::help_text().find("--publish-token-file") != std::string::npos);
}
