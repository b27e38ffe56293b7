#include <gtest/gtest.h>

#include "portico/core/token_bucket.hpp"

namespace portico::core {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart = TimePoint(std::chrono::seconds(1'800'000'000));

TEST(TokenBucketsTest, BurstThenRefusedWithTheWaitForTheNextToken) {
  TokenBuckets buckets(2, 3);  // 2 per second, 3 at once
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(buckets.take("key_a", kStart).has_value()) << i;
  EXPECT_EQ(buckets.take("key_a", kStart), 1);
  // Half a second gives one token back (2 per second), and only one.
  EXPECT_FALSE(buckets.take("key_a", kStart + 500ms).has_value());
  EXPECT_EQ(buckets.take("key_a", kStart + 500ms), 1);
  // A long pause refills up to the burst, never beyond.
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(buckets.take("key_a", kStart + 1h).has_value()) << i;
  EXPECT_TRUE(buckets.take("key_a", kStart + 1h).has_value());
}

TEST(TokenBucketsTest, KeysHaveTheirOwnBuckets) {
  TokenBuckets buckets(1, 1);
  EXPECT_FALSE(buckets.take("key_a", kStart).has_value());
  EXPECT_TRUE(buckets.take("key_a", kStart).has_value());
  EXPECT_FALSE(buckets.take("key_b", kStart).has_value());
}

TEST(TokenBucketsTest, SlowRatesAnswerTheWholeWait) {
  TokenBuckets buckets(1, 1);
  EXPECT_FALSE(buckets.take("key_a", kStart).has_value());
  EXPECT_EQ(buckets.take("key_a", kStart), 1);
  EXPECT_EQ(buckets.take("key_a", kStart + 100ms), 1);  // 0.9 s left: rounded up
  EXPECT_FALSE(buckets.take("key_a", kStart + 1s).has_value());
}

TEST(TokenBucketsTest, ZeroPerSecondNeverRefusesAndTimeGoingBackDoesNotRefill) {
  TokenBuckets unlimited(0, 1);
  for (int i = 0; i < 1000; ++i)
    ASSERT_FALSE(unlimited.take("key_a", kStart).has_value());
  TokenBuckets buckets(1, 1);
  EXPECT_FALSE(buckets.take("key_a", kStart).has_value());
  EXPECT_TRUE(buckets.take("key_a", kStart - 1h).has_value());
}

}  // namespace
TEST(TokenBucketsTest, NewLimitsApplyToExistingBuckets) {
  const TimePoint t0 = kStart;
  TokenBuckets buckets(1, 10);
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(buckets.take("key", t0).has_value());
  // A smaller burst caps what is left; a faster rate refills faster.
  buckets.configure(4, 2);
  EXPECT_FALSE(buckets.take("key", t0).has_value());
  EXPECT_FALSE(buckets.take("key", t0).has_value());
  EXPECT_EQ(buckets.take("key", t0), 1);
  EXPECT_FALSE(buckets.take("key", t0 + 250ms).has_value());
  // Off: nothing is refused.
  buckets.configure(0, 1);
  for (int i = 0; i < 100; ++i)
    EXPECT_FALSE(buckets.take("key", t0).has_value());
}

}  // namespace portico::core
