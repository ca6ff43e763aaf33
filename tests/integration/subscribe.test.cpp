#include "subscribe_client.hpp"
#include "support/events.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

using agg::test::fetch_events;
using agg::test::json;
using agg::test::make_event;
using agg::test::make_events;
using agg::test::metric;
using agg::test::poll_until;
using agg::test::publish_ok;
using agg::test::require_error;
using agg::test::server_process;
using agg::test::sse_frame;
using agg::test::sse_subscriber;

namespace {

// Heartbeats every 100 ms, so hang-ups are noticed quickly (a hang-up shows at the next write).
std::unique_ptr<server_process> subscribe_server(std::vector<std::string> extra = {}) {
  extra.insert(extra.end(), {"--heartbeat-ms", "100"});
  auto server = std::make_unique<server_process>(std::move(extra));
  server->start();
  return server;
}

std::unique_ptr<sse_subscriber> open_stream(const server_process& s, const std::string& path,
                                            httplib::Headers headers = {}) {
  auto sub = std::make_unique<sse_subscriber>(s.port(), path, std::move(headers));
  REQUIRE(poll_until([&] { return sub->opened() || sub->finished(); }));
  REQUIRE(sub->status() == 200);
  REQUIRE(sub->opened());
  return sub;
}

// Publishes a marker event on `topic` and waits for the stream to deliver it: everything
// the stream was going to send before it has been sent, so the frames can be compared whole.
std::vector<sse_frame> frames_until_marker(const server_process& s, sse_subscriber& sub,
                                           const std::string& topic, const std::string& marker) {
  publish_ok(s, make_event(topic, marker));
  auto has_marker = [&] {
    for (auto& f : sub.frames())
      if (json::parse(f.data).at("event_id") == marker)
        return true;
    return false;
  };
  REQUIRE(poll_until(has_marker));
  return sub.frames();
}

// The seqs of the frames; checks each frame's form: id = seq, event: event, topic wanted.
std::vector<int64_t> seqs_of(const std::vector<sse_frame>& frames) {
  std::vector<int64_t> seqs;
  for (auto& f : frames) {
    INFO("id: " << f.id << " event: " << f.event << " data: " << f.data);
    REQUIRE(f.event == "event");
    auto data = json::parse(f.data);
    REQUIRE(f.id == std::to_string(data.at("seq").get<int64_t>()));
    seqs.push_back(data.at("seq").get<int64_t>());
  }
  return seqs;
}

std::vector<int64_t> stored_seqs(const server_process& s, const std::string& topic) {
  std::vector<int64_t> seqs;
  for (auto& e : fetch_events(s, topic))
    seqs.push_back(e.at("seq").get<int64_t>());
  return seqs;
}

} // namespace

TEST_CASE("a subscriber replays from 0, from the middle and from the newest seq, then goes live",
          "[subscribe]") {
  auto server = subscribe_server();
  auto& s = *server;
  for (int b = 0; b < 3; ++b) {
    publish_ok(s, make_events("r", "r-" + std::to_string(b) + "-", 10));
    publish_ok(s, make_events("other", "o-" + std::to_string(b) + "-", 5));
  }
  auto seqs = stored_seqs(s, "r");
  REQUIRE(seqs.size() == 30);

  SECTION("after=0 replays the whole topic, in seq order, then the live marker") {
    auto sub = open_stream(s, "/subscribe?topic=r&after=0");
    auto got = seqs_of(frames_until_marker(s, *sub, "r", "marker"));
    auto expected = seqs;
    expected.push_back(stored_seqs(s, "r").back());
    CHECK(got == expected);
  }
  SECTION("after=<a middle seq> replays only what came after it") {
    auto sub = open_stream(s, "/subscribe?topic=r&after=" + std::to_string(seqs[14]));
    auto got = seqs_of(frames_until_marker(s, *sub, "r", "marker"));
    std::vector<int64_t> expected(seqs.begin() + 15, seqs.end());
    expected.push_back(stored_seqs(s, "r").back());
    CHECK(got == expected);
  }
  SECTION("after=<the newest seq> replays nothing and delivers the next event") {
    auto sub = open_stream(s, "/subscribe?topic=r&after=" + std::to_string(seqs.back()));
    auto got = seqs_of(frames_until_marker(s, *sub, "r", "marker"));
    CHECK(got == std::vector<int64_t>{stored_seqs(s, "r").back()});
  }
  SECTION("Last-Event-ID wins over after= (EventSource resends the same URL with the header)") {
    auto sub = open_stream(s, "/subscribe?topic=r&after=0",
                           {{"Last-Event-ID", std::to_string(seqs[27])}});
    auto got = seqs_of(frames_until_marker(s, *sub, "r", "marker"));
    CHECK(got == std::vector<int64_t>{seqs[28], seqs[29], stored_seqs(s, "r").back()});
  }
  SECTION("without after or Last-Event-ID only events committed after subscribing arrive") {
    auto sub = open_stream(s, "/subscribe?topic=r");
    auto got = seqs_of(frames_until_marker(s, *sub, "r", "marker"));
    CHECK(got == std::vector<int64_t>{stored_seqs(s, "r").back()});
  }
  SECTION("several topics interleave in seq order; other topics stay out") {
    auto sub = open_stream(s, "/subscribe?topic=r&topic=other&topic=r&after=0");
    auto frames = frames_until_marker(s, *sub, "other", "marker");
    auto got = seqs_of(frames);
    std::vector<int64_t> expected = seqs;
    for (auto seq : stored_seqs(s, "other"))
      expected.push_back(seq);
    std::sort(expected.begin(), expected.end());
    CHECK(got == expected);
    auto marker = make_event("other", "marker");
    marker["seq"] = expected.back();
    CHECK(json::parse(frames.back().data) == marker);
  }
}

TEST_CASE("a subscriber whose buffer overflows catches up from the store, each event once",
          "[subscribe]") {
  // A batch of 300 in one commit cannot fit a queue of 16, whatever the reader's speed.
  auto server = subscribe_server({"--subscriber-buffer", "16"});
  auto& s = *server;
  auto sub = open_stream(s, "/subscribe?topic=burst");
  publish_ok(s, make_events("burst", "b-", 300));
  auto got = seqs_of(frames_until_marker(s, *sub, "burst", "marker"));
  CHECK(got == stored_seqs(s, "burst"));
  CHECK(metric(s, "event_aggregator_subscriber_overflows_total") >= 1);
  CHECK(metric(s, "event_aggregator_subscriber_lagging_closed_total") == 0);
}

TEST_CASE("a subscriber that falls behind past --subscriber-max-catchups gets a resume event "
          "and is closed, and resuming there loses nothing",
          "[subscribe]") {
  auto server = subscribe_server({"--subscriber-buffer", "16", "--subscriber-max-catchups", "0"});
  auto& s = *server;
  publish_ok(s, make_events("lag", "old-", 3));
  auto newest = stored_seqs(s, "lag").back();
  auto sub = open_stream(s, "/subscribe?topic=lag");
  publish_ok(s, make_events("lag", "new-", 100));
  REQUIRE(poll_until([&] { return sub->finished(); }));
  auto frames = sub->frames();
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].event == "resume");
  CHECK(frames[0].id == std::to_string(newest));
  auto data = json::parse(frames[0].data);
  CHECK(data.at("after") == newest);
  CHECK(data.at("reason").get<std::string>().find("Last-Event-ID") != std::string::npos);
  CHECK(metric(s, "event_aggregator_subscriber_lagging_closed_total") == 1);

  sse_subscriber again{s.port(), "/subscribe?topic=lag", {{"Last-Event-ID", frames[0].id}}, 100};
  REQUIRE(poll_until([&] { return again.finished(); }));
  auto all = stored_seqs(s, "lag");
  CHECK(seqs_of(again.frames()) == std::vector<int64_t>(all.begin() + 3, all.end()));
}

TEST_CASE("an idle subscribe stream gets heartbeat comments", "[subscribe]") {
  auto server = subscribe_server();
  auto& s = *server;
  auto sub = open_stream(s, "/subscribe?topic=quiet");
  CHECK(poll_until([&] { return sub->heartbeats() >= 3; }));
  CHECK(sub->frame_count() == 0);
}

TEST_CASE("a disconnected subscriber frees its place (the open subscriber count returns to 0)",
          "[subscribe]") {
  auto server = subscribe_server({"--subscriber-buffer", "1000"});
  auto& s = *server;
  CHECK(metric(s, "event_aggregator_subscribers") == 0);
  {
    auto a = open_stream(s, "/subscribe?topic=x");
    auto b = open_stream(s, "/subscribe?topic=x&after=0");
    auto c = open_stream(s, "/subscribe?topic=x&topic=y");
    CHECK(metric(s, "event_aggregator_subscribers") == 3);
    publish_ok(s, make_events("x", "x-", 50));
    REQUIRE(poll_until([&] { return c->frame_count() == 50; }));
    a->stop();
    b->stop();
    c->stop();
  } // Joined: each client has hung up.
  CHECK(poll_until([&] { return metric(s, "event_aggregator_subscribers") == 0; }));
  CHECK(metric(s, "event_aggregator_subscriber_queued_events") == 0);
}

TEST_CASE("past --max-subscribers a subscribe gets 503 too_many_subscribers, and a freed place "
          "can be taken again",
          "[subscribe]") {
  auto server = subscribe_server({"--max-subscribers", "2"});
  auto& s = *server;
  auto a = open_stream(s, "/subscribe?topic=t");
  auto b = open_stream(s, "/subscribe?topic=t");
  auto r = s.get("/subscribe?topic=t");
  CHECK(require_error(r, 503, "too_many_subscribers")
        == "the server has as many open subscriptions as it allows (--max-subscribers); "
           "retry later");
  CHECK(r.header("Retry-After") == "1");
  a->stop();
  a.reset();
  CHECK(poll_until([&] { return metric(s, "event_aggregator_subscribers") == 1; }));
  auto c = open_stream(s, "/subscribe?topic=t");
  CHECK(metric(s, "event_aggregator_subscribers") == 2);
}

TEST_CASE("a bad subscribe request gets 400 invalid_query naming what is wrong", "[subscribe]") {
  auto server = subscribe_server();
  auto& s = *server;
  CHECK(require_error(s.get("/subscribe"), 400, "invalid_query")
        == "missing query parameter topic (repeat it for several topics)");
  CHECK(require_error(s.get("/subscribe?topic="), 400, "invalid_query")
        == "query parameter topic must be 1 to 1024 bytes (--max-topic-bytes), got 0");
  CHECK(require_error(s.get("/subscribe?topic=a&after=-1"), 400, "invalid_query")
        == "query parameter after must be a whole number from 0 to 9223372036854775807, got "
           "\"-1\"");
  auto cli = s.client();
  auto r = agg::test::to_reply(cli.Get("/subscribe?topic=a", {{"Last-Event-ID", "12x"}}));
  CHECK(require_error(r, 400, "invalid_query")
        == "header Last-Event-ID must be a seq (a whole number from 0 to 9223372036854775807), "
           "got \"12x\"");
  CHECK(require_error(s.send("POST", "/subscribe?topic=a"), 405, "method_not_allowed")
        == "POST is not allowed on /subscribe; use GET, HEAD");
}

TEST_CASE("SIGTERM ends open subscribe streams at once instead of waiting for their heartbeat",
          "[subscribe]") {
  server_process s{{"--heartbeat-ms", "60000"}};
  s.start();
  auto sub = open_stream(s, "/subscribe?topic=t");
  auto status = s.stop_with(SIGTERM, std::chrono::seconds(20));
  INFO(status.describe() << "\n" << s.log_tail());
  CHECK(status.exited);
  CHECK(status.code == 0);
  CHECK(status.elapsed < std::chrono::seconds(15)); // generous: a heartbeat wait would be 60 s
  CHECK(poll_until([&] { return sub->finished(); }));
}

TEST_CASE("with a read token, GET /subscribe needs it", "[subscribe][auth]") {
  agg::test::server_options options;
  options.extra_args = {"--heartbeat-ms", "100"};
  options.env = {{"EVENT_AGGREGATOR_READ_TOKEN", "subscribe-secret-1"}};
  server_process s{options};
  s.start();
  CHECK(require_error(s.get("/subscribe?topic=t"), 401, "unauthorized")
        == "this route needs an Authorization: Bearer <token> header");
  CHECK(metric(s, "event_aggregator_subscribers") == 0); // refused before registering
  auto sub = open_stream(s, "/subscribe?topic=t", {{"Authorization", "Bearer subscribe-secret-1"}});
  CHECK(metric(s, "event_aggregator_subscribers") == 1);
}
