#include <catch2/catch.hpp>

#include "actor_fixture.hpp"

using agg::test::actor_fixture;
using agg::test::is_ready;

TEST_CASE("a duplicate inside one batch is counted once", "[actors]") {
  actor_fixture f;
  auto answer = f.publish({f.make_event("t", "1"), f.make_event("t", "1"), f.make_event("t", "2")});
  f.sched->run();
  REQUIRE(is_ready(answer));
  auto o = answer.get();
  CHECK_FALSE(o.error);
  CHECK(o.received == 3);
  CHECK(o.unique == 2);
  CHECK(o.duplicates == 1);
  auto s = f.snapshot();
  CHECK(s.unique == 2);
  CHECK(s.duplicates == 1);
  CHECK(s.received == 3);
  CHECK(s.topics == std::vector<std::string>{"t"});
}

TEST_CASE("an answer goes out only after the commit", "[actors]") {
  actor_fixture f;
  auto answer = f.publish({f.make_event("t", "1")});
  f.run_only(f.shard);
  CHECK_FALSE(is_ready(answer));
  CHECK(f.store->commits == 0);
  f.sched->run();
  REQUIRE(is_ready(answer));
  CHECK(f.store->commits == 1);
  CHECK(answer.get().unique == 1);
}

TEST_CASE("a duplicate of a key in a pending commit waits for that commit", "[actors]") {
  actor_fixture f;
  auto first = f.publish({f.make_event("t", "k")});
  auto second = f.publish({f.make_event("t", "k")});
  f.run_only(f.shard);
  // The shard decided the second is a duplicate, but the first is not durable yet.
  CHECK_FALSE(is_ready(first));
  CHECK_FALSE(is_ready(second));
  f.sched->run();
  REQUIRE(is_ready(second));
  auto a = first.get();
  auto b = second.get();
  CHECK_FALSE(a.error);
  CHECK_FALSE(b.error);
  CHECK(a.unique == 1);
  CHECK(b.unique == 0);
  CHECK(b.duplicates == 1);
}

TEST_CASE("if the pending commit fails, neither request gets a success", "[actors]") {
  actor_fixture f;
  f.store->failures_left = 1;
  auto first = f.publish({f.make_event("t", "k")});
  auto second = f.publish({f.make_event("t", "k"), f.make_event("t", "other")});
  f.sched->run();
  REQUIRE(is_ready(first));
  REQUIRE(is_ready(second));
  auto a = first.get();
  auto b = second.get();
  CHECK(a.error == agg::ec::storage_failure);
  CHECK(b.error == agg::ec::storage_failure);
  auto s = f.snapshot();
  CHECK(s.received == 0);
  CHECK(s.topics.empty());

  SECTION("a retry after the fault stores the key: the failed write left no trace") {
    auto retry = f.publish({f.make_event("t", "k")});
    f.sched->run();
    REQUIRE(is_ready(retry));
    auto r = retry.get();
    CHECK_FALSE(r.error);
    CHECK(r.unique == 1);
  }
}

TEST_CASE("a committed key goes to the writer again, whose store finds it stored",
          "[actors]") {
  actor_fixture f;
  auto first = f.publish({f.make_event("t", "k")});
  f.sched->run();
  REQUIRE(first.get().unique == 1);
  auto commits = f.store->commits;
  // The shard forgot the key once its write resolved: only the store's key index knows it.
  auto again = f.publish({f.make_event("t", "k"), f.make_event("t", "new")});
  f.run_only(f.shard);
  CHECK_FALSE(is_ready(again));
  f.sched->run();
  REQUIRE(is_ready(again));
  auto o = again.get();
  CHECK(o.unique == 1);
  CHECK(o.duplicates == 1);
  CHECK(f.store->commits == commits + 1);
  CHECK(f.snapshot().unique == 2);
}

TEST_CASE("the writer group-commits batches that arrive together", "[actors]") {
  actor_fixture f;
  std::vector<std::future<agg::publish_outcome>> answers;
  for (int i = 0; i < 10; ++i)
    answers.push_back(f.publish({f.make_event("t", std::to_string(i))}));
  f.sched->run();
  CHECK(f.store->commits == 1);
  for (auto& a : answers)
    CHECK(a.get().unique == 1);
}

TEST_CASE("the duplicate counter is saved through the writer", "[actors]") {
  actor_fixture f;
  auto a = f.publish({f.make_event("t", "1"), f.make_event("t", "1"), f.make_event("t", "1")});
  f.sched->run();
  REQUIRE(a.get().duplicates == 2);
  caf::scoped_actor self{*f.sys};
  self->send(f.stats_, agg::persist_atom::value);
  f.sched->run();
  bool saved = false;
  self->receive([&](bool ok) { saved = ok; });
  CHECK(saved);
  auto counters = f.store->counters();
  CHECK(counters->unique == 1);
  CHECK(counters->duplicates == 2);
}

TEST_CASE("parts of several requests in one message share one commit, each answered alone",
          "[actors]") {
  actor_fixture f;
  auto answers = f.publish_together({
    {f.make_event("t", "1"), f.make_event("t", "2")},
    {f.make_event("t", "2"), f.make_event("u", "1")}, // "2" is pending in the first part
    {f.make_event("t", "1")},
  });
  f.run_only(f.shard);
  for (auto& a : answers)
    CHECK_FALSE(is_ready(a)); // all wait for the commit, also the duplicates
  f.sched->run();
  CHECK(f.store->commits == 1);
  auto a = answers[0].get();
  auto b = answers[1].get();
  auto c = answers[2].get();
  CHECK((a.unique == 2 && a.duplicates == 0));
  CHECK((b.unique == 1 && b.duplicates == 1));
  CHECK((c.unique == 0 && c.duplicates == 1));
  auto s = f.snapshot();
  CHECK(s.received == 5);
  CHECK(s.unique == 3);
  CHECK(s.duplicates == 2);
  CHECK(s.topics == std::vector<std::string>{"t", "u"});

  SECTION("a later message finds the keys committed") {
    auto again = f.publish_together({{f.make_event("u", "1")}, {f.make_event("t", "3")}});
    f.sched->run();
    CHECK(again[0].get().duplicates == 1);
    CHECK(again[1].get().unique == 1);
    CHECK(f.snapshot().topics == std::vector<std::string>{"t", "u"});
  }
}

TEST_CASE("when the shared commit fails, every part of the message fails", "[actors]") {
  actor_fixture f;
  f.store->failures_left = 1;
  auto answers = f.publish_together({{f.make_event("t", "1")}, {f.make_event("v", "1")}});
  f.sched->run();
  for (auto& a : answers)
    CHECK(a.get().error == agg::ec::storage_failure);
  auto s = f.snapshot();
  CHECK(s.received == 0);
  CHECK(s.topics.empty());
}
