#include "portico/core/rate_limiter.hpp"

#include <algorithm>

namespace portico::core {

RollingWindowLimiter::RollingWindowLimiter(const std::vector<RateLimit>& limits) {
  for (const RateLimit& limit : limits) {
    windows_.push_back({RateLimit{std::max(1, limit.requests), limit.per}, {}});
  }
}

SteadyTime RollingWindowLimiter::earliest(SteadyTime now) const {
  SteadyTime at = now;
  for (const Window& window : windows_) {
    // Full: the oldest of the last `requests` slots must leave the window first. Slots are
    // only ever taken at or after the ones before them, so `sent` stays sorted.
    if (window.sent.size() >= static_cast<std::size_t>(window.limit.requests)) {
      at = std::max(at, window.sent.front() + window.limit.per);
    }
  }
  return at;
}

std::optional<SteadyTime> RollingWindowLimiter::reserve(SteadyTime now, SteadyTime latest) {
  const SteadyTime at = earliest(now);
  if (at > latest) return std::nullopt;
  for (Window& window : windows_) {
    window.sent.push_back(at);
    // Only the last `requests` slots can ever hold a window full.
    if (window.sent.size() > static_cast<std::size_t>(window.limit.requests)) {
      window.sent.pop_front();
    }
  }
  return at;
}

}  // namespace portico::core
