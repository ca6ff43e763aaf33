#include "storage/postgres/schema.hpp"

#include <string>

#include "core/errors.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace agg {

namespace {

// pg_advisory_xact_lock key of schema changes: any constant that no other lock of ours uses
// (the commit-order lock is another); 0x6561 is "ea".
constexpr const char* lock_schema = "SELECT pg_advisory_xact_lock(x'65610001'::bigint)";

// Version 1. Topics, ids and sources are bytea: JSON strings may hold NUL, which a text
// column refuses, and byte order is also the order a batch's keys are sorted in. seq is an
// identity with CACHE 1, allocated under the commit-order lock, so seq order is commit
// order (postgres_event_store.cpp). ea_counters has one row per process run (a replica's
// start): each adds to its own row in its commits, and the cluster's counters are the sum.
constexpr const char* schema_v1 = R"sql(
  CREATE TABLE ea_schema (version integer NOT NULL);
  INSERT INTO ea_schema VALUES (1);
  CREATE TABLE ea_topics (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name   bytea NOT NULL UNIQUE,
    events bigint NOT NULL DEFAULT 0
  );
  CREATE TABLE ea_events (
    seq       bigint GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY,
    topic     bytea NOT NULL,
    event_id  bytea NOT NULL,
    timestamp text NOT NULL,
    source    bytea NOT NULL,
    payload   text NOT NULL,
    UNIQUE (topic, event_id)
  );
  CREATE INDEX ea_events_by_topic ON ea_events (topic, seq);
  CREATE TABLE ea_counters (
    run        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started    timestamptz NOT NULL DEFAULT now(),
    stored     bigint NOT NULL DEFAULT 0,
    duplicates bigint NOT NULL DEFAULT 0
  );
)sql";

caf::error migrate_locked(pg_connection& conn) {
  auto ours = conn.exec("SELECT to_regclass('ea_schema') IS NOT NULL, "
                        "to_regclass('ea_events') IS NOT NULL");
  if (!ours)
    return ours.error();
  bool has_schema = *PQgetvalue(ours->get(), 0, 0) != 0;
  bool has_events = *PQgetvalue(ours->get(), 0, 1) != 0;
  if (!has_schema) {
    if (has_events)
      return make_error(ec::storage_failure,
                        "the database holds a table ea_events but no event-aggregator schema: "
                        "refusing to touch a database that is not ours");
    return conn.exec_script(schema_v1);
  }
  auto version = conn.exec("SELECT max(version)::bigint FROM ea_schema");
  if (!version)
    return version.error();
  auto v = pg_int64(version->get(), 0, 0);
  if (v > postgres_schema_version)
    return make_error(ec::storage_failure,
                      "database schema version " + std::to_string(v)
                        + " is newer than this build understands ("
                        + std::to_string(postgres_schema_version) + ")");
  return caf::none; // Version 1 is the only one so far: nothing to migrate.
}

} // namespace

caf::error migrate_postgres(pg_connection& conn) {
  if (auto err = conn.exec_script(std::string{"BEGIN; "} + lock_schema))
    return err;
  auto err = migrate_locked(conn);
  if (!err)
    err = conn.exec_script("COMMIT");
  if (err) {
    conn.exec_script("ROLLBACK");
    return make_error(ec::storage_failure, "cannot set up the schema: " + error_text(err));
  }
  return caf::none;
}

} // namespace agg
