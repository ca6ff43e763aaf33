#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "storage/event_store.hpp"

namespace agg {

class pg_connection;

/// The event store on a PostgreSQL database that several replicas may share. Its unique
/// index decides what is new; a lost connection fails the commit under way (503) and is
/// opened again by the next commit or write probe.
class postgres_event_store final : public event_store {
public:
  /// Connects to `url`, creates or checks the schema, and registers this process run in
  /// ea_counters; every error is reported here.
  static caf::expected<std::unique_ptr<postgres_event_store>> open(const std::string& url);

  ~postgres_event_store() override;

  caf::expected<std::vector<insert_status>>
  commit(const std::vector<const event*>& events, uint64_t duplicates_total) override;

  caf::error probe() override;

  /// The connection is open and the server has not closed it (read off the socket).
  bool seems_reachable() override;

  /// This run's own counters (zero at start): the other runs' are in other_replicas().
  caf::expected<stored_counters> counters() override;

  /// Every topic of the database, whichever replica stored it.
  caf::expected<std::vector<std::string>> topics() override;

  const std::vector<int64_t>& committed_seqs() const override {
    return seqs_;
  }

  /// This process run's row in ea_counters.
  int64_t run() const {
    return run_;
  }

private:
  explicit postgres_event_store(std::string url);

  // Connects again if the connection was lost (or never made).
  caf::error ensure_connected();

  // The statements of commit() between BEGIN and COMMIT.
  caf::error insert_locked(const std::vector<const event*>& events, uint64_t duplicates_total,
                           std::vector<insert_status>& result, uint64_t& inserted);

  // Undoes the transaction under way, or drops a lost connection.
  void abandon();

  std::string url_;
  std::unique_ptr<pg_connection> conn_;
  int64_t run_ = 0;
  uint64_t stored_ = 0;
  uint64_t duplicates_saved_ = 0;
  std::vector<int64_t> seqs_; ///< Of the last commit, for the subscription hub.
  std::chrono::steady_clock::time_point next_connect_{}; ///< No connect attempt before this.
  std::chrono::milliseconds backoff_{0};                 ///< Wait after the last failed connect.
  std::string last_connect_error_;
};

} // namespace agg
