#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

// The latest calls of a supplier instance in a bounded ring: latency quantiles and the error
// rate as they are now, not since start. Pure, not thread-safe (Health guards it).
namespace portico::core {

class RecentCalls {
 public:
  explicit RecentCalls(std::size_t capacity = 256);

  void add(std::chrono::milliseconds latency, bool failed);

  std::size_t size() const { return calls_.size(); }
  // Failed calls over the calls held, 0 when none.
  double error_rate() const;
  // The nearest-rank quantile q (0 < q <= 1) of the latencies held; nothing when none.
  std::optional<std::chrono::milliseconds> latency_quantile(double q) const;

 private:
  struct Call {
    std::chrono::milliseconds latency;
    bool failed;
  };
  std::size_t capacity_;
  std::size_t next_ = 0;  // where the next call goes once the ring is full
  std::vector<Call> calls_;
};

}  // namespace portico::core
