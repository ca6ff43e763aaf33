#include "storage/key_index/run_merger.hpp"

namespace agg {

namespace {

// The cursor's next entry is at pos; false once its run is used up.
bool refill(run_store& store, run_cursor& c) {
  while (c.pos == c.entries.size() && c.block < c.blocks) {
    store.read_block(c.run_id, c.block++, c.entries);
    c.pos = 0;
  }
  return c.pos < c.entries.size();
}

} // namespace

size_t merge_runs(run_store& store, std::vector<run_cursor>& inputs, size_t budget,
                  run_builder& out, bool& exhausted) {
  // A linear scan for the least: fan-in is small (4), where a heap would not pay.
  size_t moved = 0;
  exhausted = false;
  while (moved < budget) {
    run_cursor* least = nullptr;
    for (auto& c : inputs)
      if (refill(store, c) && (!least || c.entries[c.pos] < least->entries[least->pos]))
        least = &c;
    if (!least) {
      exhausted = true;
      return moved;
    }
    out.add(least->entries[least->pos++]);
    ++moved;
  }
  return moved;
}

} // namespace agg
