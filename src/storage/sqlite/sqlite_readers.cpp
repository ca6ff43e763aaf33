#include "storage/sqlite/sqlite_readers.hpp"

#include <filesystem>

#include "storage/sqlite/sqlite_event_reader.hpp"
#include "storage/sqlite/topic_counts.hpp"

namespace agg {

namespace {

uint64_t size_or_zero(const std::filesystem::path& path) {
  std::error_code err;
  auto size = std::filesystem::file_size(path, err);
  return err ? 0 : size;
}

} // namespace

sqlite_readers::sqlite_readers(std::string path) : path_(std::move(path)) {
}

caf::expected<std::unique_ptr<event_reader>> sqlite_readers::open_reader() {
  return sqlite_event_reader::open(path_);
}

caf::expected<std::vector<topic_count>> sqlite_readers::topic_counts() {
  return read_topic_counts(path_);
}

uint64_t sqlite_readers::size_bytes() {
  return size_or_zero(path_) + size_or_zero(path_ + "-wal");
}

} // namespace agg
