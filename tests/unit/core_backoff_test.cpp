#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "portico/core/backoff.hpp"

namespace portico::core {
namespace {

using namespace std::chrono_literals;

// Always draws the same 64-bit value.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(std::uint64_t value) : value_(value) {}
  void fill(std::span<std::uint8_t> out) override {
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<std::uint8_t>(value_ >> (8 * (i % 8)));
  }

 private:
  std::uint64_t value_;
};

const RetryPolicy kPolicy{.max_attempts = 5, .base_delay = 100ms, .max_delay = 1000ms};

TEST(BackoffTest, TheCeilingDoublesUpToTheCap) {
  // A draw equal to the ceiling (base * 2^(retry-1), capped) lands on it exactly.
  FixedRandom hundred(100);
  EXPECT_EQ(backoff_delay(kPolicy, 1, hundred), 100ms);
  FixedRandom two_hundred(200);
  EXPECT_EQ(backoff_delay(kPolicy, 2, two_hundred), 200ms);
  FixedRandom eight_hundred(800);
  EXPECT_EQ(backoff_delay(kPolicy, 4, eight_hundred), 800ms);
  FixedRandom thousand(1000);
  EXPECT_EQ(backoff_delay(kPolicy, 5, thousand), 1000ms);   // 1600 capped at 1000
  EXPECT_EQ(backoff_delay(kPolicy, 60, thousand), 1000ms);  // no overflow
  FixedRandom top(~std::uint64_t{0});
  EXPECT_LE(backoff_delay(kPolicy, 60, top), 1000ms);
}

TEST(BackoffTest, DrawsWrapIntoTheRange) {
  FixedRandom draw(101);
  EXPECT_EQ(backoff_delay(kPolicy, 1, draw), 0ms);  // 101 % 101
  FixedRandom small(7);
  EXPECT_EQ(backoff_delay(kPolicy, 3, small), 7ms);
}

TEST(BackoffTest, FullJitterSpreadsOverTheWholeRange) {
  SeededRandom random(42);
  std::set<std::int64_t> seen;
  std::int64_t lowest = 1000;
  std::int64_t highest = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto delay = backoff_delay(kPolicy, 3, random).count();  // [0, 400]
    ASSERT_GE(delay, 0);
    ASSERT_LE(delay, 400);
    seen.insert(delay);
    lowest = std::min(lowest, delay);
    highest = std::max(highest, delay);
  }
  EXPECT_LT(lowest, 20);
  EXPECT_GT(highest, 380);
  EXPECT_GT(seen.size(), 300U);
}

TEST(BackoffTest, ZeroDelaysStayZero) {
  SeededRandom random(1);
  EXPECT_EQ(backoff_delay({.max_attempts = 3, .base_delay = 0ms, .max_delay = 0ms}, 2, random),
            0ms);
}

}  // namespace
}  // namespace portico::core
