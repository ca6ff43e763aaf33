#include "support/power_cut/tracked_files.hpp"

#include "support/power_cut/raw_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace agg::test::power_cut {

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "power-cut harness: %s\n", what.c_str());
  std::abort();
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size()
         && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

} // namespace

tracked_files& tracked_files::instance() {
  static tracked_files registry;
  return registry;
}

tracked_files::tracked_files() {
  const char* dir = std::getenv("AGG_POWER_CUT_DIR");
  if (!dir || !*dir)
    return;
  const char* journal = std::getenv("AGG_POWER_CUT_JOURNAL");
  if (dir[0] != '/' || !journal || journal[0] != '/')
    fail("AGG_POWER_CUT_DIR and AGG_POWER_CUT_JOURNAL must both be absolute paths");
  size_t n = std::strlen(dir);
  while (n > 1 && dir[n - 1] == '/')
    --n;
  if (n + 2 > sizeof(root_) || std::strlen(journal) + 1 > sizeof(journal_dir_))
    fail("AGG_POWER_CUT_DIR or AGG_POWER_CUT_JOURNAL is too long");
  std::memcpy(root_, dir, n);
  root_[n] = '/';
  root_length_ = n + 1;
  std::strcpy(journal_dir_, journal);
}

// A journal left by an earlier process describes bytes that process never synced; tracking
// the files afresh would count them as synced. The test side rolls journals back (or
// discards them) before it starts the next process.
void tracked_files::check_no_earlier_journals() {
  if (checked_journals_)
    return;
  checked_journals_ = true;
  DIR* d = ::opendir(journal_dir_);
  if (!d)
    fail(std::string{"cannot open the journal directory "} + journal_dir_);
  while (auto* entry = ::readdir(d))
    if (ends_with(entry->d_name, journal_suffix))
      fail(std::string{"an undo journal of an earlier process is still in "} + journal_dir_ + ": "
           + entry->d_name);
  ::closedir(d);
}

std::string tracked_files::absolute(int dirfd, const char* path) const {
  std::string base;
  if (path[0] != '/') {
    char buf[PATH_MAX];
    if (dirfd == AT_FDCWD) {
      if (!::getcwd(buf, sizeof(buf)))
        return {};
      base = buf;
    } else {
      std::string link = "/proc/self/fd/" + std::to_string(dirfd);
      ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);
      if (n <= 0)
        return {};
      base.assign(buf, static_cast<size_t>(n));
    }
    base += '/';
  }
  return std::filesystem::path{base + path}.lexically_normal().string();
}

bool tracked_files::below_root(const char* path) const {
  return root_length_ > 0 && std::strncmp(path, root_, root_length_) == 0;
}

void tracked_files::opened(int dirfd, const char* path, int fd, int flags) {
  // Absolute paths outside the root are turned away before anything allocates.
  if (root_length_ == 0 || (path[0] == '/' && !below_root(path)))
    return;
  std::string full = absolute(dirfd, path);
  // SQLite's WAL index is shared memory, rebuilt from the WAL by the first connection after
  // a crash: a cut deletes it instead of tracking it (it is written through mmap anyway).
  if (!below_root(full.c_str()) || ends_with(full, "-shm"))
    return;
  struct stat st {};
  if (raw::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return;
  if (flags & (O_DIRECT | O_SYNC | O_DSYNC | O_APPEND | O_TRUNC))
    fail(
      "opened " + full
      + " with O_DIRECT, O_SYNC, O_DSYNC, O_APPEND or O_TRUNC, which the harness does not model");
  std::lock_guard<std::mutex> lock{mutex_};
  check_no_earlier_journals();
  auto& file = files_[{st.st_dev, st.st_ino}];
  if (file)
    return;
  int read_fd = raw::openat(AT_FDCWD, full.c_str(), O_RDONLY | O_CLOEXEC, 0);
  if (read_fd < 0)
    fail("cannot open " + full + " for reading");
  std::string journal = std::string{journal_dir_} + "/" + std::to_string(st.st_dev) + "-"
                        + std::to_string(st.st_ino) + journal_suffix;
  file = std::make_shared<tracked_file>(full, read_fd, journal);
}

std::shared_ptr<tracked_file> tracked_files::find(int fd) {
  if (root_length_ == 0)
    return nullptr;
  struct stat st {};
  if (raw::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return nullptr;
  std::lock_guard<std::mutex> lock{mutex_};
  auto it = files_.find({st.st_dev, st.st_ino});
  return it == files_.end() ? nullptr : it->second;
}

void tracked_files::unlinking(int dirfd, const char* path) {
  if (root_length_ == 0 || (path[0] == '/' && !below_root(path)))
    return;
  std::string full = absolute(dirfd, path);
  struct stat st {};
  if (!below_root(full.c_str()) || ::stat(full.c_str(), &st) != 0)
    return;
  std::lock_guard<std::mutex> lock{mutex_};
  auto it = files_.find({st.st_dev, st.st_ino});
  if (it == files_.end())
    return;
  it->second->forget_journal();
  files_.erase(it);
}

} // namespace agg::test::power_cut
