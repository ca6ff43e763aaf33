#include "support/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <vector>

namespace agg::test {

temp_dir::temp_dir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  path_ = buf.data();
}

temp_dir::~temp_dir() {
  // A destructor must not throw: a directory we cannot remove is left behind, not fatal.
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

} // namespace agg::test
