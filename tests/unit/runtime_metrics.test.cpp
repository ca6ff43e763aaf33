#include <catch2/catch.hpp>

#include "actor_fixture.hpp"
#include "http/routes/metrics_text.hpp"

using agg::test::actor_fixture;
using agg::test::is_ready;

TEST_CASE("the writer observes each commit's size and its queue", "[actors][metrics]") {
  actor_fixture f;
  std::vector<std::future<agg::publish_outcome>> answers;
  for (int i = 0; i < 3; ++i)
    answers.push_back(f.publish({f.make_event("t", std::to_string(i))}));
  f.run_only(f.shard);
  // Only the writer has mail now: three messages are the three batches, queued; the flush
  // it sent itself after the first is not handled yet.
  for (int i = 0; i < 3; ++i)
    REQUIRE(f.sched->try_run_once());
  CHECK(f.metrics->writer_queued_events == 3);
  CHECK(f.store->commits == 0);
  f.sched->run();
  CHECK(f.store->commits == 1);
  CHECK(f.metrics->writer_queued_events == 0);
  CHECK(f.metrics->commit_events == 3);
  // 3 events fall in the bucket le=5 (the third bound).
  CHECK(f.metrics->commit_sizes[2] == 1);
  CHECK(f.metrics->commit_sizes[0] + f.metrics->commit_sizes[1] == 0);
  CHECK(f.metrics->commits_failed == 0);
}

TEST_CASE("after a failed commit the writer's probe tries a write until one succeeds",
          "[actors][readyz]") {
  actor_fixture f;
  auto healthy = f.probe_writer();
  REQUIRE(healthy);
  CHECK(*healthy);
  CHECK(f.store->probes == 0); // while commits succeed it does not touch the store

  f.store->failures_left = 2; // the commit, then the first probe
  auto answer = f.publish({f.make_event("t", "1")});
  f.sched->run();
  REQUIRE(is_ready(answer));
  CHECK(answer.get().error);
  CHECK(f.metrics->commits_failed == 1);

  auto still_down = f.probe_writer();
  CHECK_FALSE(still_down);
  CHECK(still_down.error() == agg::ec::storage_failure);
  auto up = f.probe_writer();
  REQUIRE(up);
  CHECK(*up);
  CHECK(f.store->probes == 2);
  auto after = f.probe_writer(); // recovered: no more store probes
  CHECK(after);
  CHECK(f.store->probes == 2);
}

TEST_CASE("per-topic metrics keep the N largest topics and sum the rest", "[metrics]") {
  agg::metrics_inputs in;
  agg::select_top_topics({{"a", 9}, {"b\"q", 5}, {"c", 2}, {"d", 1}}, 2, in);
  agg::runtime_metrics rt;
  rt.observe_commit(7);
  in.runtime = &rt;
  auto text = agg::render_metrics(in, agg::http_metrics{});
  CHECK(text.find("\nevent_aggregator_topic_stored_events{topic=\"a\"} 9\n") != std::string::npos);
  CHECK(text.find("\nevent_aggregator_topic_stored_events{topic=\"b\\\"q\"} 5\n")
        != std::string::npos);
  CHECK(text.find("topic=\"c\"") == std::string::npos);
  CHECK(text.find("\nevent_aggregator_other_topics_stored_events 3\n") != std::string::npos);
  CHECK(text.find("\nevent_aggregator_other_topics 2\n") != std::string::npos);
  CHECK(text.find("\nevent_aggregator_commit_size_events_bucket{le=\"5\"} 0\n")
        != std::string::npos);
  CHECK(text.find("\nevent_aggregator_commit_size_events_bucket{le=\"10\"} 1\n")
        != std::string::npos);
  CHECK(text.find("\nevent_aggregator_commit_size_events_sum 7\n") != std::string::npos);
}
