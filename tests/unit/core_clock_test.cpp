#include <gtest/gtest.h>

#include "portico/core/clock.hpp"

namespace portico::core {
namespace {

TEST(ClockTest, Rfc3339RoundTripsInUtc) {
  const TimePoint at = from_unix_seconds(1795335300);
  EXPECT_EQ(format_rfc3339(at), "2026-11-22T08:15:00Z");
  EXPECT_EQ(parse_rfc3339("2026-11-22T08:15:00Z"), at);
  EXPECT_EQ(parse_rfc3339("2026-11-22T11:15:00+03:00"), at);
  EXPECT_EQ(parse_rfc3339("2026-11-22T08:15:00.250Z"), at);
  EXPECT_FALSE(parse_rfc3339("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-22 08:15:00"));
  EXPECT_FALSE(parse_rfc3339("2026-11-22T08:15:00Zjunk"));
}

TEST(ClockTest, Rfc3339IsUtcToTheSecond) {
  EXPECT_EQ(format_rfc3339(from_unix_seconds(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(from_unix_seconds(1709251199)), "2024-02-29T23:59:59Z");  // leap day
  EXPECT_EQ(format_rfc3339(from_unix_seconds(1709251199) + std::chrono::milliseconds(999)),
            "2024-02-29T23:59:59Z");  // truncated, not rounded
  EXPECT_EQ(format_rfc3339(from_unix_seconds(-1)), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_rfc3339(from_unix_seconds(4102444800)), "2100-01-01T00:00:00Z");
}

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(from_unix_seconds(100));
  EXPECT_EQ(unix_seconds(clock.now()), 100);
  clock.advance(std::chrono::seconds(5));
  EXPECT_EQ(unix_seconds(clock.now()), 105);
}

}  // namespace
}  // namespace portico::core
