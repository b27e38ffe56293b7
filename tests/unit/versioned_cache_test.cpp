#include <gtest/gtest.h>

#include "portico/api/services.hpp"

namespace portico::api {
namespace {

using namespace std::chrono_literals;

const core::TimePoint kStart = core::TimePoint(std::chrono::seconds(1'800'000'000));
const auto kAcme = std::make_shared<const Principal>(
    Principal{"prt_acme", "Acme Hosting", "key_1", "pt_live_pk_Ab12", true});

TEST(VersionedCacheTest, AKeyFoundValidIsServedUntilItsTtl) {
  KeyCache cache(10s);
  EXPECT_FALSE(cache.find("hash-1", 0, kStart) != nullptr);
  cache.remember("hash-1", kAcme, 0, kStart);
  const auto found = cache.find("hash-1", 0, kStart + 9s);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->key_id, "key_1");
  EXPECT_EQ(found->partner_name, "Acme Hosting");
  EXPECT_FALSE(cache.find("hash-1", 0, kStart + 10s) != nullptr);
  EXPECT_FALSE(cache.find("hash-2", 0, kStart) != nullptr);
}

TEST(VersionedCacheTest, ARevocationCountedAnywhereEndsEveryEntry) {
  KeyCache cache(10s);
  cache.remember("hash-1", kAcme, 4, kStart);
  EXPECT_TRUE(cache.find("hash-1", 4, kStart) != nullptr);
  EXPECT_FALSE(cache.find("hash-1", 5, kStart) != nullptr);
  // Read again under the new count, it is served again.
  cache.remember("hash-1", kAcme, 5, kStart);
  EXPECT_TRUE(cache.find("hash-1", 5, kStart) != nullptr);
}

TEST(VersionedCacheTest, AnAnswerReadBeforeARevocationIsNotServedAfterIt) {
  KeyCache cache(10s);
  // The lookup took count 7, then a revocation was counted (8) before remember().
  cache.remember("hash-1", kAcme, 7, kStart);
  EXPECT_FALSE(cache.find("hash-1", 8, kStart) != nullptr);
}

TEST(VersionedCacheTest, StaysWithinItsCapacityAndAZeroTtlCachesNothing) {
  KeyCache cache(10s, 3);
  for (int i = 0; i < 3; ++i)
    cache.remember("hash-" + std::to_string(i), kAcme, 0, kStart);
  cache.remember("hash-3", kAcme, 0, kStart + 1s);  // full of fresh entries: starts over
  EXPECT_FALSE(cache.find("hash-0", 0, kStart + 1s) != nullptr);
  EXPECT_TRUE(cache.find("hash-3", 0, kStart + 1s) != nullptr);
  cache.remember("hash-4", kAcme, 0, kStart + 1s);
  cache.remember("hash-5", kAcme, 0, kStart + 15s);
  cache.remember("hash-6", kAcme, 0, kStart + 20s);  // 3 and 4 expired: only they go
  EXPECT_TRUE(cache.find("hash-5", 0, kStart + 20s) != nullptr);
  EXPECT_TRUE(cache.find("hash-6", 0, kStart + 20s) != nullptr);

  KeyCache off(0ms);
  off.remember("hash-1", kAcme, 0, kStart);
  EXPECT_FALSE(off.find("hash-1", 0, kStart) != nullptr);
}

}  // namespace
}  // namespace portico::api
