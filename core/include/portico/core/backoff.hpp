#pragma once

#include <chrono>

#include "portico/core/random.hpp"

namespace portico::core {

// How a call that is safe to repeat is retried: at most max_attempts attempts in all (1 means
// never retried), the waits between them drawn by backoff_delay.
struct RetryPolicy {
  int max_attempts = 3;
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{2000};
  bool operator==(const RetryPolicy&) const = default;
};

// The wait before retry number `retry` (1 for the first): exponential backoff with full jitter,
// uniform in [0, min(max_delay, base_delay * 2^(retry-1))], so callers that failed together
// spread out instead of coming back at once.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, Random& random);

}  // namespace portico::core
