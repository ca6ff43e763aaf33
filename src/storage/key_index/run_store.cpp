#include "storage/key_index/run_store.hpp"

#include <string>
#include <string_view>

#include "storage/statement_guard.hpp"

namespace agg {

namespace {

std::string_view blob_of(const SQLite::Column& column) {
  return {static_cast<const char*>(column.getBlob()), static_cast<size_t>(column.getBytes())};
}

// A null pointer would bind NULL, not an empty blob.
void bind_blob(SQLite::Statement& st, int index, std::string_view bytes) {
  static const char empty = 0;
  st.bindNoCopy(index, bytes.empty() ? &empty : bytes.data(), static_cast<int>(bytes.size()));
}

// key_filters rowids: the run's id above 16 bits of partition number (at most 2^12 of them).
int64_t partition_rowid(int64_t run_id, size_t p) {
  return (run_id << 16) | static_cast<int64_t>(p);
}

} // namespace

run_store::run_store(SQLite::Database& db)
  : db_(db),
    read_block_(db, "SELECT data FROM key_blocks WHERE id = ?"),
    insert_block_(db, "INSERT INTO key_blocks(id, data) VALUES (?, ?)"),
    write_run_(db, "INSERT OR REPLACE INTO key_runs(id, level, entries, max_seq, "
                   "partition_bits, fences) VALUES (?, ?, ?, ?, ?, ?)"),
    delete_blocks_(db, "DELETE FROM key_blocks WHERE id BETWEEN ? AND ?"),
    delete_run_(db, "DELETE FROM key_runs WHERE id = ?"),
    read_filter_(db, "SELECT id, keys, data FROM key_filters WHERE id BETWEEN ? AND ?"),
    write_partition_(db, "INSERT OR REPLACE INTO key_filters(id, keys, data) VALUES (?, ?, ?)"),
    delete_filter_(db, "DELETE FROM key_filters WHERE id BETWEEN ? AND ?") {
}

std::vector<key_run> run_store::load() {
  std::vector<key_run> runs;
  SQLite::Statement read{
    db_, "SELECT id, level, entries, max_seq, partition_bits, fences FROM key_runs ORDER BY id"};
  while (read.executeStep()) {
    key_run run;
    run.id = read.getColumn(0).getInt64();
    run.level = read.getColumn(1).getInt();
    run.entries = static_cast<uint64_t>(read.getColumn(2).getInt64());
    run.max_seq = read.getColumn(3).getInt64();
    run.filter = run_filter{static_cast<unsigned>(read.getColumn(4).getInt())};
    run.fences = decode_fences(blob_of(read.getColumn(5)));
    runs.push_back(std::move(run));
  }
  for (auto& run : runs)
    if (run.level >= 0)
      load_filter(run);
  return runs;
}

void run_store::load_filter(key_run& run) {
  // A partition without a row stays unbuilt and answers maybe: a missing row costs reads,
  // never a stored key.
  run.filter = run_filter{run.filter.partition_bits()};
  statement_guard guard{read_filter_};
  read_filter_.bind(1, partition_rowid(run.id, 0));
  read_filter_.bind(2, partition_rowid(run.id, 0xffff));
  while (read_filter_.executeStep()) {
    auto p = static_cast<size_t>(read_filter_.getColumn(0).getInt64() & 0xffff);
    if (p >= run.filter.partitions())
      continue;
    run.filter.set(p, bloom_filter::from_bytes(blob_of(read_filter_.getColumn(2))),
                   static_cast<uint64_t>(read_filter_.getColumn(1).getInt64()));
  }
}

void run_store::write_partition(const key_run& run, size_t p) {
  auto& part = run.filter.at(p);
  statement_guard guard{write_partition_};
  write_partition_.bind(1, partition_rowid(run.id, p));
  write_partition_.bind(2, static_cast<int64_t>(part.keys));
  bind_blob(write_partition_, 3, part.filter.bytes());
  write_partition_.exec();
}

void run_store::read_block(int64_t run_id, size_t block, std::vector<key_entry>& out) {
  out.clear();
  statement_guard guard{read_block_};
  read_block_.bind(1, key_run::block_rowid(run_id, block));
  if (read_block_.executeStep())
    decode_block(blob_of(read_block_.getColumn(0)), out);
}

void run_store::write_block(int64_t run_id, size_t block, const key_entry* first, size_t count) {
  statement_guard guard{insert_block_};
  insert_block_.bind(1, key_run::block_rowid(run_id, block));
  auto bytes = encode_block(first, count);
  insert_block_.bindNoCopy(2, bytes.data(), static_cast<int>(bytes.size()));
  insert_block_.exec();
}

void run_store::write_unfinished(int64_t id) {
  write_row(id, -1, 0, 0, 0, {});
}

void run_store::write_row(const key_run& run) {
  write_row(run.id, run.level, run.entries, run.max_seq, run.filter.partition_bits(),
            encode_fences(run.fences));
}

void run_store::write_row(int64_t id, int level, uint64_t entries, int64_t max_seq,
                          unsigned partition_bits, std::string_view fences) {
  statement_guard guard{write_run_};
  write_run_.bind(1, id);
  write_run_.bind(2, level);
  write_run_.bind(3, static_cast<int64_t>(entries));
  write_run_.bind(4, max_seq);
  write_run_.bind(5, static_cast<int>(partition_bits));
  bind_blob(write_run_, 6, fences);
  write_run_.exec();
}

void run_store::delete_run(int64_t id, size_t blocks) {
  auto range = [&](SQLite::Statement& st, int64_t first, int64_t last) {
    statement_guard guard{st};
    st.bind(1, first);
    st.bind(2, last);
    st.exec();
  };
  range(delete_blocks_, key_run::block_rowid(id, 0), key_run::block_rowid(id, blocks));
  range(delete_filter_, partition_rowid(id, 0), partition_rowid(id, 0xffff));
  statement_guard guard{delete_run_};
  delete_run_.bind(1, id);
  delete_run_.exec();
}

} // namespace agg
