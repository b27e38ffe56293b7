#include <gtest/gtest.h>

#include "portico/core/json.hpp"

namespace portico::core::json {
namespace {

TEST(JsonTest, ParseRefusesMalformedInputWithAPosition) {
  EXPECT_TRUE(parse(R"({"a":1})"));
  const auto broken = parse(R"({"a":1,})");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, "invalid_json");
  EXPECT_NE(broken.error().message.find("at byte"), std::string::npos);
  EXPECT_FALSE(parse("{\"a\":\"\xc3\x28\"}"));  // invalid UTF-8
  EXPECT_FALSE(parse("NaN"));
  EXPECT_FALSE(parse(""));
  EXPECT_FALSE(parse("{} {}"));
  const auto deep = parse(std::string(40, '[') + std::string(40, ']'));
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.error().message.find("deeper"), std::string::npos);
  EXPECT_TRUE(parse(std::string(30, '[') + std::string(30, ']')));
}

TEST(JsonTest, ObjectReaderReadsTypedFieldsAndRefusesTheRest) {
  auto document = parse(R"({"name":"x","years":3,"privacy":true,"ns":["a","b"],
                            "contact":{"city":"Nairobi"}})");
  ASSERT_TRUE(document);
  ObjectReader reader(*document);
  EXPECT_EQ(reader.string("name", {.required = true}), "x");
  EXPECT_EQ(reader.integer("years", {.min = 1, .max = 10}), 3);
  EXPECT_EQ(reader.boolean("privacy"), true);
  EXPECT_EQ(reader.strings("ns", true, 13)->size(), 2U);
  const rapidjson::Value* contact = reader.object("contact");
  ASSERT_NE(contact, nullptr);
  ObjectReader child(*contact, reader.child_path("contact"));
  EXPECT_EQ(child.string("city"), "Nairobi");
  EXPECT_FALSE(child.string("state"));
  reader.adopt(child.finish());
  EXPECT_FALSE(reader.finish());
}

TEST(JsonTest, ObjectReaderReportsTheFirstProblemWithItsPath) {
  auto document = parse(R"({"years":11,"contact":{"city":5},"extra":1})");
  ASSERT_TRUE(document);
  {
    ObjectReader reader(*document);
    reader.integer("years", {.min = 1, .max = 10});
    const auto error = reader.finish();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, "parameter_out_of_range");
    EXPECT_EQ(error->param, "years");
  }
  {
    ObjectReader reader(*document);
    reader.integer("years");
    ObjectReader child(*reader.object("contact"), reader.child_path("contact"));
    child.string("city");
    reader.adopt(child.finish());
    const auto error = reader.finish();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, "invalid_type");
    EXPECT_EQ(error->param, "contact.city");
  }
  {
    ObjectReader reader(*document);
    reader.integer("years");
    reader.object("contact");
    const auto error = reader.finish();
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code, "parameter_unknown");
    EXPECT_EQ(error->param, "extra");
  }
  {
    ObjectReader reader(*document);
    reader.string("missing", {.required = true});
    EXPECT_EQ(reader.finish()->code, "parameter_missing");
  }
}

}  // namespace
}  // namespace portico::core::json
