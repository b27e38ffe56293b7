#include <gtest/gtest.h>

#include "portico/core/json.hpp"
#include "portico/core/text.hpp"

namespace portico::core {
namespace {

TEST(CoreText, CaseMappingIsAsciiOnly) {
  EXPECT_EQ(text::lowercase("HTTP://Example.COM/X"), "http://example.com/x");
  EXPECT_EQ(text::uppercase("txt-Record_1"), "TXT-RECORD_1");
  // Bytes outside ASCII (UTF-8 here) pass through untouched, whatever the locale.
  EXPECT_EQ(text::lowercase("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");
}

TEST(CoreText, TrimRemovesAsciiWhiteSpaceAtBothEnds) {
  EXPECT_EQ(text::trim(" \t\r\n\v\f a b \r\n"), "a b");
  EXPECT_EQ(text::trim(" \t "), "");
  EXPECT_EQ(text::trim(""), "");
  EXPECT_EQ(text::trim("x"), "x");
}

TEST(CoreJson, MemberAndStringOfNeverTrustTheShape) {
  auto parsed = json::parse(R"({"a":"text","n":5,"o":{"b":"deep"}})");
  ASSERT_TRUE(parsed);
  const rapidjson::Value& document = *parsed;
  EXPECT_EQ(json::string_of(json::member(document, "a")), "text");
  EXPECT_EQ(json::string_of(json::member(document, "n")), std::nullopt);
  EXPECT_EQ(json::member(document, "missing"), nullptr);
  EXPECT_EQ(json::string_of(nullptr), std::nullopt);
  const rapidjson::Value* inner = json::member(document, "o");
  ASSERT_NE(inner, nullptr);
  EXPECT_EQ(json::string_of(json::member(*inner, "b")), "deep");
  // Not an object: no member, no crash.
  EXPECT_EQ(json::member(*json::member(document, "a"), "x"), nullptr);
}

}  // namespace
}  // namespace portico::core
