#include <catch2/catch.hpp>

#include <signal.h>

#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/events.hpp"
#include "support/publish_load.hpp"
#include "support/server_process.hpp"

using agg::test::json;
using agg::test::make_event;
using agg::test::server_options;
using agg::test::server_process;

namespace {

/// The server's own log lines: the harness adds "=== test harness ..." lines to the file.
std::vector<std::string> server_lines(const server_process& server) {
  std::vector<std::string> lines;
  std::istringstream in{server.log_tail(1 << 22)};
  for (std::string line; std::getline(in, line);)
    if (line.rfind("=== test harness", 0) != 0 && line.rfind("...", 0) != 0)
      lines.push_back(line);
  return lines;
}

/// Every line parsed as JSON; REQUIREs that each one is an object with ts, level and msg.
std::vector<json> json_lines(const server_process& server) {
  std::vector<json> parsed;
  for (auto& line : server_lines(server)) {
    INFO("line: " << line);
    auto j = json::parse(line, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    REQUIRE(j.is_object());
    REQUIRE(j.at("ts").is_string());
    REQUIRE(j.at("level").is_string());
    REQUIRE(j.at("msg").is_string());
    CHECK(std::set<std::string>{"error", "warn", "info", "debug"}.count(j.at("level")) == 1);
    parsed.push_back(std::move(j));
  }
  return parsed;
}

/// The first line whose msg is `msg` (or starts with it), or null.
json find_msg(const std::vector<json>& lines, const std::string& msg) {
  for (auto& j : lines)
    if (j.at("msg").get<std::string>().rfind(msg, 0) == 0)
      return j;
  return nullptr;
}

} // namespace

TEST_CASE("log format json writes every line as one JSON object, the access log included",
          "[integration][logging]") {
  server_process server({"--log-format", "json", "--access-log", "on"});
  server.start();
  agg::test::publish_ok(server, make_event("logs", "l-1"));
  // A target with a quote, a backslash and a byte that is not UTF-8 still makes valid JSON.
  CHECK(server.get("/x%22%5C%FF?q=\"").status == 404);
  auto stop = server.stop_with(SIGTERM);
  REQUIRE(stop.exited);
  CHECK(stop.code == 0);

  auto lines = json_lines(server);
  INFO("log:\n" << server.log_tail());
  auto start = find_msg(lines, "starting event-aggregator");
  REQUIRE(start.is_object());
  CHECK(start.at("level") == "info");
  CHECK(start.at("log-format") == "json");
  CHECK(start.at("port") == std::to_string(server.port()));
  auto opened = find_msg(lines, "opened the store");
  REQUIRE(opened.is_object());
  CHECK(opened.at("events") == 0); // numbers stay numbers
  auto listening = find_msg(lines, "listening on http://127.0.0.1:");
  REQUIRE(listening.is_object());
  CHECK(listening.at("address") == "http://127.0.0.1:" + std::to_string(server.port()));
  CHECK(find_msg(lines, "received Terminated").is_object());
  CHECK(find_msg(lines, "received Terminated").at("signal") == SIGTERM);
  CHECK(find_msg(lines, "shutdown: HTTP stopped").is_object());
  CHECK(find_msg(lines, "shutdown: counters saved").is_object());
  CHECK(find_msg(lines, "shutdown: actors stopped").is_object());

  std::vector<json> access;
  for (auto& j : lines)
    if (j.at("msg") == "access" && j.at("target") != "/healthz") // the harness's start-up polls
      access.push_back(j);
  REQUIRE(access.size() == 2);
  CHECK(access[0].at("method") == "POST");
  CHECK(access[0].at("target") == "/publish");
  CHECK(access[0].at("status") == 200);
  CHECK(access[0].at("remote") == "127.0.0.1");
  CHECK(access[0].at("duration_ms").is_number());
  CHECK(access[1].at("status") == 404);
  CHECK(access[1].at("target").get<std::string>().rfind("/x%22%5C%FF?q=", 0) == 0);
}

TEST_CASE("the log level filters lines below it, and debug adds detail", "[integration][logging]") {
  SECTION("warn: no info lines, warnings still written") {
    server_options options;
    options.extra_args = {"--log-level", "warn"};
    options.env = {{"EVENT_AGGREGATOR_NO_SUCH_OPTION", "1"}};
    server_process server(options);
    server.start();
    agg::test::publish_ok(server, make_event("lv", "1"));
    REQUIRE(server.stop_with(SIGTERM).code == 0);
    auto lines = server_lines(server);
    INFO("log:\n" << server.log_tail());
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find(" WARN ignoring environment variable EVENT_AGGREGATOR_NO_SUCH_OPTION")
          != std::string::npos);
  }
  SECTION("error with json: a clean run writes nothing") {
    server_process server({"--log-level", "error", "--log-format", "json"});
    server.start();
    agg::test::publish_ok(server, make_event("lv", "1"));
    REQUIRE(server.stop_with(SIGTERM).code == 0);
    INFO("log:\n" << server.log_tail());
    CHECK(server_lines(server).empty());
  }
  SECTION("debug: the lines of info and more") {
    server_process server({"--log-level", "debug", "--log-format", "json"});
    server.start();
    REQUIRE(server.stop_with(SIGTERM).code == 0);
    auto lines = json_lines(server);
    INFO("log:\n" << server.log_tail());
    auto actors = find_msg(lines, "actors started");
    REQUIRE(actors.is_object());
    CHECK(actors.at("level") == "debug");
    CHECK(actors.at("shards") == 4);
    CHECK(find_msg(lines, "listening").is_object());
  }
}

TEST_CASE("a bad log level or log format stops the server with exit code 2",
          "[integration][logging]") {
  auto level = agg::test::run_server_binary({"--log-level", "verbose"});
  CHECK(level.status.code == 2);
  CHECK(level.output.find("option --log-level takes error, warn, info or debug, got \"verbose\"")
        != std::string::npos);
  auto format = agg::test::run_server_binary({}, std::chrono::seconds(10),
                                             {{"EVENT_AGGREGATOR_LOG_FORMAT", "xml"}});
  CHECK(format.status.code == 2);
  CHECK(format.output.find("EVENT_AGGREGATOR_LOG_FORMAT: option --log-format takes text or json")
        != std::string::npos);
}

TEST_CASE("a failed commit is logged once as an error, and the recovery as info",
          "[integration][logging][storage]") {
  server_options options;
  options.file_size_limit = 1u << 20; // writes past 1 MiB fail: a full disk without root
  options.extra_args = {"--log-format", "json"};
  server_process server(options);
  server.start();
  bool failed = false;
  for (int request = 0; request < 40 && !failed; ++request)
    failed = server.post_json("/publish", agg::test::heavy_batch(request)).status == 503;
  REQUIRE(failed);
  server.set_file_size_limit(RLIM_INFINITY);
  agg::test::publish_ok(server, make_event("after", "a-1"));
  REQUIRE(server.stop_with(SIGTERM).code == 0);
  auto lines = json_lines(server);
  INFO("log:\n" << server.log_tail());
  auto failure = find_msg(lines, "commit failed");
  REQUIRE(failure.is_object());
  CHECK(failure.at("level") == "error");
  CHECK(failure.at("error").get<std::string>().find("commit failed") != std::string::npos);
  CHECK(failure.at("events").get<int>() > 0);
  auto recovered = find_msg(lines, "commits succeed again");
  REQUIRE(recovered.is_object());
  CHECK(recovered.at("level") == "info");
  CHECK(recovered.at("failed_commits").get<int>() >= 1);
}

TEST_CASE("overload refusals are counted in /metrics and logged at most once per 10 s",
          "[integration][logging][overload]") {
  server_process server({"--max-inflight-events", "1", "--log-format", "json"});
  server.start();
  auto started = std::chrono::steady_clock::now();
  agg::test::load_options options;
  options.threads = 8; // with at most one event in flight, concurrent batches get refused
  options.id_prefix = "ov-";
  options.single_percent = 0;
  size_t refused = 0;
  {
    agg::test::publish_load load(server, options);
    for (int i = 0; i < 3000 && load.refused_requests() < 50; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    load.stop();
    refused = load.refused_requests();
    CHECK(load.unexpected() == 0);
  }
  auto elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE(refused >= 50);

  auto metrics = server.get("/metrics").body;
  std::smatch m;
  REQUIRE(std::regex_search(metrics, m,
                            std::regex{R"(\nevent_aggregator_overload_refusals_total (\d+)\n)"}));
  auto counted = std::stoull(m[1].str());
  CHECK(counted >= 1);
  CHECK(counted <= refused); // refused also holds any other 503 the load saw

  REQUIRE(server.stop_with(SIGTERM).code == 0);
  auto lines = json_lines(server);
  std::vector<json> warnings;
  for (auto& j : lines)
    if (j.at("msg") == "refusing publishes: overloaded")
      warnings.push_back(j);
  INFO("refused " << refused << " in " << elapsed_s << " s; log:\n" << server.log_tail());
  REQUIRE_FALSE(warnings.empty());
  CHECK(warnings.size() <= 1 + static_cast<size_t>(elapsed_s / 10));
  CHECK(warnings[0].at("level") == "warn");
  CHECK(warnings[0].at("refused") == 1);
  CHECK(warnings[0].at("max_inflight_events") == 1);
}
