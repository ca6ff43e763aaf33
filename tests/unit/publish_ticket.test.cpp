#include "bridge/publish_ticket.hpp"

#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "core/errors.hpp"

TEST_CASE("the ticket answers once every part reported, summing them", "[ticket]") {
  agg::publish_ticket ticket{3, 10};
  auto f = ticket.outcome();
  ticket.part_done(2, 1);
  ticket.part_done(3, 0);
  CHECK(f.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);
  ticket.part_done(1, 3);
  auto o = f.get();
  CHECK(o.received == 10);
  CHECK(o.unique == 6);
  CHECK(o.duplicates == 4);
  CHECK_FALSE(o.error);
}

TEST_CASE("one failed part fails the whole ticket", "[ticket]") {
  agg::publish_ticket ticket{2, 2};
  auto f = ticket.outcome();
  ticket.part_done(0, 0, agg::make_error(agg::ec::storage_failure, "disk full"));
  ticket.part_done(1, 0);
  auto o = f.get();
  CHECK(agg::error_text(o.error) == "disk full");
}

TEST_CASE("parts reported from many threads are all counted", "[ticket]") {
  constexpr int parts = 64;
  agg::publish_ticket ticket{parts, parts};
  auto f = ticket.outcome();
  std::vector<std::thread> threads;
  for (int i = 0; i < parts; ++i)
    threads.emplace_back([&] { ticket.part_done(1, 0); });
  for (auto& t : threads)
    t.join();
  CHECK(f.get().unique == parts);
}

TEST_CASE("a ticket dropped unanswered breaks its promise instead of hanging", "[ticket]") {
  std::future<agg::publish_outcome> f;
  {
    auto ticket = std::make_shared<agg::publish_ticket>(1, 1);
    f = ticket->outcome();
  }
  CHECK_THROWS_AS(f.get(), std::future_error);
}

TEST_CASE("a ticket with a callback calls it once with the outcome, or with shutting_down when "
          "dropped unanswered",
          "[ticket]") {
  std::vector<agg::publish_outcome> seen;
  SECTION("answered") {
    {
      agg::publish_ticket ticket{2, 3};
      ticket.on_outcome([&](agg::publish_outcome o) { seen.push_back(std::move(o)); });
      ticket.part_done(1, 0);
      CHECK(seen.empty());
      ticket.part_done(1, 1);
    }
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].unique == 2);
    CHECK(seen[0].duplicates == 1);
    CHECK_FALSE(seen[0].error);
  }
  SECTION("dropped") {
    {
      agg::publish_ticket ticket{2, 3};
      ticket.on_outcome([&](agg::publish_outcome o) { seen.push_back(std::move(o)); });
      ticket.part_done(1, 0);
    }
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].error == agg::ec::shutting_down);
  }
}
