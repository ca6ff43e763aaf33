#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace agg {

/// How far the write-ahead log is on disk, for GET /metrics: written by the store (its WAL
/// syncer thread, and each commit), read by the scrape. Relaxed atomics, as runtime_metrics:
/// each number must be whole, the scrape needs no ordering between them.
struct wal_sync_status {
  using clock = std::chrono::steady_clock;

  /// clock ticks since its epoch when the last completed WAL fsync began: every
  /// commit finished before it is on disk. The store sets it when it opens.
  std::atomic<int64_t> last_fsync_started_ns{0};
  std::atomic<uint64_t> fsyncs{0};        ///< WAL fsyncs since start.
  std::atomic<uint64_t> written_bytes{0}; ///< WAL bytes commits wrote since start.
  std::atomic<uint64_t> synced_bytes{0};  ///< written_bytes when the last fsync began.

  /// Records a completed fsync that began at `started` with `written` bytes written.
  void synced(clock::time_point started, uint64_t written) {
    synced_bytes.store(written, std::memory_order_relaxed);
    last_fsync_started_ns.store(started.time_since_epoch().count(), std::memory_order_relaxed);
    fsyncs.fetch_add(1, std::memory_order_relaxed);
  }

  /// Seconds from the last fsync's start to `now`.
  double last_fsync_age_seconds(clock::time_point now) const {
    clock::time_point last{clock::duration{last_fsync_started_ns.load(std::memory_order_relaxed)}};
    return std::chrono::duration<double>(now - last).count();
  }

  /// WAL bytes written by commits but not yet known to be on disk.
  uint64_t unsynced_bytes() const {
    auto synced = synced_bytes.load(std::memory_order_relaxed);
    auto written = written_bytes.load(std::memory_order_relaxed);
    return written > synced ? written - synced : 0;
  }
};

} // namespace agg
