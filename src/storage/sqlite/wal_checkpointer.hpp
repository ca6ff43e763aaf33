#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <SQLiteCpp/Database.h>
#include <caf/expected.hpp>

struct sqlite3;

namespace agg {

/// Told of every commit on the writer's connection, on the writer's thread (SQLite has one
/// WAL hook per connection, and the checkpointer holds it).
class wal_commit_listener {
public:
  virtual ~wal_commit_listener() = default;
  /// `writer` has just committed a transaction to the WAL.
  virtual void wal_committed(sqlite3* writer) = 0;
};

/// Copies the WAL back into the database file on a thread of its own. SQLite's
/// auto-checkpoint runs inside the committing thread, so the writer would stall for every
/// checkpoint (a third of its time under a random-key load); here it only notices how long
/// the WAL has grown.
///
/// A checkpoint that runs beside a busy writer never catches up with the WAL's end, and the
/// WAL only starts over after a complete one, so past `block_pages` the writer checkpoints
/// inline (which completes, as nothing writes meanwhile): that bounds the WAL's size, and
/// with it the recovery work at the next start.
class wal_checkpointer {
public:
  struct limits {
    // A checkpoint copies each page once however often it changed since the last one, so
    // rarer checkpoints write less: under random keys the same index pages change in every
    // commit. 256 MiB of WAL still recovers in well under a second after a crash.
    int start_pages = 4096;  ///< WAL pages that wake the checkpoint thread (16 MiB).
    int block_pages = 65536; ///< WAL pages at which the writer checkpoints itself (256 MiB).
  };

  /// Opens a second connection to `path` and hooks into `writer`'s commits, telling
  /// `listener` (if any) of each. `writer` and `listener` must outlive the checkpointer.
  static caf::expected<std::unique_ptr<wal_checkpointer>>
  attach(SQLite::Database& writer, const std::string& path, limits lim,
         wal_commit_listener* listener = nullptr);

  ~wal_checkpointer();

  wal_checkpointer(const wal_checkpointer&) = delete;
  wal_checkpointer& operator=(const wal_checkpointer&) = delete;

  /// Checkpoints run so far: in the background, and inline by the writer.
  uint64_t background_checkpoints() const {
    return background_.load(std::memory_order_relaxed);
  }
  uint64_t inline_checkpoints() const {
    return inline_.load(std::memory_order_relaxed);
  }

private:
  wal_checkpointer(SQLite::Database& writer, std::unique_ptr<SQLite::Database> own, limits lim,
                   wal_commit_listener* listener);

  // sqlite3_wal_hook's callback: runs on the writer's thread after each commit.
  static int on_commit(void* self, struct sqlite3* db, const char* schema, int pages);

  void run();

  SQLite::Database& writer_;
  std::unique_ptr<SQLite::Database> own_;
  limits limits_;
  wal_commit_listener* listener_;
  std::mutex mtx_;
  std::condition_variable wake_;
  bool wanted_ = false; // Guarded by mtx_.
  bool stop_ = false;   // Guarded by mtx_.
  std::atomic<bool> signalled_{false}; // Lets the writer skip the lock while a wake is pending.
  std::atomic<uint64_t> background_{0};
  std::atomic<uint64_t> inline_{0};
  std::thread thread_;
};

} // namespace agg
