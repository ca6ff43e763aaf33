#include "actors/key_table.hpp"

#include <map>

#include <catch2/catch.hpp>

using agg::key_table;
using state = key_table::found;

TEST_CASE("a new key is pending for its owner until its write resolves", "[key_table]") {
  key_table keys;
  auto first = keys.find_or_add("a", 7);
  CHECK(first.state == state::absent);
  auto again = keys.find_or_add("a", 9);
  CHECK(again.state == state::pending);
  CHECK(again.owner == 7);
  CHECK(keys.pending_size() == 1);
  SECTION("keys are exact: no case folding or trimming") {
    CHECK(keys.find_or_add("A", 1).state == state::absent);
    CHECK(keys.find_or_add("a ", 1).state == state::absent);
  }
  SECTION("a released key is forgotten: the store decides about it from then on") {
    keys.release(first.entry);
    CHECK(keys.pending_size() == 0);
    auto later = keys.find_or_add("a", 2);
    CHECK(later.state == state::absent);
    CHECK(later.owner == 2);
  }
}

TEST_CASE("the key table agrees with a reference model under churn", "[key_table]") {
  // Many keys through a small table exercise growth, probing and backward-shift deletion.
  key_table keys;
  std::map<std::string, std::pair<uint64_t, uint32_t>> pending; // key -> owner, entry
  for (int i = 0; i < 30000; ++i) {
    auto key = "k" + std::to_string((i * 7919) % 4001);
    auto hit = keys.find_or_add(std::string{key}, i + 1);
    if (auto p = pending.find(key); p != pending.end()) {
      REQUIRE(hit.state == state::pending);
      REQUIRE(hit.owner == p->second.first);
    } else {
      REQUIRE(hit.state == state::absent);
      pending[key] = {i + 1, hit.entry};
    }
    // Resolve the pending key with the smallest name now and then.
    if (i % 3 == 0 && !pending.empty()) {
      keys.release(pending.begin()->second.second);
      pending.erase(pending.begin());
    }
    REQUIRE(keys.pending_size() == pending.size());
  }
  for (auto& [key, held] : pending) {
    auto hit = keys.find_or_add(std::string{key}, 0);
    CHECK(hit.state == state::pending);
    CHECK(hit.owner == held.first);
  }
}
