#pragma once

#include <atomic>
#include <cstddef>

namespace agg {

/// Bytes of publish bodies held in memory, all requests together. A body is read whole
/// before it is decoded, so without this bound N connections could hold N x
/// --max-body-bytes (64 GiB at the defaults) before --max-inflight-events, which counts
/// decoded events, ever sees them.
class body_budget {
public:
  explicit body_budget(size_t limit) : limit_(limit) {}

  /// A request's share of the budget, given back when it ends.
  class lease {
  public:
    explicit lease(body_budget& budget) : budget_(budget) {}
    ~lease() { release(); }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;

    /// Takes `bytes` more; false (taking nothing) when the budget cannot spare them.
    bool grow(size_t bytes);
    /// Gives back everything taken.
    void release();

  private:
    body_budget& budget_;
    size_t held_ = 0;
  };

  size_t in_use() const { return used_.load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

} // namespace agg
