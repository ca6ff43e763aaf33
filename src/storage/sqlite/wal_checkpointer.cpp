#include "storage/sqlite/wal_checkpointer.hpp"

#include <sqlite3.h>

#include "core/errors.hpp"
#include "core/log.hpp"

namespace agg {

caf::expected<std::unique_ptr<wal_checkpointer>>
wal_checkpointer::attach(SQLite::Database& writer, const std::string& path, limits lim,
                         wal_commit_listener* listener) {
  try {
    auto own = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX);
    // A checkpoint syncs as its own connection's setting says; keep it the writer's.
    auto sync = writer.execAndGet("PRAGMA synchronous").getInt();
    own->exec("PRAGMA synchronous=" + std::to_string(sync));
    return std::unique_ptr<wal_checkpointer>{
      new wal_checkpointer(writer, std::move(own), lim, listener)};
  } catch (const std::exception& ex) {
    return make_error(ec::storage_failure,
                      "cannot open a checkpoint connection to " + path + ": " + ex.what());
  }
}

wal_checkpointer::wal_checkpointer(SQLite::Database& writer, std::unique_ptr<SQLite::Database> own,
                                   limits lim, wal_commit_listener* listener)
  : writer_(writer), own_(std::move(own)), limits_(lim), listener_(listener) {
  // Replaces SQLite's auto-checkpoint hook (the two are exclusive).
  sqlite3_wal_hook(writer_.getHandle(), &wal_checkpointer::on_commit, this);
  thread_ = std::thread{[this] { run(); }};
}

wal_checkpointer::~wal_checkpointer() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_wal_hook(writer_.getHandle(), nullptr, nullptr);
}

int wal_checkpointer::on_commit(void* ptr, sqlite3* db, const char* schema, int pages) {
  auto* self = static_cast<wal_checkpointer*>(ptr);
  if (self->listener_)
    self->listener_->wal_committed(db);
  if (pages >= self->limits_.block_pages) {
    // SQLITE_BUSY here only means the background checkpoint holds the lock right now.
    if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr)
        == SQLITE_OK)
      self->inline_.fetch_add(1, std::memory_order_relaxed);
  } else if (pages >= self->limits_.start_pages
             && !self->signalled_.exchange(true, std::memory_order_acq_rel)) {
    {
      std::lock_guard<std::mutex> guard{self->mtx_};
      self->wanted_ = true;
    }
    self->wake_.notify_one();
  }
  return SQLITE_OK; // A failed checkpoint is no failure of the commit before it.
}

void wal_checkpointer::run() {
  std::unique_lock<std::mutex> lock{mtx_};
  for (;;) {
    wake_.wait(lock, [this] { return wanted_ || stop_; });
    if (stop_)
      return;
    wanted_ = false;
    lock.unlock();
    // Let the next commit past start_pages wake us again.
    signalled_.store(false, std::memory_order_release);
    int rc = sqlite3_wal_checkpoint_v2(own_->getHandle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                       nullptr, nullptr);
    if (rc == SQLITE_OK)
      background_.fetch_add(1, std::memory_order_relaxed);
    else if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
      log_warning(std::string{"background WAL checkpoint failed: "} + sqlite3_errstr(rc));
    lock.lock();
  }
}

} // namespace agg
