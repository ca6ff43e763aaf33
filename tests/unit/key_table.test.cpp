#include "actors/key_table.hpp"

#include <algorithm>
#include <deque>
#include <map>

#include <catch2/catch.hpp>

using agg::key_table;
using state = key_table::found;

TEST_CASE("a new key is pending for its owner until committed", "[key_table]") {
  key_table keys{4};
  auto first = keys.find_or_add("a", 7);
  CHECK(first.state == state::absent);
  auto again = keys.find_or_add("a", 9);
  CHECK(again.state == state::pending);
  CHECK(again.owner == 7);
  CHECK_FALSE(keys.committed("a"));
  keys.commit(first.entry);
  CHECK(keys.committed("a"));
  CHECK(keys.find_or_add("a", 9).state == state::committed);
  SECTION("keys are exact: no case folding or trimming") {
    CHECK(keys.find_or_add("A", 1).state == state::absent);
    CHECK(keys.find_or_add("a ", 1).state == state::absent);
  }
}

TEST_CASE("a dropped pending key is forgotten", "[key_table]") {
  key_table keys{4};
  auto e = keys.find_or_add("a", 1);
  keys.drop(e.entry);
  CHECK(keys.pending_size() == 0);
  CHECK(keys.find_or_add("a", 2).state == state::absent);
}

TEST_CASE("committed keys leave oldest first, pending keys never leave", "[key_table]") {
  key_table keys{2};
  auto pending = keys.find_or_add("held", 1);
  for (auto k : {"1", "2", "3"})
    keys.commit(keys.find_or_add(k, 2).entry);
  CHECK(keys.committed_size() == 2);
  CHECK_FALSE(keys.committed("1"));
  CHECK(keys.committed("2"));
  CHECK(keys.committed("3"));
  auto held = keys.find_or_add("held", 3);
  CHECK(held.state == state::pending);
  CHECK(held.owner == 1);
  keys.commit(pending.entry);
  CHECK(keys.committed("held"));
  CHECK_FALSE(keys.committed("2"));
}

TEST_CASE("a key table of capacity zero remembers only pending keys", "[key_table]") {
  key_table keys{0};
  auto e = keys.find_or_add("a", 1);
  CHECK(keys.find_or_add("a", 2).state == state::pending);
  keys.commit(e.entry);
  CHECK(keys.committed_size() == 0);
  CHECK(keys.find_or_add("a", 3).state == state::absent);
}

TEST_CASE("the key table agrees with a reference model under churn", "[key_table]") {
  // Many keys through a small table exercise growth, probing and backward-shift deletion.
  constexpr size_t capacity = 37;
  key_table keys{capacity};
  std::deque<std::string> committed;                      // Oldest first.
  std::map<std::string, std::pair<uint64_t, uint32_t>> pending; // key -> owner, entry
  for (int i = 0; i < 30000; ++i) {
    auto key = "k" + std::to_string((i * 7919) % 4001);
    auto hit = keys.find_or_add(std::string{key}, i + 1);
    bool is_committed = std::find(committed.begin(), committed.end(), key) != committed.end();
    if (is_committed) {
      REQUIRE(hit.state == state::committed);
    } else if (auto p = pending.find(key); p != pending.end()) {
      REQUIRE(hit.state == state::pending);
      REQUIRE(hit.owner == p->second.first);
    } else {
      REQUIRE(hit.state == state::absent);
      pending[key] = {i + 1, hit.entry};
    }
    // Resolve the pending key with the smallest name now and then: commit or drop.
    if (i % 3 == 0 && !pending.empty()) {
      auto p = pending.begin();
      if (i % 2 == 0) {
        keys.commit(p->second.second);
        committed.push_back(p->first);
        if (committed.size() > capacity)
          committed.pop_front();
      } else {
        keys.drop(p->second.second);
      }
      pending.erase(p);
    }
    REQUIRE(keys.committed_size() == committed.size());
    REQUIRE(keys.pending_size() == pending.size());
  }
  for (auto& key : committed)
    CHECK(keys.committed(key));
}
