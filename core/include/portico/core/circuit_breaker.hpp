#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "portico/core/clock.hpp"

// A circuit breaker for calls to one supplier instance: pure, times are arguments, not
// thread-safe (the HTTP client guards it with its own mutex).
namespace portico::core {

struct CircuitBreakerPolicy {
  // Opens when at least min_calls calls ended within the rolling window and this share of them
  // (in percent) failed.
  int failure_rate_percent = 50;
  int min_calls = 20;
  std::chrono::milliseconds window{60000};
  // Refuses every call this long, then lets half_open_probes calls through: all of them
  // succeeding closes the circuit, any failing re-opens it.
  std::chrono::milliseconds open_for{30000};
  int half_open_probes = 1;
  bool operator==(const CircuitBreakerPolicy&) const = default;
};

enum class CircuitState { closed, open, half_open };

std::string_view circuit_state_name(CircuitState state);  // "closed", "open", "half_open"

class CircuitBreaker {
 public:
  // What admit() grants. A refused permit is false; any other must end in exactly one
  // record() (the call reached the supplier) or release() (it never did).
  struct Permit {
    enum class Kind { refused, call, probe };
    Kind kind = Kind::refused;
    std::uint64_t generation = 0;  // results from an earlier state are ignored
    explicit operator bool() const { return kind != Kind::refused; }
  };

  explicit CircuitBreaker(CircuitBreakerPolicy policy);

  // Whether a call may go now. An open circuit whose open_for has passed turns half-open here.
  Permit admit(SteadyTime now);
  // The outcome of a call admitted with `permit`: failed means a transport failure or a 5xx.
  void record(const Permit& permit, bool failed, SteadyTime now);
  // A permitted call that never reached the supplier (refused by the rate limiter or the queue
  // bound): its probe slot is given back, nothing is counted.
  void release(const Permit& permit);

  CircuitState state() const { return state_; }
  // The rest of open_for while open (a refusal's Retry-After); zero otherwise.
  std::chrono::milliseconds open_remaining(SteadyTime now) const;

 private:
  static constexpr std::size_t kBuckets = 10;
  struct Bucket {
    std::int64_t index = -1;  // which slice of time (now / bucket width) it counts
    int calls = 0;
    int failures = 0;
  };

  void enter(CircuitState state, SteadyTime now);
  std::int64_t bucket_index(SteadyTime now) const;
  std::pair<int, int> window_counts(SteadyTime now) const;  // calls, failures

  CircuitBreakerPolicy policy_;
  CircuitState state_ = CircuitState::closed;
  std::uint64_t generation_ = 0;
  SteadyTime opened_at_{};
  int probes_started_ = 0;
  int probes_succeeded_ = 0;
  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace portico::core
