#include "storage/key_index/filter_budget.hpp"

#include <array>
#include <cmath>

namespace agg {

namespace {

constexpr double ln2_squared = 0.4804530139182014;

// The rate at b bits per key, in steps of 1/16 bit up to 32: the keys per 512-bit block are
// Poisson distributed, and a block holding j keys has 1 - (1 - 1/512)^(7j) of its bits set.
constexpr int steps_per_bit = 16;
constexpr int max_bits = 32;

std::array<double, max_bits * steps_per_bit + 1> make_rates() {
  std::array<double, max_bits * steps_per_bit + 1> rates{};
  rates[0] = 1.0;
  for (size_t i = 1; i < rates.size(); ++i) {
    double lambda = 512.0 / (static_cast<double>(i) / steps_per_bit); // Keys per block.
    double term = std::exp(-lambda), sum = 0;
    for (int j = 0; j < lambda * 4 + 64; ++j) {
      sum += term * std::pow(1 - std::pow(1 - 1.0 / 512, 7.0 * j), 7);
      term *= lambda / (j + 1);
    }
    rates[i] = sum;
  }
  return rates;
}

} // namespace

double false_maybe_rate(double bits_per_key) {
  static const auto rates = make_rates();
  if (bits_per_key <= 0)
    return 1.0;
  auto i = static_cast<size_t>(bits_per_key * steps_per_bit);
  return i + 1 >= rates.size() ? rates.back() : rates[i];
}

double bits_for_run(uint64_t entries, const std::vector<uint64_t>& others, double filter_bits,
                    double max_bits_per_key) {
  // With rate_i = min(1, lambda * n_i), run i needs -ln(rate_i) / ln(2)^2 bits per key (the
  // classic Bloom estimate, close enough to rank choices). Find lambda by bisection on its
  // logarithm so that the bits add up to the budget.
  auto bits_at = [&](double log_lambda, uint64_t n) {
    double log_rate = std::min(0.0, log_lambda + std::log(static_cast<double>(n)));
    return std::min(max_bits_per_key, -log_rate / ln2_squared);
  };
  auto total_at = [&](double log_lambda) {
    double total = static_cast<double>(entries) * bits_at(log_lambda, entries);
    for (auto n : others)
      total += static_cast<double>(n) * bits_at(log_lambda, n);
    return total;
  };
  if (entries == 0 || filter_bits <= 0)
    return 0;
  double lo = -80, hi = 0; // lambda from e^-80 (every run at max_bits) to 1 (no filters).
  for (int i = 0; i < 60; ++i) {
    double mid = (lo + hi) / 2;
    (total_at(mid) > filter_bits ? lo : hi) = mid;
  }
  return bits_at(hi, entries);
}

std::optional<fold_choice> choose_fold(const std::vector<key_run>& runs) {
  std::optional<fold_choice> best;
  double best_cost = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    auto& filter = runs[r].filter;
    for (size_t p = 0; p < filter.partitions(); ++p) {
      auto& part = filter.at(p);
      if (!part.filter.can_fold() || part.keys == 0)
        continue;
      double bytes = static_cast<double>(part.filter.bytes().size());
      double bits_per_key = bytes * 8 / static_cast<double>(part.keys);
      double added = false_maybe_rate(bits_per_key / 2) - false_maybe_rate(bits_per_key);
      double cost = added / static_cast<double>(filter.partitions()) / (bytes / 2);
      if (!best || cost < best_cost) {
        best = fold_choice{r, p};
        best_cost = cost;
      }
    }
  }
  return best;
}

} // namespace agg
