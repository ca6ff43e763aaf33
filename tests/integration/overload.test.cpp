#include "support/proc_status.hpp"
#include "support/publish_load.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using agg::test::key_set;
using agg::test::load_options;
using agg::test::proc_status;
using agg::test::publish_load;
using agg::test::server_process;
using agg::test::stored_key_counts;
using namespace std::chrono_literals;

namespace {

/// Samples the server's resident memory (KiB) every 50 ms until stopped.
class rss_sampler {
public:
  explicit rss_sampler(pid_t pid)
    : thread_{[this, pid] {
        while (!stop_) {
          if (auto kib = proc_status(pid, "VmRSS")) {
            std::lock_guard<std::mutex> lock{mutex_};
            samples_.push_back(*kib);
          }
          std::this_thread::sleep_for(50ms);
        }
      }} {}
  ~rss_sampler() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }
  std::vector<uint64_t> samples() {
    std::lock_guard<std::mutex> lock{mutex_};
    return samples_;
  }

private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<uint64_t> samples_;
  std::thread thread_;
};

uint64_t max_of(const std::vector<uint64_t>& v, size_t from, size_t to) {
  uint64_t m = 0;
  for (size_t i = from; i < to && i < v.size(); ++i)
    m = std::max(m, v[i]);
  return m;
}

/// REQUIREs every acknowledged key to be stored, and no key stored twice.
void require_acknowledged_stored_once(const server_process& server, const key_set& acked) {
  key_set stored;
  for (auto& [key, times] : stored_key_counts(server)) {
    INFO(key.first << "/" << key.second << " stored " << times << " times");
    REQUIRE(times == 1);
    stored.insert(key);
  }
  for (auto& key : acked) {
    INFO("acknowledged " << key.first << "/" << key.second << " is missing");
    REQUIRE(stored.count(key) == 1);
  }
}

} // namespace

TEST_CASE("overload: past --max-inflight-events publishes get 503 with Retry-After, memory stays "
          "bounded, and every acknowledged event is stored",
          "[integration][fault][overload]") {
  // A small cap and 16 publishers with batches of up to 50: far more events arrive than the
  // cap admits while a group commit runs, so refusals are certain, not a matter of timing.
  // A small key cache: it is bounded too, but at its default it would still be filling up
  // (262144 keys) during the run and hide whether anything else grows.
  server_process server{{"--max-inflight-events", "100", "--cache-capacity", "1024"}};
  server.start();
  auto baseline = proc_status(server.pid(), "VmRSS").value_or(0);
  rss_sampler rss{server.pid()};
  load_options options;
  options.threads = 16;
  options.id_prefix = "ov-";
  options.single_percent = 20;
  options.duplicate_percent = 10;
  key_set acked;
  {
    publish_load load{server, options};
    // Run until both outcomes were seen plenty of times (bounded), then a little longer, so
    // memory is sampled over a sustained overload.
    auto until = std::chrono::steady_clock::now() + 60s;
    while ((load.refused_requests() < 200 || load.acked_requests() < 200)
           && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(10ms);
    std::this_thread::sleep_for(2s);
    load.stop();
    rss.stop();
    INFO(load.acked_requests() << " acknowledged, " << load.refused_requests() << " refused, "
                               << load.unanswered() << " unanswered");
    CHECK(load.refused_requests() >= 200);
    CHECK(load.acked_requests() >= 200);
    CHECK(load.refused_without_retry_after() == 0);
    INFO("first unexpected answer: " << load.first_unexpected());
    CHECK(load.unexpected() == 0);
    CHECK(load.unanswered() == 0);
    acked = load.acked();
    auto lat = load.acked_latencies();
    std::sort(lat.begin(), lat.end());
    if (!lat.empty())
      std::cout << "overload test: " << load.acked_requests() << " acknowledged, "
                << load.refused_requests() << " refused; accepted p50 "
                << lat[lat.size() / 2].count() << " us, p99 " << lat[lat.size() * 99 / 100].count()
                << " us" << std::endl;
  }

  // Memory: bounded (well under 128 MiB on a server that idles at about 20), and flat: the
  // second half of the run does not need more than the first half plus a margin for SQLite's
  // page cache and allocator slack.
  auto samples = rss.samples();
  REQUIRE(samples.size() >= 10);
  auto first_half = max_of(samples, 0, samples.size() / 2);
  auto second_half = max_of(samples, samples.size() / 2, samples.size());
  INFO("RSS KiB: baseline " << baseline << ", max first half " << first_half
                            << ", max second half " << second_half);
  CHECK(std::max(first_half, second_half) < 128u * 1024);
  CHECK(second_half <= first_half + 16u * 1024);
  std::cout << "overload test RSS KiB: baseline " << baseline << ", max first half " << first_half
            << ", max second half " << second_half << std::endl;

  require_acknowledged_stored_once(server, acked);
}
