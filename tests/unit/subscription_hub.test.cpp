#include "bridge/subscription_hub.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using agg::committed_event;
using agg::stored_event;
using agg::subscription_hub;

namespace {

committed_event ev(int64_t seq, const std::string& topic) {
  return std::make_shared<const agg::committed_event_data>(
    stored_event{seq, {topic, "id", "t", "s", "{}"}});
}

std::vector<int64_t> seqs(const std::vector<committed_event>& events) {
  std::vector<int64_t> out;
  for (auto& e : events)
    out.push_back(e->event.seq);
  return out;
}

constexpr std::chrono::milliseconds no_wait{0};

} // namespace

TEST_CASE("the hub queues only the topics a subscriber asked for, in order", "[hub]") {
  auto hub = std::make_shared<subscription_hub>(4, 100);
  CHECK_FALSE(hub->has_subscribers());
  auto sub = hub->subscribe({"b", "a", "b"});
  REQUIRE(sub);
  CHECK(hub->has_subscribers());
  CHECK(sub->queue().topics() == std::vector<std::string>{"a", "b"});
  hub->deliver({ev(1, "a"), ev(2, "c"), ev(3, "b")});
  hub->deliver({ev(4, "a")});
  CHECK(hub->snapshot().queued_events == 3);
  auto taken = sub->queue().wait(no_wait);
  CHECK(seqs(taken.events) == std::vector<int64_t>{1, 3, 4});
  CHECK_FALSE(taken.overflowed);
  CHECK_FALSE(taken.waited);
  CHECK(sub->queue().wait(no_wait).waited);
}

TEST_CASE("an overflowing queue is emptied, flagged once, and then fills again", "[hub]") {
  auto hub = std::make_shared<subscription_hub>(4, 2);
  auto sub = hub->subscribe({"a"});
  hub->deliver({ev(1, "a"), ev(2, "a"), ev(3, "a")});
  hub->deliver({ev(4, "a")}); // dropped: the reader reads the store past it anyway
  CHECK(hub->snapshot().queued_events == 0);
  CHECK(hub->snapshot().overflows == 1);
  auto taken = sub->queue().wait(no_wait);
  CHECK(taken.overflowed);
  CHECK(taken.events.empty());
  hub->deliver({ev(5, "a")});
  taken = sub->queue().wait(no_wait);
  CHECK_FALSE(taken.overflowed);
  CHECK(seqs(taken.events) == std::vector<int64_t>{5});
}

TEST_CASE("the hub refuses subscribers past its cap and frees a place on unsubscribe", "[hub]") {
  auto hub = std::make_shared<subscription_hub>(2, 10);
  auto a = hub->subscribe({"t"});
  auto b = hub->subscribe({"t"});
  CHECK(a);
  CHECK(b);
  CHECK_FALSE(hub->subscribe({"t"}));
  a.reset();
  CHECK(hub->snapshot().subscribers == 1);
  CHECK(hub->subscribe({"t"}));
}

TEST_CASE("closing the hub wakes a waiting reader and refuses new subscribers", "[hub]") {
  auto hub = std::make_shared<subscription_hub>(2, 10);
  auto sub = hub->subscribe({"t"});
  std::thread closer{[&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    hub->close();
  }};
  auto taken = sub->queue().wait(std::chrono::seconds(60));
  closer.join();
  CHECK(taken.closed);
  CHECK(hub->closed());
  CHECK_FALSE(hub->subscribe({"t"}));
}
