#include "support/postgres_cluster.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace agg::test {

namespace {

// The socket's "port": with listen_addresses='' it only names the socket file in our own
// directory, so the default cannot clash with another cluster.
constexpr const char* socket_port = "5432";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in{path};
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

struct conn_closer {
  void operator()(PGconn* c) const {
    PQfinish(c);
  }
};

} // namespace

std::unique_ptr<postgres_cluster> postgres_cluster::start_or_skip() {
  std::string missing;
  if (!std::filesystem::exists(std::string{bin_dir} + "/pg_ctl"))
    missing = std::string{"no PostgreSQL 15 binaries in "} + bin_dir
              + " (scripts/install-deps.sh installs postgresql-15)";
  else if (::geteuid() == 0 && ::getpwnam("postgres") == nullptr)
    missing = "running as root, and there is no postgres user to run PostgreSQL as";
  if (!missing.empty()) {
    // CI sets this (.ci/run): there a skip would hide that the PostgreSQL tests never ran.
    if (const char* required = std::getenv("AGG_REQUIRE_POSTGRES"); required && *required == '1')
      throw std::runtime_error("AGG_REQUIRE_POSTGRES=1, but " + missing);
    std::cout << "SKIPPED: " << missing << "\n";
    return nullptr;
  }
  std::unique_ptr<postgres_cluster> cluster{new postgres_cluster()};
  cluster->run("initdb", "-D " + (cluster->dir_ / "data").string()
                           + " -U ea -A trust -E UTF8 --locale=C --no-sync");
  cluster->start();
  return cluster;
}

postgres_cluster::postgres_cluster() : dir_("agg-pg-") {
  if (::geteuid() == 0) {
    // PostgreSQL refuses to run as root: the server and its files belong to postgres, which
    // must reach the directory (mkdtemp made it 0700 for root).
    auto* pw = ::getpwnam("postgres");
    if (::chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::runtime_error("cannot hand " + dir_.path().string() + " to the postgres user");
    as_user_ = "runuser -u postgres -- ";
  }
}

postgres_cluster::~postgres_cluster() {
  try {
    if (running_)
      stop();
  } catch (const std::exception& ex) {
    std::cerr << "postgres_cluster: " << ex.what() << "\n";
  }
}

void postgres_cluster::run(const std::string& what, const std::string& args) const {
  auto command = as_user_ + bin_dir + "/" + what + " " + args + " >>"
                 + (dir_ / "commands.log").string() + " 2>&1";
  int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(what + " failed: " + command + "\n"
                             + read_file(dir_ / "commands.log") + log_tail());
}

void postgres_cluster::start() {
  // No TCP at all (listen_addresses ''), which is what makes -A trust acceptable. fsync off:
  // a throw-away cluster never has to survive a power cut, and the disk is shared.
  run("pg_ctl", "-D " + (dir_ / "data").string() + " -l " + (dir_ / "server.log").string()
                  + " -w -t 60 -o \"-k " + dir_.path().string() + " -p " + socket_port
                  + " -c listen_addresses='' -c fsync=off\" start");
  running_ = true;
}

void postgres_cluster::stop(bool immediate) {
  running_ = false;
  run("pg_ctl", "-D " + (dir_ / "data").string() + " -w -t 60 -m "
                  + (immediate ? "immediate" : "fast") + " stop");
}

std::string postgres_cluster::url(const std::string& name) const {
  return "host=" + dir_.path().string() + " port=" + socket_port + " user=ea dbname=" + name;
}

std::string postgres_cluster::fresh_database() {
  auto name = "test_" + std::to_string(++databases_);
  query("postgres", "CREATE DATABASE " + name);
  return name;
}

std::vector<std::string> postgres_cluster::query(const std::string& name,
                                                 const std::string& sql) const {
  std::unique_ptr<PGconn, conn_closer> conn{PQconnectdb(url(name).c_str())};
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error("cannot connect to " + url(name) + ": "
                             + PQerrorMessage(conn.get()));
  std::unique_ptr<PGresult, void (*)(PGresult*)> res{PQexec(conn.get(), sql.c_str()), PQclear};
  auto status = PQresultStatus(res.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    throw std::runtime_error(sql + ": " + PQresultErrorMessage(res.get()));
  std::vector<std::string> rows;
  for (int i = 0; i < PQntuples(res.get()); ++i)
    rows.emplace_back(PQgetvalue(res.get(), i, 0));
  return rows;
}

std::string postgres_cluster::log_tail(size_t max_bytes) const {
  auto text = read_file(dir_ / "server.log");
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

} // namespace agg::test
