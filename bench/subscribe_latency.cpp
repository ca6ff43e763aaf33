// Publish-to-subscriber latency of GET /subscribe: N subscribers follow one topic while one
// publisher sends events at a fixed rate; each event carries its send time (CLOCK_MONOTONIC,
// shared by processes on one machine) and each subscriber notes when its frame arrived.
//
//   subscribe_latency --port P [--subscribers 10] [--rate 10000] [--batch 100]
//                     [--seconds 10] [--warmup 2]
//
// Prints one line of key=value pairs: achieved rate, p50/p90/p99/max latency in ms over all
// subscribers' events after the warm-up, and events each subscriber missed (must be 0).

#include <httplib.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now().time_since_epoch()).count();
}

struct options {
  int port = 0;
  int subscribers = 10;
  int rate = 10000;
  int batch = 100;
  double seconds = 10;
  double warmup = 2;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    double v = std::atof(argv[i + 1]);
    if (name == "--port") o.port = static_cast<int>(v);
    else if (name == "--subscribers") o.subscribers = static_cast<int>(v);
    else if (name == "--rate") o.rate = static_cast<int>(v);
    else if (name == "--batch") o.batch = static_cast<int>(v);
    else if (name == "--seconds") o.seconds = v;
    else if (name == "--warmup") o.warmup = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", name.c_str());
      std::exit(2);
    }
  }
  if (o.port <= 0) {
    std::fprintf(stderr, "--port is required\n");
    std::exit(2);
  }
  return o;
}

// The integer after `key` in `line` (our own payload, written by this program), or -1.
int64_t number_after(const std::string& line, const char* key) {
  auto at = line.rfind(key);
  return at == std::string::npos ? -1 : std::strtoll(line.c_str() + at + std::strlen(key), nullptr, 10);
}

// One subscriber: reads `data:` lines, records latencies of measured events (payload.m = 1).
struct subscriber {
  std::vector<double> latencies_ms;
  std::atomic<int64_t> received{0};
  std::atomic<bool> opened{false};
  std::atomic<bool> stop{false};
  std::string buffer;

  void run(int port, const std::string& topic) {
    httplib::Client cli{"127.0.0.1", port};
    cli.set_read_timeout(60, 0);
    cli.Get("/subscribe?topic=" + topic, [this](const char* data, size_t size) {
      auto arrived = now_ns();
      buffer.append(data, size);
      size_t start = 0;
      for (auto end = buffer.find('\n', start); end != std::string::npos;
           end = buffer.find('\n', start)) {
        auto line = buffer.substr(start, end - start);
        start = end + 1;
        if (line == ": subscribed")
          opened = true;
        if (line.rfind("data: ", 0) != 0)
          continue;
        // Two field lookups instead of a JSON parse: with 200 subscribers the client shares
        // the 2 cores with the server, and parsing would measure the client.
        ++received;
        if (number_after(line, "\"m\":") == 1)
          latencies_ms.push_back((arrived - number_after(line, "\"sent_ns\":")) / 1e6);
      }
      buffer.erase(0, start);
      return !stop;
    });
  }
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  auto k = static_cast<size_t>(p * (v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

} // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  auto topic = "latency-" + std::to_string(now_ns());
  std::vector<std::unique_ptr<subscriber>> subs;
  std::vector<std::thread> threads;
  for (int i = 0; i < o.subscribers; ++i) {
    subs.push_back(std::make_unique<subscriber>());
    threads.emplace_back([&, i] { subs[i]->run(o.port, topic); });
  }
  for (auto& s : subs)
    while (!s->opened)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));

  httplib::Client pub{"127.0.0.1", o.port};
  pub.set_read_timeout(30, 0);
  auto interval = std::chrono::nanoseconds(static_cast<int64_t>(1e9 * o.batch / o.rate));
  auto total_batches = static_cast<int64_t>((o.warmup + o.seconds) * o.rate / o.batch);
  auto warmup_batches = static_cast<int64_t>(o.warmup * o.rate / o.batch);
  auto started = clock_type::now();
  int64_t sent = 0, failed = 0;
  auto measure_start = started;
  for (int64_t b = 0; b < total_batches; ++b) {
    // A fixed schedule: a late batch goes at once, the next ones keep the original times.
    std::this_thread::sleep_until(started + b * interval);
    if (b == warmup_batches)
      measure_start = clock_type::now();
    int measured = b >= warmup_batches ? 1 : 0;
    std::string body = "[";
    auto sent_ns = now_ns();
    for (int i = 0; i < o.batch; ++i) {
      if (i)
        body += ',';
      body += "{\"topic\":\"" + topic + "\",\"event_id\":\"" + std::to_string(b) + "-"
              + std::to_string(i) + "\",\"timestamp\":\"2025-01-31T12:00:00Z\",\"source\":"
              "\"bench\",\"payload\":{\"sent_ns\":" + std::to_string(sent_ns) + ",\"m\":"
              + std::to_string(measured) + "}}";
    }
    body += ']';
    auto res = pub.Post("/publish", body, "application/json");
    if (!res || res->status != 200)
      ++failed;
    else
      sent += o.batch;
  }
  std::chrono::duration<double> measured_for = clock_type::now() - measure_start;
  // Wait (bounded) for every subscriber to see every event, then hang up.
  auto deadline = clock_type::now() + std::chrono::seconds(30);
  for (auto& s : subs)
    while (s->received < sent && clock_type::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // Publishing one more event wakes each stream so it notices the stop flag.
  for (auto& s : subs)
    s->stop = true;
  pub.Post("/publish", "{\"topic\":\"" + topic + "\",\"event_id\":\"end\",\"timestamp\":"
           "\"2025-01-31T12:00:00Z\",\"source\":\"bench\",\"payload\":{\"sent_ns\":0,\"m\":0}}",
           "application/json");
  for (auto& t : threads)
    t.join();

  std::vector<double> all;
  int64_t missing = 0;
  for (auto& s : subs) {
    all.insert(all.end(), s->latencies_ms.begin(), s->latencies_ms.end());
    missing += std::max<int64_t>(0, sent - s->received);
  }
  auto measured_events = (total_batches - warmup_batches) * o.batch;
  std::printf("subscribers=%d target_rate=%d achieved_rate=%.0f batch=%d measured_events=%lld "
              "failed_batches=%lld samples=%zu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
              "missing=%lld\n",
              o.subscribers, o.rate, measured_events / measured_for.count(), o.batch,
              static_cast<long long>(measured_events), static_cast<long long>(failed), all.size(),
              percentile(all, 0.50), percentile(all, 0.90), percentile(all, 0.99),
              all.empty() ? 0.0 : *std::max_element(all.begin(), all.end()),
              static_cast<long long>(missing));
  return missing == 0 && failed == 0 ? 0 : 1;
}
