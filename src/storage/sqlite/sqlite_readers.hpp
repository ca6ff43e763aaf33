#pragma once

#include <string>

#include "storage/store_readers.hpp"

namespace agg {

/// The read side of the SQLite store: each reader is a read-only connection of its own to
/// the file, which WAL lets read while the writer commits.
class sqlite_readers final : public store_readers {
public:
  /// Readers of the database file at `path` (which the store has created).
  explicit sqlite_readers(std::string path);

  caf::expected<std::unique_ptr<event_reader>> open_reader() override;

  caf::expected<std::vector<topic_count>> topic_counts() override;

  /// The database file and its WAL.
  uint64_t size_bytes() override;

private:
  std::string path_;
};

} // namespace agg
