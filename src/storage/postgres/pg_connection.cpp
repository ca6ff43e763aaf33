#include "storage/postgres/pg_connection.hpp"

#include <endian.h>

#include <cstring>

#include "core/connection_string.hpp"
#include "core/errors.hpp"
#include "core/log.hpp"

namespace agg {

namespace {

// A server that does not answer a connect within this long counts as down (libpq waits
// forever by default); the URL's own connect_timeout, if any, wins.
constexpr const char* connect_timeout_s = "5";

// A statement (a commit's insert waiting for the commit-order lock, say) that runs longer
// than this fails and rolls back: by then --publish-timeout-ms (10 s by default) has
// answered the publish 503 anyway, and a stuck commit must not hold the lock forever.
constexpr const char* session_settings = "SET statement_timeout = '10s'; "
                                         "SET idle_in_transaction_session_timeout = '60s'";

// libpq's messages span lines ("...\n\tThis probably means..."): one line for our log.
std::string trimmed(const char* message) {
  std::string text;
  for (const char* c = message ? message : ""; *c; ++c) {
    if (*c == '\n' || *c == '\t') {
      if (!text.empty() && text.back() != ' ')
        text += ' ';
    } else {
      text += *c;
    }
  }
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

// libpq prints notices (and the FATAL a server sends to its clients as it shuts down) to
// stderr by default; they go to our log instead, as debug lines: the error that matters
// comes back from the next statement.
void log_notice(void*, const char* message) {
  log_debug("PostgreSQL notice", {{"message", trimmed(message)}});
}

} // namespace

std::string pg_bytes(const PGresult* res, int row, int col) {
  return std::string(PQgetvalue(res, row, col), static_cast<size_t>(PQgetlength(res, row, col)));
}

int64_t pg_int64(const PGresult* res, int row, int col) {
  uint64_t big = 0;
  if (PQgetlength(res, row, col) == sizeof big)
    std::memcpy(&big, PQgetvalue(res, row, col), sizeof big);
  return static_cast<int64_t>(be64toh(big));
}

void pg_params::add_bytes(const std::string& s) {
  values_.push_back(s.data());
  lengths_.push_back(static_cast<int>(s.size()));
  formats_.push_back(1);
}

void pg_params::add_int64(int64_t value) {
  numbers_.push_back(htobe64(static_cast<uint64_t>(value)));
  values_.push_back(reinterpret_cast<const char*>(&numbers_.back()));
  lengths_.push_back(sizeof(uint64_t));
  formats_.push_back(1);
}

caf::expected<std::unique_ptr<pg_connection>> pg_connection::connect(const std::string& url) {
  // Our defaults go before dbname: the expanded URL's own settings then override them.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {connect_timeout_s, "event-aggregator", url.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, 1);
  std::unique_ptr<pg_connection> conn{new pg_connection(raw)};
  if (!raw || PQstatus(raw) != CONNECTION_OK)
    return make_error(ec::storage_failure,
                      "cannot connect to PostgreSQL at " + redact_password(url) + ": "
                        + trimmed(raw ? PQerrorMessage(raw) : "out of memory"));
  PQsetNoticeProcessor(raw, log_notice, nullptr);
  if (auto err = conn->exec_script(session_settings))
    return err;
  return conn;
}

pg_connection::~pg_connection() {
  PQfinish(conn_);
}

caf::expected<pg_result> pg_connection::exec(const std::string& sql, const pg_params& params) {
  pg_result res{PQexecParams(conn_, sql.c_str(), params.size(), nullptr, params.values_.data(),
                             params.lengths_.data(), params.formats_.data(), 1),
                PQclear};
  auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    return make_error(ec::storage_failure,
                      "PostgreSQL: " + trimmed(res ? PQresultErrorMessage(res.get())
                                                   : PQerrorMessage(conn_)));
  return res;
}

caf::error pg_connection::exec_script(const std::string& sql) {
  pg_result res{PQexec(conn_, sql.c_str()), PQclear};
  auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    return make_error(ec::storage_failure,
                      "PostgreSQL: " + trimmed(res ? PQresultErrorMessage(res.get())
                                                   : PQerrorMessage(conn_)));
  return caf::none;
}

bool pg_connection::broken() const {
  return PQstatus(conn_) != CONNECTION_OK;
}

bool pg_connection::alive() {
  // PQconsumeInput does not block; it fails (and marks the connection bad) on EOF. A server
  // that shuts down sends a FATAL message first, and the read that takes it does not look
  // past it: the next one finds the EOF (measured: one call left the connection "OK").
  for (int read = 0; read < 3; ++read)
    if (broken() || PQconsumeInput(conn_) != 1)
      return false;
  return !broken();
}

bool pg_connection::idle() const {
  return PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

} // namespace agg
