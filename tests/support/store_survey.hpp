#pragma once

#include "support/publish_load.hpp"
#include "support/server_process.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace agg::test {

/// What a (restarted) server holds, against what a load sent and got acknowledged.
struct store_survey {
  key_set stored;
  size_t stored_twice = 0; ///< Keys GET /events lists more than once.
  key_set phantoms;        ///< Stored, but never sent.
  key_set lost;            ///< Acknowledged, but not stored.
};

/// Reads every stored key through GET /events and compares.
store_survey survey_store(const server_process& server, const key_set& sent, const key_set& acked);

/// PRAGMA quick_check of the running server's database, through a read-only connection of the
/// test's own: "ok" when sound.
std::string quick_check(const server_process& server);

/// What POST /publish answered, summed over requests.
struct publish_counts {
  size_t unique = 0;
  size_t duplicates = 0;
};

/// Publishes `keys` again, in batches; REQUIREs a 200 for each.
publish_counts republish(const server_process& server, const key_set& keys);

/// The last WAL fsync as GET /metrics shows it.
struct wal_sync_view {
  /// No later than the start of the last completed WAL fsync: everything the server had
  /// written before this moment is on disk. Conservative: the request's send time minus the
  /// age the server reports.
  std::chrono::steady_clock::time_point synced_before;
  double age_seconds = 0;
  uint64_t fsyncs = 0;
  uint64_t unsynced_bytes = 0;
};

/// Scrapes GET /metrics for the event_aggregator_wal_* series; REQUIREs them.
wal_sync_view observe_wal_sync(const server_process& server);

} // namespace agg::test
