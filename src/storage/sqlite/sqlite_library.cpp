#include "storage/sqlite/sqlite_library.hpp"

#include <sqlite3.h>

namespace agg {

bool tune_sqlite_library() {
  // A function-local static runs once, thread-safely; SQLITE_MISUSE means another part of
  // the process initialised SQLite first, and it keeps its defaults.
  static const bool applied = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  return applied;
}

} // namespace agg
