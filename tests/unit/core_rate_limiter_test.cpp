#include <gtest/gtest.h>

#include "portico/core/rate_limiter.hpp"

namespace portico::core {
namespace {

using namespace std::chrono_literals;

const SteadyTime kStart = SteadyTime(1'000'000s);

TEST(RollingWindowLimiterTest, WithoutLimitsEverythingGoesAtOnce) {
  RollingWindowLimiter limiter({});
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(limiter.reserve(kStart, kStart), kStart);
}

TEST(RollingWindowLimiterTest, TheFourthOfThreePerSecondWaitsForTheFirstToLeave) {
  RollingWindowLimiter limiter({{.requests = 3, .per = 1s}});
  EXPECT_EQ(limiter.reserve(kStart, kStart), kStart);
  EXPECT_EQ(limiter.reserve(kStart + 100ms, kStart + 100ms), kStart + 100ms);
  EXPECT_EQ(limiter.reserve(kStart + 200ms, kStart + 200ms), kStart + 200ms);
  EXPECT_EQ(limiter.earliest(kStart + 300ms), kStart + 1s);
  // A deadline before the slot: refused, and nothing taken.
  EXPECT_EQ(limiter.reserve(kStart + 300ms, kStart + 999ms), std::nullopt);
  EXPECT_EQ(limiter.earliest(kStart + 300ms), kStart + 1s);
  EXPECT_EQ(limiter.reserve(kStart + 300ms, kStart + 5s), kStart + 1s);
  // The next waiters queue behind it, one slot each, in order.
  EXPECT_EQ(limiter.reserve(kStart + 300ms, kStart + 5s), kStart + 1100ms);
  EXPECT_EQ(limiter.reserve(kStart + 300ms, kStart + 5s), kStart + 1200ms);
  EXPECT_EQ(limiter.reserve(kStart + 300ms, kStart + 5s), kStart + 2s);
}

TEST(RollingWindowLimiterTest, AWindowIsRollingNotFixed) {
  RollingWindowLimiter limiter({{.requests = 2, .per = 10s}});
  ASSERT_TRUE(limiter.reserve(kStart + 9s, kStart + 9s));
  ASSERT_TRUE(limiter.reserve(kStart + 9s, kStart + 9s));
  // A fixed window would reset at 10 s; the rolling one is full until 19 s.
  EXPECT_EQ(limiter.earliest(kStart + 10s), kStart + 19s);
  EXPECT_EQ(limiter.earliest(kStart + 19s), kStart + 19s);
}

TEST(RollingWindowLimiterTest, EveryWindowMustHaveRoom) {
  // DigiCert's published limits: 100 per 5 s and 1000 per 3 min.
  RollingWindowLimiter limiter({{.requests = 100, .per = 5s}, {.requests = 1000, .per = 180s}});
  SteadyTime at = kStart;
  int sent = 0;
  // Sending as fast as allowed: 100 every 5 s, until the long window holds 1000.
  while (sent < 1000) {
    const auto slot = limiter.reserve(at, at + 1h);
    ASSERT_TRUE(slot);
    EXPECT_LE(*slot, kStart + 45s);
    at = *slot;
    ++sent;
  }
  EXPECT_EQ(at, kStart + 45s);  // the 1000th: ten bursts of 100, 5 s apart
  // The burst window is free again at 50 s, but the long one only when the first slot leaves.
  EXPECT_EQ(limiter.earliest(kStart + 50s), kStart + 180s);
}

TEST(RollingWindowLimiterTest, MemoryStaysBoundedByTheLimit) {
  RollingWindowLimiter limiter({{.requests = 2, .per = 1s}});
  SteadyTime at = kStart;
  for (int i = 0; i < 100000; ++i) {
    const auto slot = limiter.reserve(at, at + 1s);
    ASSERT_TRUE(slot);
    at = *slot;
  }
  EXPECT_EQ(at, kStart + 49999s);  // two a second
}

}  // namespace
}  // namespace portico::core
