#include "storage/key_index/bloom_filter.hpp"

#include <random>

#include <catch2/catch.hpp>

TEST_CASE("a Bloom filter never forgets a key and rarely invents one", "[bloom]") {
  std::mt19937_64 rng{7};
  constexpr size_t keys = 100'000;
  agg::bloom_filter filter{keys, 16};
  std::vector<uint64_t> stored(keys);
  for (auto& h : stored) {
    h = rng();
    filter.insert(h);
  }
  for (auto h : stored)
    REQUIRE(filter.may_contain(h));
  size_t false_maybes = 0;
  for (size_t i = 0; i < keys; ++i)
    false_maybes += filter.may_contain(rng()) ? 1 : 0;
  // About 0.2% is expected at 16 bits per key; 1% would mean the bits are badly spread.
  CHECK(false_maybes < keys / 100);

  SECTION("its bytes make the same filter again") {
    auto copy = agg::bloom_filter::from_bytes(filter.bytes());
    CHECK(copy.blocks() == filter.blocks());
    CHECK(copy.bytes() == filter.bytes());
    for (size_t i = 0; i < 1000; ++i)
      CHECK(copy.may_contain(stored[i]));
  }
}

TEST_CASE("a filter sized for no keys still works, and unreadable bytes say maybe", "[bloom]") {
  agg::bloom_filter tiny{0, 16};
  CHECK(tiny.blocks() == 1);
  tiny.insert(42);
  CHECK(tiny.may_contain(42));
  auto broken = agg::bloom_filter::from_bytes("not a whole block");
  CHECK(broken.blocks() == 0);
  CHECK(broken.may_contain(1));
  CHECK(broken.may_contain(2));
}

TEST_CASE("a folded filter keeps every key and says maybe more often", "[bloom]") {
  std::mt19937_64 rng{9};
  constexpr size_t keys = 20'000;
  // 20,000 keys at 16 bits: 625 blocks, rounded to 640 (5 x 128) so it folds seven times.
  auto blocks = agg::bloom_filter::foldable_blocks(keys * 16.0);
  CHECK(blocks == 640);
  auto filter = agg::bloom_filter::with_blocks(blocks);
  std::vector<uint64_t> stored(keys);
  for (auto& h : stored) {
    h = rng();
    filter.insert(h);
  }
  auto false_maybes = [&] {
    std::mt19937_64 absent{10};
    size_t n = 0;
    for (size_t i = 0; i < keys; ++i)
      n += filter.may_contain(absent()) ? 1 : 0;
    return n;
  };
  auto at16 = false_maybes();
  REQUIRE(filter.can_fold());
  filter.fold();
  CHECK(filter.blocks() == 320);
  for (auto h : stored)
    REQUIRE(filter.may_contain(h));
  auto at8 = false_maybes();
  // About 0.1% at 16 bits per key and 2.5% at 8 (filter_budget's model).
  CHECK(at16 < keys / 200);
  CHECK(at8 > at16);
  CHECK(at8 < keys / 20);
  SECTION("down to one block, which still holds every key") {
    while (filter.can_fold())
      filter.fold();
    CHECK(filter.blocks() == 5);
    for (auto h : stored)
      REQUIRE(filter.may_contain(h));
  }
}
