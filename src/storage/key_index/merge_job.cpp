#include "storage/key_index/merge_job.hpp"

#include <SQLiteCpp/Transaction.h>

#include "core/log.hpp"

namespace agg {

merge_job::merge_job(const merge_plan& plan, int64_t output_id, double bits_per_key,
                     uint64_t partition_keys)
  : level_(plan.level),
    output_id_(output_id),
    entries_(plan.entries),
    bits_per_key_(bits_per_key),
    partition_keys_(partition_keys) {
  for (auto* r : plan.inputs) {
    inputs_.emplace_back(r->id, r->fences.size());
    input_ids_.push_back(r->id);
  }
}

size_t merge_job::slice(run_store& store, run_set& runs, size_t budget) {
  SQLite::Transaction tx{store.db()};
  if (!output_)
    output_ = std::make_unique<run_builder>(store, output_id_, level_ + 1, entries_,
                                            bits_per_key_, partition_keys_);
  bool exhausted = false;
  auto moved = merge_runs(store, inputs_, budget, *output_, exhausted);
  if (!exhausted) {
    tx.commit();
    hand_over(runs);
    return moved;
  }
  auto merged = output_->finish();
  for (auto& input : inputs_)
    store.delete_run(input.run_id, input.blocks);
  tx.commit();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - start_)
              .count();
  log_debug("key index runs merged", {{"level", merged.level},
                                      {"entries", static_cast<uint64_t>(merged.entries)},
                                      {"ms", static_cast<int64_t>(ms)}});
  runs.install(input_ids_, std::move(merged));
  output_.reset();
  finished_ = true;
  return moved;
}

void merge_job::hand_over(run_set& runs) {
  auto& out = output_->partial().filter;
  auto boundary = out.first_hash(output_->complete_partitions());
  if (boundary <= boundary_)
    return;
  boundary_ = boundary;
  for (auto id : input_ids_) {
    auto* run = runs.find(id);
    if (!run)
      continue;
    run->covered_below = boundary;
    auto& filter = run->filter;
    // A partition ends where the next begins; the last one ends past every hash.
    for (size_t p = 0; p < filter.partitions() && filter.first_hash(p + 1) <= boundary; ++p)
      filter.release(p);
  }
}

void merge_job::abort(run_store& store, run_set& runs) {
  boundary_ = 0;
  for (auto id : input_ids_) {
    auto* run = runs.find(id);
    if (!run)
      continue;
    run->covered_below = 0;
    try {
      store.load_filter(*run);
    } catch (const std::exception& ex) {
      // Its given-back partitions stay empty and answer maybe: slower, still exact.
      log_warning("cannot read a key index filter back after a failed merge",
                  {{"error", std::string{ex.what()}}});
    }
  }
}

size_t merge_job::memory_bytes() const {
  if (!output_)
    return 0;
  auto& run = output_->partial();
  return run.filter.memory_bytes() + run.fences.capacity() * sizeof(uint64_t);
}

} // namespace agg
