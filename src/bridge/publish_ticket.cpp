#include "bridge/publish_ticket.hpp"

#include "core/errors.hpp"

namespace agg {

publish_ticket::publish_ticket(size_t parts, uint64_t received)
  : remaining_(parts), received_(received) {
}

publish_ticket::~publish_ticket() {
  // Parts left unreported (actors stopping) hold their events no longer either.
  if (remaining_.load(std::memory_order_acquire) == 0)
    return;
  if (inflight_)
    inflight_->fetch_sub(inflight_n_);
  // A waiting future sees the broken promise; a callback needs to be told.
  if (done_) {
    publish_outcome result;
    result.received = received_;
    result.error = make_error(ec::shutting_down, "the service is shutting down");
    done_(std::move(result));
  }
}

std::future<publish_outcome> publish_ticket::outcome() {
  return promise_.get_future();
}

void publish_ticket::part_done(uint64_t unique, uint64_t duplicates, caf::error error) {
  unique_.fetch_add(unique, std::memory_order_relaxed);
  duplicates_.fetch_add(duplicates, std::memory_order_relaxed);
  if (error) {
    bool expected = false;
    if (failed_.compare_exchange_strong(expected, true))
      error_ = std::move(error);
  }
  // acq_rel: the last part sees every other part's writes, error_ included.
  if (remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1)
    return;
  // Every part is resolved, so the writer is done with the events: release them before the
  // answer, so that a client that gets its 200 finds them no longer counted.
  if (inflight_)
    inflight_->fetch_sub(inflight_n_);
  publish_outcome result;
  result.received = received_;
  result.unique = unique_.load(std::memory_order_relaxed);
  result.duplicates = duplicates_.load(std::memory_order_relaxed);
  result.error = std::move(error_);
  if (done_)
    done_(std::move(result));
  else
    promise_.set_value(std::move(result));
}

} // namespace agg
