// The checker that holds the gateway to its OpenAPI document: it must catch what the document
// does not say, or the end-to-end suite could not fail on a false document.
#include "support/openapi_contract.hpp"

#include <gtest/gtest.h>

namespace portico::testing {
namespace {

const char* const kDocument = R"({
  "openapi": "3.1.0",
  "paths": {
    "/api/v1/things": {
      "post": {
        "parameters": [{"$ref": "#/components/parameters/Key"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "additionalProperties": false, "required": ["name"],
          "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 5}}}}}},
        "responses": {
          "201": {"description": "made",
                  "headers": {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}},
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "400": {"description": "bad", "content": {"application/json": {"schema": {"type": "object"}}}}
        }
      },
      "get": {
        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}],
        "responses": {"200": {"description": "list", "content": {"application/json": {"schema": {
          "type": "object", "required": ["data"],
          "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}}}}}}
      }
    },
    "/api/v1/things/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "delete": {"responses": {"204": {"description": "gone"}}}
    },
    "/api/v1/things/special": {
      "delete": {"responses": {"200": {"description": "special",
        "content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}}}}
    }
  },
  "components": {
    "parameters": {"Key": {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}}},
    "headers": {"RequestId": {"required": true, "schema": {"type": "string", "pattern": "^req_"}}},
    "schemas": {
      "Thing": {"type": "object", "required": ["id", "note"], "properties": {
        "id": {"type": "string", "pattern": "^thg_"},
        "note": {"type": ["string", "null"]},
        "kind": {"oneOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "integer"}]}}}
    }
  }
})";

HttpReply reply(int status, std::string body,
                std::map<std::string, std::string> headers = {
                    {"x-request-id", "req_1"}, {"content-type", "application/json"}}) {
  HttpReply made;
  made.status = status;
  made.body = std::move(body);
  made.headers = std::move(headers);
  return made;
}

class OpenApiContractTest : public ::testing::Test {
 protected:
  std::vector<std::string> post(const std::string& body, const HttpReply& answer,
                                std::vector<std::pair<std::string, std::string>> headers = {}) {
    return contract_.check("POST", "/api/v1/things", headers, body, answer);
  }
  OpenApiContract contract_{kDocument};
};

TEST_F(OpenApiContractTest, AcceptsWhatTheDocumentSays) {
  EXPECT_TRUE(post(R"({"name":"ab"})", reply(201, R"({"id":"thg_1","note":null,"kind":"a"})"),
                   {{"Idempotency-Key", "k1"}})
                  .empty());
  EXPECT_TRUE(contract_
                  .check("GET", "/api/v1/things?limit=5", {}, "",
                         reply(200, R"({"data":[{"id":"thg_2","note":"x","kind":3}]})"))
                  .empty());
  EXPECT_TRUE(contract_.check("DELETE", "/api/v1/things/thg_1", {}, "", reply(204, "")).empty());
}

TEST_F(OpenApiContractTest, AnUndocumentedPropertyInAnAnswerIsCaught) {
  const auto problems = post(R"({"name":"ab"})", reply(201, R"({"id":"thg_1","note":null,"x":1})"));
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find(".x: the property is not in the document"), std::string::npos);
}

TEST_F(OpenApiContractTest, AMissingRequiredPropertyOrAWrongTypeIsCaught) {
  EXPECT_FALSE(post(R"({"name":"ab"})", reply(201, R"({"id":"thg_1"})")).empty());
  EXPECT_FALSE(post(R"({"name":"ab"})", reply(201, R"({"id":"thg_1","note":7})")).empty());
  EXPECT_FALSE(post(R"({"name":"ab"})", reply(201, R"({"id":"xyz_1","note":null})")).empty());
  EXPECT_FALSE(
      post(R"({"name":"ab"})", reply(201, R"({"id":"thg_1","note":null,"kind":"c"})")).empty());
}

TEST_F(OpenApiContractTest, AnUndocumentedStatusOrOperationIsCaught) {
  EXPECT_FALSE(post(R"({"name":"ab"})", reply(409, R"({})")).empty());
  EXPECT_FALSE(
      contract_.check("PATCH", "/api/v1/things/thg_1", {}, "{}", reply(200, "{}")).empty());
  // What the server does not know either is no concern of the document.
  EXPECT_TRUE(contract_.check("PATCH", "/api/v1/things/thg_1", {}, "{}", reply(405, "{}")).empty());
  EXPECT_TRUE(contract_.check("GET", "/api/v1/nothing", {}, "", reply(404, "{}")).empty());
}

TEST_F(OpenApiContractTest, AnAcceptedRequestOutsideTheDocumentIsCaught) {
  EXPECT_FALSE(
      post(R"({"name":"ab","extra":1})", reply(201, R"({"id":"thg_1","note":null})")).empty());
  EXPECT_FALSE(post(R"({"name":"toolong"})", reply(201, R"({"id":"thg_1","note":null})")).empty());
  EXPECT_FALSE(post("", reply(201, R"({"id":"thg_1","note":null})")).empty());
  EXPECT_FALSE(
      contract_.check("GET", "/api/v1/things?limit=500", {}, "", reply(200, R"({"data":[]})"))
          .empty());
  EXPECT_FALSE(
      contract_.check("GET", "/api/v1/things?colour=red", {}, "", reply(200, R"({"data":[]})"))
          .empty());
  // A refused request is not held to the document: only the error answered is.
  EXPECT_TRUE(post(R"({"name":"toolong"})", reply(400, "{}")).empty());
}

TEST_F(OpenApiContractTest, HeadersAreHeldToTheDocument) {
  auto without_id =
      reply(201, R"({"id":"thg_1","note":null})", {{"content-type", "application/json"}});
  EXPECT_FALSE(post(R"({"name":"ab"})", without_id).empty());
  auto replayed = reply(201, R"({"id":"thg_1","note":null})");
  replayed.headers["idempotent-replayed"] = "true";
  EXPECT_FALSE(post(R"({"name":"ab"})", replayed).empty());
}

TEST_F(OpenApiContractTest, TheMostLiteralPathWinsAndABodyWhereNoneIsDocumentedIsCaught) {
  EXPECT_TRUE(
      contract_.check("DELETE", "/api/v1/things/special", {}, "", reply(200, R"({"any":1})"))
          .empty());
  EXPECT_FALSE(contract_.check("DELETE", "/api/v1/things/thg_1", {}, "", reply(204, "{}")).empty());
}

}  // namespace
}  // namespace portico::testing
