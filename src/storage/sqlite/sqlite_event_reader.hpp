#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "storage/event_reader.hpp"

namespace SQLite {
class Database;
class Statement;
} // namespace SQLite

namespace agg {

/// A read-only connection for one reader thread; WAL lets it read while the writer
/// commits, and each page sees one consistent snapshot.
class sqlite_event_reader final : public event_reader {
public:
  /// Opens the existing database at `path` read-only.
  static caf::expected<std::unique_ptr<event_reader>> open(const std::string& path);

  ~sqlite_event_reader() override;

  caf::expected<std::optional<int64_t>> topic_id(const std::string& topic) override;

  caf::expected<std::vector<stored_event>> page(int64_t topic_id, const std::string& topic,
                                                int64_t after, size_t limit) override;

  caf::expected<std::vector<stored_event>> events_after(int64_t after, size_t limit) override;

  caf::expected<int64_t> newest_seq() override;

  caf::error begin_snapshot() override;

  /// Ends the read transaction, so checkpoints can pass it.
  void end_snapshot() override;

private:
  explicit sqlite_event_reader(std::unique_ptr<SQLite::Database> db);

  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<SQLite::Statement> find_topic_;
  std::unique_ptr<SQLite::Statement> read_page_;
  std::unique_ptr<SQLite::Statement> read_all_;
};

} // namespace agg
