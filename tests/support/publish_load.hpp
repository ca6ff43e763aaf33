#pragma once

#include "support/server_process.hpp"

#include <atomic>
#include <memory>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace agg::test {

/// (topic, event_id): the key the service deduplicates on.
using event_key = std::pair<std::string, std::string>;
using key_set = std::set<event_key>;

/// What a publish_load sends.
struct load_options {
  int threads = 4;
  std::string id_prefix;      ///< Starts every fresh event_id, so runs never collide.
  int topics = 3;             ///< Events spread over topics "load-0" ...
  int max_batch = 50;         ///< Batches have 2..max_batch events.
  int single_percent = 40;    ///< Share of requests that carry one event.
  int duplicate_percent = 20; ///< Share of events that repeat a key sent before.
  key_set earlier;            ///< Keys from before this load, also repeated as duplicates.
  uint64_t seed = 1;
  /// 0: each thread sends its next request as soon as the last is answered (closed loop).
  /// Otherwise the threads together start this many requests a second whatever the answers
  /// take (open loop, as independent clients would), as far as their number allows.
  double requests_per_second = 0;
};

/// Threads publishing singles and batches with duplicates as fast as the server answers,
/// until stopped or the server is gone; records every key sent and every key acknowledged
/// (a 200 means each event of the request is stored, new or duplicate).
class publish_load {
public:
  publish_load(const server_process& server, load_options options);
  /// Stops and joins.
  ~publish_load();
  publish_load(const publish_load&) = delete;
  publish_load& operator=(const publish_load&) = delete;

  /// Stops the threads after their current request and joins them.
  void stop();
  /// Polls until `n` requests were acknowledged; false if `deadline` passed first.
  bool wait_for_acks(size_t n, std::chrono::milliseconds deadline) const;

  key_set acked() const;
  key_set sent() const;
  /// Each acknowledged key with the moment its first 200 arrived (steady_clock): a power-loss
  /// test compares it with the cut and the server's last WAL fsync.
  std::map<event_key, std::chrono::steady_clock::time_point> first_acks() const;
  size_t acked_requests() const { return acked_requests_; }
  /// Answers 503 or 429.
  size_t refused_requests() const { return refused_; }
  /// Refusals without a Retry-After header.
  size_t refused_without_retry_after() const { return refused_without_retry_; }
  /// Answers other than 200, 429 and 503; see first_unexpected().
  size_t unexpected() const { return unexpected_; }
  std::string first_unexpected() const;
  /// Requests with no answer (connection refused or reset, e.g. the server was killed).
  size_t unanswered() const { return unanswered_; }
  /// Time from sending to the answer, of each acknowledged request.
  std::vector<std::chrono::microseconds> acked_latencies() const;
  /// Open loop only: sends that started over 100 ms late because every thread was waiting for
  /// an answer (the load offered fell short of requests_per_second).
  size_t late_sends() const { return late_; }
  /// Requests sent so far.
  size_t sent_requests() const { return sent_requests_; }

private:
  void run(const server_process& server, int thread_index);

  load_options options_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> acked_requests_{0};
  std::atomic<size_t> refused_{0};
  std::atomic<size_t> refused_without_retry_{0};
  std::atomic<size_t> unexpected_{0};
  std::atomic<size_t> unanswered_{0};
  std::atomic<size_t> late_{0};
  std::atomic<size_t> sent_requests_{0};
  /// What one thread recorded: each thread has its own, so threads never wait on each other
  /// (a shared set made the load generator, not the server, the bottleneck).
  struct thread_record {
    std::mutex mutex;
    std::vector<event_key> sent, acked;
    std::vector<std::chrono::steady_clock::time_point> acked_at; ///< One per acked request.
    std::vector<size_t> acked_ends; ///< Where each acked request's keys end in `acked`.
    std::vector<std::chrono::microseconds> latencies;
  };
  std::vector<std::unique_ptr<thread_record>> records_;
  std::vector<event_key> earlier_;
  mutable std::mutex mutex_; ///< Guards first_unexpected_.
  std::string first_unexpected_;
  std::vector<std::thread> threads_;
};

/// Every (topic, event_id) the server lists under GET /events, over all topics in /stats,
/// with how often each appears (more than once would be a key stored twice).
std::vector<std::pair<event_key, size_t>> stored_key_counts(const server_process& server);

} // namespace agg::test
