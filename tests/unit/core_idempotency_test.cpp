// What makes two requests the same for an Idempotency-Key.
#include <gtest/gtest.h>

#include "portico/core/idempotency.hpp"
#include "portico/core/json.hpp"

namespace portico::core {
namespace {

using Query = std::map<std::string, std::string, std::less<>>;

TEST(IdempotencyKeyTest, PrintableAsciiUpTo255) {
  EXPECT_TRUE(valid_idempotency_key("a"));
  EXPECT_TRUE(valid_idempotency_key("6f1c1c2e-8a0b-4c52-9d38-7c9b2b1d7c11"));
  EXPECT_TRUE(valid_idempotency_key("with inner space and ~!@#$%^&*()"));
  EXPECT_TRUE(valid_idempotency_key(std::string(255, 'k')));
  EXPECT_FALSE(valid_idempotency_key(""));
  EXPECT_FALSE(valid_idempotency_key(std::string(256, 'k')));
  EXPECT_FALSE(valid_idempotency_key(" leading"));
  EXPECT_FALSE(valid_idempotency_key("trailing "));
  EXPECT_FALSE(valid_idempotency_key("tab\there"));
  EXPECT_FALSE(valid_idempotency_key("del\x7f"));
  EXPECT_FALSE(valid_idempotency_key("caf\xc3\xa9"));
  EXPECT_FALSE(valid_idempotency_key(std::string_view("nul\0byte", 8)));
}

std::string canonical(std::string_view text) {
  auto parsed = json::parse(text);
  EXPECT_TRUE(parsed.ok());
  return canonical_json(*parsed);
}

TEST(CanonicalJsonTest, SortsMembersAtEveryDepthAndDropsSpacing) {
  EXPECT_EQ(canonical(R"({ "b" : 1, "a" : {"z":[3, {"y":true,"x":null}], "c":"s"} })"),
            R"({"a":{"c":"s","z":[3,{"x":null,"y":true}]},"b":1})");
  // Arrays keep their order: it means something.
  EXPECT_EQ(canonical("[2,1]"), "[2,1]");
  EXPECT_NE(canonical("[2,1]"), canonical("[1,2]"));
  // Byte order of names, not locale order.
  EXPECT_EQ(canonical(R"({"b":1,"B":2,"a":3})"), R"({"B":2,"a":3,"b":1})");
  EXPECT_EQ(canonical(R"({"s":"caf\u00e9 \"q\""})"), "{\"s\":\"caf\xc3\xa9 \\\"q\\\"\"}");
}

TEST(RequestFingerprintTest, SameRequestSameFingerprint) {
  const std::string a = request_fingerprint("POST", "/api/v1/domains", {}, R"({"name":"x","y":1})");
  EXPECT_EQ(a.size(), 64U);
  EXPECT_EQ(a, request_fingerprint("POST", "/api/v1/domains", {}, "{ \"y\":1,\n \"name\":\"x\" }"));
  EXPECT_NE(a, request_fingerprint("POST", "/api/v1/domains", {}, R"({"name":"x","y":2})"));
  EXPECT_NE(a, request_fingerprint("PATCH", "/api/v1/domains", {}, R"({"name":"x","y":1})"));
  EXPECT_NE(a, request_fingerprint("POST", "/api/v1/customers", {}, R"({"name":"x","y":1})"));
  EXPECT_NE(a, request_fingerprint("POST", "/api/v1/domains", Query{{"all", "true"}},
                                   R"({"name":"x","y":1})"));
  // An empty body is read as {}, so it is the same request.
  EXPECT_EQ(request_fingerprint("POST", "/x", {}, ""), request_fingerprint("POST", "/x", {}, "{}"));
  // Bodies that are not JSON compare as bytes.
  EXPECT_EQ(request_fingerprint("POST", "/x", {}, "not json"),
            request_fingerprint("POST", "/x", {}, "not json"));
  EXPECT_NE(request_fingerprint("POST", "/x", {}, "not json"),
            request_fingerprint("POST", "/x", {}, "not  json"));
  // Fields are length-prefixed: moving bytes between them is another request.
  EXPECT_NE(request_fingerprint("POST", "/ab", Query{{"c", "d"}}, "{}"),
            request_fingerprint("POST", "/a", Query{{"bc", "d"}}, "{}"));
}

}  // namespace
}  // namespace portico::core
