#pragma once

#include "support/temp_dir.hpp"

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// A power cut for tests: what a machine that loses power keeps of its files is what was
// fsynced, so the harness drops exactly what was not.
//
// A process started with env() has the preload library libagg_power_cut.so
// (support/power_cut/) in it. For every regular file below the chosen directory, by inode
// (an fsync through any fd syncs the file), the library records the file's size at its last
// successful fsync or fdatasync and, before any write, truncate or allocation changes bytes
// below that size, those bytes as they were: an undo journal per file, in a directory of its
// own outside the tracked one, appended before each change is made. cut() freezes the process
// (SIGSTOP, and waits until every thread stopped), rolls each file back to its last synced
// state from the journals, deletes SQLite's -shm files (shared memory that SQLite rebuilds
// from the WAL after a crash), then SIGKILLs the process. A process frozen between a journal
// record and its write gets back bytes that never changed, which is harmless; the record of
// the write it was making when frozen may be incomplete, and is ignored, since that write had
// not started. An fsync counts for the file's state when the call began: writes made while it
// runs (from other threads) stay unsynced, which a real disk may also do.
//
// Not modelled (a real power loss can do these, the harness never does):
// - directory entries: creating, renaming and unlinking files is durable at once (a file
//   created and never fsynced comes back empty, not missing; an unlinked file stays gone);
// - torn or reordered sectors within a write, and writes after an fsync reaching the disk
//   before it; a cut keeps a whole write or none of it, and synced data is never damaged;
// - the disk's own cache lying about an fsync;
// - writes that bypass the intercepted calls: stdio's internal writes, sendfile,
//   copy_file_range, io_uring, truncate(2) by path; sync(2) and syncfs(2) are not seen (a
//   file synced only through them would be rolled back). The library aborts the process on
//   a shared writable mmap of a tracked file and on O_DIRECT, O_SYNC, O_DSYNC, O_APPEND or
//   O_TRUNC opens of one, which it does not model either. SQLite 3.40 in WAL mode uses none
//   of them (its -shm file, the one it maps, is not tracked);
// - processes that were not started with env(): only the frozen process's writes are undone.
// A file's contents when the library first sees it (its first open) count as synced.

namespace agg::test {

class server_process;

/// What a roll-back undid.
struct cut_report {
  size_t files = 0;            ///< Files that had a journal.
  uint64_t bytes_restored = 0; ///< Synced bytes written back over later changes.
  uint64_t bytes_dropped = 0;  ///< Bytes past a file's synced size, cut off.
  /// "3 files: 8192 bytes restored, 40960 dropped"
  std::string describe() const;
};

/// Power cuts of the processes that write one directory.
class power_cut_harness {
public:
  /// Why the harness cannot run in this build (for a SKIPPED: line), or nullopt when it can.
  static std::optional<std::string> unavailable();

  /// Tracks the files below `dir` (an absolute path) of processes started with env().
  explicit power_cut_harness(std::filesystem::path dir);

  /// LD_PRELOAD and the library's two variables, to add to a child's environment.
  std::vector<std::pair<std::string, std::string>> env() const;

  /// Freezes `pid`, a child of this process (returns once all its threads stopped), rolls
  /// back, then SIGKILLs it; the caller reaps it.
  cut_report cut(pid_t pid);

  /// Puts every journaled file back to its last synced state, deletes the -shm files below
  /// the directory and the journals. REQUIRES: the writing process is frozen or gone.
  cut_report roll_back();

  /// Deletes the journals without rolling back: after a clean stop, to go on as if the disk
  /// had written everything (a process refuses to start over a journal left by another).
  void discard();

  /// Where the journals are kept (outside the tracked directory).
  const std::filesystem::path& journal_dir() const { return journals_.path(); }

private:
  std::filesystem::path dir_;
  temp_dir journals_;
};

/// True when the harness cannot run in this build, after printing the "SKIPPED: " line that
/// ctest counts as a skip: `if (skip_power_cut_test()) return;`.
bool skip_power_cut_test();

/// Puts the harness's env() into `server`'s environment from its next start() on; the
/// harness must track server.data_dir().
void track_power(server_process& server, const power_cut_harness& harness);

/// A power cut of a running server: harness.cut(), then the server is reaped (SIGKILLed).
cut_report cut_power(server_process& server, power_cut_harness& harness);

} // namespace agg::test
