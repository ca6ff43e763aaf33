#pragma once

// The schema's DDL, in a header of its own so that bench/storage_ceiling can create the
// very same tables without linking the service.

namespace agg {

// Version 1. Events live in rowid order (seq = arrival order). The unique index on
// (topic_id, event_id) is the dedup source of truth; events_by_topic is (topic_id, rowid)
// in effect, so a topic's events are read in seq order without sorting.
inline constexpr const char* schema_v1 = R"sql(
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

} // namespace agg
