#include "storage/key_index/key_index.hpp"

#include <algorithm>
#include <chrono>

#include <SQLiteCpp/Transaction.h>

#include "core/log.hpp"
#include "storage/key_index/filter_budget.hpp"
#include "storage/key_index/key_hash.hpp"
#include "storage/key_index/run_builder.hpp"
#include "storage/statement_guard.hpp"

namespace agg {

namespace {

int64_t ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                               - start)
    .count();
}

// What a run of `entries` keys holds besides its filters' blocks: a fence per block of 250
// entries and per partition (whose last block may be short), and each partition's entry.
size_t overhead_bytes(uint64_t entries, size_t partitions) {
  return (entries / key_run::entries_per_block + partitions + 1) * sizeof(uint64_t)
         + partitions * sizeof(run_filter::partition);
}

} // namespace

key_index::key_index(SQLite::Database& db, key_index_options options)
  : db_(db),
    options_(options),
    store_(db),
    runs_(store_.load(), unfinished_),
    read_event_key_(db, "SELECT topic_id, event_id FROM events WHERE seq = ?") {
  delete_unfinished();
  index_stored_events();
  fit_budget(); // The budget may have been lowered since the filters were built.
}

key_index::~key_index() = default;

std::string key_index::check(const key_index_options& options) {
  auto hot = hot_keys::memory_bytes_at(options.run_entries);
  if (options.memory_bytes >= 2 * hot)
    return {};
  return "the key index memory (" + std::to_string(options.memory_bytes)
         + " bytes) must be at least twice what its newest keys take ("
         + std::to_string(hot) + " bytes for " + std::to_string(options.run_entries) + " keys)";
}

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
  if (!run.filter.may_contain(hash))
    return false;
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
  if (hot_.any_of(hash, [&](int64_t seq) { return confirm(seq, topic_id, event_id); }))
    return true;
  auto& runs = runs_.runs();
  for (auto i = runs.rbegin(); i != runs.rend(); ++i)
    if (hash >= i->covered_below && run_contains(*i, hash, topic_id, event_id))
      return true;
  // The part of a merge's inputs handed over to its output.
  auto* merged = merge_ ? merge_->covering(hash) : nullptr;
  return merged && run_contains(*merged, hash, topic_id, event_id);
}

void key_index::maintain(size_t keys_added) {
  auto budget = keys_added == unlimited
                  ? unlimited
                  : std::max(options_.merge_slice_min, keys_added * options_.merge_pace);
  delete_unfinished();
  if (hot_.size() >= options_.run_entries)
    write_hot_run();
  merge(budget);
  fit_budget();
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

double key_index::filter_bits_per_key(uint64_t entries,
                                      const std::vector<int64_t>& replaced) const {
  // A merge under way counts as its output: its inputs give their memory back as it goes.
  auto gone = replaced;
  if (merge_)
    gone.insert(gone.end(), merge_->input_ids().begin(), merge_->input_ids().end());
  std::vector<uint64_t> others;
  if (merge_)
    others.push_back(merge_->entries());
  auto fixed = hot_keys::memory_bytes_at(options_.run_entries)
               + overhead_bytes(entries, entries / options_.partition_keys + 1);
  for (auto& r : runs_.runs()) {
    fixed += overhead_bytes(r.entries, r.filter.partitions());
    if (std::find(gone.begin(), gone.end(), r.id) == gone.end())
      others.push_back(r.entries);
  }
  if (fixed >= options_.memory_bytes)
    return 0;
  auto room = static_cast<double>(options_.memory_bytes - fixed) * 8;
  return bits_for_run(entries, others, room, options_.bits_per_key);
}

void key_index::write_hot_run() {
  auto start = std::chrono::steady_clock::now();
  auto entries = hot_.sorted();
  auto bits = filter_bits_per_key(entries.size(), {});
  SQLite::Transaction tx{db_};
  run_builder builder{store_, runs_.new_id(), 0, entries.size(), bits, options_.partition_keys};
  for (auto& e : entries)
    builder.add(e);
  auto run = builder.finish();
  tx.commit();
  log_debug("key index run written", {{"entries", static_cast<uint64_t>(run.entries)},
                                      {"bits_per_key", bits},
                                      {"ms", ms_since(start)}});
  runs_.add(std::move(run));
  hot_.clear();
}

void key_index::merge(size_t budget) {
  while (budget > 0) {
    if (!merge_ && !start_merge())
      return;
    size_t moved = 0;
    try {
      moved = merge_->slice(store_, runs_, budget);
    } catch (...) {
      // The slice rolled back, but the job's cursors and output moved on: start over later.
      merge_->abort(store_, runs_);
      unfinished_.push_back(merge_->output_id());
      merge_.reset();
      throw;
    }
    if (merge_->finished())
      merge_.reset();
    budget -= std::min(budget, moved);
  }
}

bool key_index::start_merge() {
  auto plan = runs_.pick_merge(options_.fan_in);
  if (!plan)
    return false;
  std::vector<int64_t> inputs;
  for (auto* r : plan->inputs)
    inputs.push_back(r->id);
  auto bits = filter_bits_per_key(plan->entries, inputs);
  merge_ = std::make_unique<merge_job>(*plan, runs_.new_id(), bits, options_.partition_keys);
  return true;
}

void key_index::fit_budget() {
  std::vector<std::pair<int64_t, size_t>> folded; // Run id, partition.
  while (footprint().memory_bytes > options_.memory_bytes) {
    auto choice = choose_fold(runs_.runs());
    if (!choice)
      break; // Nothing left to fold: the fixed parts alone are over (check() prevents it).
    auto id = runs_.runs()[choice->run].id;
    runs_.find(id)->filter.fold(choice->partition);
    folded.emplace_back(id, choice->partition);
  }
  if (folded.empty())
    return;
  std::sort(folded.begin(), folded.end());
  folded.erase(std::unique(folded.begin(), folded.end()), folded.end());
  // Saved so that a restart loads the folded filters, not the larger ones.
  SQLite::Transaction tx{db_};
  for (auto [id, p] : folded)
    store_.write_partition(*runs_.find(id), p);
  tx.commit();
  log_debug("key index filters folded to fit the memory budget",
            {{"partitions", static_cast<uint64_t>(folded.size())}});
}

key_index_shape key_index::shape() const {
  key_index_shape s;
  s.hot = hot_.size();
  s.memory_bytes = footprint().memory_bytes;
  s.hot_memory_bytes = hot_.memory_bytes();
  for (auto& r : runs_.runs()) {
    s.run_levels.push_back(r.level);
    s.run_entries += r.entries;
  }
  return s;
}

dedup_index_footprint key_index::footprint() const {
  return {runs_.runs().size(),
          hot_.memory_bytes() + runs_.memory_bytes() + (merge_ ? merge_->memory_bytes() : 0)};
}

} // namespace agg
