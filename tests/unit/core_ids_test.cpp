#include <set>

#include <gtest/gtest.h>

#include "portico/core/ids.hpp"

namespace portico::core {
namespace {

TEST(IdsTest, IdsHaveTheirPrefixAndAreDeterministicWithASeed) {
  SeededRandom first(42);
  SeededRandom second(42);
  const std::string id = make_id(id_prefix::kCustomer, first);
  EXPECT_EQ(id, make_id(id_prefix::kCustomer, second));
  EXPECT_TRUE(is_id(id, id_prefix::kCustomer));
  EXPECT_FALSE(is_id(id, id_prefix::kDomain));
  EXPECT_FALSE(is_id("cus_short", id_prefix::kCustomer));
  EXPECT_FALSE(is_id("cus_" + std::string(24, '-'), id_prefix::kCustomer));
}

TEST(IdsTest, Base62IsUniformEnoughAndUnique) {
  SecureRandom random;
  std::set<std::string> seen;
  std::map<char, int> counts;
  for (int i = 0; i < 2000; ++i) {
    const std::string text = random.base62(32);
    ASSERT_EQ(text.size(), 32U);
    seen.insert(text);
    for (char c : text)
      ++counts[c];
  }
  EXPECT_EQ(seen.size(), 2000U);
  EXPECT_EQ(counts.size(), 62U);
  for (const auto& [c, count] : counts) {
    EXPECT_GT(count, 700) << c;  // expected 1032 each
    EXPECT_LT(count, 1400) << c;
  }
}

}  // namespace
}  // namespace portico::core
