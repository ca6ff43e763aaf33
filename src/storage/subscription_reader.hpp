#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "core/event.hpp"
#include "storage/event_reader.hpp"
#include "storage/store_readers.hpp"

namespace agg {

/// Reads the stored events of several topics after a seq, as one gap-free sequence in seq
/// order, a page at a time: what a subscriber replays or catches up with. Gap-free on any
/// store whose seq order is its commit order (each page reads one snapshot).
class subscription_reader {
public:
  /// One page: events in seq order, and whether it reached the end of the store.
  struct page {
    std::vector<stored_event> events;
    bool at_end = false; ///< Nothing stored after the last event (as of this read).
  };

  /// Reads these (sorted, unique) topics from `store`, on a reader opened here (so that an
  /// unreadable store shows at once) and again for each later read: a stream that lives on
  /// live events holds no connection (PostgreSQL's are few), only while it reads the store.
  static caf::expected<std::unique_ptr<subscription_reader>>
  open(std::shared_ptr<store_readers> store, std::vector<std::string> topics);

  /// The highest seq stored so far.
  caf::expected<int64_t> newest_seq();

  /// About `limit` events of the topics with seq > `after` (at least 64 per topic).
  caf::expected<page> read(int64_t after, size_t limit);

private:
  subscription_reader(std::shared_ptr<store_readers> store, std::unique_ptr<event_reader> reader,
                      std::vector<std::string> topics);

  // reader_, opened again if a read released it.
  caf::expected<event_reader*> reader();

  // One read() in one snapshot of `reader`.
  caf::expected<page> read_snapshot(event_reader& reader, int64_t after, size_t limit);

  std::shared_ptr<store_readers> store_;
  std::unique_ptr<event_reader> reader_; ///< Null between reads.
  std::vector<std::string> topics_;
  std::vector<int64_t> topic_ids_; ///< 0: the topic has no stored event yet (as of the last read).
};

} // namespace agg
