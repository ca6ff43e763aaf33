#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace agg::test {

/// A throw-away PostgreSQL 15 cluster for one test: initdb into a temp dir, listening on a
/// unix socket in that dir only (no TCP), started and stopped with pg_ctl. PostgreSQL refuses
/// to run as root, so under root (CI) every server command runs as the `postgres` user the
/// Debian package creates (runuser); otherwise as the current user.
class postgres_cluster {
public:
  /// Where Debian's postgresql-15 puts initdb, pg_ctl and postgres.
  static constexpr const char* bin_dir = "/usr/lib/postgresql/15/bin";

  /// Starts a cluster, or prints a "SKIPPED: ..." line (ctest's skip marker) and returns
  /// nullptr when this machine cannot run one (no binaries; root without a postgres user).
  static std::unique_ptr<postgres_cluster> start_or_skip();

  /// Stops the server (fast shutdown) if it runs; the temp dir goes with the object.
  ~postgres_cluster();

  postgres_cluster(const postgres_cluster&) = delete;
  postgres_cluster& operator=(const postgres_cluster&) = delete;

  /// Creates an empty database of its own and returns its name (url() gives its
  /// connection string).
  std::string fresh_database();

  /// The connection string of database `name` (keyword form, no password: trust on a socket).
  std::string url(const std::string& name) const;

  /// Runs `sql` on database `name` and returns every row's first column (empty for
  /// statements without rows); throws std::runtime_error with the server's message.
  std::vector<std::string> query(const std::string& name, const std::string& sql) const;

  /// Stops the server (pg_ctl -m fast, or -m immediate: a crash); start() brings it back.
  void stop(bool immediate = false);
  /// Starts the server again on the same data and socket; waits until it accepts connections.
  void start();

  /// The server's log, for failure messages.
  std::string log_tail(size_t max_bytes = 4000) const;

private:
  postgres_cluster();

  // Runs a server binary (as postgres under root); throws with the log tail unless it exits 0.
  void run(const std::string& what, const std::string& args) const;

  temp_dir dir_;
  std::string as_user_; ///< "runuser -u postgres -- " under root, else "".
  bool running_ = false;
  int databases_ = 0;
};

} // namespace agg::test
