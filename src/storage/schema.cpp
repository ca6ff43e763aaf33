#include "storage/schema.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

#include "core/errors.hpp"

namespace agg {

namespace {

// Version 1. Events live in rowid order (seq = arrival order). The unique index on
// (topic_id, event_id) is the dedup source of truth; events_by_topic is (topic_id, rowid)
// in effect, so a topic's events are read in seq order without sorting.
constexpr const char* schema_v1 = R"sql(
  CREATE TABLE topics (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
  );
  CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    topic_id  INTEGER NOT NULL REFERENCES topics(id),
    event_id  TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    source    TEXT NOT NULL,
    payload   TEXT NOT NULL
  );
  CREATE UNIQUE INDEX events_by_key ON events(topic_id, event_id);
  CREATE INDEX events_by_topic ON events(topic_id);
  CREATE TABLE counters (
    name  TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO counters(name, value) VALUES ('unique', 0), ('duplicates', 0);
  PRAGMA user_version = 1;
)sql";

} // namespace

caf::error migrate(SQLite::Database& db) {
  try {
    auto version = db.execAndGet("PRAGMA user_version").getInt();
    if (version > schema_version)
      return make_error(ec::storage_failure,
                        "database schema version " + std::to_string(version)
                          + " is newer than this build understands ("
                          + std::to_string(schema_version) + ")");
    if (version == schema_version)
      return {};
    auto objects = db.execAndGet("SELECT count(*) FROM sqlite_master").getInt();
    if (objects > 0)
      return make_error(ec::storage_failure,
                        "the file holds tables but no event-aggregator schema: refusing to "
                        "touch a database that is not ours");
    SQLite::Transaction tx{db};
    db.exec(schema_v1);
    tx.commit();
    return {};
  } catch (const std::exception& ex) {
    return make_error(ec::storage_failure, std::string{"cannot set up the schema: "} + ex.what());
  }
}

} // namespace agg
