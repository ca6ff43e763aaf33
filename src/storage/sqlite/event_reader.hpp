#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "core/event.hpp"

namespace SQLite {
class Database;
class Statement;
} // namespace SQLite

namespace agg {

/// A read-only connection for one reader thread; WAL lets it read while the writer
/// commits, and each page sees one consistent snapshot.
class event_reader {
public:
  /// Opens the existing database at `path` read-only.
  static caf::expected<std::unique_ptr<event_reader>> open(const std::string& path);

  ~event_reader();

  /// The id of `topic`, or nothing if no event of it was ever stored.
  caf::expected<std::optional<int64_t>> topic_id(const std::string& topic);

  /// Up to `limit` events of the topic with seq > `after`, in seq order.
  caf::expected<std::vector<stored_event>> page(int64_t topic_id, const std::string& topic,
                                                int64_t after, size_t limit);

  /// The highest seq stored so far, 0 for an empty store.
  caf::expected<int64_t> newest_seq();

  /// Starts a read transaction: every read until end_snapshot() sees the same commits.
  caf::error begin_snapshot();

  /// Ends the read transaction of begin_snapshot(), so checkpoints can pass it.
  void end_snapshot();

private:
  explicit event_reader(std::unique_ptr<SQLite::Database> db);

  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<SQLite::Statement> find_topic_;
  std::unique_ptr<SQLite::Statement> read_page_;
};

} // namespace agg
