#include "http/metrics_text.hpp"

#include <filesystem>
#include <sstream>

namespace agg {

namespace {

// One metric without labels: HELP, TYPE and the sample.
template <class T>
void family(std::ostringstream& out, const char* name, const char* type, const char* help,
            T value) {
  out << "# HELP " << metrics_prefix << name << " " << help << "\n# TYPE " << metrics_prefix
      << name << " " << type << "\n"
      << metrics_prefix << name << " " << value << "\n";
}

uint64_t size_or_zero(const std::filesystem::path& path) {
  std::error_code err;
  auto size = std::filesystem::file_size(path, err);
  return err ? 0 : size;
}

} // namespace

std::string render_metrics(const metrics_inputs& in, const http_metrics& http) {
  std::ostringstream out;
  out.precision(12);
  // The event counters are the ones GET /stats shows: kept in the database, so they
  // continue across restarts instead of starting from 0.
  family(out, "received_total", "counter", "Events in accepted publish requests.",
         in.stats.received);
  family(out, "unique_processed_total", "counter", "Events stored.", in.stats.unique);
  family(out, "duplicate_dropped_total", "counter", "Events dropped as duplicates.",
         in.stats.duplicates);
  family(out, "topics", "gauge", "Topics with at least one stored event.",
         in.stats.topics.size());
  family(out, "uptime_seconds", "gauge", "Seconds since this process started.",
         in.stats.uptime_seconds);
  family(out, "inflight_events", "gauge",
         "Events accepted and not yet answered (limit: --max-inflight-events).",
         in.inflight_events);
  family(out, "store_size_bytes", "gauge", "Bytes of events.db and its write-ahead log.",
         in.store_size_bytes);
  family(out, "subscribers", "gauge", "Open GET /subscribe streams (limit: --max-subscribers).",
         in.subscriptions.subscribers);
  family(out, "subscriber_queued_events", "gauge",
         "Committed events waiting in subscriber queues, all together.",
         in.subscriptions.queued_events);
  family(out, "subscriber_overflows_total", "counter",
         "Times a subscriber queue overflowed and its stream caught up from the store.",
         in.subscriptions.overflows);
  family(out, "subscriber_lagging_closed_total", "counter",
         "Streams closed for overflowing more than --subscriber-max-catchups times in a row.",
         in.subscriptions.lagging_closed);
  out << http.render(metrics_prefix);
  return out.str();
}

uint64_t store_size_bytes(const std::string& database_path) {
  return size_or_zero(database_path) + size_or_zero(database_path + "-wal");
}

} // namespace agg
