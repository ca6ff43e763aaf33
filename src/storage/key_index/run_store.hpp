#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "storage/key_index/key_entry.hpp"
#include "storage/key_index/key_run.hpp"

namespace agg {

/// The key index's tables in the store's file: key_runs, a row per run (level, entries, newest
/// seq, partition bits, fences); key_blocks, a row per block of a run's entries; key_filters,
/// a row per partition of a run's filter. Statements are prepared once; it opens no
/// transaction of its own.
class run_store {
public:
  explicit run_store(SQLite::Database& db);

  SQLite::Database& db() {
    return db_;
  }

  /// Every run row, in id order, with its filter; unfinished runs (level < 0) included,
  /// without their filters.
  std::vector<key_run> load();

  /// Replaces `run.filter` by the stored one (given back partitions come back).
  void load_filter(key_run& run);

  /// Writes (or rewrites, after a fold) partition `p` of the run's filter.
  void write_partition(const key_run& run, size_t p);

  /// Replaces `out` by the entries of block `block` of run `run_id` (none if it is missing).
  void read_block(int64_t run_id, size_t block, std::vector<key_entry>& out);

  /// Writes block `block` of run `run_id`.
  void write_block(int64_t run_id, size_t block, const key_entry* first, size_t count);

  /// Writes the row of a run being built: level -1 and nothing else, so that a run cut
  /// short (a crash, an error) is found at open and its blocks deleted.
  void write_unfinished(int64_t id);

  /// Writes the finished run's row, in place of its unfinished one.
  void write_row(const key_run& run);

  /// Deletes the run's row, its filter and its blocks numbered below `blocks`.
  void delete_run(int64_t id, size_t blocks);

private:
  void write_row(int64_t id, int level, uint64_t entries, int64_t max_seq,
                 unsigned partition_bits, std::string_view fences);

  SQLite::Database& db_;
  SQLite::Statement read_block_;
  SQLite::Statement insert_block_;
  SQLite::Statement write_run_;
  SQLite::Statement delete_blocks_;
  SQLite::Statement delete_run_;
  SQLite::Statement read_filter_;
  SQLite::Statement write_partition_;
  SQLite::Statement delete_filter_;
};

} // namespace agg
