#pragma once

#include <filesystem>
#include <string>

namespace agg::test {

/// A fresh directory under /tmp, removed with everything in it when the object dies.
class temp_dir {
public:
  /// Creates `/tmp/<prefix>XXXXXX` with mkdtemp; throws std::system_error on failure.
  explicit temp_dir(const std::string& prefix = "agg-test-");
  ~temp_dir();

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// The directory's absolute path.
  const std::filesystem::path& path() const { return path_; }

  /// `path() / name`, for files and subdirectories inside it.
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
  std::filesystem::path path_;
};

} // namespace agg::test
