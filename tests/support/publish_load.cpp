#include "support/publish_load.hpp"

#include "support/events.hpp"

#include <algorithm>
#include <map>
#include <random>

namespace agg::test {

publish_load::publish_load(const server_process& server, load_options options)
  : options_(std::move(options)), earlier_(options_.earlier.begin(), options_.earlier.end()) {
  for (int t = 0; t < options_.threads; ++t)
    records_.push_back(std::make_unique<thread_record>());
  for (int t = 0; t < options_.threads; ++t)
    threads_.emplace_back([this, &server, t] { run(server, t); });
}

publish_load::~publish_load() {
  stop();
}

void publish_load::stop() {
  stop_ = true;
  for (auto& th : threads_)
    if (th.joinable())
      th.join();
}

bool publish_load::wait_for_acks(size_t n, std::chrono::milliseconds deadline) const {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (acked_requests_ < n && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return acked_requests_ >= n;
}

key_set publish_load::acked() const {
  key_set out;
  for (auto& r : records_) {
    std::lock_guard<std::mutex> lock{r->mutex};
    out.insert(r->acked.begin(), r->acked.end());
  }
  return out;
}

key_set publish_load::sent() const {
  key_set out;
  for (auto& r : records_) {
    std::lock_guard<std::mutex> lock{r->mutex};
    out.insert(r->sent.begin(), r->sent.end());
  }
  return out;
}

std::map<event_key, std::chrono::steady_clock::time_point> publish_load::first_acks() const {
  std::map<event_key, std::chrono::steady_clock::time_point> out;
  for (auto& r : records_) {
    std::lock_guard<std::mutex> lock{r->mutex};
    size_t begin = 0;
    for (size_t i = 0; i < r->acked_ends.size(); ++i) {
      for (size_t k = begin; k < r->acked_ends[i]; ++k) {
        auto [it, fresh] = out.emplace(r->acked[k], r->acked_at[i]);
        if (!fresh && r->acked_at[i] < it->second)
          it->second = r->acked_at[i];
      }
      begin = r->acked_ends[i];
    }
  }
  return out;
}

std::string publish_load::first_unexpected() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return first_unexpected_;
}

std::vector<std::chrono::microseconds> publish_load::acked_latencies() const {
  std::vector<std::chrono::microseconds> out;
  for (auto& r : records_) {
    std::lock_guard<std::mutex> lock{r->mutex};
    out.insert(out.end(), r->latencies.begin(), r->latencies.end());
  }
  return out;
}

void publish_load::run(const server_process& server, int thread_index) {
  std::mt19937_64 rng{options_.seed * 1000003u + static_cast<uint64_t>(thread_index)};
  auto percent = [&](int p) { return static_cast<int>(rng() % 100) < p; };
  auto cli = server.client();
  auto& record = *records_[static_cast<size_t>(thread_index)];
  std::vector<event_key> own; // keys this thread sent, to repeat
  const std::string prefix = options_.id_prefix + "t" + std::to_string(thread_index) + "-";
  int unanswered_in_a_row = 0;
  using clock = std::chrono::steady_clock;
  const bool paced = options_.requests_per_second > 0;
  const auto interval = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(
    paced ? options_.threads / options_.requests_per_second : 0));
  // Threads start spread over one interval, so their requests interleave evenly.
  auto next_send = clock::now() + interval * thread_index / std::max(1, options_.threads);
  for (uint64_t seq = 0; !stop_;) {
    if (paced) {
      auto now = clock::now();
      if (next_send > now)
        std::this_thread::sleep_until(next_send);
      else if (now - next_send > std::chrono::milliseconds(100))
        ++late_;
      next_send += interval;
      if (clock::now() - next_send > std::chrono::seconds(1))
        next_send = clock::now(); // far behind: do not make up for it in a burst
    }
    int size = percent(options_.single_percent)
                 ? 1
                 : 2 + static_cast<int>(rng() % static_cast<uint64_t>(options_.max_batch - 1));
    // Built by hand rather than through nlohmann: the generator shares the machine with the
    // server, and every microsecond it spends is one the server does not get. Topics and ids
    // are plain [a-z0-9-], so nothing needs escaping.
    std::string body = size == 1 ? "" : "[";
    std::vector<event_key> keys;
    for (int i = 0; i < size; ++i) {
      event_key key;
      bool repeat = percent(options_.duplicate_percent) && (!own.empty() || !earlier_.empty());
      if (repeat) {
        bool from_earlier = own.empty() || (!earlier_.empty() && rng() % 2 == 0);
        key = from_earlier ? earlier_[rng() % earlier_.size()] : own[rng() % own.size()];
      } else {
        key = {"load-" + std::to_string(rng() % static_cast<uint64_t>(options_.topics)),
               prefix + std::to_string(seq++)};
        own.push_back(key);
      }
      keys.push_back(key);
      if (i > 0)
        body += ',';
      body += R"({"topic":")" + key.first + R"(","event_id":")" + key.second
              + R"(","timestamp":"2024-05-01T12:00:00Z","source":"load","payload":{"seq":)"
              + std::to_string(seq) + "}}";
    }
    if (size > 1)
      body += ']';
    {
      std::lock_guard<std::mutex> lock{record.mutex};
      record.sent.insert(record.sent.end(), keys.begin(), keys.end());
    }
    auto started = std::chrono::steady_clock::now();
    ++sent_requests_;
    auto r = to_reply(cli.Post("/publish", body, "application/json"));
    auto answered = std::chrono::steady_clock::now();
    auto took = std::chrono::duration_cast<std::chrono::microseconds>(answered - started);
    if (r.status == 200) {
      std::lock_guard<std::mutex> lock{record.mutex};
      record.acked.insert(record.acked.end(), keys.begin(), keys.end());
      record.acked_at.push_back(answered);
      record.acked_ends.push_back(record.acked.size());
      record.latencies.push_back(took);
      ++acked_requests_;
    } else if (r.status == 503 || r.status == 429) {
      ++refused_;
      if (!r.has_header("Retry-After"))
        ++refused_without_retry_;
    } else if (r.answered()) {
      std::lock_guard<std::mutex> lock{mutex_};
      if (unexpected_++ == 0)
        first_unexpected_ = r.describe();
    } else {
      // No answer: the server is gone (killed), or the connection broke. Either way this
      // request's events may or may not be stored; only acknowledged ones must be. Several
      // in a row mean the server is gone: stop.
      ++unanswered_;
      if (++unanswered_in_a_row == 3)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    unanswered_in_a_row = 0;
  }
}

std::vector<std::pair<event_key, size_t>> stored_key_counts(const server_process& server) {
  std::map<event_key, size_t> counts;
  auto stats = server.stats();
  for (auto& topic : stats.at("topics")) {
    auto name = topic.get<std::string>();
    for (auto& e : fetch_events(server, name))
      ++counts[{name, e.at("event_id").get<std::string>()}];
  }
  return {counts.begin(), counts.end()};
}

} // namespace agg::test
