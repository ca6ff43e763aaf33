#pragma once

#include <caf/error.hpp>

namespace SQLite {
class Database;
}

namespace agg {

/// The schema version this build writes (`PRAGMA user_version`).
constexpr int schema_version = 4;

/// Brings `db` to `schema_version`, refusing files that are not ours or are newer.
caf::error migrate(SQLite::Database& db);

} // namespace agg
