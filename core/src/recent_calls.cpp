#include "portico/core/recent_calls.hpp"

#include <algorithm>
#include <cmath>

namespace portico::core {

RecentCalls::RecentCalls(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {
  calls_.reserve(capacity_);
}

void RecentCalls::add(std::chrono::milliseconds latency, bool failed) {
  if (calls_.size() < capacity_) {
    calls_.push_back({latency, failed});
    return;
  }
  calls_[next_] = {latency, failed};
  next_ = (next_ + 1) % capacity_;
}

double RecentCalls::error_rate() const {
  if (calls_.empty()) return 0.0;
  const auto failed =
      std::count_if(calls_.begin(), calls_.end(), [](const Call& c) { return c.failed; });
  return static_cast<double>(failed) / static_cast<double>(calls_.size());
}

std::optional<std::chrono::milliseconds> RecentCalls::latency_quantile(double q) const {
  if (calls_.empty()) return std::nullopt;
  std::vector<std::chrono::milliseconds> latencies;
  latencies.reserve(calls_.size());
  for (const Call& call : calls_)
    latencies.push_back(call.latency);
  // Nearest rank: the smallest value with at least q of the values at or below it.
  const auto rank = static_cast<std::size_t>(
      std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(latencies.size())));
  const std::size_t index = rank == 0 ? 0 : rank - 1;
  std::nth_element(latencies.begin(), latencies.begin() + static_cast<std::ptrdiff_t>(index),
                   latencies.end());
  return latencies[index];
}

}  // namespace portico::core
