#include "portico/core/circuit_breaker.hpp"

#include <algorithm>

namespace portico::core {

std::string_view circuit_state_name(CircuitState state) {
  switch (state) {
    case CircuitState::closed:
      return "closed";
    case CircuitState::open:
      return "open";
    case CircuitState::half_open:
      return "half_open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(CircuitBreakerPolicy policy) : policy_(policy) {
  policy_.min_calls = std::max(1, policy_.min_calls);
  policy_.half_open_probes = std::max(1, policy_.half_open_probes);
  policy_.window = std::max(policy_.window, std::chrono::milliseconds(kBuckets));
}

void CircuitBreaker::enter(CircuitState state, SteadyTime now) {
  state_ = state;
  ++generation_;
  probes_started_ = 0;
  probes_succeeded_ = 0;
  // Each closed period judges only its own calls.
  buckets_.fill(Bucket{});
  if (state == CircuitState::open) opened_at_ = now;
}

CircuitBreaker::Permit CircuitBreaker::admit(SteadyTime now) {
  if (state_ == CircuitState::open && now - opened_at_ >= policy_.open_for) {
    enter(CircuitState::half_open, now);
  }
  switch (state_) {
    case CircuitState::closed:
      return {Permit::Kind::call, generation_};
    case CircuitState::half_open:
      if (probes_started_ >= policy_.half_open_probes) return {};
      ++probes_started_;
      return {Permit::Kind::probe, generation_};
    case CircuitState::open:
      break;
  }
  return {};
}

void CircuitBreaker::record(const Permit& permit, bool failed, SteadyTime now) {
  if (!permit || permit.generation != generation_) return;
  if (permit.kind == Permit::Kind::probe) {
    if (failed) {
      enter(CircuitState::open, now);
    } else if (++probes_succeeded_ >= policy_.half_open_probes) {
      enter(CircuitState::closed, now);
    }
    return;
  }
  Bucket& bucket = buckets_[static_cast<std::size_t>(bucket_index(now)) % kBuckets];
  if (bucket.index != bucket_index(now)) bucket = Bucket{bucket_index(now), 0, 0};
  ++bucket.calls;
  if (failed) ++bucket.failures;
  const auto [calls, failures] = window_counts(now);
  if (failed && calls >= policy_.min_calls &&
      failures * 100 >= policy_.failure_rate_percent * calls) {
    enter(CircuitState::open, now);
  }
}

void CircuitBreaker::release(const Permit& permit) {
  if (permit.kind == Permit::Kind::probe && permit.generation == generation_) --probes_started_;
}

std::chrono::milliseconds CircuitBreaker::open_remaining(SteadyTime now) const {
  if (state_ != CircuitState::open) return std::chrono::milliseconds(0);
  const auto left = policy_.open_for - (now - opened_at_);
  return std::max(std::chrono::milliseconds(0), std::chrono::ceil<std::chrono::milliseconds>(left));
}

std::int64_t CircuitBreaker::bucket_index(SteadyTime now) const {
  const auto width = policy_.window / static_cast<std::int64_t>(kBuckets);
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) / width;
}

std::pair<int, int> CircuitBreaker::window_counts(SteadyTime now) const {
  // The window is the current bucket and the kBuckets - 1 before it.
  const std::int64_t newest = bucket_index(now);
  int calls = 0;
  int failures = 0;
  for (const Bucket& bucket : buckets_) {
    if (bucket.index > newest - static_cast<std::int64_t>(kBuckets) && bucket.index <= newest) {
      calls += bucket.calls;
      failures += bucket.failures;
    }
  }
  return {calls, failures};
}

}  // namespace portico::core
