#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bridge/subscription_hub.hpp"
#include "storage/subscription_reader.hpp"

namespace agg {

/// How a subscribe stream behaves; from the options of the same names.
struct sse_settings {
  std::chrono::milliseconds heartbeat{15000};
  size_t max_catchups = 10; ///< Overflows in a row before the stream is closed.
  size_t page = 1000;       ///< Events per store read while replaying or catching up.
};

/// Appends one event as a Server-Sent Events frame: `id`, `event: event`, `data` (JSON).
void append_sse_event(std::string& out, const stored_event& e);

/// One open GET /subscribe stream, as a sequence of texts to write: the stored events after
/// a seq, then live events from its queue, a store catch-up after each overflow, and
/// heartbeats. Every event goes out once, in seq order: live events at or below the last
/// seq sent are the ones a store read already covered, and are skipped.
///
/// The seam is gap-free because the subscriber registers before anything is read: an event
/// committed before a read is in it, one committed after is in the queue (or the queue
/// overflowed, which starts another read).
class sse_stream {
public:
  /// Streams the events after `after`, replaying the store first when `replay`; otherwise
  /// `after` is the newest seq at subscription time and only live events follow.
  sse_stream(std::shared_ptr<subscription_hub> hub, std::unique_ptr<subscription> sub,
             std::unique_ptr<subscription_reader> reader, int64_t after, bool replay,
             sse_settings settings);
  ~sse_stream();

  /// The next text to send (possibly empty: nothing to send this time), or nothing when the
  /// stream ends. Blocks at most one heartbeat interval.
  std::optional<std::string> next();

private:
  enum class phase { opening, catching_up, live, closing, ended };

  std::optional<std::string> read_store();
  std::optional<std::string> take_live();

  std::shared_ptr<subscription_hub> hub_;
  std::unique_ptr<subscription> sub_;
  std::unique_ptr<subscription_reader> reader_;
  int64_t last_sent_;
  phase phase_;
  phase after_opening_;
  sse_settings settings_;
  size_t overflows_in_a_row_ = 0;
};

} // namespace agg
