#include "storage/key_index/key_index.hpp"

#include <algorithm>
#include <chrono>

#include <SQLiteCpp/Transaction.h>

#include "core/log.hpp"
#include "storage/key_index/key_hash.hpp"
#include "storage/key_index/run_builder.hpp"
#include "storage/key_index/run_merger.hpp"
#include "storage/statement_guard.hpp"

namespace agg {

namespace {

int64_t ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                               - start)
    .count();
}

} // namespace

/// A merge of the runs of a merge_plan, done a slice at a time after commits, so a large
/// merge (16M keys at 20M stored events) never holds the writer for long. The input runs
/// answer lookups until the merged run replaces them in one transaction.
struct key_index::merge_job {
  int level = 0;
  int64_t output_id = 0;
  std::vector<run_cursor> inputs;
  std::vector<int64_t> input_ids;
  std::unique_ptr<run_builder> output; // Made in the first slice's transaction.
  uint64_t entries = 0;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

key_index::key_index(SQLite::Database& db, key_index_options options)
  : db_(db),
    options_(options),
    store_(db),
    runs_(store_.load(), unfinished_),
    read_event_key_(db, "SELECT topic_id, event_id FROM events WHERE seq = ?") {
  delete_unfinished();
  index_stored_events();
}

key_index::~key_index() = default;

void key_index::index_stored_events() {
  // In slices of what still fits in memory, so a store from before the index (all of its
  // events unindexed) becomes runs without holding every key at once.
  SQLite::Statement read{db_, "SELECT seq, topic_id, event_id FROM events WHERE seq > ? "
                              "ORDER BY seq LIMIT ?"};
  auto last = runs_.indexed_seq();
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
    size_t rows = 0;
    {
      statement_guard guard{read};
      read.bind(1, last);
      read.bind(2, static_cast<int64_t>(room));
      while (read.executeStep()) {
        last = read.getColumn(0).getInt64();
        auto event_id = read.getColumn(2);
        hot_.add(key_hash(read.getColumn(1).getInt64(),
                          {event_id.getText(), static_cast<size_t>(event_id.getBytes())}),
                 last);
        ++rows;
      }
    }
    if (rows < room)
      break;
    maintain(); // Merges all it starts: start-up may take its time, not memory.
  }
  if (large)
    log_info("key index ready", {{"runs", static_cast<uint64_t>(runs_.runs().size())},
                                 {"ms", ms_since(start)}});
}

bool key_index::confirm(int64_t seq, int64_t topic_id, const std::string& event_id) {
  statement_guard guard{read_event_key_};
  read_event_key_.bind(1, seq);
  if (!read_event_key_.executeStep())
    return false;
  auto id = read_event_key_.getColumn(1);
  return read_event_key_.getColumn(0).getInt64() == topic_id
         && std::string_view{id.getText(), static_cast<size_t>(id.getBytes())} == event_id;
}

bool key_index::run_contains(const key_run& run, uint64_t hash, int64_t topic_id,
                             const std::string& event_id) {
  auto [first, last] = run.blocks_for(hash);
  for (auto block = first; block < last; ++block) {
    store_.read_block(run.id, block, block_);
    auto i = std::lower_bound(block_.begin(), block_.end(), key_entry{hash, INT64_MIN});
    for (; i != block_.end() && i->hash == hash; ++i)
      if (confirm(i->seq, topic_id, event_id))
        return true;
  }
  return false;
}

bool key_index::contains(int64_t topic_id, const std::string& event_id, uint64_t hash) {
  return find(topic_id, event_id, hash);
}

bool key_index::find(int64_t topic_id, const std::string& event_id, uint64_t hash) {
  if (hot_.any_of(hash, [&](int64_t seq) { return confirm(seq, topic_id, event_id); }))
    return true;
  auto& runs = runs_.runs();
  for (auto i = runs.rbegin(); i != runs.rend(); ++i)
    if (i->filter.may_contain(hash) && run_contains(*i, hash, topic_id, event_id))
      return true;
  return false;
}

void key_index::maintain(size_t keys_added) {
  auto budget = keys_added == unlimited
                  ? unlimited
                  : std::max(options_.merge_slice_min, keys_added * options_.merge_pace);
  delete_unfinished();
  if (hot_.size() >= options_.run_entries)
    write_hot_run();
  try {
    merge(budget);
  } catch (...) {
    // The slice rolled back, but the job's cursors and output moved on: start over later.
    if (merge_)
      unfinished_.push_back(merge_->output_id);
    merge_.reset();
    throw;
  }
}

void key_index::delete_unfinished() {
  if (unfinished_.empty())
    return;
  SQLite::Transaction tx{db_};
  for (auto id : unfinished_)
    store_.delete_run(id, UINT32_MAX);
  tx.commit();
  unfinished_.clear();
}

void key_index::write_hot_run() {
  auto start = std::chrono::steady_clock::now();
  auto entries = hot_.sorted();
  SQLite::Transaction tx{db_};
  run_builder builder{store_, runs_.new_id(), 0, entries.size(), options_.bits_per_key};
  for (auto& e : entries)
    builder.add(e);
  auto run = builder.finish();
  tx.commit();
  log_debug("key index run written", {{"entries", static_cast<uint64_t>(run.entries)},
                                      {"ms", ms_since(start)}});
  runs_.add(std::move(run));
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
  auto plan = runs_.pick_merge(options_.fan_in);
  if (!plan)
    return false;
  merge_ = std::make_unique<merge_job>();
  merge_->level = plan->level;
  merge_->output_id = runs_.new_id();
  merge_->entries = plan->entries;
  for (auto* r : plan->inputs) {
    merge_->inputs.emplace_back(r->id, r->fences.size());
    merge_->input_ids.push_back(r->id);
  }
  return true;
}

size_t key_index::merge_slice(size_t budget) {
  auto& job = *merge_;
  SQLite::Transaction tx{db_};
  if (!job.output)
    job.output = std::make_unique<run_builder>(store_, job.output_id, job.level + 1, job.entries,
                                               options_.bits_per_key);
  bool exhausted = false;
  auto moved = merge_runs(store_, job.inputs, budget, *job.output, exhausted);
  if (exhausted)
    finish_merge(tx);
  else
    tx.commit();
  return moved;
}

void key_index::finish_merge(SQLite::Transaction& tx) {
  auto& job = *merge_;
  auto merged = job.output->finish();
  for (auto& input : job.inputs)
    store_.delete_run(input.run_id, input.blocks);
  tx.commit();
  log_debug("key index runs merged",
            {{"level", merged.level}, {"entries", static_cast<uint64_t>(merged.entries)},
             {"ms", ms_since(job.start)}});
  runs_.install(job.input_ids, std::move(merged));
  merge_.reset();
}

key_index_shape key_index::shape() const {
  key_index_shape s;
  s.hot = hot_.size();
  s.memory_bytes = footprint().memory_bytes;
  for (auto& r : runs_.runs()) {
    s.run_levels.push_back(r.level);
    s.run_entries += r.entries;
  }
  return s;
}

dedup_index_footprint key_index::footprint() const {
  return {runs_.runs().size(), hot_.memory_bytes() + runs_.memory_bytes()};
}

} // namespace agg
