#include "http/routes/body_budget.hpp"

namespace agg {

bool body_budget::lease::grow(size_t bytes) {
  auto& used = budget_.used_;
  auto now = used.load(std::memory_order_relaxed);
  do {
    if (bytes > budget_.limit_ || now > budget_.limit_ - bytes)
      return false;
  } while (!used.compare_exchange_weak(now, now + bytes, std::memory_order_relaxed));
  held_ += bytes;
  return true;
}

void body_budget::lease::release() {
  if (held_ > 0)
    budget_.used_.fetch_sub(held_, std::memory_order_relaxed);
  held_ = 0;
}

} // namespace agg
