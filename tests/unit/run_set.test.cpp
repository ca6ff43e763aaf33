#include "storage/key_index/run_set.hpp"

#include <catch2/catch.hpp>

namespace {

agg::key_run run(int64_t id, int level, uint64_t entries = 10, int64_t max_seq = 0) {
  agg::key_run r;
  r.id = id;
  r.level = level;
  r.entries = entries;
  r.max_seq = max_seq;
  return r;
}

std::vector<int64_t> ids_of(const agg::merge_plan& plan) {
  std::vector<int64_t> ids;
  for (auto* r : plan.inputs)
    ids.push_back(r->id);
  return ids;
}

} // namespace

TEST_CASE("a run set leaves unfinished runs out and hands out fresh ids", "[key_index]") {
  std::vector<int64_t> unfinished;
  agg::run_set set{{run(1, 1, 40, 40), run(4, -1), run(5, 0, 10, 50)}, unfinished};
  CHECK(unfinished == std::vector<int64_t>{4});
  CHECK(set.runs().size() == 2);
  CHECK(set.indexed_seq() == 50);
  CHECK(set.new_id() == 6); // Past the unfinished run's id too: its blocks may remain.
}

TEST_CASE("the lowest full level merges first, its oldest runs", "[key_index]") {
  std::vector<int64_t> unfinished;
  // Level 1 is full (a cascade cut short), and level 0 too: level 0 goes first.
  agg::run_set set{{run(1, 1), run(2, 1), run(3, 0), run(4, 0), run(5, 0)}, unfinished};
  auto plan = set.pick_merge(2);
  REQUIRE(plan);
  CHECK(plan->level == 0);
  CHECK(ids_of(*plan) == std::vector<int64_t>{3, 4});
  CHECK(plan->entries == 20);
  SECTION("the merged run takes its inputs' place, in id order") {
    set.install({3, 4}, run(6, 1, 20));
    std::vector<int64_t> ids;
    for (auto& r : set.runs())
      ids.push_back(r.id);
    CHECK(ids == std::vector<int64_t>{1, 2, 5, 6});
    auto next = set.pick_merge(2);
    REQUIRE(next);
    CHECK(next->level == 1);
    CHECK(ids_of(*next) == std::vector<int64_t>{1, 2});
  }
  SECTION("with a larger fan-in no level is full") {
    CHECK_FALSE(set.pick_merge(4));
  }
}
