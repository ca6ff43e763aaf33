#include "support/build_flavour.hpp"
#include "support/proc_status.hpp"
#include "support/publish_load.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>
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
  server_process server{{"--max-inflight-events", "100"}};
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
  if (agg::test::sanitized_build) {
    std::cout << "overload test: memory bounds not checked in a sanitizer build" << std::endl;
  } else {
    CHECK(std::max(first_half, second_half) < 128u * 1024);
    CHECK(second_half <= first_half + 16u * 1024);
  }
  std::cout << "overload test RSS KiB: baseline " << baseline << ", max first half " << first_half
            << ", max second half " << second_half << std::endl;

  require_acknowledged_stored_once(server, acked);
}

namespace {

double env_number(const char* name, double fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::atof(text) : fallback;
}

/// What one phase of the overload bench saw.
struct phase_report {
  double seconds = 0;
  size_t sent = 0, acked = 0, refused = 0, refused_without_retry = 0, unexpected = 0,
         unanswered = 0, late = 0;
  std::chrono::microseconds p50{0}, p99{0}, max{0};
  uint64_t rss_min = 0, rss_max = 0;
  std::vector<uint64_t> rss_quarters; ///< RSS at the start, 1/4, 1/2, 3/4 and end of the phase.
  key_set acked_keys;

  void print(const std::string& name) const {
    std::cout << name << ": " << sent / seconds << " req/s sent, " << acked / seconds
              << " req/s acknowledged (" << acked_keys.size() / seconds << " new keys/s), " << refused / seconds << " req/s refused (503/429; "
              << refused_without_retry << " without Retry-After), " << unexpected
              << " unexpected, " << unanswered << " unanswered, " << late
              << " sends late; accepted latency p50 " << p50.count() / 1000.0 << " ms, p99 "
              << p99.count() / 1000.0 << " ms, max " << max.count() / 1000.0 << " ms; RSS "
              << rss_min / 1024.0 << "-" << rss_max / 1024.0 << " MiB (over the phase:";
    for (auto kib : rss_quarters)
      std::cout << " " << kib / 1024;
    std::cout << ")" << std::endl;
  }
};

phase_report run_phase(const server_process& server, load_options options, double seconds) {
  phase_report out;
  rss_sampler rss{server.pid()};
  auto started = std::chrono::steady_clock::now();
  publish_load load{server, options};
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  load.stop();
  rss.stop();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out.sent = load.sent_requests();
  out.acked = load.acked_requests();
  out.refused = load.refused_requests();
  out.refused_without_retry = load.refused_without_retry_after();
  out.unexpected = load.unexpected();
  out.unanswered = load.unanswered();
  out.late = load.late_sends();
  out.acked_keys = load.acked();
  auto lat = load.acked_latencies();
  std::sort(lat.begin(), lat.end());
  if (!lat.empty()) {
    out.p50 = lat[lat.size() / 2];
    out.p99 = lat[lat.size() * 99 / 100];
    out.max = lat.back();
  }
  auto samples = rss.samples();
  if (!samples.empty()) {
    out.rss_min = *std::min_element(samples.begin(), samples.end());
    out.rss_max = *std::max_element(samples.begin(), samples.end());
    for (size_t q = 0; q <= 4; ++q)
      out.rss_quarters.push_back(samples[std::min(samples.size() - 1, samples.size() * q / 4)]);
  }
  return out;
}

} // namespace

// Not run by ctest ([.]): scripts/chaos-overload.sh runs it and prints the figures.
TEST_CASE("overload bench: the sustainable load and then several times it", "[.][bench][overload]") {
  const double seconds = env_number("AGG_OVERLOAD_SECONDS", 10);
  const double factor = env_number("AGG_OVERLOAD_FACTOR", 4);
  // Extra server options, split at spaces, e.g. "--sync full --max-inflight-events 2000".
  std::vector<std::string> args;
  std::istringstream words{std::getenv("AGG_OVERLOAD_ARGS") ? std::getenv("AGG_OVERLOAD_ARGS") : ""};
  for (std::string word; words >> word;)
    args.push_back(word);
  server_process server{args};
  server.start();

  // The sustainable load: what 8 closed-loop publishers get through, refusals excluded.
  load_options base;
  base.single_percent = 40;
  base.duplicate_percent = 10;
  base.id_prefix = "sustain-";
  base.threads = 8;
  auto sustained = run_phase(server, base, seconds);
  sustained.print("sustainable (8 closed-loop publishers)");
  const double rate = sustained.acked / sustained.seconds;

  // Open loop at factor x that request rate, from enough threads to keep it offered.
  auto over = base;
  over.id_prefix = "over-";
  over.threads = 256;
  over.requests_per_second = factor * rate;
  over.earlier = sustained.acked_keys;
  auto overload = run_phase(server, over, seconds);
  std::ostringstream name;
  name << factor << "x (" << over.requests_per_second << " req/s offered, open loop)";
  overload.print(name.str());

  CHECK(overload.unexpected == 0);
  CHECK(overload.refused_without_retry == 0);
  key_set acked = sustained.acked_keys;
  acked.insert(overload.acked_keys.begin(), overload.acked_keys.end());
  require_acknowledged_stored_once(server, acked);
  std::cout << "all " << acked.size() << " acknowledged events stored exactly once" << std::endl;
}
