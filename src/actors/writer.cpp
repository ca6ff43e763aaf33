#include "actors/writer.hpp"

#include <caf/typed_event_based_actor.hpp>

#include "core/errors.hpp"
#include "core/log.hpp"

namespace agg {

void writer_state::flush() {
  std::vector<const event*> all;
  all.reserve(queued_events);
  for (auto& batch : queue)
    for (auto& e : batch.events)
      all.push_back(&e);
  auto statuses = store->commit(all, duplicates_total);
  note_commit(all.size(), statuses ? caf::error{} : statuses.error());
  if (!statuses) {
    for (auto& batch : queue)
      batch.promise.deliver(statuses.error());
    for (auto& waiter : save_waiters)
      waiter.deliver(statuses.error());
  } else {
    size_t offset = 0;
    for (auto& batch : queue) {
      write_result result;
      result.inserted.reserve(batch.events.size());
      for (size_t i = 0; i < batch.events.size(); ++i) {
        auto status = (*statuses)[offset + i];
        if (status == insert_status::inserted_new_topic) {
          result.inserted.push_back(write_result::first_of_topic);
          result.new_topics.push_back(batch.events[i].topic);
        } else {
          result.inserted.push_back(status == insert_status::duplicate ? 0 : write_result::stored_now);
        }
      }
      offset += batch.events.size();
      batch.promise.deliver(std::move(result));
    }
    for (auto& waiter : save_waiters)
      waiter.deliver(true);
    // After the commit, so no subscriber sees an event before it is durable; and only
    // with subscribers, so the hot path without them costs one atomic load.
    if (hub && hub->has_subscribers())
      announce();
  }
  queue.clear();
  queued_events = 0;
  save_waiters.clear();
  if (metrics)
    metrics->writer_queued_events.store(0, std::memory_order_relaxed);
}

void writer_state::note_commit(size_t events, const caf::error& err) {
  if (err) {
    if (metrics)
      metrics->commits_failed.fetch_add(1, std::memory_order_relaxed);
    // Under load a failing disk fails every commit: one error line, then debug lines.
    log_line(failed_in_row++ == 0 ? log_level::error : log_level::debug, "commit failed",
             {{"events", events}, {"error", error_text(err)}});
    return;
  }
  if (metrics) {
    metrics->observe_commit(events);
    auto index = store->index_footprint();
    metrics->key_index_runs.store(index.runs, std::memory_order_relaxed);
    metrics->key_index_memory_bytes.store(index.memory_bytes, std::memory_order_relaxed);
  }
  if (failed_in_row > 0)
    log_info("commits succeed again", {{"failed_commits", failed_in_row}});
  failed_in_row = 0;
}

void writer_state::announce() {
  auto& seqs = store->committed_seqs();
  if (seqs.size() != queued_events)
    return;
  std::vector<committed_event> committed;
  size_t i = 0;
  for (auto& batch : queue)
    for (auto& e : batch.events)
      if (auto seq = seqs[i++]; seq != 0)
        committed.push_back(
          std::make_shared<const committed_event_data>(stored_event{seq, std::move(e)}));
  if (!committed.empty())
    hub->deliver(committed);
}

writer_actor::behavior_type writer(writer_actor::stateful_pointer<writer_state> self,
                                   std::shared_ptr<event_store> store, size_t commit_max_events,
                                   std::shared_ptr<commit_listener> hub,
                                   std::shared_ptr<runtime_metrics> metrics) {
  self->state.store = std::move(store);
  self->state.hub = std::move(hub);
  self->state.max_events = commit_max_events;
  self->state.metrics = std::move(metrics);
  if (self->state.metrics) { // Runs loaded at start-up show before the first commit.
    auto index = self->state.store->index_footprint();
    self->state.metrics->key_index_runs.store(index.runs, std::memory_order_relaxed);
    self->state.metrics->key_index_memory_bytes.store(index.memory_bytes,
                                                      std::memory_order_relaxed);
  }
  // Group commit: a batch waits for a flush message sent to our own mailbox, so every
  // batch that arrived meanwhile (while the last commit was on disk) joins the same
  // transaction. A full queue commits at once to bound the transaction.
  auto schedule_flush = [self] {
    if (!self->state.flush_scheduled) {
      self->state.flush_scheduled = true;
      self->send(self, flush_atom::value);
    }
  };
  return {
    [=](write_atom, event_batch& events) -> caf::result<write_result> {
      auto& st = self->state;
      auto promise = self->make_response_promise<write_result>();
      st.queued_events += events.size();
      st.queue.push_back({std::move(events), promise});
      if (st.metrics)
        st.metrics->writer_queued_events.store(st.queued_events, std::memory_order_relaxed);
      if (st.queued_events >= st.max_events)
        st.flush();
      else
        schedule_flush();
      return promise;
    },
    [=](save_dups_atom, uint64_t duplicates_total) -> caf::result<bool> {
      auto promise = self->make_response_promise<bool>();
      self->state.duplicates_total = duplicates_total;
      self->state.save_waiters.push_back(promise);
      schedule_flush();
      return promise;
    },
    [=](flush_atom) {
      self->state.flush_scheduled = false;
      if (!self->state.queue.empty() || !self->state.save_waiters.empty())
        self->state.flush();
    },
    [=](probe_atom) -> caf::result<bool> {
      auto& st = self->state;
      if (st.failed_in_row == 0 && st.store->seems_reachable())
        return true;
      // No publish may come to prove the store writable again (a load balancer took us
      // out of rotation), so readiness asks for a write of its own; so it does when a
      // database server went away while no commit was failing.
      if (auto err = st.store->probe()) {
        log_debug("write probe failed", {{"error", error_text(err)}});
        return err;
      }
      st.note_commit(0, caf::none);
      return true;
    },
  };
}

} // namespace agg
