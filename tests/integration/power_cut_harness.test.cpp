// The power-cut harness proved on its own: a small probe program (support/power_cut_probe.cpp)
// makes writes and fsyncs, and a cut must keep exactly what was synced.

#include "support/power_cut.hpp"
#include "support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

using agg::test::power_cut_harness;
using agg::test::skip_power_cut_test;
using agg::test::temp_dir;

extern char** environ;

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Runs the probe with `ops` under the harness until it prints "ready", then cuts it.
void run_probe_and_cut(power_cut_harness& harness, const std::vector<std::string>& ops) {
  std::vector<std::string> env_entries;
  for (char** var = environ; *var; ++var)
    env_entries.emplace_back(*var);
  for (auto& [name, value] : harness.env())
    env_entries.push_back(name + "=" + value);
  std::vector<std::string> args{AGG_POWER_CUT_PROBE};
  args.insert(args.end(), ops.begin(), ops.end());
  std::vector<char*> argv, envp;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_entries)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  int out[2];
  REQUIRE(::pipe(out) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  REQUIRE(rc == 0);
  // Blocks until the probe is done with its operations (or dies: end of file).
  std::string said;
  char buf[64];
  ssize_t n;
  while (said.find("ready\n") == std::string::npos && (n = ::read(out[0], buf, sizeof(buf))) > 0)
    said.append(buf, static_cast<size_t>(n));
  ::close(out[0]);
  if (said.find("ready\n") == std::string::npos) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    FAIL("the probe ended before it was ready");
  }
  auto report = harness.cut(pid);
  INFO("cut: " << report.describe());
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
}

int64_t count_rows(const std::filesystem::path& db_path) {
  SQLite::Database db{db_path.string(), SQLite::OPEN_READWRITE};
  REQUIRE(db.execAndGet("PRAGMA quick_check").getString() == "ok");
  if (db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 't'").getInt() == 0)
    return 0; // the table's creation was lost too
  return db.execAndGet("SELECT count(*) FROM t").getInt64();
}

} // namespace

TEST_CASE("power-cut harness: a synced write survives a cut, an unsynced one does not",
          "[integration][power_cut]") {
  if (skip_power_cut_test())
    return;
  temp_dir dir{"agg-cut-"};
  auto a = (dir / "a").string(), b = (dir / "b").string();
  power_cut_harness harness{dir.path()};

  SECTION("data written and fsynced stays; data written after it goes") {
    run_probe_and_cut(harness, {"write", a, "0", "hello", "fsync", a, "write", a, "5", "world"});
    CHECK(read_file(a) == "hello");
  }
  SECTION("an fsync syncs its own file only, through any fd of it") {
    // The probe opens a new fd for each operation, so the fsync never uses the writing fd.
    run_probe_and_cut(harness, {"write", a, "0", "kept", "write", b, "0", "lost", "fsync", a});
    CHECK(read_file(a) == "kept");
    CHECK(read_file(b).empty()); // created, never synced: back to empty (entries persist)
  }
  SECTION("overwrites and truncates of synced bytes are undone") {
    run_probe_and_cut(harness, {"write", a,   "0",  "0123456789", "fsync", a,   "write",
                                a,       "2", "XY", "truncate",   a,       "4", "write",
                                a,       "8", "Z",  "truncate",   a,       "20"});
    CHECK(read_file(a) == "0123456789");
  }
  SECTION("the last of several syncs counts") {
    run_probe_and_cut(harness, {"write", a, "0",     "one", "fsync", a,     "write", a, "0", "two",
                                "fsync", a, "write", a,     "0",     "six", "write", a, "3", "!"});
    CHECK(read_file(a) == "two");
  }
  SECTION("nothing written after the last sync: nothing changes") {
    run_probe_and_cut(harness, {"write", a, "0", "same", "fsync", a});
    CHECK(read_file(a) == "same");
  }
  // Every journal was applied and removed: the next process may start.
  CHECK(std::filesystem::is_empty(harness.journal_dir()));
}

TEST_CASE("power-cut harness: SQLite with synchronous=OFF loses committed rows at a cut, "
          "with synchronous=FULL it keeps every one",
          "[integration][power_cut]") {
  if (skip_power_cut_test())
    return;
  constexpr int rows = 200;
  temp_dir dir{"agg-cut-"};
  auto db = dir / "test.db";
  power_cut_harness harness{dir.path()};

  SECTION("OFF: no fsync at all, so every committed row is lost") {
    run_probe_and_cut(harness, {"sqlite", db.string(), "OFF", std::to_string(rows)});
    CHECK(count_rows(db) < rows);
  }
  SECTION("NORMAL in WAL mode: the WAL is fsynced only at checkpoints, so rows are lost too") {
    run_probe_and_cut(harness, {"sqlite", db.string(), "NORMAL", std::to_string(rows)});
    CHECK(count_rows(db) < rows);
  }
  SECTION("FULL: each commit is fsynced, so every committed row stays") {
    run_probe_and_cut(harness, {"sqlite", db.string(), "FULL", std::to_string(rows)});
    CHECK(count_rows(db) == rows);
  }
  SECTION("FULL over several cuts of the same database") {
    for (int round = 1; round <= 3; ++round) {
      run_probe_and_cut(harness, {"sqlite", db.string(), "FULL", std::to_string(rows)});
      CHECK(count_rows(db) == round * rows);
    }
  }
}
