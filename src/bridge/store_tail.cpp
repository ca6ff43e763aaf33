#include "bridge/store_tail.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "core/log.hpp"

namespace agg {

namespace {

// Events per read: as sse_stream's pages, large enough to amortise a query.
constexpr size_t tail_page = 1000;

} // namespace

caf::expected<std::unique_ptr<store_tail>>
store_tail::start(std::shared_ptr<store_readers> readers, std::shared_ptr<commit_listener> listener,
                  std::chrono::milliseconds interval) {
  auto reader = readers->open_reader();
  if (!reader)
    return reader.error();
  auto newest = (*reader)->newest_seq();
  if (!newest)
    return newest.error();
  return std::unique_ptr<store_tail>{
    new store_tail(std::move(readers), std::move(listener), interval, *newest)};
}

store_tail::store_tail(std::shared_ptr<store_readers> readers,
                       std::shared_ptr<commit_listener> listener,
                       std::chrono::milliseconds interval, int64_t last)
  : readers_(std::move(readers)),
    listener_(std::move(listener)),
    interval_(interval),
    last_(last),
    thread_([this] { run(); }) {
}

store_tail::~store_tail() {
  {
    std::lock_guard<std::mutex> lock{mtx_};
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void store_tail::run() {
  std::unique_ptr<event_reader> reader;
  bool failing = false;
  std::unique_lock<std::mutex> lock{mtx_};
  while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    if (!reader) {
      auto opened = readers_->open_reader();
      if (opened)
        reader = std::move(*opened);
    }
    bool ok = reader && poll(*reader);
    if (!ok)
      reader.reset(); // Perhaps a lost connection: the next poll takes a fresh one.
    if (ok == failing) {
      // Say it once per outage, not once per poll.
      failing = !ok;
      if (failing)
        log_warning("subscribers get no live events: the store cannot be read; retrying");
      else
        log_info("subscribers get live events again");
    }
    lock.lock();
  }
}

bool store_tail::poll(event_reader& reader) {
  // The newest seq first, then whether anybody listens: a subscriber that registers after
  // the check reads the store itself after registering, so skipping up to `newest` while
  // nobody listens can never skip an event such a subscriber would miss.
  auto newest = reader.newest_seq();
  if (!newest)
    return false;
  if (!listener_->has_subscribers()) {
    last_ = std::max(last_, *newest);
    return true;
  }
  while (last_ < *newest) {
    auto events = reader.events_after(last_, tail_page);
    if (!events)
      return false;
    if (events->empty())
      break;
    std::vector<committed_event> committed;
    committed.reserve(events->size());
    for (auto& e : *events)
      committed.push_back(std::make_shared<const committed_event_data>(std::move(e)));
    last_ = committed.back()->event.seq;
    listener_->deliver(committed);
  }
  return true;
}

} // namespace agg
