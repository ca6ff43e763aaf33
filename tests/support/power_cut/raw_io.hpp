#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdint>

// The real system calls, made with syscall(2): the preload library defines write, pwrite64,
// fsync and the rest itself, so calling them by name from inside it would call its own hooks.

namespace agg::test::power_cut::raw {

inline int openat(int dirfd, const char* path, int flags, mode_t mode) {
  return static_cast<int>(::syscall(SYS_openat, dirfd, path, flags, mode));
}
inline ssize_t write(int fd, const void* buf, size_t n) {
  return ::syscall(SYS_write, fd, buf, n);
}
inline ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  return ::syscall(SYS_pwrite64, fd, buf, n, offset);
}
inline ssize_t pread(int fd, void* buf, size_t n, off_t offset) {
  return ::syscall(SYS_pread64, fd, buf, n, offset);
}
inline int close(int fd) {
  return static_cast<int>(::syscall(SYS_close, fd));
}
inline int fstat(int fd, struct stat* st) {
  return static_cast<int>(::syscall(SYS_fstat, fd, st));
}
inline int rename(const char* from, const char* to) {
  return static_cast<int>(::syscall(SYS_renameat, AT_FDCWD, from, AT_FDCWD, to));
}
inline int unlink(const char* path) {
  return static_cast<int>(::syscall(SYS_unlinkat, AT_FDCWD, path, 0));
}

/// Writes all of `n` bytes at the file's end (the fd is O_APPEND); false on any failure.
inline bool append_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t done = write(fd, data, n);
    if (done <= 0)
      return false;
    data += done;
    n -= static_cast<size_t>(done);
  }
  return true;
}

} // namespace agg::test::power_cut::raw
