#include "portico/core/token_bucket.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace portico::core {

TokenBuckets::TokenBuckets(int per_second, int burst)
    : per_second_(std::max(0, per_second)), burst_(std::max(1, burst)) {}

std::optional<int> TokenBuckets::take(std::string_view key, TimePoint now) {
  const std::lock_guard lock(mutex_);
  if (per_second_ <= 0) return std::nullopt;
  auto [found, created] = buckets_.try_emplace(std::string(key), Bucket{burst_, now});
  Bucket& bucket = found->second;
  if (!created && now > bucket.updated) {
    const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * per_second_);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return std::nullopt;
  }
  const double wait = (1 - bucket.tokens) / per_second_;
  return std::max(1, static_cast<int>(std::ceil(wait)));
}

void TokenBuckets::configure(int per_second, int burst) {
  const std::lock_guard lock(mutex_);
  per_second_ = std::max(0, per_second);
  burst_ = std::max(1, burst);
  for (auto& [key, bucket] : buckets_)
    bucket.tokens = std::min(bucket.tokens, burst_);
}

}  // namespace portico::core
