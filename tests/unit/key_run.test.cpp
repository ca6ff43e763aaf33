#include "storage/key_index/key_run.hpp"

#include <catch2/catch.hpp>

TEST_CASE("a run's fences name the blocks that can hold a hash", "[key_run]") {
  agg::key_run run;
  run.fences = {10, 20, 20, 30};
  using range = std::pair<size_t, size_t>;
  CHECK(run.blocks_for(5) == range{0, 0});   // before every entry
  CHECK(run.blocks_for(10) == range{0, 1});
  CHECK(run.blocks_for(15) == range{0, 1});
  // 20 starts blocks 1 and 2 and may end block 0.
  CHECK(run.blocks_for(20) == range{0, 3});
  CHECK(run.blocks_for(25) == range{2, 3});
  CHECK(run.blocks_for(99) == range{3, 4});
}

TEST_CASE("blocks and fences come back as they were written", "[key_run]") {
  std::vector<agg::key_entry> entries = {{1, 5}, {UINT64_MAX, INT64_MAX}, {42, 0}};
  auto bytes = agg::encode_block(entries.data(), entries.size());
  CHECK(bytes.size() == 3 * agg::key_run::entry_bytes);
  std::vector<agg::key_entry> back;
  agg::decode_block(bytes, back);
  REQUIRE(back.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(back[i].hash == entries[i].hash);
    CHECK(back[i].seq == entries[i].seq);
  }
  std::vector<uint64_t> fences = {3, 1, 4, 1, 5};
  CHECK(agg::decode_fences(agg::encode_fences(fences)) == fences);
  // A full block fits one 4 KiB page with its row header.
  CHECK(agg::key_run::entries_per_block * agg::key_run::entry_bytes <= 4061 - 8);
}
