#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/store_readers.hpp"

namespace agg {

class pg_connection;

/// Idle reader connections, kept for the next request rather than connecting per request
/// (a PostgreSQL connection is a server process: milliseconds to start).
class pg_pool {
public:
  explicit pg_pool(std::string url);
  ~pg_pool();

  /// An idle connection, or a new one.
  caf::expected<std::unique_ptr<pg_connection>> take();

  /// Keeps `conn` for the next take(), unless it is lost, inside a transaction or surplus.
  void give_back(std::unique_ptr<pg_connection> conn);

private:
  std::string url_;
  std::mutex mtx_;
  std::vector<std::unique_ptr<pg_connection>> idle_;
};

/// The read side of the PostgreSQL store: readers on pooled connections, and the other
/// replicas' counters for a cluster-wide GET /stats.
class postgres_readers final : public store_readers {
public:
  /// Readers of the database at `url`; `run` is this process's row in ea_counters.
  postgres_readers(std::string url, int64_t run);

  caf::expected<std::unique_ptr<event_reader>> open_reader() override;

  caf::expected<std::vector<topic_count>> topic_counts() override;

  /// 0: the database lives on its server, not in this machine's data dir.
  uint64_t size_bytes() override {
    return 0;
  }

  /// Other replicas write the database too.
  bool shared() const override {
    return true;
  }

  caf::expected<std::optional<replica_totals>> other_replicas() override;

private:
  std::shared_ptr<pg_pool> pool_;
  int64_t run_;
};

} // namespace agg
