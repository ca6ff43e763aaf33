#include "bridge/subscription_hub.hpp"

#include <algorithm>

namespace agg {

subscriber_queue::subscriber_queue(std::vector<std::string> topics, size_t capacity)
  : topics_(std::move(topics)), capacity_(capacity) {
  std::sort(topics_.begin(), topics_.end());
  topics_.erase(std::unique(topics_.begin(), topics_.end()), topics_.end());
}

subscriber_queue::taken subscriber_queue::wait(std::chrono::milliseconds timeout) {
  taken result;
  std::unique_lock<std::mutex> lock{mtx_};
  result.waited = queue_.empty() && !overflowed_;
  cv_.wait_for(lock, timeout, [this] { return !queue_.empty() || overflowed_ || closed_; });
  result.closed = closed_;
  result.overflowed = overflowed_;
  overflowed_ = false;
  result.events.swap(queue_);
  return result;
}

bool subscriber_queue::offer(const std::vector<committed_event>& events) {
  bool overflowed_now = false;
  bool added = false;
  {
    std::lock_guard<std::mutex> lock{mtx_};
    // While overflowed, the reader will read the store past all of these anyway.
    if (overflowed_ || closed_)
      return false;
    for (auto& e : events) {
      if (!std::binary_search(topics_.begin(), topics_.end(), e->event.data.topic))
        continue;
      if (queue_.size() >= capacity_) {
        std::vector<committed_event>{}.swap(queue_); // Frees the memory, not just the size.
        overflowed_ = overflowed_now = true;
        break;
      }
      queue_.push_back(e);
      added = true;
    }
  }
  if (added || overflowed_now)
    cv_.notify_one();
  return overflowed_now;
}

void subscriber_queue::close() {
  {
    std::lock_guard<std::mutex> lock{mtx_};
    closed_ = true;
  }
  cv_.notify_one();
}

size_t subscriber_queue::queued() {
  std::lock_guard<std::mutex> lock{mtx_};
  return queue_.size();
}

subscription::subscription(std::shared_ptr<subscription_hub> hub,
                           std::shared_ptr<subscriber_queue> queue)
  : hub_(std::move(hub)), queue_(std::move(queue)) {
}

subscription::~subscription() {
  hub_->unsubscribe(queue_.get());
}

subscription_hub::subscription_hub(size_t max_subscribers, size_t queue_capacity)
  : max_subscribers_(max_subscribers), queue_capacity_(queue_capacity) {
}

std::unique_ptr<subscription> subscription_hub::subscribe(std::vector<std::string> topics) {
  auto queue = std::make_shared<subscriber_queue>(std::move(topics), queue_capacity_);
  {
    std::lock_guard<std::mutex> lock{mtx_};
    if (closed_ || subscribers_.size() >= max_subscribers_)
      return nullptr;
    subscribers_.push_back(queue);
    count_ = subscribers_.size();
  }
  return std::make_unique<subscription>(shared_from_this(), std::move(queue));
}

void subscription_hub::unsubscribe(const subscriber_queue* queue) {
  std::lock_guard<std::mutex> lock{mtx_};
  auto it = std::find_if(subscribers_.begin(), subscribers_.end(),
                         [queue](auto& q) { return q.get() == queue; });
  if (it != subscribers_.end()) {
    *it = std::move(subscribers_.back());
    subscribers_.pop_back();
  }
  count_ = subscribers_.size();
}

void subscription_hub::deliver(const std::vector<committed_event>& events) {
  std::lock_guard<std::mutex> lock{mtx_};
  for (auto& queue : subscribers_)
    if (queue->offer(events))
      ++overflows_;
}

void subscription_hub::close() {
  std::lock_guard<std::mutex> lock{mtx_};
  closed_ = true;
  for (auto& queue : subscribers_)
    queue->close();
}

subscription_hub::counters subscription_hub::snapshot() {
  counters result;
  std::lock_guard<std::mutex> lock{mtx_};
  result.subscribers = subscribers_.size();
  for (auto& queue : subscribers_)
    result.queued_events += queue->queued();
  result.overflows = overflows_.load();
  result.lagging_closed = lagging_closed_.load();
  return result;
}

} // namespace agg
