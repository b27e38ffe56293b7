#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <vector>

#include "portico/core/clock.hpp"

// Outgoing request limits as a supplier publishes them: rolling windows ("100 per 5 s and 1000
// per 3 min"), a request may go when every window has room. Pure, times are arguments, not
// thread-safe (the HTTP client guards it).
namespace portico::core {

struct RateLimit {
  int requests = 1;
  std::chrono::milliseconds per{1000};
  bool operator==(const RateLimit&) const = default;
};

class RollingWindowLimiter {
 public:
  explicit RollingWindowLimiter(const std::vector<RateLimit>& limits);

  // The earliest time at or after `now` when a request has room in every window.
  SteadyTime earliest(SteadyTime now) const;
  // Takes the slot at earliest(now) when that is no later than `latest` and returns it (the
  // caller sends then); nothing, and nothing taken, otherwise. Slots are handed out in order,
  // so callers waiting for later slots never overtake each other.
  std::optional<SteadyTime> reserve(SteadyTime now, SteadyTime latest);

 private:
  struct Window {
    RateLimit limit;
    std::deque<SteadyTime> sent;  // the latest `requests` slots taken, oldest first
  };
  std::vector<Window> windows_;
};

}  // namespace portico::core
