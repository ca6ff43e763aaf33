#include "support/power_cut/tracked_file.hpp"

#include "support/power_cut/raw_io.hpp"

#include <cstdio>
#include <cstdlib>

namespace agg::test::power_cut {

namespace {

// The harness cannot go on once its journal is incomplete: a later cut would roll back to a
// state that never existed. Stop the process loudly instead (the test sees it die).
[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "power-cut harness: %s\n", what.c_str());
  std::abort();
}

} // namespace

tracked_file::tracked_file(std::string path, int read_fd, std::string journal_path)
    : path_(std::move(path)),
      read_fd_(read_fd),
      journal_path_(std::move(journal_path)) {
  synced_size_ = current_size();
}

tracked_file::~tracked_file() {
  if (journal_fd_ >= 0)
    raw::close(journal_fd_);
  raw::close(read_fd_);
}

uint64_t tracked_file::current_size() const {
  struct stat st {};
  if (raw::fstat(read_fd_, &st) != 0)
    fail("cannot fstat " + path_);
  return static_cast<uint64_t>(st.st_size);
}

std::string tracked_file::read_bytes(uint64_t begin, uint64_t end) const {
  // Bytes past the current end were cut off by a truncate, which journaled them already, so
  // a short read only happens for bytes nobody needs: they stay zero.
  std::string out(end - begin, '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = raw::pread(read_fd_, out.data() + done, out.size() - done,
                           static_cast<off_t>(begin + done));
    if (n < 0)
      fail("cannot read " + path_);
    if (n == 0)
      break;
    done += static_cast<size_t>(n);
  }
  return out;
}

void tracked_file::save_preimages(uint64_t begin, uint64_t end) {
  if (forgotten_)
    return;
  if (journal_fd_ < 0)
    write_fresh_journal({});
  for (auto [from, to] : journaled_.take_missing(begin, std::min(end, synced_size_)))
    append_record(from, read_bytes(from, to));
  if (syncing_)
    for (auto [from, to] : sync_window_.take_missing(begin, std::min(end, sync_start_size_)))
      sync_window_preimages_.push_back({from, read_bytes(from, to)});
}

void tracked_file::append_record(uint64_t offset, const std::string& bytes) {
  std::string record = encode_record(offset, bytes.data(), bytes.size());
  if (!raw::append_all(journal_fd_, record.data(), record.size()))
    fail("cannot append to the undo journal " + journal_path_);
}

void tracked_file::write_fresh_journal(const std::vector<preimage>& records) {
  // Complete under a temporary name, then renamed over the old journal: whenever the process
  // is frozen, the journal at journal_path_ describes either the old synced state or the new.
  std::string temporary = journal_path_ + ".tmp";
  int fd = raw::openat(AT_FDCWD, temporary.c_str(),
                       O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    fail("cannot create " + temporary);
  std::string data = encode_header(synced_size_, path_);
  for (auto& p : records)
    data += encode_record(p.offset, p.bytes.data(), p.bytes.size());
  if (!raw::append_all(fd, data.data(), data.size())
      || raw::rename(temporary.c_str(), journal_path_.c_str()) != 0)
    fail("cannot write the undo journal " + journal_path_);
  if (journal_fd_ >= 0)
    raw::close(journal_fd_);
  journal_fd_ = fd;
}

int tracked_file::sync(int (*fsync_fn)(int), int fd) {
  std::lock_guard<std::mutex> one_at_a_time{sync_};
  {
    std::lock_guard<std::mutex> lock{state_};
    syncing_ = true;
    sync_start_size_ = current_size();
  }
  int rc = fsync_fn(fd);
  std::lock_guard<std::mutex> lock{state_};
  if (rc == 0 && !forgotten_) {
    synced_size_ = sync_start_size_;
    journaled_ = std::move(sync_window_);
    write_fresh_journal(sync_window_preimages_);
  }
  syncing_ = false;
  sync_window_ = byte_ranges{};
  sync_window_preimages_.clear();
  return rc;
}

void tracked_file::forget_journal() {
  std::lock_guard<std::mutex> lock{state_};
  forgotten_ = true;
  if (journal_fd_ >= 0)
    raw::close(journal_fd_);
  journal_fd_ = -1;
  raw::unlink(journal_path_.c_str());
}

} // namespace agg::test::power_cut
