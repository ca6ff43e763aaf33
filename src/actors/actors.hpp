#pragma once

// The typed interface of every actor, one line per handler.

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>

#include "core/type_ids.hpp"

namespace agg {

/// Owns the SQLite connection and group-commits what the shards send.
using writer_actor = caf::typed_actor<
  // Queue a batch; the answer comes after the transaction holding it committed.
  caf::replies_to<write_atom, event_batch>::with<write_result>,
  // Store the lifetime duplicate count now; answers once it is committed.
  caf::replies_to<save_dups_atom, uint64_t>::with<bool>,
  // Commit everything queued (sent to itself after queuing a batch).
  caf::reacts_to<flush_atom>,
  // Readiness: true at once while commits succeed; after a failed one, tries a tiny write.
  caf::replies_to<probe_atom>::with<bool>>;

/// Lifetime counters and the topic list, updated by message passing only.
using stats_actor = caf::typed_actor<
  // Add one resolved part of a request: unique, duplicates, topics stored first.
  caf::reacts_to<record_atom, uint64_t, uint64_t, std::vector<std::string>>,
  // Read the counters.
  caf::replies_to<caf::get_atom>::with<stats_snapshot>,
  // Save the duplicate counter through the writer; answers once it is stored.
  caf::replies_to<persist_atom>::with<bool>,
  // Periodic save of the duplicate counter, and a sample for the history.
  caf::reacts_to<tick_atom>,
  // The counters sampled once per tick, oldest first (at most stats_history_size).
  caf::replies_to<history_atom>::with<std::vector<stats_sample>>>;

/// Decides, for the topics hashed to it, which events are new.
using dedup_shard_actor = caf::typed_actor<
  // Dedup these request parts' events; reports to each part's ticket when it is resolved.
  caf::reacts_to<publish_atom, publish_parts>>;

} // namespace agg
