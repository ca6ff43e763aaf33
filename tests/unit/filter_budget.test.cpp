#include "storage/key_index/filter_budget.hpp"

#include <catch2/catch.hpp>

using agg::bits_for_run;
using agg::false_maybe_rate;

TEST_CASE("the false-maybe model falls with bits per key", "[key_index][budget]") {
  CHECK(false_maybe_rate(0) == 1.0);
  CHECK(false_maybe_rate(16) == Approx(0.001).margin(0.0005));
  CHECK(false_maybe_rate(10) == Approx(0.0096).margin(0.002));
  CHECK(false_maybe_rate(8) == Approx(0.025).margin(0.005));
  for (double b = 1; b < 31; b += 0.5)
    REQUIRE(false_maybe_rate(b + 0.5) < false_maybe_rate(b));
}

TEST_CASE("bits per key follow Monkey: fewer for larger runs, the budget shared out",
          "[key_index][budget]") {
  std::vector<uint64_t> others{64'000'000, 16'000'000, 4'000'000};
  double room = 100e6 * 8; // 100 MB of filters for 84M keys plus the new run.
  SECTION("a small new run gets more bits per key than a large one") {
    auto small = bits_for_run(262'144, others, room, 16);
    auto large = bits_for_run(16'000'000, others, room, 16);
    CHECK(small > large);
    CHECK(small <= 16);
  }
  SECTION("the runs' bits add up to the budget") {
    std::vector<uint64_t> rest{16'000'000, 4'000'000};
    auto b64 = bits_for_run(64'000'000, rest, room, 16);
    auto b16 = bits_for_run(16'000'000, {64'000'000, 4'000'000}, room, 16);
    auto b4 = bits_for_run(4'000'000, {64'000'000, 16'000'000}, room, 16);
    CHECK(64e6 * b64 + 16e6 * b16 + 4e6 * b4 == Approx(room).epsilon(0.01));
    // Four times the keys, about ln 4 / ln(2)^2 = 2.9 fewer bits per key.
    CHECK(b16 - b64 == Approx(2.885).margin(0.05));
  }
  SECTION("plenty of room gives every run the most; none gives none") {
    CHECK(bits_for_run(1000, others, 1e12, 16) == 16);
    CHECK(bits_for_run(1000, others, 0, 16) == 0);
  }
}

TEST_CASE("the fold goes where it costs the fewest false maybes per byte", "[key_index][budget]") {
  // Two runs at 16 bits per key: halving the large one's partition frees more bytes for the
  // same rise in its rate, and each of its partitions takes fewer of the lookups.
  std::vector<agg::key_run> runs(2);
  runs[0].filter = agg::run_filter{2};
  runs[1].filter = agg::run_filter{0};
  for (size_t p = 0; p < 4; ++p)
    runs[0].filter.set(p, agg::bloom_filter::with_blocks(32), 1024); // 16 bits per key
  runs[1].filter.set(0, agg::bloom_filter::with_blocks(8), 256);
  auto choice = agg::choose_fold(runs);
  REQUIRE(choice);
  CHECK(choice->run == 0);
  SECTION("a run already folded twice as far is left alone for the other") {
    for (size_t p = 0; p < 4; ++p)
      for (int i = 0; i < 2; ++i)
        runs[0].filter.fold(p);
    auto next = agg::choose_fold(runs);
    REQUIRE(next);
    CHECK(next->run == 1);
  }
}
