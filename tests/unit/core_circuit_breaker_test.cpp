#include <gtest/gtest.h>

#include "portico/core/circuit_breaker.hpp"

namespace portico::core {
namespace {

using namespace std::chrono_literals;
using Kind = CircuitBreaker::Permit::Kind;

const SteadyTime kStart = SteadyTime(1'000'000s);

CircuitBreakerPolicy policy() {
  return {.failure_rate_percent = 50,
          .min_calls = 4,
          .window = 10s,
          .open_for = 30s,
          .half_open_probes = 1};
}

// `count` calls at `at`, each admitted and recorded with `failed`.
void calls(CircuitBreaker& breaker, int count, bool failed, SteadyTime at) {
  for (int i = 0; i < count; ++i) {
    const auto permit = breaker.admit(at);
    ASSERT_TRUE(permit) << i;
    breaker.record(permit, failed, at);
  }
}

TEST(CircuitBreakerTest, StaysClosedUntilTheMinimumNumberOfCalls) {
  CircuitBreaker breaker(policy());
  calls(breaker, 3, true, kStart);  // 100% failures, but only 3 calls
  EXPECT_EQ(breaker.state(), CircuitState::closed);
  calls(breaker, 1, true, kStart);
  EXPECT_EQ(breaker.state(), CircuitState::open);
}

TEST(CircuitBreakerTest, OpensAtTheFailureRateNotBelowIt) {
  CircuitBreaker breaker(policy());
  calls(breaker, 3, false, kStart);
  calls(breaker, 2, true, kStart);  // 2 of 5: 40%
  EXPECT_EQ(breaker.state(), CircuitState::closed);
  calls(breaker, 1, true, kStart);  // 3 of 6: 50%
  EXPECT_EQ(breaker.state(), CircuitState::open);
}

TEST(CircuitBreakerTest, SuccessesNeverOpenIt) {
  CircuitBreaker breaker(policy());
  calls(breaker, 100, false, kStart);
  EXPECT_EQ(breaker.state(), CircuitState::closed);
}

TEST(CircuitBreakerTest, CallsOlderThanTheWindowAreForgotten) {
  CircuitBreaker breaker(policy());
  calls(breaker, 3, true, kStart);
  // 11 s later the three failures are out of the 10 s window: three more are not enough.
  calls(breaker, 3, true, kStart + 11s);
  EXPECT_EQ(breaker.state(), CircuitState::closed);
  // Within the window they add up.
  calls(breaker, 1, true, kStart + 12s);
  EXPECT_EQ(breaker.state(), CircuitState::open);
}

TEST(CircuitBreakerTest, OpenRefusesUntilOpenForThenProbes) {
  CircuitBreaker breaker(policy());
  calls(breaker, 4, true, kStart);
  ASSERT_EQ(breaker.state(), CircuitState::open);
  EXPECT_FALSE(breaker.admit(kStart + 29s));
  EXPECT_EQ(breaker.open_remaining(kStart + 29s), 1s);
  EXPECT_EQ(breaker.open_remaining(kStart + 29500ms), 500ms);

  const auto probe = breaker.admit(kStart + 30s);
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe.kind, Kind::probe);
  EXPECT_EQ(breaker.state(), CircuitState::half_open);
  EXPECT_EQ(breaker.open_remaining(kStart + 30s), 0ms);
  // One probe at a time: others are refused while it runs.
  EXPECT_FALSE(breaker.admit(kStart + 30s));
  breaker.record(probe, false, kStart + 31s);
  EXPECT_EQ(breaker.state(), CircuitState::closed);
  EXPECT_EQ(breaker.admit(kStart + 31s).kind, Kind::call);
}

TEST(CircuitBreakerTest, AFailedProbeReopensForAnotherOpenFor) {
  CircuitBreaker breaker(policy());
  calls(breaker, 4, true, kStart);
  const auto probe = breaker.admit(kStart + 30s);
  ASSERT_TRUE(probe);
  breaker.record(probe, true, kStart + 32s);
  EXPECT_EQ(breaker.state(), CircuitState::open);
  EXPECT_FALSE(breaker.admit(kStart + 61s));  // 29 s after the probe failed
  EXPECT_TRUE(breaker.admit(kStart + 62s));
}

TEST(CircuitBreakerTest, SeveralProbesMustAllSucceed) {
  CircuitBreakerPolicy three = policy();
  three.half_open_probes = 3;
  CircuitBreaker breaker(three);
  calls(breaker, 4, true, kStart);
  const SteadyTime later = kStart + 30s;
  const auto first = breaker.admit(later);
  const auto second = breaker.admit(later);
  const auto third = breaker.admit(later);
  ASSERT_TRUE(first && second && third);
  EXPECT_FALSE(breaker.admit(later));
  breaker.record(first, false, later);
  breaker.record(second, false, later);
  EXPECT_EQ(breaker.state(), CircuitState::half_open);
  breaker.record(third, false, later);
  EXPECT_EQ(breaker.state(), CircuitState::closed);
}

TEST(CircuitBreakerTest, AReleasedProbeGivesItsSlotBack) {
  CircuitBreaker breaker(policy());
  calls(breaker, 4, true, kStart);
  const auto probe = breaker.admit(kStart + 30s);
  ASSERT_TRUE(probe);
  breaker.release(probe);  // e.g. refused by the rate limiter: it never reached the supplier
  EXPECT_EQ(breaker.state(), CircuitState::half_open);
  const auto next = breaker.admit(kStart + 30s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next.kind, Kind::probe);
}

TEST(CircuitBreakerTest, ResultsFromAnEarlierStateAreIgnored) {
  CircuitBreakerPolicy two = policy();
  two.half_open_probes = 2;
  CircuitBreaker breaker(two);
  const auto slow = breaker.admit(kStart);  // admitted while closed, answers much later
  calls(breaker, 4, true, kStart);
  ASSERT_EQ(breaker.state(), CircuitState::open);
  const auto first = breaker.admit(kStart + 30s);
  const auto second = breaker.admit(kStart + 30s);
  breaker.record(first, true, kStart + 31s);  // re-opens
  ASSERT_EQ(breaker.state(), CircuitState::open);
  const auto fresh = breaker.admit(kStart + 61s);
  ASSERT_TRUE(fresh);
  // The late successes of the old call and the old probe do not count for the new half-open.
  breaker.record(slow, false, kStart + 61s);
  breaker.record(second, false, kStart + 61s);
  EXPECT_EQ(breaker.state(), CircuitState::half_open);
  breaker.release(second);  // nor does a stale release free a slot
  const auto another = breaker.admit(kStart + 61s);
  ASSERT_TRUE(another);
  EXPECT_FALSE(breaker.admit(kStart + 61s));
}

TEST(CircuitBreakerTest, ClosingStartsAFreshWindow) {
  CircuitBreaker breaker(policy());
  calls(breaker, 3, false, kStart);
  calls(breaker, 3, true, kStart);
  ASSERT_EQ(breaker.state(), CircuitState::open);
  const auto probe = breaker.admit(kStart + 30s);
  breaker.record(probe, false, kStart + 30s);
  ASSERT_EQ(breaker.state(), CircuitState::closed);
  // The failures before the circuit opened are not held against it now.
  calls(breaker, 3, true, kStart + 30s);
  EXPECT_EQ(breaker.state(), CircuitState::closed);
}

TEST(CircuitBreakerTest, StateNames) {
  EXPECT_EQ(circuit_state_name(CircuitState::closed), "closed");
  EXPECT_EQ(circuit_state_name(CircuitState::open), "open");
  EXPECT_EQ(circuit_state_name(CircuitState::half_open), "half_open");
}

}  // namespace
}  // namespace portico::core
