#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "portico/core/clock.hpp"

namespace portico::core {

// One token bucket per key (an API key's id): `burst` requests at once, refilled continuously
// at `per_second`. Time is passed in, so tests are exact. Thread-safe.
class TokenBuckets {
 public:
  // per_second 0 never refuses.
  TokenBuckets(int per_second, int burst);

  // Takes a token for `key` at `now`. std::nullopt when one was there; otherwise the whole
  // seconds (at least 1) until the next token, for Retry-After.
  std::optional<int> take(std::string_view key, TimePoint now);

  // New limits (a configuration reload): buckets keep their tokens, at most the new burst.
  void configure(int per_second, int burst);

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint updated;
  };

  double per_second_;
  double burst_;
  std::mutex mutex_;
  // Keys are API key ids: as many as the keys that made calls, never more.
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace portico::core
