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
