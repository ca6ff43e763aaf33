#pragma once

#include "support/power_cut/tracked_file.hpp"

#include <limits.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace agg::test::power_cut {

/// The files under the directory AGG_POWER_CUT_DIR names, by inode: an fsync through any fd
/// of a file syncs that file. Set up from the environment at the first intercepted call:
///   AGG_POWER_CUT_DIR      absolute, normalised path; files below it are tracked (unset: none)
///   AGG_POWER_CUT_JOURNAL  absolute path of a directory outside it for the undo journals
/// Setting up allocates nothing and makes no intercepted call: the first open may come from
/// inside the allocator's own start-up (jemalloc reads /proc/sys/vm/overcommit_memory).
class tracked_files {
public:
  /// The one registry of this process.
  static tracked_files& instance();

  /// Starts tracking the file just opened as `fd` if its path lies below the directory.
  /// `dirfd` and `path` are as given to openat; `flags` checks for what the harness cannot model.
  void opened(int dirfd, const char* path, int fd, int flags);
  /// The tracked file behind `fd`, or null.
  std::shared_ptr<tracked_file> find(int fd);
  /// Stops tracking the file at `path` (about to be unlinked) and drops its journal.
  void unlinking(int dirfd, const char* path);

private:
  tracked_files();
  std::string absolute(int dirfd, const char* path) const;
  bool below_root(const char* path) const;
  void check_no_earlier_journals(); // REQUIRES: mutex_ held

  char root_[PATH_MAX] = {};        // AGG_POWER_CUT_DIR and a '/', or "" when off
  char journal_dir_[PATH_MAX] = {}; // AGG_POWER_CUT_JOURNAL
  size_t root_length_ = 0;
  std::mutex mutex_;
  bool checked_journals_ = false; // Guarded by mutex_.
  std::map<std::pair<dev_t, ino_t>, std::shared_ptr<tracked_file>> files_;
};

} // namespace agg::test::power_cut
