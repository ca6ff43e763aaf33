#include "storage/sqlite/sqlite_event_store.hpp"

#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include "core/errors.hpp"
#include "core/log.hpp"
#include "storage/key_index/key_hash.hpp"
#include "storage/statement_guard.hpp"
#include "storage/sqlite/schema.hpp"
#include "storage/sqlite/sqlite_library.hpp"
#include "storage/sqlite/wal_checkpointer.hpp"

namespace agg {

namespace {

// How long a statement waits on a lock held by another connection (a reader
// checkpointing, a backup tool) before the commit fails with SQLITE_BUSY.
constexpr int busy_timeout_ms = 5000;

// The write probe's wait for a lock: long enough for a checkpoint's brief hold, short
// enough that GET /readyz (1 s) gets the answer.
constexpr int probe_busy_timeout_ms = 100;

caf::error storage_error(const char* what, const std::exception& ex) {
  return make_error(ec::storage_failure, std::string{what} + ": " + ex.what());
}

} // namespace

caf::expected<std::unique_ptr<event_store>>
sqlite_event_store::open(const std::string& path, sync_mode sync, key_index_options keys,
                         wal_sync_options wal) {
  if (auto why = key_index::check(keys); !why.empty())
    return make_error(ec::startup_failure, "--key-index-memory is too small: " + why);
  tune_sqlite_library();
  try {
    auto db = std::make_unique<SQLite::Database>(
      path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX, busy_timeout_ms);
    auto mode = db->execAndGet("PRAGMA journal_mode=WAL").getString();
    if (mode != "wal")
      return make_error(ec::storage_failure, "cannot switch " + path + " to WAL mode (got "
                                               + mode + ")");
    db->exec(sync == sync_mode::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    // 32 MiB of page cache (SQLite's default is 2 MiB): the dedup index of a large store
    // is read at random, and each miss is a pread on the writer's thread.
    db->exec("PRAGMA cache_size=-32768");
    // The WAL may grow to 256 MiB between checkpoints (wal_checkpointer); once it starts
    // over, give the disk space back down to 64 MiB.
    db->exec("PRAGMA journal_size_limit=67108864");
    if (auto err = migrate(*db))
      return err;
    std::unique_ptr<sqlite_event_store> store{new sqlite_event_store(std::move(db), keys)};
    auto page_size = store->db_->execAndGet("PRAGMA page_size").getInt();
    auto syncer = wal_syncer::start(path + "-wal", sync, page_size, std::move(wal));
    if (!syncer)
      return std::move(syncer.error());
    store->syncer_ = std::move(*syncer);
    auto checkpointer = wal_checkpointer::attach(*store->db_, path, {}, store->syncer_.get());
    if (!checkpointer)
      return std::move(checkpointer.error());
    store->checkpointer_ = std::move(*checkpointer);
    return std::unique_ptr<event_store>{std::move(store)};
  } catch (const std::exception& ex) {
    return make_error(ec::storage_failure, "cannot open database " + path + ": " + ex.what());
  }
}

sqlite_event_store::sqlite_event_store(std::unique_ptr<SQLite::Database> db,
                                       key_index_options keys)
  : db_(std::move(db)),
    keys_(std::make_unique<key_index>(*db_, keys)),
    insert_event_(*db_, "INSERT INTO events(topic_id, event_id, timestamp, source, payload) "
                        "VALUES (?, ?, ?, ?, ?)"),
    insert_topic_(*db_, "INSERT INTO topics(name) VALUES (?)"),
    set_counter_(*db_, "UPDATE counters SET value = ? WHERE name = ?"),
    add_topic_events_(*db_, "UPDATE topics SET events = events + ? WHERE id = ?") {
  SQLite::Statement read_topics{*db_, "SELECT id, name FROM topics"};
  while (read_topics.executeStep())
    topic_ids_.emplace(read_topics.getColumn(1).getString(), read_topics.getColumn(0).getInt64());
  SQLite::Statement read_counters{*db_, "SELECT name, value FROM counters"};
  while (read_counters.executeStep()) {
    auto name = read_counters.getColumn(0).getString();
    auto value = static_cast<uint64_t>(read_counters.getColumn(1).getInt64());
    (name == "unique" ? unique_ : duplicates_saved_) = value;
  }
}

int64_t sqlite_event_store::topic_id(const std::string& name, bool& created) {
  // Batches mostly carry runs of one topic: skip the hash lookup for a repeat.
  if (last_topic_ && *last_topic_ == name)
    return last_topic_id_;
  if (auto i = topic_ids_.find(name); i != topic_ids_.end()) {
    last_topic_ = &i->first;
    last_topic_id_ = i->second;
    return i->second;
  }
  statement_guard guard{insert_topic_};
  insert_topic_.bind(1, name);
  insert_topic_.exec();
  auto id = db_->getLastInsertRowid();
  topic_ids_.emplace(name, id);
  created = true;
  return id;
}

void sqlite_event_store::set_counter(const char* name, uint64_t value) {
  statement_guard guard{set_counter_};
  set_counter_.bind(1, static_cast<int64_t>(value));
  set_counter_.bind(2, name);
  set_counter_.exec();
}

void sqlite_event_store::count_topic_event(int64_t topic) {
  // A commit touches few topics, mostly in runs: the last entry is the likely one.
  for (auto i = topic_added_.rbegin(); i != topic_added_.rend(); ++i)
    if (i->first == topic) {
      ++i->second;
      return;
    }
  topic_added_.emplace_back(topic, 1);
}

caf::expected<std::vector<insert_status>>
sqlite_event_store::commit(const std::vector<const event*>& events, uint64_t duplicates_total) {
  std::vector<insert_status> result;
  result.reserve(events.size());
  std::vector<std::string> created_topics; // To forget again if the transaction fails.
  uint64_t inserted = 0;
  seqs_.clear();
  topic_added_.clear();
  auto keys_mark = keys_->mark();
  try {
    SQLite::Transaction tx{*db_};
    for (auto* e : events) {
      bool created = false;
      auto topic = topic_id(e->topic, created);
      if (created)
        created_topics.push_back(e->topic);
      auto hash = key_hash(topic, e->event_id);
      if (!created && keys_->contains(topic, e->event_id, hash)) {
        seqs_.push_back(0);
        result.push_back(insert_status::duplicate);
        continue;
      }
      {
        statement_guard guard{insert_event_};
        insert_event_.bind(1, topic);
        insert_event_.bindNoCopy(2, e->event_id); // The strings outlive exec().
        insert_event_.bindNoCopy(3, e->timestamp);
        insert_event_.bindNoCopy(4, e->source);
        insert_event_.bindNoCopy(5, e->payload);
        insert_event_.exec();
      }
      ++inserted;
      count_topic_event(topic);
      // The rowid is the seq; reading it is a field access, not a query.
      auto seq = db_->getLastInsertRowid();
      keys_->add(hash, seq);
      seqs_.push_back(seq);
      result.push_back(created ? insert_status::inserted_new_topic : insert_status::inserted);
    }
    for (auto [topic, added] : topic_added_) {
      statement_guard guard{add_topic_events_};
      add_topic_events_.bind(1, static_cast<int64_t>(added));
      add_topic_events_.bind(2, topic);
      add_topic_events_.exec();
    }
    if (inserted > 0)
      set_counter("unique", unique_ + inserted);
    if (duplicates_total != duplicates_saved_)
      set_counter("duplicates", duplicates_total);
    tx.commit();
  } catch (const std::exception& ex) {
    // The transaction rolled back (the guards reset the statements): forget new topics.
    for (auto& name : created_topics)
      topic_ids_.erase(name);
    last_topic_ = nullptr;
    seqs_.clear();
    keys_->rollback(keys_mark);
    return storage_error("commit failed", ex);
  }
  unique_ += inserted;
  duplicates_saved_ = duplicates_total;
  maintain_keys(inserted);
  return result;
}

void sqlite_event_store::maintain_keys(size_t keys_added) {
  // The commit stands either way: a run that could not be written now stays in memory
  // (and in the events table) and is written after a later commit.
  try {
    keys_->maintain(keys_added);
  } catch (const std::exception& ex) {
    log_warning("cannot write the dedup index's next run; will retry",
                {{"error", std::string{ex.what()}}});
  }
}

caf::error sqlite_event_store::probe() {
  // A probe runs on the writer's thread for a readiness check: while another process holds
  // the lock it should say so quickly, not stall the writer for the whole busy timeout.
  struct short_busy_timeout {
    SQLite::Database& db;
    explicit short_busy_timeout(SQLite::Database& d) : db(d) {
      sqlite3_busy_timeout(db.getHandle(), probe_busy_timeout_ms);
    }
    ~short_busy_timeout() {
      sqlite3_busy_timeout(db.getHandle(), busy_timeout_ms); // cannot fail on an open handle
    }
  } scoped{*db_};
  try {
    // A change and its undo: the page is dirty, so the commit writes it to the WAL (and
    // syncs it under --sync full) and a full disk fails here as a commit would, while the
    // content stays the same. (SQLite skips an UPDATE that rewrites the same bytes.)
    SQLite::Transaction tx{*db_};
    db_->exec("UPDATE counters SET value = value + 1 WHERE name = 'unique'");
    db_->exec("UPDATE counters SET value = value - 1 WHERE name = 'unique'");
    tx.commit();
    return caf::none;
  } catch (const std::exception& ex) {
    return storage_error("write probe failed", ex);
  }
}

caf::expected<stored_counters> sqlite_event_store::counters() {
  return stored_counters{unique_, duplicates_saved_};
}

caf::expected<std::vector<std::string>> sqlite_event_store::topics() {
  std::vector<std::string> names;
  names.reserve(topic_ids_.size());
  for (auto& entry : topic_ids_)
    names.push_back(entry.first);
  return names;
}

} // namespace agg
