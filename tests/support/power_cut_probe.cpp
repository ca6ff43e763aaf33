// A small program for the power-cut harness's own tests: it runs the file operations its
// arguments name, in order, prints "ready" and waits to be cut.
//   write FILE OFFSET TEXT    pwrite TEXT at OFFSET (creating FILE), through an fd of its own
//   fsync FILE                fsync through a new fd (any fd of a file syncs it)
//   truncate FILE SIZE        ftruncate through a new fd
//   sqlite FILE SYNC ROWS     a WAL database at PRAGMA synchronous=SYNC, then ROWS inserts,
//                             each in its own committed transaction
// Exits 2 on bad arguments, 1 when an operation fails.

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "power_cut_probe: %s\n", what.c_str());
  std::exit(1);
}

int open_file(const char* path) {
  int fd = ::open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    die(std::string{"cannot open "} + path);
  return fd;
}

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK)
    die(sql + ": " + (error ? error : "?"));
}

void fill_database(const char* path, const char* sync, int rows) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path, &db) != SQLITE_OK)
    die(std::string{"cannot open database "} + path);
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, std::string{"PRAGMA synchronous="} + sync);
  exec(db, "CREATE TABLE IF NOT EXISTS t(n INTEGER)");
  for (int i = 0; i < rows; ++i)
    exec(db, "INSERT INTO t VALUES(" + std::to_string(i) + ")");
  // Left open: the cut comes while the connection lives, as in a running server.
}

} // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc;) {
    std::string op = argv[i];
    auto need = [&](int n) {
      if (i + n >= argc)
        std::exit(2);
    };
    if (op == "write") {
      need(3);
      int fd = open_file(argv[i + 1]);
      const char* text = argv[i + 3];
      auto n = ::pwrite(fd, text, std::strlen(text), std::atoll(argv[i + 2]));
      if (n != static_cast<ssize_t>(std::strlen(text)))
        die("pwrite failed");
      ::close(fd);
      i += 4;
    } else if (op == "fsync") {
      need(1);
      int fd = open_file(argv[i + 1]);
      if (::fsync(fd) != 0)
        die("fsync failed");
      ::close(fd);
      i += 2;
    } else if (op == "truncate") {
      need(2);
      int fd = open_file(argv[i + 1]);
      if (::ftruncate(fd, std::atoll(argv[i + 2])) != 0)
        die("ftruncate failed");
      ::close(fd);
      i += 3;
    } else if (op == "sqlite") {
      need(3);
      fill_database(argv[i + 1], argv[i + 2], std::atoi(argv[i + 3]));
      i += 4;
    } else {
      return 2;
    }
  }
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;)
    ::pause();
}
