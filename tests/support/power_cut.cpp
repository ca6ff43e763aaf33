#include "support/power_cut.hpp"

#include "support/build_flavour.hpp"
#include "support/power_cut/undo_journal.hpp"
#include "support/server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace agg::test {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size()
         && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void restore(const power_cut::undo_journal& journal, cut_report& report) {
  int fd = ::open(journal.path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return; // unlinked after it was journaled: directory entries are not modelled
    throw_errno("open " + journal.path);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    throw_errno("fstat " + journal.path);
  if (static_cast<uint64_t>(st.st_size) > journal.synced_size)
    report.bytes_dropped += static_cast<uint64_t>(st.st_size) - journal.synced_size;
  if (::ftruncate(fd, static_cast<off_t>(journal.synced_size)) != 0)
    throw_errno("ftruncate " + journal.path);
  for (auto& p : journal.preimages) {
    auto n = ::pwrite(fd, p.bytes.data(), p.bytes.size(), static_cast<off_t>(p.offset));
    if (n != static_cast<ssize_t>(p.bytes.size()))
      throw_errno("pwrite " + journal.path);
    report.bytes_restored += p.bytes.size();
  }
  // The roll-back itself must outlast a crash of the test machine as much as the test does.
  if (::fsync(fd) != 0)
    throw_errno("fsync " + journal.path);
  ::close(fd);
  ++report.files;
}

} // namespace

std::string cut_report::describe() const {
  std::ostringstream out;
  out << files << " files: " << bytes_restored << " bytes restored, " << bytes_dropped
      << " dropped";
  return out.str();
}

std::optional<std::string> power_cut_harness::unavailable() {
  if (sanitized_build)
    return "the power-cut preload library is not loaded into ASan builds (libasan must be "
           "the first library, and the harness tests the release build's behaviour)";
  if (!fs::exists(AGG_POWER_CUT_LIBRARY))
    return std::string{"no power-cut library at "} + AGG_POWER_CUT_LIBRARY;
  return std::nullopt;
}

power_cut_harness::power_cut_harness(fs::path dir) : dir_(std::move(dir)), journals_("agg-undo-") {
  if (!dir_.is_absolute())
    throw std::invalid_argument("power_cut: " + dir_.string() + " is not an absolute path");
  dir_ = dir_.lexically_normal();
}

std::vector<std::pair<std::string, std::string>> power_cut_harness::env() const {
  return {{"LD_PRELOAD", AGG_POWER_CUT_LIBRARY},
          {"AGG_POWER_CUT_DIR", dir_.string()},
          {"AGG_POWER_CUT_JOURNAL", journals_.path().string()}};
}

cut_report power_cut_harness::cut(pid_t pid) {
  if (::kill(pid, SIGSTOP) != 0)
    throw_errno("SIGSTOP");
  // The stop is reported once every thread has stopped; WNOWAIT leaves the report (or an
  // exit, if the process died first) for the caller's own wait.
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WSTOPPED | WEXITED | WNOWAIT) != 0)
    if (errno != EINTR)
      throw_errno("waitid");
  auto report = roll_back();
  ::kill(pid, SIGKILL);
  return report;
}

cut_report power_cut_harness::roll_back() {
  cut_report report;
  for (auto& entry : fs::directory_iterator(journals_.path())) {
    auto name = entry.path().string();
    if (ends_with(name, power_cut::journal_suffix)) {
      power_cut::undo_journal journal;
      if (!power_cut::decode(read_all(entry.path()), journal))
        throw std::runtime_error("unreadable undo journal " + name);
      restore(journal, report);
    }
  }
  discard();
  for (auto& entry : fs::recursive_directory_iterator(dir_))
    if (ends_with(entry.path().string(), "-shm"))
      fs::remove(entry.path());
  return report;
}

void power_cut_harness::discard() {
  for (auto& entry : fs::directory_iterator(journals_.path()))
    fs::remove(entry.path());
}

bool skip_power_cut_test() {
  auto why = power_cut_harness::unavailable();
  if (why)
    std::cout << "SKIPPED: " << *why << std::endl;
  return why.has_value();
}

void track_power(server_process& server, const power_cut_harness& harness) {
  for (auto& [name, value] : harness.env())
    server.set_env(name, value);
}

cut_report cut_power(server_process& server, power_cut_harness& harness) {
  auto report = harness.cut(server.pid());
  server.kill9();
  return report;
}

} // namespace agg::test
