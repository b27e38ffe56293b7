#include "portico/core/backoff.hpp"

#include <algorithm>
#include <cstdint>

namespace portico::core {

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, Random& random) {
  const std::int64_t cap = std::max<std::int64_t>(0, policy.max_delay.count());
  std::int64_t ceiling = std::max<std::int64_t>(0, policy.base_delay.count());
  // Doubling stops at the cap, so a large retry number never overflows.
  for (int i = 1; i < retry && ceiling < cap; ++i)
    ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  std::uint64_t draw = 0;
  random.fill({reinterpret_cast<std::uint8_t*>(&draw), sizeof draw});  // NOLINT(*-reinterpret-cast)
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(draw % (static_cast<std::uint64_t>(ceiling) + 1)));
}

}  // namespace portico::core
