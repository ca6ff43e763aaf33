// The power-cut preload library (LD_PRELOAD=libagg_power_cut.so): the calls that change or
// sync files, intercepted so that every change to a file below AGG_POWER_CUT_DIR not yet
// fsynced can be undone while the process is frozen. See power_cut.hpp for the whole picture
// and for what it does not model.
//
// Covered: open/openat (and their 64-bit and _FORTIFY_SOURCE variants, creat), write,
// pwrite, writev, pwritev, pwritev2, ftruncate, fallocate, posix_fallocate, fsync, fdatasync,
// unlink, unlinkat; mmap refuses a shared writable mapping of a tracked file. SQLite 3.40 uses
// open64, pwrite64, ftruncate64, fdatasync, mmap64 (the -shm file only) and unlink (checked
// with nm -D and strace).

#include "support/power_cut/raw_io.hpp"
#include "support/power_cut/tracked_files.hpp"

#include <sys/mman.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using agg::test::power_cut::tracked_files;
namespace raw = agg::test::power_cut::raw;

namespace {

constexpr uint64_t to_end = UINT64_MAX;

mode_t mode_of(int flags, va_list args) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(args, mode_t) : 0;
}

int open_tracked(int dirfd, const char* path, int flags, mode_t mode) {
  int fd = raw::openat(dirfd, path, flags, mode);
  if (fd >= 0)
    tracked_files::instance().opened(dirfd, path, fd, flags);
  return fd;
}

uint64_t total_length(const struct iovec* iov, int count) {
  uint64_t total = 0;
  for (int i = 0; i < count; ++i)
    total += iov[i].iov_len;
  return total;
}

int real_fsync(int fd) {
  return static_cast<int>(::syscall(SYS_fsync, fd));
}

int real_fdatasync(int fd) {
  return static_cast<int>(::syscall(SYS_fdatasync, fd));
}

// Runs `real` (a syscall with -1/errno results) after journaling [begin, end) of fd's file.
template <class Real>
auto change(int fd, uint64_t begin, uint64_t end, Real real) {
  auto file = tracked_files::instance().find(fd);
  return file ? file->change(begin, end, real) : real();
}

ssize_t pwritev_tracked(int fd, const struct iovec* iov, int count, off_t offset, int flags) {
  // pwritev2 with offset -1 writes at the fd's position, as writev does.
  uint64_t begin = offset >= 0 ? static_cast<uint64_t>(offset)
                               : static_cast<uint64_t>(::syscall(SYS_lseek, fd, 0, SEEK_CUR));
  // The kernel takes the offset as two halves (low, high); on 64-bit the high half is unused.
  return change(fd, begin, begin + total_length(iov, count),
                [&] { return ::syscall(SYS_pwritev2, fd, iov, count, offset, 0, flags); });
}

int allocate(int fd, int mode, off_t offset, off_t length) {
  return change(fd, static_cast<uint64_t>(offset), static_cast<uint64_t>(offset + length), [&] {
    return static_cast<int>(::syscall(SYS_fallocate, fd, mode, offset, length));
  });
}

} // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  mode_t mode = mode_of(flags, args);
  va_end(args);
  return open_tracked(AT_FDCWD, path, flags, mode);
}

int open64(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  mode_t mode = mode_of(flags, args);
  va_end(args);
  return open_tracked(AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  mode_t mode = mode_of(flags, args);
  va_end(args);
  return open_tracked(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  mode_t mode = mode_of(flags, args);
  va_end(args);
  return open_tracked(dirfd, path, flags, mode);
}

int __open_2(const char* path, int flags) {
  return open_tracked(AT_FDCWD, path, flags, 0);
}

int __open64_2(const char* path, int flags) {
  return open_tracked(AT_FDCWD, path, flags, 0);
}

int __openat_2(int dirfd, const char* path, int flags) {
  return open_tracked(dirfd, path, flags, 0);
}

int __openat64_2(int dirfd, const char* path, int flags) {
  return open_tracked(dirfd, path, flags, 0);
}

int creat(const char* path, mode_t mode) {
  return open_tracked(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

int creat64(const char* path, mode_t mode) {
  return open_tracked(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

ssize_t write(int fd, const void* buf, size_t n) {
  auto file = tracked_files::instance().find(fd);
  if (!file)
    return raw::write(fd, buf, n);
  auto begin = static_cast<uint64_t>(::syscall(SYS_lseek, fd, 0, SEEK_CUR));
  return file->change(begin, begin + n, [&] { return raw::write(fd, buf, n); });
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  auto begin = static_cast<uint64_t>(offset);
  return change(fd, begin, begin + n, [&] { return raw::pwrite(fd, buf, n, offset); });
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off_t offset) {
  return pwrite(fd, buf, n, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  return pwritev_tracked(fd, iov, count, -1, 0);
}

ssize_t pwritev(int fd, const struct iovec* iov, int count, off_t offset) {
  return pwritev_tracked(fd, iov, count, offset, 0);
}

ssize_t pwritev64(int fd, const struct iovec* iov, int count, off_t offset) {
  return pwritev_tracked(fd, iov, count, offset, 0);
}

ssize_t pwritev2(int fd, const struct iovec* iov, int count, off_t offset, int flags) {
  return pwritev_tracked(fd, iov, count, offset, flags);
}

ssize_t pwritev64v2(int fd, const struct iovec* iov, int count, off_t offset, int flags) {
  return pwritev_tracked(fd, iov, count, offset, flags);
}

int ftruncate(int fd, off_t length) {
  // Bytes from the new end on may change: cut off when shrinking, zeroes when growing past
  // bytes an earlier truncate had cut off (those are journaled already).
  return change(fd, static_cast<uint64_t>(length), to_end,
                [&] { return static_cast<int>(::syscall(SYS_ftruncate, fd, length)); });
}

int ftruncate64(int fd, off_t length) {
  return ftruncate(fd, length);
}

int fallocate(int fd, int mode, off_t offset, off_t length) {
  return allocate(fd, mode, offset, length);
}

int fallocate64(int fd, int mode, off_t offset, off_t length) {
  return allocate(fd, mode, offset, length);
}

int posix_fallocate(int fd, off_t offset, off_t length) {
  // posix_fallocate reports the error instead of setting errno; glibc's fallback of writing
  // zeroes where fallocate is unsupported is not copied (every filesystem we test on has it).
  return allocate(fd, 0, offset, length) == 0 ? 0 : errno;
}

int posix_fallocate64(int fd, off_t offset, off_t length) {
  return posix_fallocate(fd, offset, length);
}

int fsync(int fd) {
  auto file = tracked_files::instance().find(fd);
  return file ? file->sync(&real_fsync, fd) : real_fsync(fd);
}

int fdatasync(int fd) {
  // Data and the size: all a rollback restores, so the same as fsync here.
  auto file = tracked_files::instance().find(fd);
  return file ? file->sync(&real_fdatasync, fd) : real_fdatasync(fd);
}

void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  if (fd >= 0 && (prot & PROT_WRITE) && (flags & MAP_SHARED))
    if (auto file = tracked_files::instance().find(fd)) {
      std::fprintf(stderr,
                   "power-cut harness: a shared writable mapping of %s bypasses the "
                   "undo journal\n",
                   file->path().c_str());
      std::abort();
    }
  return reinterpret_cast<void*>(::syscall(SYS_mmap, addr, length, prot, flags, fd, offset));
}

void* mmap64(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  return mmap(addr, length, prot, flags, fd, offset);
}

int unlink(const char* path) {
  tracked_files::instance().unlinking(AT_FDCWD, path);
  return raw::unlink(path);
}

int unlinkat(int dirfd, const char* path, int flags) {
  if (!(flags & AT_REMOVEDIR))
    tracked_files::instance().unlinking(dirfd, path);
  return static_cast<int>(::syscall(SYS_unlinkat, dirfd, path, flags));
}

} // extern "C"
