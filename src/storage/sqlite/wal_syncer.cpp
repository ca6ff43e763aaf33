#include "storage/sqlite/wal_syncer.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/errors.hpp"
#include "core/log.hpp"

namespace agg {

namespace {

// The 24-byte frame header SQLite writes before each page in the WAL (its file format).
constexpr uint64_t wal_frame_header_bytes = 24;

} // namespace

caf::expected<std::unique_ptr<wal_syncer>> wal_syncer::start(const std::string& wal_path,
                                                             sync_mode sync, int page_size,
                                                             wal_sync_options options) {
  // Read-only is enough: Linux flushes a file's data through any fd of it.
  int fd = ::open(wal_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(ec::storage_failure,
                      "cannot open " + wal_path + " to fsync it: " + std::strerror(errno));
  if (!options.status)
    options.status = std::make_shared<wal_sync_status>();
  std::unique_ptr<wal_syncer> syncer{new wal_syncer(fd, sync, page_size, std::move(options))};
  // What the store's opening wrote (a recovered WAL, a migration) is on disk from here on.
  if (!syncer->fsync_now())
    return make_error(ec::storage_failure,
                      "cannot fsync " + wal_path + ": " + std::strerror(errno));
  if (sync == sync_mode::normal)
    syncer->thread_ = std::thread{[s = syncer.get()] { s->run(); }};
  return syncer;
}

wal_syncer::wal_syncer(int fd, sync_mode sync, int page_size, wal_sync_options options)
    : fd_(fd),
      sync_(sync),
      frame_bytes_(static_cast<uint64_t>(page_size) + wal_frame_header_bytes),
      interval_(options.interval),
      status_(std::move(options.status)) {}

wal_syncer::~wal_syncer() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  ::close(fd_);
}

void wal_syncer::wal_committed(sqlite3* writer) {
  // The frames this connection wrote to the WAL, ever (the WAL's own frame count starts over
  // after each checkpoint, so it cannot tell a restart from a small commit).
  int frames = 0, unused = 0;
  sqlite3_db_status(writer, SQLITE_DBSTATUS_CACHE_WRITE, &frames, &unused, 0);
  auto now = static_cast<uint64_t>(frames);
  auto added = now >= frames_seen_ ? now - frames_seen_ : now; // the int counter wrapped
  frames_seen_ = now;
  auto written = status_->written_bytes.fetch_add(added * frame_bytes_, std::memory_order_relaxed)
                 + added * frame_bytes_;
  // synchronous=FULL: SQLite fsynced the WAL before this commit returned, so everything
  // written up to now is on disk.
  if (sync_ == sync_mode::full)
    status_->synced(wal_sync_status::clock::now(), written);
}

bool wal_syncer::fsync_now() {
  auto started = wal_sync_status::clock::now();
  // Read after `started`: every commit counted here wrote its frames before the fsync began.
  auto written = status_->written_bytes.load(std::memory_order_seq_cst);
  if (::fdatasync(fd_) != 0) {
    if (!failing_)
      log_warning(std::string{"WAL fsync failed, retrying every interval: "}
                  + std::strerror(errno));
    failing_ = true;
    return false;
  }
  if (failing_)
    log_info("WAL fsync works again");
  failing_ = false;
  status_->synced(started, written);
  return true;
}

void wal_syncer::run() {
  // Each fsync starts one interval after the previous one started (or at once if that one
  // took longer), so the gap between two is the interval plus at most one fsync's time.
  auto next = wal_sync_status::clock::now() + interval_;
  std::unique_lock<std::mutex> lock{mtx_};
  for (;;) {
    if (wake_.wait_until(lock, next, [this] { return stop_; }))
      return;
    lock.unlock();
    auto started = wal_sync_status::clock::now();
    fsync_now();
    next = started + interval_;
    lock.lock();
  }
}

} // namespace agg
