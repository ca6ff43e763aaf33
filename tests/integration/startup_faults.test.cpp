#include <fstream>

#include <SQLiteCpp/Database.h>
#include <catch2/catch.hpp>

#include "support/server_process.hpp"

// Start-up on a database that is not ours must fail loudly, never start afresh over it.

namespace {

agg::test::run_result start_on(const std::filesystem::path& data_dir) {
  // Port 0: if it wrongly started, it would serve until the deadline kills it.
  return agg::test::run_server_binary({"--host", "127.0.0.1", "--port", "0", "--data-dir",
                                       data_dir.string()},
                                      std::chrono::seconds(10));
}

} // namespace

TEST_CASE("start-up on a corrupt database file exits 1 with a clear message and keeps the file",
          "[integration][faults]") {
  agg::test::temp_dir dir;
  auto db = dir / "events.db";
  std::string garbage(16384, '\x5a');
  std::ofstream{db, std::ios::binary} << garbage;
  auto run = start_on(dir.path());
  INFO(run.status.describe() << "\noutput:\n" << run.output);
  REQUIRE(run.status.exited);
  CHECK(run.status.code == 1);
  CHECK(run.output.find("cannot start: cannot open database " + db.string()) != std::string::npos);
  // The file is left exactly as it was, for the operator to inspect.
  std::ifstream in{db, std::ios::binary};
  std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(after == garbage);
}

TEST_CASE("start-up on another application's SQLite database exits 1 and leaves it untouched",
          "[integration][faults]") {
  agg::test::temp_dir dir;
  auto db = (dir / "events.db").string();
  {
    SQLite::Database other{db, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    other.exec("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)");
  }
  auto run = start_on(dir.path());
  INFO(run.status.describe() << "\noutput:\n" << run.output);
  REQUIRE(run.status.exited);
  CHECK(run.status.code == 1);
  CHECK(run.output.find("not ours") != std::string::npos);
  SQLite::Database check{db, SQLite::OPEN_READONLY};
  CHECK(check.execAndGet("SELECT count(*) FROM sqlite_master").getInt() == 1);
}

TEST_CASE("a data dir that cannot be created exits 1 naming it", "[integration][faults]") {
  agg::test::temp_dir dir;
  auto file = dir / "not-a-dir";
  std::ofstream{file} << "x";
  auto run = start_on(file / "data");
  INFO(run.status.describe() << "\noutput:\n" << run.output);
  REQUIRE(run.status.exited);
  CHECK(run.status.code == 1);
  CHECK(run.output.find("cannot create data dir " + (file / "data").string())
        != std::string::npos);
}
