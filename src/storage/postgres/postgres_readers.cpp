#include "storage/postgres/postgres_readers.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace agg {

namespace {

// Idle connections kept: a few HTTP threads read at once; more would only hold server
// processes.
constexpr size_t max_idle = 8;

caf::error read_error(const caf::error& err) {
  return make_error(ec::storage_failure, "read failed: " + error_text(err));
}

// One pooled connection for the calling thread; it goes back to the pool when done.
class postgres_event_reader final : public event_reader {
public:
  postgres_event_reader(std::shared_ptr<pg_pool> pool, std::unique_ptr<pg_connection> conn)
    : pool_(std::move(pool)), conn_(std::move(conn)) {
  }

  ~postgres_event_reader() override {
    pool_->give_back(std::move(conn_));
  }

  caf::expected<std::optional<int64_t>> topic_id(const std::string& topic) override {
    pg_params p;
    p.add_bytes(topic);
    auto res = conn_->exec("SELECT id FROM ea_topics WHERE name = $1", p);
    if (!res)
      return read_error(res.error());
    std::optional<int64_t> id;
    if (PQntuples(res->get()) > 0)
      id = pg_int64(res->get(), 0, 0);
    return id;
  }

  caf::expected<std::vector<stored_event>> page(int64_t, const std::string& topic, int64_t after,
                                                size_t limit) override {
    pg_params p;
    p.add_bytes(topic);
    p.add_int64(after);
    p.add_int64(static_cast<int64_t>(limit));
    // ea_events_by_topic is (topic, seq): a range scan in seq order, no sort.
    auto res = conn_->exec("SELECT seq, event_id, timestamp, source, payload FROM ea_events "
                           "WHERE topic = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                           p);
    if (!res)
      return read_error(res.error());
    std::vector<stored_event> events;
    events.reserve(static_cast<size_t>(PQntuples(res->get())));
    for (int r = 0; r < PQntuples(res->get()); ++r) {
      stored_event e;
      e.seq = pg_int64(res->get(), r, 0);
      e.data.topic = topic;
      e.data.event_id = pg_bytes(res->get(), r, 1);
      e.data.timestamp = pg_bytes(res->get(), r, 2);
      e.data.source = pg_bytes(res->get(), r, 3);
      e.data.payload = pg_bytes(res->get(), r, 4);
      events.push_back(std::move(e));
    }
    return events;
  }

  caf::expected<std::vector<stored_event>> events_after(int64_t after, size_t limit) override {
    pg_params p;
    p.add_int64(after);
    p.add_int64(static_cast<int64_t>(limit));
    auto res = conn_->exec("SELECT seq, topic, event_id, timestamp, source, payload "
                           "FROM ea_events WHERE seq > $1 ORDER BY seq LIMIT $2",
                           p);
    if (!res)
      return read_error(res.error());
    std::vector<stored_event> events;
    for (int r = 0; r < PQntuples(res->get()); ++r) {
      stored_event e;
      e.seq = pg_int64(res->get(), r, 0);
      e.data.topic = pg_bytes(res->get(), r, 1);
      e.data.event_id = pg_bytes(res->get(), r, 2);
      e.data.timestamp = pg_bytes(res->get(), r, 3);
      e.data.source = pg_bytes(res->get(), r, 4);
      e.data.payload = pg_bytes(res->get(), r, 5);
      events.push_back(std::move(e));
    }
    return events;
  }

  caf::expected<int64_t> newest_seq() override {
    auto res = conn_->exec("SELECT coalesce(max(seq), 0)::bigint FROM ea_events");
    if (!res)
      return read_error(res.error());
    return pg_int64(res->get(), 0, 0);
  }

  caf::error begin_snapshot() override {
    // Repeatable read: one snapshot for every statement until end_snapshot().
    if (auto err = conn_->exec_script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
      return read_error(err);
    return caf::none;
  }

  void end_snapshot() override {
    // A read-only transaction has nothing to lose; a lost connection is not pooled again.
    conn_->exec_script("COMMIT");
  }

private:
  std::shared_ptr<pg_pool> pool_;
  std::unique_ptr<pg_connection> conn_;
};

} // namespace

pg_pool::pg_pool(std::string url) : url_(std::move(url)) {
}

pg_pool::~pg_pool() = default;

caf::expected<std::unique_ptr<pg_connection>> pg_pool::take() {
  {
    std::lock_guard<std::mutex> lock{mtx_};
    while (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->alive())
        return conn;
    }
  }
  auto conn = pg_connection::connect(url_);
  if (!conn)
    return read_error(conn.error());
  return conn;
}

void pg_pool::give_back(std::unique_ptr<pg_connection> conn) {
  if (!conn || conn->broken() || !conn->idle())
    return;
  std::lock_guard<std::mutex> lock{mtx_};
  if (idle_.size() < max_idle)
    idle_.push_back(std::move(conn));
}

postgres_readers::postgres_readers(std::string url, int64_t run)
  : pool_(std::make_shared<pg_pool>(std::move(url))), run_(run) {
}

caf::expected<std::unique_ptr<event_reader>> postgres_readers::open_reader() {
  auto conn = pool_->take();
  if (!conn)
    return conn.error();
  return std::unique_ptr<event_reader>{new postgres_event_reader(pool_, std::move(*conn))};
}

caf::expected<std::vector<topic_count>> postgres_readers::topic_counts() {
  auto conn = pool_->take();
  if (!conn)
    return conn.error();
  auto res = (*conn)->exec("SELECT name, events FROM ea_topics ORDER BY events DESC, name");
  if (!res)
    return read_error(res.error());
  std::vector<topic_count> counts;
  for (int r = 0; r < PQntuples(res->get()); ++r)
    counts.push_back(
      {pg_bytes(res->get(), r, 0), static_cast<uint64_t>(pg_int64(res->get(), r, 1))});
  pool_->give_back(std::move(*conn));
  return counts;
}

caf::expected<std::optional<replica_totals>> postgres_readers::other_replicas() {
  auto conn = pool_->take();
  if (!conn)
    return conn.error();
  pg_params p;
  p.add_int64(run_);
  auto sums = (*conn)->exec("SELECT coalesce(sum(stored), 0)::bigint, "
                            "coalesce(sum(duplicates), 0)::bigint FROM ea_counters WHERE run <> $1",
                            p);
  if (!sums)
    return read_error(sums.error());
  auto names = (*conn)->exec("SELECT name FROM ea_topics ORDER BY name");
  if (!names)
    return read_error(names.error());
  replica_totals totals;
  totals.unique = static_cast<uint64_t>(pg_int64(sums->get(), 0, 0));
  totals.duplicates = static_cast<uint64_t>(pg_int64(sums->get(), 0, 1));
  for (int r = 0; r < PQntuples(names->get()); ++r)
    totals.topics.push_back(pg_bytes(names->get(), r, 0));
  pool_->give_back(std::move(*conn));
  return std::optional<replica_totals>{std::move(totals)};
}

} // namespace agg
