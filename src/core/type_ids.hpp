#pragma once

// Every atom and message type the actors exchange, in one place: the type-ID block at the
// end lists them, and CAF_ENABLE_TYPE_ID_CHECKS (set on aggregator_core) makes a message
// with an unlisted type fail to compile.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include "core/event.hpp"
#include "core/part_sink.hpp"
#include "core/stats_snapshot.hpp"

namespace agg {

/// The events of one request that belong to one shard, and where to report them resolved.
struct publish_part {
  event_batch events;
  std::shared_ptr<part_sink> ticket;
};

/// The parts of several requests for one shard, in one message: an event loop that read
/// many requests at once hands them over together, so that the shard, and the writer behind
/// it, handle one message instead of one per request.
struct publish_parts {
  std::vector<publish_part> parts;
};

/// The writer's answer to one batch, sent after its transaction committed.
struct write_result {
  /// Per event: 0 = was stored before, stored_now = stored by this batch, first_of_topic =
  /// stored by this batch as the topic's first event (new_topics names those in order).
  std::vector<uint8_t> inserted;
  std::vector<std::string> new_topics; ///< Topics this batch stored first, in batch order.

  static constexpr uint8_t stored_now = 1;
  static constexpr uint8_t first_of_topic = 2;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stats_sample& x) {
  return f(caf::meta::type_name("stats_sample"), x.uptime_seconds, x.received, x.unique,
           x.duplicates);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event& x) {
  return f(caf::meta::type_name("event"), x.topic, x.event_id, x.timestamp, x.source, x.payload);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_result& x) {
  return f(caf::meta::type_name("write_result"), x.inserted, x.new_topics);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stats_snapshot& x) {
  return f(caf::meta::type_name("stats_snapshot"), x.received, x.unique, x.duplicates, x.topics,
           x.uptime_seconds);
}

} // namespace agg

// The ticket is a pointer into this process: never serialized, local messages only.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agg::publish_part)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agg::publish_parts)

CAF_BEGIN_TYPE_ID_BLOCK(agg, caf::first_custom_type_id)

  // -- atoms of the publish path (text: at most 10 of [A-Za-z0-9_]; others become spaces) --

  CAF_ADD_ATOM(agg, agg, publish_atom, "publish")
  CAF_ADD_ATOM(agg, agg, write_atom, "write")
  CAF_ADD_ATOM(agg, agg, flush_atom, "flush")
  CAF_ADD_ATOM(agg, agg, probe_atom, "probe")

  // -- atoms of the stats actor ---------------------------------------------------------

  CAF_ADD_ATOM(agg, agg, record_atom, "record")
  CAF_ADD_ATOM(agg, agg, save_dups_atom, "save_dups")
  CAF_ADD_ATOM(agg, agg, persist_atom, "persist")
  CAF_ADD_ATOM(agg, agg, tick_atom, "tick")
  CAF_ADD_ATOM(agg, agg, history_atom, "history")

  // -- message types --------------------------------------------------------------------

  CAF_ADD_TYPE_ID(agg, (agg::event))
  CAF_ADD_TYPE_ID(agg, (agg::event_batch))
  CAF_ADD_TYPE_ID(agg, (agg::publish_part))
  CAF_ADD_TYPE_ID(agg, (agg::publish_parts))
  CAF_ADD_TYPE_ID(agg, (agg::write_result))
  CAF_ADD_TYPE_ID(agg, (agg::stats_snapshot))
  CAF_ADD_TYPE_ID(agg, (agg::stats_sample))
  CAF_ADD_TYPE_ID(agg, (std::vector<agg::stats_sample>))
  CAF_ADD_TYPE_ID(agg, (std::vector<std::string>))

CAF_END_TYPE_ID_BLOCK(agg)
