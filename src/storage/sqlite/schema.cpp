#include "storage/sqlite/schema.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

#include "core/errors.hpp"
#include "storage/sqlite/schema_sql.hpp"

namespace agg {

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
    if (version == 0) {
      auto objects = db.execAndGet("SELECT count(*) FROM sqlite_master").getInt();
      if (objects > 0)
        return make_error(ec::storage_failure,
                          "the file holds tables but no event-aggregator schema: refusing to "
                          "touch a database that is not ours");
    }
    // A new file goes through every step, like an old one, so there is one path to test.
    SQLite::Transaction tx{db};
    if (version < 1)
      db.exec(schema_v1);
    if (version < 2)
      db.exec(migrate_v1_to_v2);
    if (version < 3)
      db.exec(migrate_v2_to_v3);
    if (version < 4)
      db.exec(migrate_v3_to_v4);
    tx.commit();
    return {};
  } catch (const std::exception& ex) {
    return make_error(ec::storage_failure, std::string{"cannot set up the schema: "} + ex.what());
  }
}

} // namespace agg
