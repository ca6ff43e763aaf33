#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/commit_listener.hpp"
#include "core/committed_event.hpp"

namespace agg {

class subscription_hub;

/// One subscriber's bounded queue of committed events: the writer fills it, one HTTP
/// thread drains it. Past its capacity the queue is dropped and marked overflowed, so the
/// reader catches up from the store instead of holding the writer or growing memory.
class subscriber_queue {
public:
  /// What one wait() took.
  struct taken {
    std::vector<committed_event> events; ///< In commit (seq) order.
    bool overflowed = false; ///< Events were dropped since the last take: read the store.
    bool closed = false;     ///< The hub closed: end the stream.
    bool waited = false;     ///< The queue was empty: the reader had caught up.
  };

  subscriber_queue(std::vector<std::string> topics, size_t capacity);

  /// Waits up to `timeout` for events, an overflow or the hub closing, and takes all of it.
  /// After an overflow the queue starts afresh: what arrives later is queued again.
  taken wait(std::chrono::milliseconds timeout);

  /// The topics this subscriber asked for, sorted.
  const std::vector<std::string>& topics() const {
    return topics_;
  }

private:
  friend class subscription_hub;

  // Queues the events of our topics; returns true if this overflowed the queue.
  bool offer(const std::vector<committed_event>& events);
  void close();
  size_t queued();

  std::vector<std::string> topics_;
  size_t capacity_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<committed_event> queue_;
  bool overflowed_ = false;
  bool closed_ = false;
};

/// A registration in the hub; destroying it unregisters the subscriber and frees its queue.
class subscription {
public:
  subscription(std::shared_ptr<subscription_hub> hub, std::shared_ptr<subscriber_queue> queue);
  ~subscription();
  subscription(const subscription&) = delete;
  subscription& operator=(const subscription&) = delete;

  subscriber_queue& queue() {
    return *queue_;
  }

private:
  std::shared_ptr<subscription_hub> hub_;
  std::shared_ptr<subscriber_queue> queue_;
};

/// Fans committed events out to the subscribers' queues.
///
/// A small lock-protected object rather than an actor: its consumers are HTTP threads that
/// must block with a timeout (for heartbeats) on a bounded queue, which a condition
/// variable gives and a CAF mailbox (unbounded, not waitable from a foreign thread) does
/// not. The writer only takes each lock for a few pointer copies, never waits for a reader.
class subscription_hub final : public commit_listener,
                               public std::enable_shared_from_this<subscription_hub> {
public:
  /// What GET /metrics shows of the subscribers.
  struct counters {
    size_t subscribers = 0;     ///< Open streams.
    size_t queued_events = 0;   ///< Events waiting in all queues together.
    uint64_t overflows = 0;     ///< Times a queue overflowed and its reader went to the store.
    uint64_t lagging_closed = 0; ///< Streams closed for falling behind too often.
  };

  /// `max_subscribers` open at once, each queue holding at most `queue_capacity` events.
  subscription_hub(size_t max_subscribers, size_t queue_capacity);

  /// Registers a subscriber to `topics`; nullptr when the hub is full or closed.
  std::unique_ptr<subscription> subscribe(std::vector<std::string> topics);

  /// True while anybody listens: the writer builds nothing for an empty hub. Sequentially
  /// consistent (a plain load on x86): a subscriber that registered before the writer's
  /// commit must be seen, or it would miss an event it will not find in its own store read.
  bool has_subscribers() const override {
    return count_.load() > 0;
  }

  /// Hands events that are committed, in seq order, to every interested subscriber.
  void deliver(const std::vector<committed_event>& events) override;

  /// Wakes and ends every stream and refuses new ones (the service is stopping).
  void close();

  /// True after close().
  bool closed() const {
    return closed_.load();
  }

  /// Counts a stream closed for falling behind.
  void note_lagging_close() {
    ++lagging_closed_;
  }

  counters snapshot();

private:
  friend class subscription;
  void unsubscribe(const subscriber_queue* queue);

  size_t max_subscribers_;
  size_t queue_capacity_;
  std::mutex mtx_; // Guards subscribers_ only; queues have their own locks.
  std::vector<std::shared_ptr<subscriber_queue>> subscribers_;
  std::atomic<size_t> count_{0};
  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> overflows_{0};
  std::atomic<uint64_t> lagging_closed_{0};
};

} // namespace agg
