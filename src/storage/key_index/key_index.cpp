#include "storage/key_index/key_index.hpp"

#include <algorithm>
#include <chrono>

#include <SQLiteCpp/Transaction.h>

#include "core/log.hpp"
#include "storage/key_index/key_hash.hpp"

namespace agg {

namespace {

int64_t ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                               - start)
    .count();
}

} // namespace

/// Writes one run from entries given in (hash, seq) order, block by block. The run's row
/// goes in first with level -1 (unfinished), so blocks of a run that a crash or an error cut
/// short can be found and deleted; finish() fills the row in.
class run_builder {
public:
  run_builder(key_index& index, int64_t id, int level, uint64_t entries)
    : index_(index) {
    run_.id = id;
    run_.level = level;
    run_.filter = bloom_filter{entries, index.options_.bits_per_key};
    run_.fences.reserve(entries / key_run::entries_per_block + 1);
    pending_.reserve(key_run::entries_per_block);
    write_row(-1, {}, {});
  }

  void add(const key_entry& e) {
    pending_.push_back(e);
    run_.filter.insert(e.hash);
    run_.max_seq = std::max(run_.max_seq, e.seq);
    ++run_.entries;
    if (pending_.size() == key_run::entries_per_block)
      write_block();
  }

  key_run finish() {
    if (!pending_.empty())
      write_block();
    write_row(run_.level, run_.filter.bytes(), encode_fences(run_.fences));
    return std::move(run_);
  }

private:
  void write_row(int level, std::string_view filter, std::string_view fences) {
    auto& st = index_.write_run_;
    st.bind(1, run_.id);
    st.bind(2, level);
    st.bind(3, static_cast<int64_t>(run_.entries));
    st.bind(4, run_.max_seq);
    // A null pointer would bind NULL, not an empty blob.
    static const char empty = 0;
    st.bindNoCopy(5, filter.empty() ? &empty : filter.data(), static_cast<int>(filter.size()));
    st.bindNoCopy(6, fences.empty() ? &empty : fences.data(), static_cast<int>(fences.size()));
    st.exec();
    st.reset();
  }

  void write_block() {
    auto& st = index_.insert_block_;
    st.bind(1, key_run::block_rowid(run_.id, run_.fences.size()));
    auto bytes = encode_block(pending_.data(), pending_.size());
    st.bindNoCopy(2, bytes.data(), static_cast<int>(bytes.size()));
    st.exec();
    st.reset();
    run_.fences.push_back(pending_.front().hash);
    pending_.clear();
  }

  key_index& index_;
  key_run run_;
  std::vector<key_entry> pending_;
};

/// A merge of the oldest `fan_in` runs of a level, done a slice at a time after commits, so
/// a large merge (16M keys at 20M stored events) never holds the writer for long. The input
/// runs answer lookups until the merged run replaces them in one transaction.
struct key_index::merge_job {
  struct cursor {
    int64_t run_id;
    size_t blocks;
    size_t block = 0;
    std::vector<key_entry> entries;
    size_t pos = 0;
  };

  int level = 0;
  int64_t output_id = 0;
  std::vector<cursor> inputs;
  std::unique_ptr<run_builder> output; // Made in the first slice's transaction.
  uint64_t entries = 0;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

key_index::key_index(SQLite::Database& db, key_index_options options)
  : db_(db),
    options_(options),
    read_event_key_(db, "SELECT topic_id, event_id FROM events WHERE seq = ?"),
    read_block_(db, "SELECT data FROM key_blocks WHERE id = ?"),
    insert_block_(db, "INSERT INTO key_blocks(id, data) VALUES (?, ?)"),
    write_run_(db, "INSERT OR REPLACE INTO key_runs(id, level, entries, max_seq, filter, "
                   "fences) VALUES (?, ?, ?, ?, ?, ?)"),
    delete_blocks_(db, "DELETE FROM key_blocks WHERE id BETWEEN ? AND ?"),
    delete_run_(db, "DELETE FROM key_runs WHERE id = ?") {
  SQLite::Statement read_runs{
    db, "SELECT id, level, entries, max_seq, filter, fences FROM key_runs ORDER BY id"};
  while (read_runs.executeStep()) {
    key_run run;
    run.id = read_runs.getColumn(0).getInt64();
    run.level = read_runs.getColumn(1).getInt();
    run.entries = static_cast<uint64_t>(read_runs.getColumn(2).getInt64());
    run.max_seq = read_runs.getColumn(3).getInt64();
    auto filter = read_runs.getColumn(4);
    run.filter = bloom_filter::from_bytes({static_cast<const char*>(filter.getBlob()),
                                           static_cast<size_t>(filter.getBytes())});
    auto fences = read_runs.getColumn(5);
    run.fences = decode_fences({static_cast<const char*>(fences.getBlob()),
                                static_cast<size_t>(fences.getBytes())});
    next_run_id_ = run.id + 1;
    if (run.level < 0) {
      unfinished_.push_back(run.id);
      continue;
    }
    indexed_seq_ = std::max(indexed_seq_, run.max_seq);
    runs_.push_back(std::move(run));
  }
  try {
    delete_unfinished();
    index_stored_events();
  } catch (...) {
    reset_statements();
    throw;
  }
}

key_index::~key_index() = default;

void key_index::index_stored_events() {
  // In slices of what still fits in memory, so a store from before the index (all of its
  // events unindexed) becomes runs without holding every key at once.
  SQLite::Statement read{db_, "SELECT seq, topic_id, event_id FROM events WHERE seq > ? "
                              "ORDER BY seq LIMIT ?"};
  auto last = indexed_seq_;
  // Seqs have no gaps but those of failed commits, so this is about the work ahead.
  auto newest = db_.execAndGet("SELECT coalesce(max(seq), 0) FROM events").getInt64();
  auto start = std::chrono::steady_clock::now();
  bool large = static_cast<uint64_t>(newest - last) > options_.run_entries;
  if (large)
    log_info("indexing stored events for the dedup key index (first start after an upgrade, "
             "or after a crash)",
             {{"events", newest - last}});
  for (;;) {
    auto room = options_.run_entries - hot_.size(); // maintain() leaves fewer than run_entries
    read.bind(1, last);
    read.bind(2, static_cast<int64_t>(room));
    size_t rows = 0;
    while (read.executeStep()) {
      last = read.getColumn(0).getInt64();
      auto event_id = read.getColumn(2);
      hot_.add(key_hash(read.getColumn(1).getInt64(),
                        {event_id.getText(), static_cast<size_t>(event_id.getBytes())}),
               last);
      ++rows;
    }
    read.reset();
    if (rows < room)
      break;
    maintain(); // Merges all it starts: start-up may take its time, not memory.
  }
  if (large)
    log_info("key index ready", {{"runs", static_cast<uint64_t>(runs_.size())},
                                 {"ms", ms_since(start)}});
}

bool key_index::confirm(int64_t seq, int64_t topic_id, const std::string& event_id) {
  read_event_key_.bind(1, seq);
  bool same = false;
  if (read_event_key_.executeStep()) {
    auto id = read_event_key_.getColumn(1);
    same = read_event_key_.getColumn(0).getInt64() == topic_id
           && std::string_view{id.getText(), static_cast<size_t>(id.getBytes())} == event_id;
  }
  read_event_key_.reset();
  return same;
}

void key_index::read_block(int64_t run_id, size_t block, std::vector<key_entry>& out) {
  out.clear();
  read_block_.bind(1, key_run::block_rowid(run_id, block));
  if (read_block_.executeStep()) {
    auto data = read_block_.getColumn(0);
    decode_block({static_cast<const char*>(data.getBlob()), static_cast<size_t>(data.getBytes())},
                 out);
  }
  read_block_.reset();
}

bool key_index::run_contains(const key_run& run, uint64_t hash, int64_t topic_id,
                             const std::string& event_id) {
  auto [first, last] = run.blocks_for(hash);
  for (auto block = first; block < last; ++block) {
    read_block(run.id, block, block_);
    auto i = std::lower_bound(block_.begin(), block_.end(), key_entry{hash, INT64_MIN});
    for (; i != block_.end() && i->hash == hash; ++i)
      if (confirm(i->seq, topic_id, event_id))
        return true;
  }
  return false;
}

bool key_index::contains(int64_t topic_id, const std::string& event_id, uint64_t hash) {
  try {
    return find(topic_id, event_id, hash);
  } catch (...) {
    reset_statements();
    throw;
  }
}

bool key_index::find(int64_t topic_id, const std::string& event_id, uint64_t hash) {
  if (hot_.any_of(hash, [&](int64_t seq) { return confirm(seq, topic_id, event_id); }))
    return true;
  for (auto i = runs_.rbegin(); i != runs_.rend(); ++i)
    if (i->filter.may_contain(hash) && run_contains(*i, hash, topic_id, event_id))
      return true;
  return false;
}

void key_index::maintain(size_t keys_added) {
  auto budget = keys_added == unlimited
                  ? unlimited
                  : std::max(options_.merge_slice_min, keys_added * options_.merge_pace);
  try {
    delete_unfinished();
    if (hot_.size() >= options_.run_entries)
      write_hot_run();
  } catch (...) {
    reset_statements();
    throw;
  }
  try {
    merge(budget);
  } catch (...) {
    reset_statements();
    // The slice rolled back, but the job's cursors and output moved on: start over later.
    if (merge_)
      unfinished_.push_back(merge_->output_id);
    merge_.reset();
    throw;
  }
}

void key_index::reset_statements() {
  for (auto* st : {&read_event_key_, &read_block_, &insert_block_, &write_run_, &delete_blocks_,
                   &delete_run_})
    st->tryReset();
}

void key_index::delete_run(int64_t id, size_t blocks) {
  delete_blocks_.bind(1, key_run::block_rowid(id, 0));
  delete_blocks_.bind(2, key_run::block_rowid(id, blocks));
  delete_blocks_.exec();
  delete_blocks_.reset();
  delete_run_.bind(1, id);
  delete_run_.exec();
  delete_run_.reset();
}

void key_index::delete_unfinished() {
  if (unfinished_.empty())
    return;
  SQLite::Transaction tx{db_};
  for (auto id : unfinished_)
    delete_run(id, UINT32_MAX);
  tx.commit();
  unfinished_.clear();
}

void key_index::write_hot_run() {
  auto start = std::chrono::steady_clock::now();
  auto entries = hot_.sorted();
  SQLite::Transaction tx{db_};
  run_builder builder{*this, next_run_id_, 0, entries.size()};
  for (auto& e : entries)
    builder.add(e);
  auto run = builder.finish();
  tx.commit();
  indexed_seq_ = std::max(indexed_seq_, run.max_seq);
  ++next_run_id_;
  log_debug("key index run written", {{"entries", static_cast<uint64_t>(run.entries)},
                                      {"ms", ms_since(start)}});
  runs_.push_back(std::move(run));
  hot_.clear();
}

void key_index::merge(size_t budget) {
  while (budget > 0) {
    if (!merge_ && !start_merge())
      return;
    budget -= merge_slice(budget);
  }
}

bool key_index::start_merge() {
  // The lowest full level first; every level is looked at, since a crash or an error between
  // two merges of a cascade can leave a full level above one that is not.
  int due = -1;
  for (auto& r : runs_) {
    auto n = std::count_if(runs_.begin(), runs_.end(),
                           [&](const key_run& other) { return other.level == r.level; });
    if (static_cast<size_t>(n) >= options_.fan_in && (due < 0 || r.level < due))
      due = r.level;
  }
  if (due < 0)
    return false;
  merge_ = std::make_unique<merge_job>();
  merge_->level = due;
  merge_->output_id = next_run_id_++;
  for (auto& r : runs_) // Oldest first.
    if (r.level == due && merge_->inputs.size() < options_.fan_in) {
      merge_->inputs.push_back({r.id, r.fences.size(), 0, {}, 0});
      merge_->entries += r.entries;
    }
  return true;
}

size_t key_index::merge_slice(size_t budget) {
  auto& job = *merge_;
  // Blocks are read one at a time per input, so memory stays at a block per input plus the
  // output's filter and fences.
  auto refill = [this](merge_job::cursor& c) {
    while (c.pos == c.entries.size() && c.block < c.blocks) {
      read_block(c.run_id, c.block++, c.entries);
      c.pos = 0;
    }
    return c.pos < c.entries.size();
  };
  SQLite::Transaction tx{db_};
  if (!job.output)
    job.output = std::make_unique<run_builder>(*this, job.output_id, job.level + 1, job.entries);
  size_t used = 0;
  while (used < budget) {
    merge_job::cursor* least = nullptr;
    for (auto& c : job.inputs)
      if (refill(c) && (!least || c.entries[c.pos] < least->entries[least->pos]))
        least = &c;
    if (!least) {
      finish_merge(tx);
      return used;
    }
    job.output->add(least->entries[least->pos++]);
    ++used;
  }
  tx.commit();
  return used;
}

void key_index::finish_merge(SQLite::Transaction& tx) {
  auto& job = *merge_;
  auto merged = job.output->finish();
  for (auto& input : job.inputs)
    delete_run(input.run_id, input.blocks);
  tx.commit();
  runs_.erase(std::remove_if(runs_.begin(), runs_.end(),
                             [&](const key_run& r) {
                               return std::any_of(job.inputs.begin(), job.inputs.end(),
                                                  [&](auto& c) { return c.run_id == r.id; });
                             }),
              runs_.end());
  log_debug("key index runs merged",
            {{"level", merged.level}, {"entries", static_cast<uint64_t>(merged.entries)},
             {"ms", ms_since(job.start)}});
  // Kept in id order: the merged run is older than the runs written while it was built.
  auto at = std::lower_bound(runs_.begin(), runs_.end(), merged.id,
                             [](const key_run& r, int64_t id) { return r.id < id; });
  runs_.insert(at, std::move(merged));
  merge_.reset();
}

key_index_shape key_index::shape() const {
  key_index_shape s;
  s.hot = hot_.size();
  s.memory_bytes = footprint().memory_bytes;
  for (auto& r : runs_) {
    s.run_levels.push_back(r.level);
    s.run_entries += r.entries;
  }
  return s;
}

dedup_index_footprint key_index::footprint() const {
  dedup_index_footprint f{runs_.size(), hot_.memory_bytes()};
  for (auto& r : runs_)
    f.memory_bytes += r.filter.bytes().size() + r.fences.size() * sizeof(uint64_t);
  return f;
}

} // namespace agg
