#include "actors/dedup_shard.hpp"

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace agg {

uint64_t dedup_shard_state::admit(publish_part& in, event_batch& out) {
  auto id = next_part++;
  auto& p = parts[id];
  auto appended_before = out.size();
  p.ticket = std::move(in.ticket);
  for (auto& e : in.events) {
    auto hit = keys.find_or_add(dedup_key(e), id);
    if (hit.state == key_table::found::absent) {
      p.written_keys.push_back(hit.entry);
      out.push_back(std::move(e));
      continue;
    }
    ++p.pending_duplicates;
    // A write holding this key is in flight: this is a duplicate whatever it finds,
    // but the answer may not go out before that write is durable.
    if (hit.owner != id) {
      auto& deps = parts.at(hit.owner).dependents;
      // All of this part's events are admitted in one go, so a repeat is at the back.
      if (deps.empty() || deps.back() != id) {
        deps.push_back(id);
        ++p.waiting;
      }
    }
  }
  if (out.size() > appended_before)
    ++p.waiting;
  else if (p.waiting == 0) {
    ++p.waiting; // resolve() completes it right away.
    resolve(id);
  }
  return id;
}

void dedup_shard_state::written(const std::vector<span>& spans, const write_result& result) {
  size_t offset = 0;
  size_t next_topic = 0; // new_topics names the first_of_topic events in batch order
  for (auto& s : spans) {
    auto& p = parts.at(s.part);
    for (size_t i = 0; i < p.written_keys.size(); ++i) {
      auto at = offset + i;
      auto status = at < result.inserted.size() ? result.inserted[at] : 0;
      (status != 0 ? p.unique : p.stored_duplicates) += 1;
      if (status == write_result::first_of_topic && next_topic < result.new_topics.size())
        p.new_topics.push_back(result.new_topics[next_topic++]);
      keys.release(p.written_keys[i]);
    }
    offset += s.events;
    auto dependents = std::move(p.dependents);
    resolve(s.part);
    for (auto d : dependents)
      resolve(d);
  }
}

void dedup_shard_state::write_failed(uint64_t id, const caf::error& err) {
  auto& p = parts.at(id);
  // Not stored, so not remembered: a retry goes to the writer again.
  for (auto entry : p.written_keys)
    keys.release(entry);
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
  // A failed part still counts the events its own write stored, so unique == stored holds.
  auto duplicates = p.stored_duplicates + (p.error ? 0 : p.pending_duplicates);
  finished_unique_ += p.unique;
  finished_duplicates_ += duplicates;
  for (auto& topic : p.new_topics)
    finished_topics_.push_back(std::move(topic));
  finished_.push_back({std::move(p.ticket), p.error ? 0 : p.unique, duplicates, p.error});
  parts.erase(i);
}

void dedup_shard_state::report() {
  if (finished_.empty())
    return;
  // Counters first, answers second: a client that reads /stats after its 200 then finds
  // its events counted, since the record is already in the stats mailbox.
  if (finished_unique_ + finished_duplicates_ > 0 || !finished_topics_.empty())
    caf::anon_send(stats, record_atom::value, finished_unique_, finished_duplicates_,
                   std::move(finished_topics_));
  finished_unique_ = finished_duplicates_ = 0;
  finished_topics_.clear();
  for (auto& f : finished_) {
    if (f.error)
      f.ticket->part_done(0, 0, f.error);
    else
      f.ticket->part_done(f.unique, f.duplicates);
  }
  finished_.clear();
}

dedup_shard_actor::behavior_type
dedup_shard(dedup_shard_actor::stateful_pointer<dedup_shard_state> self, writer_actor writer,
            stats_actor stats) {
  self->state.stats = std::move(stats);
  return {
    [=](publish_atom, publish_parts& in) {
      auto& st = self->state;
      event_batch to_write;
      std::vector<dedup_shard_state::span> spans;
      for (auto& part : in.parts) {
        auto before = to_write.size();
        auto id = st.admit(part, to_write);
        if (to_write.size() > before)
          spans.push_back({id, to_write.size() - before});
      }
      st.report(); // parts with nothing to wait for
      if (to_write.empty())
        return;
      // One write for all the parts: the writer handles one message, not one per request.
      self->request(writer, caf::infinite, write_atom::value, std::move(to_write))
        .then(
          [=](write_result& result) {
            self->state.written(spans, result);
            self->state.report();
          },
          [=](caf::error& err) {
            for (auto& s : spans)
              self->state.write_failed(s.part, err);
            self->state.report();
          });
    },
  };
}

} // namespace agg
