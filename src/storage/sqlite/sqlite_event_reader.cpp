#include "storage/sqlite/sqlite_event_reader.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "core/errors.hpp"
#include "storage/statement_guard.hpp"

namespace agg {

namespace {

// Readers wait this long for a lock (only a checkpoint in TRUNCATE mode would hold one).
constexpr int busy_timeout_ms = 5000;

caf::error read_error(const std::exception& ex) {
  return make_error(ec::storage_failure, std::string{"read failed: "} + ex.what());
}

} // namespace

caf::expected<std::unique_ptr<event_reader>> sqlite_event_reader::open(const std::string& path) {
  try {
    auto db = std::make_unique<SQLite::Database>(
      path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX, busy_timeout_ms);
    return std::unique_ptr<event_reader>{new sqlite_event_reader(std::move(db))};
  } catch (const std::exception& ex) {
    return make_error(ec::storage_failure, "cannot open database " + path + ": " + ex.what());
  }
}

sqlite_event_reader::sqlite_event_reader(std::unique_ptr<SQLite::Database> db)
  : db_(std::move(db)) {
  find_topic_ = std::make_unique<SQLite::Statement>(*db_, "SELECT id FROM topics WHERE name = ?");
  read_page_ = std::make_unique<SQLite::Statement>(
    *db_, "SELECT seq, event_id, timestamp, source, payload FROM events "
          "WHERE topic_id = ? AND seq > ? ORDER BY seq LIMIT ?");
  read_all_ = std::make_unique<SQLite::Statement>(
    *db_, "SELECT e.seq, t.name, e.event_id, e.timestamp, e.source, e.payload "
          "FROM events e JOIN topics t ON t.id = e.topic_id "
          "WHERE e.seq > ? ORDER BY e.seq LIMIT ?");
}

sqlite_event_reader::~sqlite_event_reader() = default;

caf::expected<std::optional<int64_t>> sqlite_event_reader::topic_id(const std::string& topic) {
  statement_guard guard{*find_topic_};
  try {
    find_topic_->bind(1, topic);
    std::optional<int64_t> id;
    if (find_topic_->executeStep())
      id = find_topic_->getColumn(0).getInt64();
    return id;
  } catch (const std::exception& ex) {
    return read_error(ex);
  }
}

caf::expected<std::vector<stored_event>>
sqlite_event_reader::page(int64_t topic_id, const std::string& topic, int64_t after, size_t limit) {
  statement_guard guard{*read_page_};
  try {
    std::vector<stored_event> events;
    events.reserve(std::min<size_t>(limit, 4096));
    read_page_->bind(1, topic_id);
    read_page_->bind(2, after);
    read_page_->bind(3, static_cast<int64_t>(limit));
    while (read_page_->executeStep()) {
      stored_event e;
      e.seq = read_page_->getColumn(0).getInt64();
      e.data.topic = topic;
      e.data.event_id = read_page_->getColumn(1).getString();
      e.data.timestamp = read_page_->getColumn(2).getString();
      e.data.source = read_page_->getColumn(3).getString();
      e.data.payload = read_page_->getColumn(4).getString();
      events.push_back(std::move(e));
    }
    return events;
  } catch (const std::exception& ex) {
    return read_error(ex);
  }
}

caf::expected<std::vector<stored_event>> sqlite_event_reader::events_after(int64_t after,
                                                                           size_t limit) {
  statement_guard guard{*read_all_};
  try {
    std::vector<stored_event> events;
    read_all_->bind(1, after);
    read_all_->bind(2, static_cast<int64_t>(limit));
    while (read_all_->executeStep()) {
      stored_event e;
      e.seq = read_all_->getColumn(0).getInt64();
      e.data.topic = read_all_->getColumn(1).getString();
      e.data.event_id = read_all_->getColumn(2).getString();
      e.data.timestamp = read_all_->getColumn(3).getString();
      e.data.source = read_all_->getColumn(4).getString();
      e.data.payload = read_all_->getColumn(5).getString();
      events.push_back(std::move(e));
    }
    return events;
  } catch (const std::exception& ex) {
    return read_error(ex);
  }
}

caf::expected<int64_t> sqlite_event_reader::newest_seq() {
  try {
    // max() of the rowid is a seek to the last row, not a scan.
    return db_->execAndGet("SELECT coalesce(max(seq), 0) FROM events").getInt64();
  } catch (const std::exception& ex) {
    return read_error(ex);
  }
}

caf::error sqlite_event_reader::begin_snapshot() {
  try {
    db_->exec("BEGIN");
    return {};
  } catch (const std::exception& ex) {
    return read_error(ex);
  }
}

void sqlite_event_reader::end_snapshot() {
  try {
    db_->exec("COMMIT");
  } catch (const std::exception&) {
    // A read-only transaction has nothing to lose; the next BEGIN reports a broken connection.
  }
}

} // namespace agg
