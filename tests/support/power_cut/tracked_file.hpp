#pragma once

#include "support/power_cut/byte_ranges.hpp"
#include "support/power_cut/undo_journal.hpp"

#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace agg::test::power_cut {

/// What the preload library knows of one file (one inode, whatever fds it is written through):
/// its size at the last successful fsync, and an undo journal holding the synced contents of
/// every byte changed since. Each change runs after its pre-image is in the journal, under the
/// file's lock, so a process frozen at any moment can be rolled back to the last sync.
class tracked_file {
public:
  /// `read_fd` is the library's own read-only fd on the file; its contents now count as synced.
  tracked_file(std::string path, int read_fd, std::string journal_path);
  ~tracked_file();

  tracked_file(const tracked_file&) = delete;
  tracked_file& operator=(const tracked_file&) = delete;

  /// Journals the synced bytes in [begin, end) not journaled yet, then runs `change` (the real
  /// write, truncate or allocation; `end` may be past the file's end) and returns its result.
  template <class Change>
  auto change(uint64_t begin, uint64_t end, Change&& change_fn) {
    std::lock_guard<std::mutex> lock{state_};
    save_preimages(begin, end);
    return change_fn();
  }

  /// Runs `fsync` (the real fsync or fdatasync); when it succeeds, the file's state as it was
  /// when the call began becomes the synced state.
  int sync(int (*fsync_fn)(int), int fd);

  /// The file is being unlinked: its journal goes, and later changes are not journaled (the
  /// harness does not model directory entries, so an unlinked file stays gone at a cut).
  void forget_journal();

  const std::string& path() const { return path_; }

private:
  uint64_t current_size() const;
  void save_preimages(uint64_t begin, uint64_t end);
  std::string read_bytes(uint64_t begin, uint64_t end) const;
  void append_record(uint64_t offset, const std::string& bytes);
  void write_fresh_journal(const std::vector<preimage>& records);

  const std::string path_;
  const int read_fd_;
  const std::string journal_path_;
  std::mutex sync_;     // One fsync at a time per file: their windows must not overlap.
  std::mutex state_;    // Guards everything below, and is held across each change.
  int journal_fd_ = -1; // Opened at the first change.
  bool forgotten_ = false;
  uint64_t synced_size_ = 0;
  byte_ranges journaled_; // Bytes below synced_size_ whose synced contents are journaled.
  // While an fsync runs, writes go on (SQLite's writer does not wait for our WAL syncer), and
  // whether the fsync covers them is unknown, so they stay unsynced: the contents as of the
  // fsync's start of each byte they change are kept here, to become the next journal.
  bool syncing_ = false;
  uint64_t sync_start_size_ = 0;
  byte_ranges sync_window_;
  std::vector<preimage> sync_window_preimages_;
};

} // namespace agg::test::power_cut
