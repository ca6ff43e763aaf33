#pragma once

namespace agg {

/// Process-wide SQLite settings, applied once before the library initialises (the first
/// connection opened initialises it; later calls change nothing). Returns true when the
/// settings are in effect.
///
/// Memory statistics are switched off: with them on, every sqlite3_malloc/free takes a
/// global mutex to keep the counters, and we never read them. That lock was ~3% of the
/// writer thread's time, and turning it off raised the insert rate by ~10%.
bool tune_sqlite_library();

} // namespace agg
