#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/actors.hpp"
#include "actors/key_table.hpp"
#include "core/part_sink.hpp"

namespace agg {

/// A shard's state: the keys in flight to the writer, and the request parts waiting for
/// writes. Whether a key is stored already is the writer's to decide (its store's key index).
struct dedup_shard_state {
  static inline const char* name = "dedup_shard";

  /// One request's events in this shard, until every write it depends on resolved.
  struct part {
    std::shared_ptr<part_sink> ticket;
    std::vector<uint32_t> written_keys; ///< key_table entries of the events it sent to the writer.
    uint64_t unique = 0;                   ///< Stored by this part's own write.
    uint64_t stored_duplicates = 0;        ///< The writer found them stored already.
    uint64_t pending_duplicates = 0;       ///< Keys in a pending write (its own or another's).
    std::vector<std::string> new_topics;
    size_t waiting = 0;                    ///< Writes not yet resolved: its own + others'.
    std::vector<uint64_t> dependents;      ///< Parts waiting on this part's write.
    caf::error error;
  };

  key_table keys; ///< Keys in pending writes.
  std::unordered_map<uint64_t, part> parts;
  uint64_t next_part = 1;
  stats_actor stats;

  /// The events one part put into a write: the next `events` of the batch belong to `part`.
  struct span {
    uint64_t part;
    size_t events;
  };

  /// Registers a request part; returns its id and appends the events to write to `out`.
  uint64_t admit(publish_part& in, event_batch& out);

  /// The writer committed a batch made of `spans`, in order.
  void written(const std::vector<span>& spans, const write_result& result);

  /// The writer could not commit part `id`'s batch.
  void write_failed(uint64_t id, const caf::error& err);

  /// Answers the parts resolved since the last call: first one record for the stats actor
  /// with all their counts, then each part's ticket.
  void report();

private:
  // A part whose last write resolved, waiting for report().
  struct finished {
    std::shared_ptr<part_sink> ticket;
    uint64_t unique;
    uint64_t duplicates;
    caf::error error;
  };

  // One write that part `id` waited for has resolved; completes the part if it was the last.
  void resolve(uint64_t id);

  std::vector<finished> finished_;
  uint64_t finished_unique_ = 0;           ///< Summed over finished_, for the stats record.
  uint64_t finished_duplicates_ = 0;
  std::vector<std::string> finished_topics_;
};

/// A dedup shard in front of `writer`, reporting resolved parts to `stats`.
dedup_shard_actor::behavior_type
dedup_shard(dedup_shard_actor::stateful_pointer<dedup_shard_state> self, writer_actor writer,
            stats_actor stats);

} // namespace agg
