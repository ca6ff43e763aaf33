#include "storage/key_index/hot_keys.hpp"

#include <catch2/catch.hpp>

namespace {

std::vector<int64_t> seqs_of(const agg::hot_keys& keys, uint64_t hash) {
  std::vector<int64_t> seqs;
  keys.any_of(hash, [&](int64_t seq) {
    seqs.push_back(seq);
    return false;
  });
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

} // namespace

TEST_CASE("hot keys find every seq with a hash, and forget the newest on truncate", "[hot_keys]") {
  agg::hot_keys keys;
  // Enough to grow the table several times, with some hashes shared and some colliding
  // in their low bits (the table's slot).
  for (int64_t seq = 1; seq <= 5000; ++seq)
    keys.add(static_cast<uint64_t>(seq % 1000) << 20, seq);
  CHECK(keys.size() == 5000);
  CHECK(seqs_of(keys, 7 << 20) == std::vector<int64_t>{7, 1007, 2007, 3007, 4007});
  CHECK(seqs_of(keys, 12345).empty());
  CHECK(keys.any_of(7 << 20, [](int64_t seq) { return seq == 3007; }));

  SECTION("truncate drops what came after the mark") {
    keys.truncate(2500);
    CHECK(keys.size() == 2500);
    CHECK(seqs_of(keys, 7 << 20) == std::vector<int64_t>{7, 1007, 2007});
  }
  SECTION("sorted() gives run order: by hash, then seq") {
    auto sorted = keys.sorted();
    REQUIRE(sorted.size() == 5000);
    CHECK(std::is_sorted(sorted.begin(), sorted.end()));
    CHECK(sorted[0].hash == 0);
    CHECK(sorted[0].seq == 1000);
    CHECK(sorted[1].seq == 2000);
  }
  SECTION("clear empties it") {
    keys.clear();
    CHECK(keys.size() == 0);
    CHECK(seqs_of(keys, 7 << 20).empty());
  }
}
