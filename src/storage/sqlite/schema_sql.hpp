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

// Version 2: each topic row keeps its number of stored events, updated in the transaction
// that stores them, so GET /topics and the per-topic metrics read a few rows instead of
// counting the topic index (about 0.1 s per million events, on every dashboard poll).
// A version 1 file gets the column and one count of its index when it is first opened.
inline constexpr const char* migrate_v1_to_v2 = R"sql(
  ALTER TABLE topics ADD COLUMN events INTEGER NOT NULL DEFAULT 0;
  UPDATE topics SET events = (SELECT COUNT(*) FROM events WHERE events.topic_id = topics.id);
  PRAGMA user_version = 2;
)sql";

// Version 3: the dedup index is a log-structured index of key hashes (storage/key_index)
// instead of the unique B-tree on (topic_id, event_id), whose random page writes capped
// random event ids at about 85k events/s and fell to 36k at 20M stored events.
// key_runs holds each sorted run's Bloom filter and block fences; key_blocks its entries,
// 250 (hash, seq) pairs per row, the rowid being (run id << 32) | block number.
// The events of a version 2 file are indexed when the store first opens it.
inline constexpr const char* migrate_v2_to_v3 = R"sql(
  CREATE TABLE key_runs (
    id      INTEGER PRIMARY KEY,
    level   INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    max_seq INTEGER NOT NULL,
    filter  BLOB NOT NULL,
    fences  BLOB NOT NULL
  );
  CREATE TABLE key_blocks (
    id   INTEGER PRIMARY KEY,
    data BLOB NOT NULL
  );
  DROP INDEX events_by_key;
  PRAGMA user_version = 3;
)sql";

// Version 4: the key index's filters fit a memory budget (--key-index-memory) instead of 16
// bits per stored key. Each run's filter is cut into partitions by the hash's top bits, one
// key_filters row each (rowid (run id << 16) | partition, the partition's key count beside
// it), so a merge hands the filter over a partition at a time and the budget folds one
// partition, rewriting a row rather than a run's whole filter. key_runs says how many bits
// of the hash pick the partition. The version 3 runs are dropped here and built again from
// the events table when the store opens (as for a version 2 file): the key index is derived
// data, and its old filters cannot be cut into partitions without their keys.
inline constexpr const char* migrate_v3_to_v4 = R"sql(
  DELETE FROM key_blocks;
  DROP TABLE key_runs;
  CREATE TABLE key_runs (
    id             INTEGER PRIMARY KEY,
    level          INTEGER NOT NULL,
    entries        INTEGER NOT NULL,
    max_seq        INTEGER NOT NULL,
    partition_bits INTEGER NOT NULL,
    fences         BLOB NOT NULL
  );
  CREATE TABLE key_filters (
    id   INTEGER PRIMARY KEY,
    keys INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  PRAGMA user_version = 4;
)sql";

} // namespace agg
