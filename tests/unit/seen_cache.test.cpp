#include "actors/seen_cache.hpp"

#include <algorithm>
#include <deque>

#include <catch2/catch.hpp>

using agg::seen_cache;

TEST_CASE("the seen cache remembers inserted keys exactly", "[seen_cache]") {
  seen_cache cache{4};
  cache.insert("a");
  CHECK(cache.contains("a"));
  CHECK_FALSE(cache.contains("A"));
  CHECK_FALSE(cache.contains("a "));
  CHECK(cache.size() == 1);
  SECTION("inserting a key twice keeps one entry") {
    cache.insert("a");
    CHECK(cache.size() == 1);
  }
}

TEST_CASE("the seen cache evicts the oldest key when full", "[seen_cache]") {
  seen_cache cache{3};
  cache.insert("1");
  cache.insert("2");
  cache.insert("3");
  cache.insert("4");
  CHECK(cache.size() == 3);
  CHECK_FALSE(cache.contains("1"));
  CHECK(cache.contains("2"));
  CHECK(cache.contains("3"));
  CHECK(cache.contains("4"));
  cache.insert("5");
  CHECK_FALSE(cache.contains("2"));
  CHECK(cache.contains("5"));
}

TEST_CASE("the seen cache agrees with a reference set under churn", "[seen_cache]") {
  // Many evictions through a small table exercise probing and backward-shift deletion.
  constexpr size_t capacity = 37;
  seen_cache cache{capacity};
  std::deque<std::string> expected;
  for (int i = 0; i < 20000; ++i) {
    auto key = "k" + std::to_string((i * 7919) % 5003);
    bool present = std::find(expected.begin(), expected.end(), key) != expected.end();
    REQUIRE(cache.contains(key) == present);
    cache.insert(key);
    if (!present) {
      expected.push_back(key);
      if (expected.size() > capacity)
        expected.pop_front();
    }
    REQUIRE(cache.size() == expected.size());
  }
  for (auto& key : expected)
    CHECK(cache.contains(key));
}

TEST_CASE("a seen cache of capacity zero holds nothing", "[seen_cache]") {
  seen_cache cache{0};
  cache.insert("a");
  CHECK(cache.size() == 0);
  CHECK_FALSE(cache.contains("a"));
}

TEST_CASE("the seen cache stays bounded under many distinct keys", "[seen_cache]") {
  seen_cache cache{100};
  for (int i = 0; i < 10000; ++i)
    cache.insert("key-" + std::to_string(i));
  CHECK(cache.size() == 100);
  CHECK(cache.contains("key-9999"));
  CHECK_FALSE(cache.contains("key-0"));
}
