#include "support/store_survey.hpp"

#include "support/events.hpp"

#include <SQLiteCpp/Database.h>

#include <sstream>

namespace agg::test {

store_survey survey_store(const server_process& server, const key_set& sent, const key_set& acked) {
  store_survey out;
  for (auto& [key, times] : stored_key_counts(server)) {
    out.stored.insert(key);
    if (times > 1)
      ++out.stored_twice;
    if (sent.count(key) == 0)
      out.phantoms.insert(key);
  }
  for (auto& key : acked)
    if (out.stored.count(key) == 0)
      out.lost.insert(key);
  return out;
}

std::string quick_check(const server_process& server) {
  SQLite::Database db{(server.data_dir() / "events.db").string(), SQLite::OPEN_READONLY};
  return db.execAndGet("PRAGMA quick_check").getString();
}

publish_counts republish(const server_process& server, const key_set& keys) {
  // Well under the default --max-events (1000) per request.
  constexpr size_t batch_size = 500;
  publish_counts counts;
  json batch = json::array();
  auto flush = [&] {
    if (batch.empty())
      return;
    auto answer = publish_ok(server, batch);
    counts.unique += answer.at("unique_processed").get<size_t>();
    counts.duplicates += answer.at("duplicate_dropped").get<size_t>();
    batch = json::array();
  };
  for (auto& [topic, id] : keys) {
    batch.push_back(make_event(topic, id));
    if (batch.size() == batch_size)
      flush();
  }
  flush();
  return counts;
}

namespace {

double sample(const std::string& text, const std::string& name) {
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, name.size() + 1, name + " ") == 0)
      return std::stod(line.substr(name.size() + 1));
  FAIL("GET /metrics has no " << name);
  return 0;
}

} // namespace

wal_sync_view observe_wal_sync(const server_process& server) {
  auto sent = std::chrono::steady_clock::now();
  auto r = server.get("/metrics");
  REQUIRE(r.status == 200);
  wal_sync_view view;
  view.age_seconds = sample(r.body, "event_aggregator_wal_last_fsync_age_seconds");
  view.fsyncs = static_cast<uint64_t>(sample(r.body, "event_aggregator_wal_fsyncs_total"));
  view.unsynced_bytes
    = static_cast<uint64_t>(sample(r.body, "event_aggregator_wal_unsynced_bytes"));
  view.synced_before = sent
                       - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(view.age_seconds));
  return view;
}

} // namespace agg::test
