// Publish body decoding alone: the simdjson fast path (what decode_publish runs) against the
// nlohmann reference decoder, on the body bench/publish.lua sends (BATCH events of ~220
// bytes, array form).
//   decode_bench [BATCH=100] [SECONDS=2]
// Prints one line per decoder: MB/s of body and events/s, single thread, per second of the
// thread's own CPU time (the machine is shared: wall time would count other people's work).
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "codec/publish_decoder.hpp"
#include "codec/publish_decoder_fast.hpp"
#include "codec/publish_decoder_reference.hpp"

namespace {

// Same bytes as bench/publish.lua: 8 topics round robin, seq ids, its ~100-byte payload.
std::string lua_body(int batch) {
  const std::string payload = R"({"user":"u-12345","action":"click","page":"/products/sku-000123",)"
                              R"("value":32.1,"tags":["a","b","c"],"n":42})";
  std::string body = "[";
  for (int i = 0; i < batch; ++i) {
    body += (i ? "," : "");
    body += R"({"topic":"bench-)" + std::to_string(i % 8) + R"(","event_id":"5f3a9c1d2e-)"
            + std::to_string(i) + R"(","timestamp":"2025-01-31T12:00:00.000Z","source":"wrk",)"
            + R"("payload":)" + payload + "}";
  }
  return body + "]";
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

template <class Decode>
void run(const char* name, const std::string& body, int batch, double seconds, Decode decode) {
  size_t rounds = 0, checksum = 0;
  double start = thread_cpu_seconds(), elapsed = 0;
  while (elapsed < seconds) {
    for (int k = 0; k < 64; ++k, ++rounds)
      checksum += decode();
    elapsed = thread_cpu_seconds() - start;
  }
  if (checksum != rounds * static_cast<size_t>(batch)) {
    std::fprintf(stderr, "%s: decoded %zu events in %zu rounds, expected %d each\n", name,
                 checksum, rounds, batch);
    std::exit(1);
  }
  std::printf("decode_bench %-10s batch=%d body_bytes=%zu MB_per_s=%.1f events_per_s=%.0f\n",
              name, batch, body.size(), static_cast<double>(body.size() * rounds) / elapsed / 1e6,
              static_cast<double>(rounds) * batch / elapsed);
}

} // namespace

int main(int argc, char** argv) {
  int batch = argc > 1 ? std::atoi(argv[1]) : 100;
  double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
  if (batch < 1 || seconds <= 0) {
    std::fprintf(stderr, "usage: decode_bench [BATCH>=1] [SECONDS>0]\n");
    return 2;
  }
  auto body = lua_body(batch);
  agg::publish_limits limits;
  if (!agg::decode_publish_fast(body, limits)) {
    std::fprintf(stderr, "the fast path did not take the benchmark body\n");
    return 1;
  }
  run("reference", body, batch, seconds,
      [&] { return agg::decode_publish_reference(body, limits).events.size(); });
  run("fast", body, batch, seconds, [&] { return agg::decode_publish(body, limits).events.size(); });
  return 0;
}
