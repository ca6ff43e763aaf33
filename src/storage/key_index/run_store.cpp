#include "storage/key_index/run_store.hpp"

#include <string>
#include <string_view>

#include "storage/statement_guard.hpp"

namespace agg {

namespace {

std::string_view blob_of(const SQLite::Column& column) {
  return {static_cast<const char*>(column.getBlob()), static_cast<size_t>(column.getBytes())};
}

} // namespace

run_store::run_store(SQLite::Database& db)
  : db_(db),
    read_block_(db, "SELECT data FROM key_blocks WHERE id = ?"),
    insert_block_(db, "INSERT INTO key_blocks(id, data) VALUES (?, ?)"),
    write_run_(db, "INSERT OR REPLACE INTO key_runs(id, level, entries, max_seq, filter, "
                   "fences) VALUES (?, ?, ?, ?, ?, ?)"),
    delete_blocks_(db, "DELETE FROM key_blocks WHERE id BETWEEN ? AND ?"),
    delete_run_(db, "DELETE FROM key_runs WHERE id = ?") {
}

std::vector<key_run> run_store::load() {
  std::vector<key_run> runs;
  SQLite::Statement read{
    db_, "SELECT id, level, entries, max_seq, filter, fences FROM key_runs ORDER BY id"};
  while (read.executeStep()) {
    key_run run;
    run.id = read.getColumn(0).getInt64();
    run.level = read.getColumn(1).getInt();
    run.entries = static_cast<uint64_t>(read.getColumn(2).getInt64());
    run.max_seq = read.getColumn(3).getInt64();
    run.filter = bloom_filter::from_bytes(blob_of(read.getColumn(4)));
    run.fences = decode_fences(blob_of(read.getColumn(5)));
    runs.push_back(std::move(run));
  }
  return runs;
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
  write_row(id, -1, 0, 0, {}, {});
}

void run_store::write_row(const key_run& run) {
  write_row(run.id, run.level, run.entries, run.max_seq, run.filter.bytes(),
            encode_fences(run.fences));
}

void run_store::write_row(int64_t id, int level, uint64_t entries, int64_t max_seq,
                          std::string_view filter, std::string_view fences) {
  statement_guard guard{write_run_};
  write_run_.bind(1, id);
  write_run_.bind(2, level);
  write_run_.bind(3, static_cast<int64_t>(entries));
  write_run_.bind(4, max_seq);
  // A null pointer would bind NULL, not an empty blob.
  static const char empty = 0;
  write_run_.bindNoCopy(5, filter.empty() ? &empty : filter.data(),
                        static_cast<int>(filter.size()));
  write_run_.bindNoCopy(6, fences.empty() ? &empty : fences.data(),
                        static_cast<int>(fences.size()));
  write_run_.exec();
}

void run_store::delete_run(int64_t id, size_t blocks) {
  {
    statement_guard guard{delete_blocks_};
    delete_blocks_.bind(1, key_run::block_rowid(id, 0));
    delete_blocks_.bind(2, key_run::block_rowid(id, blocks));
    delete_blocks_.exec();
  }
  statement_guard guard{delete_run_};
  delete_run_.bind(1, id);
  delete_run_.exec();
}

} // namespace agg
