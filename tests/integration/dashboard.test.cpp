#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>

#include "support/events.hpp"
#include "support/server_process.hpp"
#include "support/shell.hpp"

using agg::test::json;
using agg::test::make_event;
using agg::test::make_events;
using agg::test::run_shell;
using agg::test::server_process;

namespace {


/// True when chromium is installed; FAILs under CI (install-deps.sh installs it there).
bool have_chromium() {
  if (std::system("command -v chromium >/dev/null 2>&1") == 0)
    return true;
  const char* ci = std::getenv("CI");
  if (ci && std::string{ci} == "true")
    FAIL("chromium is not installed (Debian package chromium, see scripts/install-deps.sh)");
  WARN("chromium not installed: the dashboard was not rendered");
  return false;
}

/// The DOM of `url` after its scripts ran, as headless Chromium serialises it. Virtual
/// time lets the page's timers and fetches run without the test waiting in real time.
std::string rendered_dom(const std::string& url) {
  agg::test::temp_dir profile("agg-chromium-");
  auto [code, dom] = run_shell("timeout 120 chromium --headless --no-sandbox --disable-gpu "
                               "--no-first-run --user-data-dir='"
                               + profile.path().string()
                               + "' --virtual-time-budget=5000 --dump-dom '" + url
                               + "' 2>/dev/null");
  INFO("chromium exited with " << code);
  REQUIRE(code == 0);
  return dom;
}

/// The text of the element with `id` in `dom` (a leaf element), or "" when absent.
std::string text_of(const std::string& dom, const std::string& id) {
  std::smatch m;
  if (std::regex_search(dom, m, std::regex{"id=\"" + id + "\"[^>]*>([^<]*)<"}))
    return m[1].str();
  return {};
}

} // namespace

TEST_CASE("GET / serves a self-contained page that loads nothing from other hosts",
          "[integration][dashboard]") {
  server_process server;
  server.start();
  auto r = server.get("/");
  INFO(r.describe());
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "text/html; charset=utf-8");
  // Browsers enforce it: nothing but inline code and requests to this server.
  auto csp = r.header("Content-Security-Policy");
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("connect-src 'self'") != std::string::npos);
  auto& page = r.body;
  CHECK(page.rfind("<!doctype html>", 0) == 0);
  // No absolute URL at all, and nothing that would load a resource: every fetch is a path.
  CHECK_FALSE(std::regex_search(page, std::regex{R"(https?:|//[A-Za-z0-9.-]+\.[A-Za-z])",
                                                 std::regex::icase}));
  CHECK_FALSE(std::regex_search(page, std::regex{R"(\b(src|href)\s*=|@import|url\()",
                                                 std::regex::icase}));
  for (auto path : {"/stats", "/stats/history", "/topics", "/readyz"})
    CHECK(page.find(std::string{"\""} + path) != std::string::npos);
  CHECK(server.send("POST", "/").status == 405);
}

TEST_CASE("GET /topics lists stored events per topic, most first, with a bounded list",
          "[integration][dashboard]") {
  server_process server;
  server.start();
  agg::test::publish_ok(server, make_events("big", "b", 5));
  agg::test::publish_ok(server, make_events("mid", "m", 3));
  agg::test::publish_ok(server, make_events("mid", "m", 3)); // duplicates count nowhere here
  agg::test::publish_ok(server, make_event("small", "s"));
  auto all = server.get("/topics");
  REQUIRE(all.status == 200);
  CHECK(all.json()
        == json{{"topics", {{{"topic", "big"}, {"events", 5}},
                            {{"topic", "mid"}, {"events", 3}},
                            {{"topic", "small"}, {"events", 1}}}},
                {"total_topics", 3},
                {"other_topics", 0},
                {"other_events", 0}});
  auto top = server.get("/topics?limit=1");
  REQUIRE(top.status == 200);
  CHECK(top.json()
        == json{{"topics", {{{"topic", "big"}, {"events", 5}}}},
                {"total_topics", 3},
                {"other_topics", 2},
                {"other_events", 4}});
  auto message = agg::test::require_error(server.get("/topics?limit=0"), 400, "invalid_query");
  CHECK(message == "query parameter limit must be a whole number from 1 to 10000, got \"0\"");
}

TEST_CASE("GET /stats/history holds one-second samples of the counters, oldest first",
          "[integration][dashboard]") {
  server_process server;
  server.start();
  agg::test::publish_ok(server, make_events("h", "e", 4));
  agg::test::publish_ok(server, make_events("h", "e", 2)); // 2 duplicates
  // The stats actor samples once a second: poll until a sample shows the publishes.
  json body;
  for (int i = 0; i < 500; ++i) {
    auto r = server.get("/stats/history");
    REQUIRE(r.status == 200);
    body = r.json();
    if (body.at("samples").back().at("received") == 6)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  INFO(body.dump());
  CHECK(body.at("interval_seconds") == 1.0);
  auto& samples = body.at("samples");
  REQUIRE(samples.size() >= 2);
  CHECK(samples.front().at("received") == 0); // taken at start-up
  auto last = samples.back();
  CHECK(last.at("received") == 6);
  CHECK(last.at("unique_processed") == 4);
  CHECK(last.at("duplicate_dropped") == 2);
  for (size_t i = 1; i < samples.size(); ++i) {
    CHECK(samples[i].at("uptime").get<double>() > samples[i - 1].at("uptime").get<double>());
    CHECK(samples[i].at("received").get<int64_t>() >= samples[i - 1].at("received").get<int64_t>());
  }
}

TEST_CASE("with a read token, /topics and /stats/history need it, the page does not",
          "[integration][dashboard][auth]") {
  server_process server(agg::test::server_options{
    {}, std::nullopt, {{"EVENT_AGGREGATOR_READ_TOKEN", "dashboard-secret"}}});
  server.start();
  CHECK(server.get("/").status == 200);
  for (auto path : {"/topics", "/stats/history"}) {
    agg::test::check_error(server.get(path), 401, "unauthorized");
    auto cli = server.client();
    auto r = agg::test::to_reply(
      cli.Get(path, {{"Authorization", "Bearer dashboard-secret"}}));
    CHECK(r.status == 200);
  }
}

TEST_CASE("in headless Chromium the dashboard shows the server's real totals and topics",
          "[integration][dashboard][chromium]") {
  if (!have_chromium())
    return;
  server_process server;
  server.start();
  agg::test::publish_ok(server, make_events("orders-7f3a", "o", 7));
  agg::test::publish_ok(server, make_events("payments-91c2", "p", 3));
  agg::test::publish_ok(server, make_events("payments-91c2", "p", 2)); // 2 duplicates
  auto stats = server.stats();
  REQUIRE(stats.at("received") == 12);

  auto dom = rendered_dom("http://127.0.0.1:" + std::to_string(server.port()) + "/");
  INFO("rendered DOM:\n" << dom.substr(0, 6000));
  // Set by the script after its first successful refresh: the JS ran and its fetches worked.
  CHECK(dom.find("data-state=\"loaded\"") != std::string::npos);
  CHECK(text_of(dom, "received") == "12");
  CHECK(text_of(dom, "unique") == "10");
  CHECK(text_of(dom, "duplicates") == "2");
  CHECK(text_of(dom, "topic-count") == "2");
  // Topic rows in count order, with their counts.
  std::smatch m;
  REQUIRE(std::regex_search(
    dom, m,
    std::regex{R"(data-topic="orders-7f3a"><td>orders-7f3a</td><td class="n">7</td>.*data-topic="payments-91c2"><td>payments-91c2</td><td class="n">3</td>)"}));
  // The charts were drawn from the history (at least the start-up sample and one more).
  CHECK(std::regex_search(dom, std::regex{R"(id="ingest-chart" data-points="[0-9]+")"}));
  CHECK(dom.find("id=\"ready\" class=\"pill ready\"") != std::string::npos);
}
