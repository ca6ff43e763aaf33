#pragma once

#include <caf/error.hpp>

namespace agg {

class pg_connection;

/// The schema version this build writes (the one row of ea_schema).
constexpr int postgres_schema_version = 1;

/// Brings the database to postgres_schema_version, refusing one that holds our table names
/// without our schema, or a newer version. Replicas starting together take turns (an
/// advisory lock), so exactly one creates the tables.
caf::error migrate_postgres(pg_connection& conn);

} // namespace agg
