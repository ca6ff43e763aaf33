#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "core/config.hpp"
#include "storage/event_store.hpp"
#include "storage/key_index/key_index.hpp"
#include "storage/sqlite/wal_checkpointer.hpp"
#include "storage/sqlite/wal_syncer.hpp"

namespace agg {

/// The event store on one SQLite file in WAL mode.
class sqlite_event_store final : public event_store {
public:
  /// Opens (creating if needed) the database at `path`; every open, PRAGMA and schema
  /// error is reported here, never later.
  /// `keys` sizes the dedup index (tests make it small to exercise its runs and merges);
  /// `wal` says how often the WAL is fsynced under sync_mode::normal (wal_syncer).
  static caf::expected<std::unique_ptr<event_store>>
  open(const std::string& path, sync_mode sync, key_index_options keys = {},
       wal_sync_options wal = {});

  caf::expected<std::vector<insert_status>>
  commit(const std::vector<const event*>& events, uint64_t duplicates_total) override;

  caf::error probe() override;

  caf::expected<stored_counters> counters() override;

  caf::expected<std::vector<std::string>> topics() override;

  const std::vector<int64_t>& committed_seqs() const override {
    return seqs_;
  }

  key_index_shape keys_shape() const {
    return keys_->shape();
  }

  dedup_index_footprint index_footprint() const override {
    return keys_->footprint();
  }

private:
  sqlite_event_store(std::unique_ptr<SQLite::Database> db, key_index_options keys);

  // The topic's id, inserting the topic if new (then `created` is set).
  int64_t topic_id(const std::string& name, bool& created);

  // Writes the key index's next run and merges, if due; a failure is only logged.
  void maintain_keys(size_t keys_added);

  // Sets the counters row `name` within the commit's transaction.
  void set_counter(const char* name, uint64_t value);

  // Counts one event stored in `topic` by the commit under way (topic_added_).
  void count_topic_event(int64_t topic);

  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<key_index> keys_; // Uses db_; declared after it, so it goes first.
  SQLite::Statement insert_event_;
  SQLite::Statement insert_topic_;
  SQLite::Statement set_counter_;
  SQLite::Statement add_topic_events_;
  std::unordered_map<std::string, int64_t> topic_ids_; // Every stored topic.
  const std::string* last_topic_ = nullptr;            // Key in topic_ids_ (nodes are stable).
  int64_t last_topic_id_ = 0;
  uint64_t unique_ = 0;
  uint64_t duplicates_saved_ = 0;
  std::vector<int64_t> seqs_; // Of the last commit, for the subscription hub.
  std::vector<std::pair<int64_t, uint64_t>> topic_added_; // Topic id, events stored, this commit.
  std::unique_ptr<wal_syncer> syncer_; // Told of commits by checkpointer_, so outlives it.
  // Last member, so it stops (and closes its connection) before db_ closes.
  std::unique_ptr<wal_checkpointer> checkpointer_;
};

} // namespace agg
