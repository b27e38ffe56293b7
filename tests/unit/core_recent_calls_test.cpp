#include <gtest/gtest.h>

#include "portico/core/recent_calls.hpp"

namespace portico::core {
namespace {

using namespace std::chrono_literals;

TEST(RecentCallsTest, EmptyHasNoQuantilesAndNoErrors) {
  RecentCalls calls(8);
  EXPECT_EQ(calls.size(), 0U);
  EXPECT_EQ(calls.error_rate(), 0.0);
  EXPECT_EQ(calls.latency_quantile(0.5), std::nullopt);
}

TEST(RecentCallsTest, NearestRankQuantiles) {
  RecentCalls calls(100);
  for (int i = 100; i >= 1; --i)  // 1..100 ms, in any order
    calls.add(std::chrono::milliseconds(i), false);
  EXPECT_EQ(calls.latency_quantile(0.5), 50ms);
  EXPECT_EQ(calls.latency_quantile(0.99), 99ms);
  EXPECT_EQ(calls.latency_quantile(1.0), 100ms);
  EXPECT_EQ(calls.latency_quantile(0.001), 1ms);
}

TEST(RecentCallsTest, OneSlowCallIsTheP99OfFewCalls) {
  RecentCalls calls(256);
  for (int i = 0; i < 9; ++i)
    calls.add(10ms, false);
  calls.add(5000ms, true);
  EXPECT_EQ(calls.latency_quantile(0.5), 10ms);
  EXPECT_EQ(calls.latency_quantile(0.99), 5000ms);
  EXPECT_DOUBLE_EQ(calls.error_rate(), 0.1);
}

TEST(RecentCallsTest, OnlyTheLatestCallsAreKept) {
  RecentCalls calls(4);
  for (int i = 0; i < 4; ++i)
    calls.add(1000ms, true);
  for (int i = 0; i < 3; ++i)
    calls.add(10ms, false);
  // One slow failure is left of the first four.
  EXPECT_EQ(calls.size(), 4U);
  EXPECT_DOUBLE_EQ(calls.error_rate(), 0.25);
  EXPECT_EQ(calls.latency_quantile(0.5), 10ms);
  EXPECT_EQ(calls.latency_quantile(1.0), 1000ms);
  calls.add(20ms, false);
  EXPECT_EQ(calls.error_rate(), 0.0);
  EXPECT_EQ(calls.latency_quantile(1.0), 20ms);
}

}  // namespace
}  // namespace portico::core
