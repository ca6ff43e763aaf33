#include "http/routes/metrics_text.hpp"

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

// A label value in the text format: backslash, double quote and newline escaped.
std::string label_value(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void header(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << metrics_prefix << name << " " << help << "\n# TYPE " << metrics_prefix
      << name << " " << type << "\n";
}

// What a power loss could take right now: commits after the last WAL fsync began.
void render_wal_sync(std::ostringstream& out, const wal_sync_status& wal) {
  family(out, "wal_last_fsync_age_seconds", "gauge",
         "Seconds since the last completed fsync of the WAL began: every commit before it is "
         "on disk (--sync normal: at most --sync-interval-ms plus one fsync; --sync full: "
         "since the last commit).",
         wal.last_fsync_age_seconds(wal_sync_status::clock::now()));
  family(out, "wal_fsyncs_total", "counter", "fsyncs of the WAL since start.",
         wal.fsyncs.load(std::memory_order_relaxed));
  family(out, "wal_unsynced_bytes", "gauge",
         "WAL bytes written by commits that are not yet known to be on disk (0 under "
         "--sync full).",
         wal.unsynced_bytes());
}

void render_runtime(std::ostringstream& out, const runtime_metrics& rt) {
  auto relaxed = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  header(out, "commit_size_events", "histogram",
         "Events per group commit (commits that only save counters are left out).");
  // _count is the sum of the buckets read once each, so it equals the +Inf bucket.
  uint64_t cumulative = 0;
  for (size_t b = 0; b < rt.commit_sizes.size(); ++b) {
    cumulative += relaxed(rt.commit_sizes[b]);
    out << metrics_prefix << "commit_size_events_bucket{le=\"";
    if (b < runtime_metrics::commit_size_bounds.size())
      out << runtime_metrics::commit_size_bounds[b];
    else
      out << "+Inf";
    out << "\"} " << cumulative << "\n";
  }
  out << metrics_prefix << "commit_size_events_sum " << relaxed(rt.commit_events) << "\n"
      << metrics_prefix << "commit_size_events_count " << cumulative << "\n";
  family(out, "commits_failed_total", "counter", "Group commits SQLite refused.",
         relaxed(rt.commits_failed));
  family(out, "writer_queued_events", "gauge",
         "Events queued at the writer for the next group commit.",
         relaxed(rt.writer_queued_events));
  family(out, "key_index_runs", "gauge",
         "Sorted runs of the dedup key index on disk (merged four at a time).",
         relaxed(rt.key_index_runs));
  family(out, "key_index_memory_bytes", "gauge",
         "Memory of the dedup key index: the newest keys not yet in a run, block fences, "
         "and Bloom filters folded to fit --key-index-memory.",
         relaxed(rt.key_index_memory_bytes));
  family(out, "overload_refusals_total", "counter",
         "Publishes refused with 503 overloaded (--max-inflight-events).",
         relaxed(rt.overload_refusals));
  render_wal_sync(out, rt.wal);
}

void render_topics(std::ostringstream& out, const metrics_inputs& in) {
  header(out, "topic_stored_events", "gauge",
         "Events stored in each of the largest topics (--metrics-topics).");
  for (auto& t : in.topics)
    out << metrics_prefix << "topic_stored_events{topic=\"" << label_value(t.topic) << "\"} "
        << t.events << "\n";
  family(out, "other_topics_stored_events", "gauge",
         "Events stored in the topics not listed in topic_stored_events.",
         in.other_topics_events);
  family(out, "other_topics", "gauge", "Topics not listed in topic_stored_events.",
         in.other_topics);
}

} // namespace

void select_top_topics(std::vector<topic_count> counts, size_t n, metrics_inputs& in) {
  in.per_topic = true;
  in.other_topics = 0;
  in.other_topics_events = 0;
  for (size_t i = n; i < counts.size(); ++i) {
    ++in.other_topics;
    in.other_topics_events += counts[i].events;
  }
  if (counts.size() > n)
    counts.resize(n);
  in.topics = std::move(counts);
}

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
         "Events accepted and not yet committed or refused (limit: --max-inflight-events).",
         in.inflight_events);
  family(out, "request_body_bytes", "gauge",
         "Bytes of publish bodies held in memory (limit: --max-body-memory).", in.body_bytes);
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
  if (in.runtime)
    render_runtime(out, *in.runtime);
  if (in.per_topic)
    render_topics(out, in);
  out << http.render(metrics_prefix);
  return out.str();
}

} // namespace agg
