#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace agg {

/// A query's result; rows come in binary format (see pg_connection::exec).
using pg_result = std::unique_ptr<PGresult, void (*)(PGresult*)>;

/// The bytes of column `col` in row `row` (text, bytea: the raw bytes).
std::string pg_bytes(const PGresult* res, int row, int col);

/// Column `col` of row `row` as a bigint.
int64_t pg_int64(const PGresult* res, int row, int col);

/// Parameters of one statement, all in binary format, so that text may carry any byte
/// (bytea columns hold topics and ids, which JSON lets contain NUL) and nothing is escaped.
class pg_params {
public:
  /// Adds `s`, which must outlive the statement (it is not copied).
  void add_bytes(const std::string& s);
  /// Adds a bigint.
  void add_int64(int64_t value);

  int size() const {
    return static_cast<int>(values_.size());
  }

private:
  friend class pg_connection;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::deque<uint64_t> numbers_; ///< Big-endian bigints; a deque keeps their addresses.
};

/// One libpq connection, used by one thread at a time. Every failure is an
/// ec::storage_failure error naming what failed, with the server's message.
class pg_connection {
public:
  /// Connects to `url` (a libpq connection string), with a connect timeout and the
  /// session settings the service relies on; the error text shows the URL's password masked.
  static caf::expected<std::unique_ptr<pg_connection>> connect(const std::string& url);

  ~pg_connection();

  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  /// Runs one statement with `params`; rows come back in binary format.
  caf::expected<pg_result> exec(const std::string& sql, const pg_params& params = {});

  /// Runs statements without parameters (DDL, BEGIN/COMMIT), text results.
  caf::error exec_script(const std::string& sql);

  /// Lost: the server went away or the socket broke; reconnect rather than reuse.
  bool broken() const;

  /// Not broken, as far as the socket tells without a round trip: it reads what the server
  /// sent meanwhile, so a restart or a terminated backend shows here, not in the next query.
  bool alive();

  /// Outside any transaction (what a pooled connection must be).
  bool idle() const;

private:
  explicit pg_connection(PGconn* conn) : conn_(conn) {
  }

  PGconn* conn_;
};

} // namespace agg
