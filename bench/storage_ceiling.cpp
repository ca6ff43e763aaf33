// storage_ceiling: how fast this machine can store events in SQLite with no HTTP, JSON or
// actors in the way, in the classic layout the performance issue takes as its reference:
// the events table with a unique B-tree index on (topic_id, event_id) deciding duplicates
// (the server's schema version 2, from src/storage/sqlite/schema_sql.hpp; the server itself now keeps
// its dedup index as sorted runs, storage/key_index). It writes the very rows the server
// writes, with the server's settings: WAL, synchronous=FULL (or NORMAL, as --sync), SQLite memory
// statistics off (storage/sqlite_library), a 32 MiB page cache (--cache-kib), checkpoints on a
// thread of their own (src/storage/sqlite/wal_checkpointer; those two are the parts of the service it
// links), one prepared INSERT ... ON CONFLICT(topic_id, event_id) DO NOTHING per event, the
// "unique" counter row and each topic's event count updated once per transaction like the
// server's group commit.
//
// Usage: storage_ceiling [--rows N] [--batch N] [--ids seq|uuid] [--db PATH] [--topics N]
//                        [--dup-ratio F] [--sync normal|full] [--keep] [--cache-kib N]
// Prints one line of key=value pairs, e.g.
//   storage_ceiling rows=1000000 batch=10000 ids=seq ... rows_per_s=412345.6
//
// Without --db it uses a fresh file in $TMPDIR (or /tmp) and deletes it at the end; with --db
// an existing file of the classic layout is appended to (the rows already there are counted as
// start_rows), which is how a store of a given size is measured (bench/growth.sh grows one
// beside the server's). A server store (schema version 3) is refused: it has no such index.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <ctime>
#include <vector>

#include "storage/sqlite/schema_sql.hpp"
#include "storage/sqlite/sqlite_library.hpp"
#include "storage/sqlite/wal_checkpointer.hpp"

namespace {


// The payload the server stores for bench/publish.lua's events (the decoder writes it back
// compactly, keys in the order sent, so this is byte for byte what lands in the column).
constexpr const char* payload =
  R"({"action":"click","n":42,"page":"/products/sku-000123","tags":["a","b","c"],"user":"u-12345","value":32.1})";
constexpr const char* timestamp = "2025-01-31T12:00:00.000Z";
constexpr const char* source = "wrk";

struct options {
  uint64_t rows = 1'000'000;
  uint64_t batch = 10'000;
  std::string ids = "seq";
  std::string db;
  uint64_t topics = 8;
  double dup_ratio = 0;
  std::string sync = "full"; // the server's default
  bool keep = false;
  // The server's page cache: PRAGMA cache_size=-32768 in src/storage/sqlite/sqlite_event_store.cpp.
  // Keep the two in step; --cache-kib 2000 gives SQLite's own default.
  uint64_t cache_kib = 32768;
};

// Bytes this process has handed to write()/pwrite() so far (/proc/self/io wchar): the WAL
// frames and the checkpoints' copies, which is what random keys multiply. 0 if unreadable.
uint64_t bytes_written() {
  std::FILE* f = std::fopen("/proc/self/io", "r");
  if (!f)
    return 0;
  char line[128];
  unsigned long long value = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "wchar: %llu", &value) == 1)
      break;
  std::fclose(f);
  return value;
}

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "storage_ceiling: %s\n"
               "usage: storage_ceiling [--rows N] [--batch N] [--ids seq|uuid] [--db PATH]\n"
               "                       [--topics N] [--dup-ratio F] [--sync normal|full] [--keep]\n"
               "                       [--cache-kib N]\n",
               msg);
  std::exit(2);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      has_value = true;
    }
    auto next = [&]() -> std::string {
      if (has_value)
        return value;
      if (i + 1 >= argc)
        usage((arg + " needs a value").c_str());
      return argv[++i];
    };
    auto number = [&]() -> uint64_t {
      auto s = next();
      char* end = nullptr;
      auto v = std::strtoull(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || v == 0)
        usage((arg + " needs a positive whole number, got " + s).c_str());
      return v;
    };
    if (arg == "--rows")
      o.rows = number();
    else if (arg == "--batch")
      o.batch = number();
    else if (arg == "--topics")
      o.topics = number();
    else if (arg == "--ids") {
      o.ids = next();
      if (o.ids != "seq" && o.ids != "uuid")
        usage("--ids is seq or uuid");
    } else if (arg == "--db")
      o.db = next();
    else if (arg == "--dup-ratio") {
      o.dup_ratio = std::atof(next().c_str());
      if (o.dup_ratio < 0 || o.dup_ratio >= 1)
        usage("--dup-ratio is in [0, 1)");
    } else if (arg == "--sync") {
      o.sync = next();
      if (o.sync != "normal" && o.sync != "full")
        usage("--sync is normal or full");
    } else if (arg == "--cache-kib")
      o.cache_kib = number();
    else if (arg == "--keep")
      o.keep = true;
    else if (arg == "--help" || arg == "-h")
      usage("help");
    else
      usage(("unknown option " + arg).c_str());
  }
  return o;
}

void uuid4(std::mt19937_64& rng, char out[37]) {
  static const char hex[] = "0123456789abcdef";
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;                         // version 4
  lo = (lo & ~(0xcULL << 60)) | (0x8ULL << 60);               // variant 10xx
  unsigned char b[16];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(hi >> (56 - 8 * i));
    b[8 + i] = static_cast<unsigned char>(lo >> (56 - 8 * i));
  }
  int k = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out[k++] = '-';
    out[k++] = hex[b[i] >> 4];
    out[k++] = hex[b[i] & 15];
  }
  out[k] = '\0';
}

} // namespace

int main(int argc, char** argv) {
  auto opt = parse(argc, argv);
  agg::tune_sqlite_library(); // The server's process-wide settings, so the rows cost the same.
  bool temp = opt.db.empty();
  if (temp) {
    const char* dir = std::getenv("TMPDIR");
    opt.db = std::string{dir && *dir ? dir : "/tmp"} + "/storage_ceiling."
             + std::to_string(::getpid()) + ".db";
  }
  try {
    SQLite::Database db(opt.db, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
                        5000);
    if (db.execAndGet("PRAGMA journal_mode=WAL").getString() != "wal")
      throw std::runtime_error("cannot switch to WAL");
    db.exec(opt.sync == "full" ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    db.exec("PRAGMA cache_size=-" + std::to_string(opt.cache_kib));
    // The classic layout: schema version 2, the last with the B-tree key index.
    auto version = db.execAndGet("PRAGMA user_version").getInt();
    if (version == 0 && db.execAndGet("SELECT count(*) FROM sqlite_master").getInt() == 0) {
      SQLite::Transaction tx{db};
      db.exec(agg::schema_v1);
      db.exec(agg::migrate_v1_to_v2);
      tx.commit();
    } else if (version != 2) {
      throw std::runtime_error("not a classic-layout store (schema version 2): version "
                               + std::to_string(version));
    }
    auto checkpointer = agg::wal_checkpointer::attach(db, opt.db, {});
    if (!checkpointer)
      throw std::runtime_error("cannot start the WAL checkpointer");
    // Topic ids, created like the server does (INSERT on first sight), before the clock starts.
    std::vector<int64_t> topic_ids(opt.topics);
    {
      SQLite::Transaction tx{db};
      SQLite::Statement find{db, "SELECT id FROM topics WHERE name = ?"};
      SQLite::Statement add{db, "INSERT INTO topics(name) VALUES (?)"};
      for (uint64_t t = 0; t < opt.topics; ++t) {
        auto name = "bench-" + std::to_string(t);
        find.bind(1, name);
        if (find.executeStep()) {
          topic_ids[t] = find.getColumn(0).getInt64();
        } else {
          add.bind(1, name);
          add.exec();
          add.reset();
          topic_ids[t] = db.getLastInsertRowid();
        }
        find.reset();
      }
      tx.commit();
    }
    // Negative cache_size is KiB; report the cache in KiB either way.
    int64_t cache_kib = db.execAndGet("PRAGMA cache_size").getInt64();
    if (cache_kib > 0)
      cache_kib = cache_kib * db.execAndGet("PRAGMA page_size").getInt64() / 1024;
    else
      cache_kib = -cache_kib;
    int64_t unique = db.execAndGet("SELECT value FROM counters WHERE name = 'unique'").getInt64();
    const int64_t start_rows = unique;

    SQLite::Statement insert{db, "INSERT INTO events(topic_id, event_id, timestamp, source, payload) "
                                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT(topic_id, event_id) DO NOTHING"};
    SQLite::Statement set_counter{db, "UPDATE counters SET value = ? WHERE name = ?"};
    SQLite::Statement add_topic_events{db, "UPDATE topics SET events = events + ? WHERE id = ?"};
    std::vector<uint64_t> topic_inserted(opt.topics, 0);

    std::mt19937_64 rng{std::random_device{}()};
    std::uniform_real_distribution<double> coin{0, 1};
    // Seq ids: "<run tag>-<n>", like publish.lua's "<thread tag>-<n>" (~20 bytes).
    char tag[32];
    std::snprintf(tag, sizeof tag, "c%llx%04x", static_cast<unsigned long long>(std::time(nullptr)),
                  static_cast<unsigned>(rng() & 0xffff));
    // Ids kept for duplicates: the last 10,000 (publish.lua's default DUP_WINDOW).
    constexpr uint64_t window = 10'000;
    std::vector<std::string> recent(opt.dup_ratio > 0 ? window : 0);

    uint64_t generated = 0, inserted = 0, duplicates = 0, commits = 0;
    std::string id;
    char uuid[37];
    auto t0 = std::chrono::steady_clock::now();
    auto written0 = bytes_written();
    for (uint64_t done = 0; done < opt.rows;) {
      uint64_t n_in_tx = std::min(opt.batch, opt.rows - done);
      uint64_t tx_inserted = 0;
      std::fill(topic_inserted.begin(), topic_inserted.end(), 0);
      SQLite::Transaction tx{db};
      for (uint64_t i = 0; i < n_in_tx; ++i) {
        uint64_t n;
        if (opt.dup_ratio > 0 && generated > 0 && coin(rng) < opt.dup_ratio) {
          uint64_t back = std::min(generated, window);
          n = generated - 1 - rng() % back;
          id = recent[n % window];
        } else {
          n = generated++;
          if (opt.ids == "uuid") {
            uuid4(rng, uuid);
            id.assign(uuid);
          } else {
            id.assign(tag).append("-").append(std::to_string(n));
          }
          if (!recent.empty())
            recent[n % window] = id;
        }
        insert.bind(1, topic_ids[n % opt.topics]);
        insert.bindNoCopy(2, id);
        insert.bindNoCopy(3, timestamp);
        insert.bindNoCopy(4, source);
        insert.bindNoCopy(5, payload);
        auto changed = insert.exec();
        insert.reset();
        tx_inserted += changed;
        topic_inserted[n % opt.topics] += changed;
        duplicates += changed == 0;
      }
      for (uint64_t t = 0; t < opt.topics; ++t)
        if (topic_inserted[t] > 0) {
          add_topic_events.bind(1, static_cast<int64_t>(topic_inserted[t]));
          add_topic_events.bind(2, topic_ids[t]);
          add_topic_events.exec();
          add_topic_events.reset();
        }
      if (tx_inserted > 0) {
        set_counter.bind(1, unique + static_cast<int64_t>(tx_inserted));
        set_counter.bind(2, "unique");
        set_counter.exec();
        set_counter.reset();
      }
      tx.commit();
      unique += tx_inserted;
      inserted += tx_inserted;
      done += n_in_tx;
      ++commits;
    }
    double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // The checkpoint thread's writes count too (same process), up to this moment.
    double written_per_row = static_cast<double>(bytes_written() - written0) / opt.rows;
    std::printf("storage_ceiling rows=%llu batch=%llu ids=%s topics=%llu dup_ratio=%.3f sync=%s "
                "start_rows=%lld inserted=%llu duplicates=%llu commits=%llu seconds=%.3f "
                "rows_per_s=%.1f commits_per_s=%.1f bytes_written_per_row=%.0f cache_kib=%lld sqlite=%s\n",
                static_cast<unsigned long long>(opt.rows), static_cast<unsigned long long>(opt.batch),
                opt.ids.c_str(), static_cast<unsigned long long>(opt.topics), opt.dup_ratio,
                opt.sync.c_str(), static_cast<long long>(start_rows),
                static_cast<unsigned long long>(inserted), static_cast<unsigned long long>(duplicates),
                static_cast<unsigned long long>(commits), seconds,
                static_cast<double>(opt.rows) / seconds, static_cast<double>(commits) / seconds,
                written_per_row, static_cast<long long>(cache_kib), SQLite::getLibVersion());
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "storage_ceiling: %s\n", ex.what());
    if (temp && !opt.keep)
      for (const char* suffix : {"", "-wal", "-shm"})
        std::remove((opt.db + suffix).c_str());
    return 1;
  }
  if (temp && !opt.keep)
    for (const char* suffix : {"", "-wal", "-shm"})
      std::remove((opt.db + suffix).c_str());
  return 0;
}
