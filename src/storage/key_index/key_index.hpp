#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "storage/event_store.hpp"
#include "storage/key_index/hot_keys.hpp"
#include "storage/key_index/key_run.hpp"
#include "storage/key_index/merge_job.hpp"
#include "storage/key_index/run_set.hpp"
#include "storage/key_index/run_store.hpp"

namespace agg {

/// Sizes of the key index; the defaults are the service's, tests shrink them.
struct key_index_options {
  size_t run_entries = size_t{1} << 18; ///< Newest keys kept in memory before a run is written.
  size_t fan_in = 4;                    ///< Runs of one level merged into one of the next.
  unsigned bits_per_key = 16;           ///< Most filter bits per key (about 0.1% false "maybe").
  size_t merge_pace = 8;                ///< Merged entries per new key, after each commit...
  size_t merge_slice_min = 16384;       ///< ...and at least this many while a merge is due.
  /// All the index may hold in memory: the newest keys' table, fences and filters. Filters
  /// get what the rest leaves, shared out by run size, and are folded to stay within it.
  size_t memory_bytes = size_t{128} << 20;
  /// Keys per filter partition (about 80 KiB of filter at 10 bits per key).
  size_t partition_keys = 65536;
};

/// What the key index holds, for logs and tests.
struct key_index_shape {
  size_t hot = 0;
  std::vector<int> run_levels; ///< One entry per run, oldest first.
  uint64_t run_entries = 0;
  size_t memory_bytes = 0;     ///< Filters, fences and the newest keys' table...
  size_t hot_memory_bytes = 0; ///< ...of which the newest keys' table.
};

/// The dedup index of the event store: which (topic, event_id) keys are stored.
///
/// A B-tree on the key itself costs a random page write per new key once the store
/// outgrows the page cache (about 10 KB written per event at 5M random ids), so the index
/// is log-structured instead (an LSM tree of key hashes): the newest keys live in memory
/// (hot_keys, rebuilt from the events table after a restart), and every `run_entries`
/// of them are written as one sorted run; `fan_in` runs of a level merge into one of the
/// next, a slice after each commit so that no commit waits for a whole merge. Runs are
/// written in order, so a key is written a few times in 16 bytes instead of a page. Each
/// run's Bloom filter answers most lookups of new keys in memory; a "maybe", and any hash
/// match, is settled by reading the event row itself. The filters share a fixed memory
/// budget (filter_budget.hpp), so memory does not grow with the store: past what the budget
/// covers well, lookups read more blocks instead.
///
/// The events table stays the truth: runs and their filters are derived from it in
/// transactions of their own, and an index that lost its newest run to a crash finds
/// those events again at open.
class key_index {
public:
  /// Loads the runs of `db` and indexes the events stored after the newest one (which
  /// writes runs if there are many: the first open of a store from before the index).
  /// Throws SQLite::Exception on a storage error.
  key_index(SQLite::Database& db, key_index_options options);
  ~key_index();

  /// Why `options` cannot work (a memory budget below the newest keys' table), or "".
  static std::string check(const key_index_options& options);

  // -- lookups and changes within the store's transaction ----------------------

  /// True if an event with this key is stored, or was added earlier in this transaction.
  bool contains(int64_t topic_id, const std::string& event_id, uint64_t hash);

  /// Notes that the event `seq` with this key hash was inserted.
  void add(uint64_t hash, int64_t seq) {
    hot_.add(hash, seq);
  }

  /// A point to roll back to if the transaction fails.
  size_t mark() const {
    return hot_.size();
  }

  /// The transaction failed: forgets what was added after `mark`.
  void rollback(size_t mark) {
    hot_.truncate(mark);
  }

  // -- maintenance, outside the store's transaction ----------------------------

  static constexpr size_t unlimited = SIZE_MAX;

  /// After a commit that added `keys_added` keys: writes a run if enough new keys are in
  /// memory, then moves the merge of full levels on by a slice in proportion (all of it
  /// with `unlimited`), each step in a transaction of its own. Throws on a storage error;
  /// what the index answers is unchanged by a failure.
  void maintain(size_t keys_added = unlimited);

  key_index_shape shape() const;

  /// Runs and memory only: read after every commit, so it allocates nothing.
  dedup_index_footprint footprint() const;

private:
  bool confirm(int64_t seq, int64_t topic_id, const std::string& event_id);
  bool run_contains(const key_run& run, uint64_t hash, int64_t topic_id,
                    const std::string& event_id);
  void index_stored_events();
  void write_hot_run();
  void merge(size_t budget);
  bool start_merge();
  void delete_unfinished();
  // Filter bits per key for a new run of `entries` keys, which replaces the runs `replaced`.
  double filter_bits_per_key(uint64_t entries, const std::vector<int64_t>& replaced) const;
  // Folds filter partitions until the index fits its memory budget, and saves them.
  void fit_budget();

  SQLite::Database& db_;
  key_index_options options_;
  run_store store_;
  std::vector<int64_t> unfinished_; // Runs cut short (level -1 rows): to delete.
  run_set runs_;
  hot_keys hot_;
  SQLite::Statement read_event_key_;
  std::vector<key_entry> block_;     // Scratch for lookups' read_block.
  std::unique_ptr<merge_job> merge_; // The merge under way, if any.
};

} // namespace agg
