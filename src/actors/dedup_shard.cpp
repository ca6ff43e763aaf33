#include "actors/dedup_shard.hpp"

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace agg {

uint64_t dedup_shard_state::admit(publish_part& in, event_batch& out) {
  auto id = next_part++;
  auto& p = parts[id];
  p.ticket = std::move(in.ticket);
  uint64_t committed_hits = 0, pending_hits = 0; // counted locally: one atomic add per part
  for (auto& e : in.events) {
    auto hit = keys.find_or_add(dedup_key(e), id);
    committed_hits += hit.state == key_table::found::committed;
    pending_hits += hit.state == key_table::found::pending;
    if (hit.state == key_table::found::absent) {
      p.written_keys.push_back(hit.entry);
      out.push_back(std::move(e));
      continue;
    }
    ++p.cached_duplicates;
    // A write holding this key is in flight: this is a duplicate whatever it finds,
    // but the answer may not go out before that write is durable.
    if (hit.state == key_table::found::pending && hit.owner != id) {
      auto& deps = parts.at(hit.owner).dependents;
      // All of this part's events are admitted in one go, so a repeat is at the back.
      if (deps.empty() || deps.back() != id) {
        deps.push_back(id);
        ++p.waiting;
      }
    }
  }
  if (metrics) {
    metrics->cache_hits.fetch_add(committed_hits, std::memory_order_relaxed);
    metrics->cache_pending_hits.fetch_add(pending_hits, std::memory_order_relaxed);
    metrics->cache_misses.fetch_add(out.size(), std::memory_order_relaxed);
  }
  if (!out.empty())
    ++p.waiting;
  else if (p.waiting == 0) {
    ++p.waiting; // resolve() completes it right away.
    resolve(id);
  }
  return id;
}

void dedup_shard_state::written(uint64_t id, const write_result& result) {
  auto& p = parts.at(id);
  for (size_t i = 0; i < p.written_keys.size(); ++i) {
    bool stored_now = i < result.inserted.size() && result.inserted[i] != 0;
    (stored_now ? p.unique : p.stored_duplicates) += 1;
    keys.commit(p.written_keys[i]);
  }
  p.new_topics = result.new_topics;
  auto dependents = std::move(p.dependents);
  resolve(id);
  for (auto d : dependents)
    resolve(d);
}

void dedup_shard_state::write_failed(uint64_t id, const caf::error& err) {
  auto& p = parts.at(id);
  // Not stored, so not remembered: a retry goes to the writer again.
  for (auto entry : p.written_keys)
    keys.drop(entry);
  p.error = err;
  auto dependents = std::move(p.dependents);
  resolve(id);
  for (auto d : dependents) {
    auto& dep = parts.at(d);
    if (!dep.error)
      dep.error = err;
    resolve(d);
  }
}

void dedup_shard_state::resolve(uint64_t id) {
  auto i = parts.find(id);
  if (--i->second.waiting > 0)
    return;
  auto& p = i->second;
  // Counters first, answer second: a client that reads /stats after its 200 then finds
  // its events counted, since the record is already in the stats mailbox.
  if (p.error) {
    // Events its own write stored are stored: count them, so unique == stored holds.
    if (p.unique + p.stored_duplicates > 0)
      caf::anon_send(stats, record_atom::value, p.unique, p.stored_duplicates,
                     std::move(p.new_topics));
    p.ticket->part_done(0, 0, p.error);
  } else {
    auto duplicates = p.stored_duplicates + p.cached_duplicates;
    caf::anon_send(stats, record_atom::value, p.unique, duplicates, std::move(p.new_topics));
    p.ticket->part_done(p.unique, duplicates);
  }
  parts.erase(i);
}

dedup_shard_actor::behavior_type
dedup_shard(dedup_shard_actor::stateful_pointer<dedup_shard_state> self, writer_actor writer,
            stats_actor stats, size_t cache_capacity, std::shared_ptr<runtime_metrics> metrics) {
  self->state.keys = key_table{cache_capacity};
  self->state.stats = std::move(stats);
  self->state.metrics = std::move(metrics);
  return {
    [=](publish_atom, publish_part& in) {
      event_batch to_write;
      auto id = self->state.admit(in, to_write);
      if (to_write.empty())
        return;
      self->request(writer, caf::infinite, write_atom::value, std::move(to_write))
        .then([=](write_result& result) { self->state.written(id, result); },
              [=](caf::error& err) { self->state.write_failed(id, err); });
    },
  };
}

} // namespace agg
