#pragma once

#include <SQLiteCpp/Statement.h>

namespace agg {

/// Resets a prepared statement when its scope ends, on every way out (a return, a throw),
/// so it can be bound and stepped again: zeek/broker's make_statement_guard, for SQLiteCpp.
/// It sits here rather than in sqlite/ because storage/key_index, a lower folder, uses it too.
class statement_guard {
public:
  explicit statement_guard(SQLite::Statement& statement) noexcept : statement_(statement) {
  }

  ~statement_guard() {
    // tryReset, not reset: a failed step already threw its error, and a destructor must not.
    statement_.tryReset();
  }

  statement_guard(const statement_guard&) = delete;
  statement_guard& operator=(const statement_guard&) = delete;

private:
  SQLite::Statement& statement_;
};

} // namespace agg
