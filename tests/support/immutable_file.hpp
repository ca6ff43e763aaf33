#pragma once

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace agg::test {

/// Sets or clears the immutable attribute (chattr +i) of `path`: nobody, root included, may
/// write to an immutable file or add to an immutable directory, even through descriptors
/// opened before. Tests run as root, which ignores permission bits, so this is how they make
/// storage read-only. Returns "" or why it failed (not root, no CAP_LINUX_IMMUTABLE, or a file
/// system without the attribute, such as tmpfs or overlayfs).
inline std::string set_immutable(const std::filesystem::path& path, bool on) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return "cannot open " + path.string() + ": " + std::strerror(errno);
  int flags = 0;
  std::string why;
  if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0)
    why = "cannot read the attributes of " + path.string() + ": " + std::strerror(errno);
  else {
    flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
    if (::ioctl(fd, FS_IOC_SETFLAGS, &flags) != 0)
      why = std::string{"cannot "} + (on ? "set" : "clear") + " the immutable attribute of "
            + path.string() + ": " + std::strerror(errno);
  }
  ::close(fd);
  return why;
}

/// Makes files immutable for its lifetime; clears the attribute again when it dies, so the
/// temp dir can be removed even when a test fails half way.
class immutable_files {
public:
  /// Makes each existing path immutable, stopping at the first failure (see error()).
  explicit immutable_files(const std::vector<std::filesystem::path>& paths) {
    for (auto& p : paths) {
      if (!std::filesystem::exists(p))
        continue;
      error_ = set_immutable(p, true);
      if (!error_.empty())
        return;
      done_.push_back(p);
    }
  }
  ~immutable_files() { release(); }
  immutable_files(const immutable_files&) = delete;
  immutable_files& operator=(const immutable_files&) = delete;

  /// "" when every path is immutable, else why not.
  const std::string& error() const { return error_; }
  /// Clears the attribute on everything made immutable.
  void release() {
    for (auto& p : done_)
      set_immutable(p, false);
    done_.clear();
  }

private:
  std::vector<std::filesystem::path> done_;
  std::string error_;
};

} // namespace agg::test
