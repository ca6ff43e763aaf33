#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "actors/actors.hpp"
#include "actors/commit_listener.hpp"
#include "core/runtime_metrics.hpp"
#include "storage/event_store.hpp"

namespace agg {

/// The writer's state: batches waiting for the next group commit.
struct writer_state {
  static inline const char* name = "writer";

  struct queued_batch {
    event_batch events;
    caf::typed_response_promise<write_result> promise;
  };

  std::shared_ptr<event_store> store;
  size_t max_events = 0; ///< Commit at once when this many events are queued.
  std::vector<queued_batch> queue;
  size_t queued_events = 0;
  bool flush_scheduled = false;
  uint64_t duplicates_total = 0; ///< Latest duplicate counter handed in for saving.
  std::vector<caf::typed_response_promise<bool>> save_waiters;
  std::shared_ptr<commit_listener> hub; ///< Hears of each committed event; may be null.
  std::shared_ptr<runtime_metrics> metrics; ///< May be null (tests).
  uint64_t failed_in_row = 0; ///< Commits failed since the last good one (logged on change).

  /// Commits everything queued in one transaction and answers each batch.
  void flush();

  /// Hands the events just committed (moving them out of the queue) to the hub.
  void announce();
  /// Logs and counts a commit's outcome: the first failure, and the recovery after failures.
  void note_commit(size_t events, const caf::error& err);
};

/// Spawns nothing itself; `service` decides to run it detached, since SQLite blocks.
writer_actor::behavior_type writer(writer_actor::stateful_pointer<writer_state> self,
                                   std::shared_ptr<event_store> store,
                                   size_t commit_max_events,
                                   std::shared_ptr<commit_listener> hub,
                                   std::shared_ptr<runtime_metrics> metrics);

} // namespace agg
