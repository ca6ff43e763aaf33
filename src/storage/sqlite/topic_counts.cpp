#include "storage/sqlite/topic_counts.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "core/errors.hpp"

namespace agg {

namespace {

// As event_reader: only a TRUNCATE checkpoint would hold a lock that long.
constexpr int busy_timeout_ms = 5000;

} // namespace

caf::expected<std::vector<topic_count>> read_topic_counts(const std::string& database_path) {
  try {
    SQLite::Database db{database_path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX,
                        busy_timeout_ms};
    // The counts the writer keeps in the topics table (schema version 2): one row per topic.
    SQLite::Statement query{db, "SELECT name, events FROM topics ORDER BY events DESC, name"};
    std::vector<topic_count> counts;
    while (query.executeStep())
      counts.push_back({query.getColumn(0).getString(),
                        static_cast<uint64_t>(query.getColumn(1).getInt64())});
    return counts;
  } catch (const std::exception& ex) {
    return make_error(ec::storage_failure, std::string{"reading topic counts failed: "} + ex.what());
  }
}

} // namespace agg
