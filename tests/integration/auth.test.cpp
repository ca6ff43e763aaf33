#include "support/events.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <string>

using agg::test::json;
using agg::test::make_event;
using agg::test::reply;
using agg::test::require_error;
using agg::test::server_process;
using agg::test::temp_dir;
using agg::test::to_reply;

namespace {

const std::string publish_secret = "pub-7f3a9c1e";
const std::string read_secret = "read-2b8d4e6f";

/// Writes `token` plus a newline (as `echo` would) to `dir/name`; returns the path.
std::string token_file(const temp_dir& dir, const std::string& name, const std::string& token) {
  auto path = (dir / name).string();
  std::ofstream{path} << token << "\n";
  return path;
}

/// Sets an environment variable for one scope; the server child inherits it.
struct scoped_env {
  scoped_env(const char* name, const std::string& value) : name_(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~scoped_env() { ::unsetenv(name_); }
  const char* name_;
};

httplib::Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

reply publish(const server_process& s, const httplib::Headers& headers, const std::string& id) {
  return to_reply(
    s.client().Post("/publish", headers, make_event("auth", id).dump(), "application/json"));
}

reply read(const server_process& s, const std::string& path, const httplib::Headers& headers) {
  return to_reply(s.client().Get(path, headers));
}

} // namespace

TEST_CASE("with a publish token, POST /publish answers 401 without it, 403 with a wrong one",
          "[integration][auth]") {
  temp_dir dir;
  server_process server({"--publish-token-file", token_file(dir, "pub", publish_secret)});
  server.start();
  auto missing = publish(server, {}, "e1");
  require_error(missing, 401, "unauthorized");
  CHECK(missing.header("WWW-Authenticate") == "Bearer");
  require_error(publish(server, {{"Authorization", "Basic cHViOg=="}}, "e1"), 401, "unauthorized");
  require_error(publish(server, bearer("wrong"), "e1"), 403, "forbidden");
  require_error(publish(server, bearer(publish_secret + "x"), "e1"), 403, "forbidden");
  // Nothing was stored by the refused requests; reads stay open without a read token.
  CHECK(server.stats()["received"] == 0);
  auto ok = publish(server, bearer(publish_secret), "e1");
  INFO(ok.describe());
  CHECK(ok.status == 200);
  CHECK(server.stats()["unique_processed"] == 1);
}

TEST_CASE("a refused publish leaves its keep-alive connection usable", "[integration][auth]") {
  temp_dir dir;
  server_process server({"--publish-token-file", token_file(dir, "pub", publish_secret)});
  server.start();
  auto cli = server.client();
  cli.set_keep_alive(true);
  std::string big = make_event("auth", "big", json{{"blob", std::string(200000, 'x')}}).dump();
  auto refused = to_reply(cli.Post("/publish", big, "application/json"));
  require_error(refused, 401, "unauthorized");
  // The same connection: the refused body must have been read, not taken for a request.
  auto ok = to_reply(cli.Post("/publish", bearer(publish_secret), big, "application/json"));
  INFO(ok.describe());
  CHECK(ok.status == 200);
}

TEST_CASE("with a read token, GET /events and /stats need it or the publish token",
          "[integration][auth]") {
  temp_dir dir;
  server_process server({"--publish-token-file", token_file(dir, "pub", publish_secret),
                         "--read-token-file", token_file(dir, "read", read_secret)});
  server.start();
  REQUIRE(publish(server, bearer(publish_secret), "e1").status == 200);
  for (std::string path : {"/events?topic=auth", "/stats"}) {
    INFO(path);
    auto missing = read(server, path, {});
    require_error(missing, 401, "unauthorized");
    CHECK(missing.header("WWW-Authenticate") == "Bearer");
    require_error(read(server, path, bearer("wrong")), 403, "forbidden");
    CHECK(read(server, path, bearer(read_secret)).status == 200);
    CHECK(read(server, path, bearer(publish_secret)).status == 200);
  }
  CHECK(read(server, "/events?topic=auth", bearer(read_secret)).json().size() == 1);
  SECTION("the read token cannot publish") {
    require_error(publish(server, bearer(read_secret), "e2"), 403, "forbidden");
  }
  SECTION("/healthz stays open") {
    CHECK(read(server, "/healthz", {}).status == 200);
  }
}

TEST_CASE("tokens come from the environment, a token file wins, and the log never shows them",
          "[integration][auth]") {
  temp_dir dir;
  scoped_env publish_env("EVENT_AGGREGATOR_PUBLISH_TOKEN", publish_secret);
  scoped_env read_env("EVENT_AGGREGATOR_READ_TOKEN", "env-read-token");
  server_process server({"--read-token-file", token_file(dir, "read", read_secret)});
  server.start();
  require_error(publish(server, {}, "e1"), 401, "unauthorized");
  CHECK(publish(server, bearer(publish_secret), "e1").status == 200);
  require_error(read(server, "/stats", bearer("env-read-token")), 403, "forbidden");
  CHECK(read(server, "/stats", bearer(read_secret)).status == 200);
  auto log = server.log_tail(1 << 20);
  INFO(log);
  CHECK(log.find("publish-token = <set> read-token = <set>") != std::string::npos);
  CHECK(log.find(publish_secret) == std::string::npos);
  CHECK(log.find(read_secret) == std::string::npos);
  CHECK(log.find("env-read-token") == std::string::npos);
}

TEST_CASE("an unreadable token file stops the server with exit code 2", "[integration][auth]") {
  auto run
    = agg::test::run_server_binary({"--port", "0", "--publish-token-file", "/nonexistent/token"});
  INFO(run.status.describe() << "\noutput:\n" << run.output);
  REQUIRE(run.status.exited);
  CHECK(run.status.code == 2);
  CHECK(run.output.find("cannot read /nonexistent/token") != std::string::npos);
}
