#include "storage/key_index/run_filter.hpp"

#include <random>

#include <catch2/catch.hpp>

TEST_CASE("a run filter's partitions split the hashes by their top bits", "[key_index]") {
  agg::run_filter filter{3};
  CHECK(filter.partitions() == 8);
  CHECK(filter.partition_of(0) == 0);
  CHECK(filter.partition_of(UINT64_MAX) == 7);
  CHECK(filter.first_hash(1) == uint64_t{1} << 61);
  CHECK(filter.first_hash(8) == UINT64_MAX);
  CHECK(filter.partition_of(filter.first_hash(5)) == 5);
  CHECK(filter.partition_of(filter.first_hash(5) - 1) == 4);
  CHECK(filter.memory_bytes() < 1024); // Nothing built yet...
  CHECK(filter.may_contain(42));       // ...and an unbuilt partition says maybe.

  for (size_t p = 0; p < 8; ++p)
    filter.build(p, 16);
  auto built = filter.memory_bytes();
  std::mt19937_64 rng{3};
  std::vector<uint64_t> keys(4000);
  for (auto& h : keys) {
    h = rng();
    filter.insert(h);
  }
  uint64_t total = 0;
  for (size_t p = 0; p < 8; ++p)
    total += filter.at(p).keys;
  CHECK(total == keys.size());
  for (auto h : keys)
    REQUIRE(filter.may_contain(h));
  size_t false_maybes = 0;
  for (int i = 0; i < 4000; ++i)
    false_maybes += filter.may_contain(rng()) ? 1 : 0;
  CHECK(false_maybes < 40); // 16 x 512 bits for 500 keys each: 16 bits per key, ~0.1%.

  SECTION("folding and giving back change the memory it reports") {
    filter.fold(2);
    CHECK(filter.memory_bytes() == built - 8 * 64);
    filter.release(3);
    CHECK(filter.memory_bytes() == built - 8 * 64 - 16 * 64);
    for (auto h : keys)
      REQUIRE(filter.may_contain(h)); // A given-back partition says maybe.
  }
}
