#include "storage/postgres/postgres_event_store.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <unordered_map>

#include "core/errors.hpp"
#include "core/log.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/schema.hpp"

namespace agg {

namespace {

// The global seq: a reader pages /events and /subscribe by seq (after=S), so a row must
// never become visible below a seq that a reader has already passed. An identity column is
// handed out in allocation order, not commit order: two replicas' overlapping commits
// could make seq 7 visible after seq 8 was read. We serialize commits: every commit takes
// this transaction-level advisory lock before its first insert, so seqs are allocated and
// made visible one commit at a time, and seq order is commit order (the lock is released
// only after the commit is visible). The price, measured in
// shared/research/postgres-measurements.md: the cluster writes at one connection's rate,
// 52-77k rows/s on the 2-core box, against 89-104k unserialized with 4 writers. The
// alternative (a visibility horizon from pg_current_snapshot()) keeps that parallelism but
// makes every reader compute and wait for a horizon; not chosen for this first version.
// 0x6561 is "ea"; the schema lock (schema.cpp) is 0x65610001.
constexpr const char* lock_commit_order = "SELECT pg_advisory_xact_lock(x'65610002'::bigint)";

// Rows per INSERT statement: 5 parameters each stays far below the protocol's 65535, and
// the measurements found batches of 1000 no slower per row than larger ones.
constexpr size_t rows_per_insert = 1000;

// After a failed connect, the next attempt waits this long, doubling up to the maximum:
// under load every commit would otherwise retry (and, against a host that does not answer,
// wait the connect timeout) while the server is down.
constexpr auto first_backoff = std::chrono::milliseconds(100);
constexpr auto max_backoff = std::chrono::milliseconds(2000);

caf::error failed(const char* what, const caf::error& err) {
  return make_error(ec::storage_failure, std::string{what} + ": " + error_text(err));
}

std::string values_list(size_t rows, size_t columns) {
  std::string sql;
  size_t param = 1;
  for (size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ",(";
    for (size_t c = 0; c < columns; ++c)
      sql += (c == 0 ? "$" : ",$") + std::to_string(param++);
    sql += ')';
  }
  return sql;
}

} // namespace

postgres_event_store::postgres_event_store(std::string url) : url_(std::move(url)) {
}

postgres_event_store::~postgres_event_store() = default;

caf::expected<std::unique_ptr<postgres_event_store>>
postgres_event_store::open(const std::string& url) {
  std::unique_ptr<postgres_event_store> store{new postgres_event_store(url)};
  auto conn = pg_connection::connect(url);
  if (!conn)
    return conn.error();
  store->conn_ = std::move(*conn);
  if (auto err = migrate_postgres(*store->conn_))
    return err;
  auto run = store->conn_->exec("INSERT INTO ea_counters DEFAULT VALUES RETURNING run");
  if (!run)
    return failed("cannot register this run in ea_counters", run.error());
  store->run_ = pg_int64(run->get(), 0, 0);
  return store;
}

caf::error postgres_event_store::ensure_connected() {
  if (conn_ && conn_->alive())
    return caf::none;
  conn_.reset();
  auto now = std::chrono::steady_clock::now();
  if (now < next_connect_)
    return make_error(ec::storage_failure, "PostgreSQL is unreachable: " + last_connect_error_);
  auto conn = pg_connection::connect(url_);
  if (!conn) {
    backoff_ = backoff_ == std::chrono::milliseconds{0} ? first_backoff
                                                        : std::min(backoff_ * 2, max_backoff);
    next_connect_ = now + backoff_;
    last_connect_error_ = error_text(conn.error());
    return conn.error();
  }
  conn_ = std::move(*conn);
  backoff_ = std::chrono::milliseconds{0};
  log_info("connected to PostgreSQL again");
  return caf::none;
}

void postgres_event_store::abandon() {
  if (conn_ && !conn_->broken() && !conn_->exec_script("ROLLBACK"))
    return;
  conn_.reset(); // Lost, or in a state we cannot undo: the next commit connects afresh.
}

caf::expected<std::vector<insert_status>>
postgres_event_store::commit(const std::vector<const event*>& events, uint64_t duplicates_total) {
  seqs_.clear();
  std::vector<insert_status> result;
  if (events.empty() && duplicates_total == duplicates_saved_)
    return result;
  if (auto err = ensure_connected())
    return failed("commit failed", err);
  if (events.empty()) {
    pg_params p;
    p.add_int64(static_cast<int64_t>(duplicates_total));
    p.add_int64(run_);
    auto saved = conn_->exec("UPDATE ea_counters SET duplicates = $1 WHERE run = $2", p);
    if (!saved) {
      abandon();
      return failed("saving the duplicate counter failed", saved.error());
    }
    duplicates_saved_ = duplicates_total;
    return result;
  }
  uint64_t inserted = 0;
  auto err = conn_->exec_script(std::string{"BEGIN; "} + lock_commit_order);
  if (err && conn_->broken()) {
    // The connection died before this commit did anything (a server restart that the
    // socket did not show yet): nothing can have been stored, so one fresh try is safe.
    conn_.reset();
    if (auto again = ensure_connected())
      return failed("commit failed", again);
    err = conn_->exec_script(std::string{"BEGIN; "} + lock_commit_order);
  }
  if (!err)
    err = insert_locked(events, duplicates_total, result, inserted);
  // A COMMIT whose connection dies has an unknown outcome: it fails here like any other,
  // so the publish gets a 503 and never a 200 for what may not be stored; the client's
  // retry then finds the events stored (duplicates) or stores them, exactly once.
  if (!err)
    err = conn_->exec_script("COMMIT");
  if (err) {
    abandon();
    seqs_.clear();
    return failed("commit failed", err);
  }
  stored_ += inserted;
  duplicates_saved_ = duplicates_total;
  return result;
}

caf::error postgres_event_store::insert_locked(const std::vector<const event*>& events,
                                               uint64_t duplicates_total,
                                               std::vector<insert_status>& result,
                                               uint64_t& inserted) {
  auto n = events.size();
  // Sorted keys: DO NOTHING waits for a concurrent inserter of the same key, so two
  // transactions inserting overlapping keys in different orders could deadlock (the
  // commit-order lock rules that out among replicas; sorting keeps it so for any other
  // writer). Stable, so the first of equal keys in the batch is the one stored.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    auto& x = *events[a];
    auto& y = *events[b];
    if (int c = x.topic.compare(y.topic); c != 0)
      return c < 0;
    return x.event_id < y.event_id;
  });
  std::unordered_map<std::string, int64_t> stored; // dedup_key -> seq of rows inserted now
  for (size_t start = 0; start < n; start += rows_per_insert) {
    auto rows = std::min(rows_per_insert, n - start);
    pg_params p;
    for (size_t i = 0; i < rows; ++i) {
      auto& e = *events[order[start + i]];
      p.add_bytes(e.topic);
      p.add_bytes(e.event_id);
      p.add_bytes(e.timestamp);
      p.add_bytes(e.source);
      p.add_bytes(e.payload);
    }
    auto res = conn_->exec("INSERT INTO ea_events (topic, event_id, timestamp, source, payload) "
                           "VALUES " + values_list(rows, 5)
                             + " ON CONFLICT (topic, event_id) DO NOTHING"
                               " RETURNING seq, topic, event_id",
                           p);
    if (!res)
      return res.error();
    for (int r = 0; r < PQntuples(res->get()); ++r) {
      event key;
      key.topic = pg_bytes(res->get(), r, 1);
      key.event_id = pg_bytes(res->get(), r, 2);
      stored.emplace(dedup_key(key), pg_int64(res->get(), r, 0));
    }
  }
  // Each event's fate in batch order; per topic, what it adds and its first stored event.
  result.assign(n, insert_status::duplicate);
  seqs_.assign(n, 0);
  std::map<std::string, std::pair<uint64_t, size_t>> topics; // sorted, like the keys
  for (size_t i = 0; i < n; ++i) {
    auto found = stored.find(dedup_key(*events[i]));
    if (found == stored.end() || found->second == 0)
      continue;
    seqs_[i] = found->second;
    found->second = 0; // A repeat of the key later in the batch is a duplicate.
    result[i] = insert_status::inserted;
    ++inserted;
    auto [t, added] = topics.try_emplace(events[i]->topic, 0, i);
    ++t->second.first;
  }
  std::vector<const std::pair<const std::string, std::pair<uint64_t, size_t>>*> listed;
  for (auto& t : topics)
    listed.push_back(&t);
  for (size_t start = 0; start < listed.size(); start += rows_per_insert) {
    auto rows = std::min(rows_per_insert, listed.size() - start);
    pg_params p;
    for (size_t i = 0; i < rows; ++i) {
      p.add_bytes(listed[start + i]->first);
      p.add_int64(static_cast<int64_t>(listed[start + i]->second.first));
    }
    // xmax = 0 marks a row this statement inserted rather than updated: a new topic.
    auto res = conn_->exec("INSERT INTO ea_topics (name, events) VALUES " + values_list(rows, 2)
                             + " ON CONFLICT (name) DO UPDATE SET events = ea_topics.events"
                               " + excluded.events RETURNING name, xmax = 0",
                           p);
    if (!res)
      return res.error();
    for (int r = 0; r < PQntuples(res->get()); ++r)
      if (*PQgetvalue(res->get(), r, 1) != 0)
        result[topics.at(pg_bytes(res->get(), r, 0)).second] = insert_status::inserted_new_topic;
  }
  pg_params p;
  p.add_int64(static_cast<int64_t>(inserted));
  p.add_int64(static_cast<int64_t>(duplicates_total));
  p.add_int64(run_);
  auto counted = conn_->exec(
    "UPDATE ea_counters SET stored = stored + $1, duplicates = $2 WHERE run = $3", p);
  return counted ? caf::none : counted.error();
}

caf::error postgres_event_store::probe() {
  if (auto err = ensure_connected())
    return failed("write probe failed", err);
  // A write that changes nothing: it needs a server that takes writes, as a commit does.
  pg_params p;
  p.add_int64(run_);
  auto res = conn_->exec("UPDATE ea_counters SET stored = stored WHERE run = $1", p);
  if (!res) {
    abandon();
    return failed("write probe failed", res.error());
  }
  return caf::none;
}

bool postgres_event_store::seems_reachable() {
  return conn_ && conn_->alive();
}

caf::expected<stored_counters> postgres_event_store::counters() {
  return stored_counters{stored_, duplicates_saved_};
}

caf::expected<std::vector<std::string>> postgres_event_store::topics() {
  if (auto err = ensure_connected())
    return failed("reading topics failed", err);
  auto res = conn_->exec("SELECT name FROM ea_topics ORDER BY name");
  if (!res)
    return failed("reading topics failed", res.error());
  std::vector<std::string> names;
  for (int r = 0; r < PQntuples(res->get()); ++r)
    names.push_back(pg_bytes(res->get(), r, 0));
  return names;
}

} // namespace agg
