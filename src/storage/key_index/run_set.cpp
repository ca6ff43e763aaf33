#include "storage/key_index/run_set.hpp"

#include <algorithm>

namespace agg {

run_set::run_set(std::vector<key_run> rows, std::vector<int64_t>& unfinished) {
  for (auto& run : rows) {
    next_id_ = std::max(next_id_, run.id + 1);
    if (run.level < 0) {
      unfinished.push_back(run.id);
      continue;
    }
    indexed_seq_ = std::max(indexed_seq_, run.max_seq);
    runs_.push_back(std::move(run));
  }
}

void run_set::add(key_run run) {
  indexed_seq_ = std::max(indexed_seq_, run.max_seq);
  runs_.push_back(std::move(run));
}

std::optional<merge_plan> run_set::pick_merge(size_t fan_in) const {
  int due = -1;
  for (auto& r : runs_) {
    auto n = std::count_if(runs_.begin(), runs_.end(),
                           [&](const key_run& other) { return other.level == r.level; });
    if (static_cast<size_t>(n) >= fan_in && (due < 0 || r.level < due))
      due = r.level;
  }
  if (due < 0)
    return std::nullopt;
  merge_plan plan;
  plan.level = due;
  for (auto& r : runs_) // Oldest first.
    if (r.level == due && plan.inputs.size() < fan_in) {
      plan.inputs.push_back(&r);
      plan.entries += r.entries;
    }
  return plan;
}

void run_set::install(const std::vector<int64_t>& inputs, key_run merged) {
  runs_.erase(std::remove_if(runs_.begin(), runs_.end(),
                             [&](const key_run& r) {
                               return std::find(inputs.begin(), inputs.end(), r.id)
                                      != inputs.end();
                             }),
              runs_.end());
  indexed_seq_ = std::max(indexed_seq_, merged.max_seq);
  auto at = std::lower_bound(runs_.begin(), runs_.end(), merged.id,
                             [](const key_run& r, int64_t id) { return r.id < id; });
  runs_.insert(at, std::move(merged));
}

key_run* run_set::find(int64_t id) {
  for (auto& r : runs_)
    if (r.id == id)
      return &r;
  return nullptr;
}

size_t run_set::memory_bytes() const {
  size_t bytes = 0;
  for (auto& r : runs_)
    bytes += r.filter.memory_bytes() + r.fences.capacity() * sizeof(uint64_t);
  return bytes;
}

uint64_t run_set::entries() const {
  uint64_t n = 0;
  for (auto& r : runs_)
    n += r.entries;
  return n;
}

} // namespace agg
