#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <caf/expected.hpp>

#include "core/config.hpp"
#include "core/wal_sync_status.hpp"
#include "storage/sqlite/wal_checkpointer.hpp"

namespace agg {

/// What a store's WAL syncer does.
struct wal_sync_options {
  /// --sync normal: the WAL is fsynced at least this often (--sync-interval-ms).
  std::chrono::milliseconds interval{1000};
  /// Where the WAL's state is published for GET /metrics; null: the syncer keeps its own.
  std::shared_ptr<wal_sync_status> status;
};

/// Bounds in time what a power loss can take under --sync normal. synchronous=NORMAL fsyncs
/// the WAL only at checkpoints, which come every 16 MiB of WAL: at a trickle that is hours of
/// acknowledged events. The syncer fdatasyncs the WAL at least every `interval`, commits or
/// not, on a thread of its own and through an fd of its own: fdatasync on any fd of a file
/// flushes the file, and it takes none of SQLite's locks, so no commit waits for it (the model
/// is Redis's appendfsync everysec and PostgreSQL's wal_writer_delay). A power loss then takes
/// at most the commits after the last fsync began: the interval plus one fsync's time.
///
/// Under --sync full SQLite fsyncs each commit itself; the syncer only publishes that.
class wal_syncer final : public wal_commit_listener {
public:
  /// Opens `wal_path` (SQLite keeps the file while a connection is open), fsyncs it once and,
  /// under sync_mode::normal, starts the thread.
  static caf::expected<std::unique_ptr<wal_syncer>>
  start(const std::string& wal_path, sync_mode sync, int page_size, wal_sync_options options);

  /// Stops and joins the thread; closes the fd.
  ~wal_syncer() override;

  wal_syncer(const wal_syncer&) = delete;
  wal_syncer& operator=(const wal_syncer&) = delete;

  /// Counts the commit's WAL bytes (on the writer's thread); under --sync full, also its fsync.
  void wal_committed(sqlite3* writer) override;

  const wal_sync_status& status() const { return *status_; }

private:
  wal_syncer(int fd, sync_mode sync, int page_size, wal_sync_options options);
  void run();
  bool fsync_now(); // One fdatasync, published; false (and logged) when it failed.

  const int fd_;
  const sync_mode sync_;
  const uint64_t frame_bytes_; // A WAL frame: a page and its 24-byte header.
  const std::chrono::milliseconds interval_;
  std::shared_ptr<wal_sync_status> status_;
  uint64_t frames_seen_ = 0; // Writer's thread only: its connection's frames counted so far.
  bool failing_ = false;     // Syncer's thread only: the last fdatasync failed (logged once).
  std::mutex mtx_;
  std::condition_variable wake_;
  bool stop_ = false; // Guarded by mtx_.
  std::thread thread_;
};

} // namespace agg
