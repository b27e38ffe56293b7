// The published contract: the document is served, names exactly the routes the gateway
// serves, and its examples are what it describes. (Every other e2e test checks its own calls
// against the document through e2e/openapi_watch.)
#include "portico/api/openapi.hpp"

#include <algorithm>
#include <set>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "e2e/gateway_fixture.hpp"
#include "support/openapi_contract.hpp"

namespace portico::testing {
namespace {

class OpenApiTest : public ::testing::Test {
 protected:
  RunningGateway gateway_;
};

TEST_F(OpenApiTest, ServesTheDocumentWithoutAKey) {
  const HttpReply reply = gateway_.api("GET", "/api/v1/openapi.json", "");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body, api::openapi_json());
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_EQ(reply.header("access-control-allow-origin"), "*");
  EXPECT_FALSE(reply.header("x-request-id").empty());
  const auto document = reply.json();
  ASSERT_TRUE(document.IsObject());
  EXPECT_STREQ(document["openapi"].GetString(), "3.1.0");
}

TEST_F(OpenApiTest, NamesExactlyTheRoutesTheGatewayServes) {
  const OpenApiContract contract(api::openapi_json());
  const auto documented = contract.operations();
  const std::set<std::string> in_document(documented.begin(), documented.end());
  std::set<std::string> served;
  for (const std::string& route : gateway_.app().api_routes()) {
    if (route.find(" /api/v1/") != std::string::npos) served.insert(route);
  }
  for (const std::string& route : served) {
    EXPECT_TRUE(in_document.contains(route)) << route << " is served but not documented";
  }
  for (const std::string& operation : in_document) {
    EXPECT_TRUE(served.contains(operation)) << operation << " is documented but not served";
  }
}

// Each operation is complete enough for a generator and a reader: an id, a tag, a summary,
// a success; the ids are unique.
TEST_F(OpenApiTest, EveryOperationHasAnIdATagASummaryAndASuccess) {
  rapidjson::Document document;
  document.Parse(api::openapi_json().c_str());
  std::set<std::string> ids;
  for (const auto& path : document["paths"].GetObject()) {
    for (const auto& operation : path.value.GetObject()) {
      const std::string name =
          std::string(operation.name.GetString()) + " " + path.name.GetString();
      const auto& op = operation.value;
      if (!op.IsObject() || !op.HasMember("responses")) continue;  // path-level parameters
      ASSERT_TRUE(op.HasMember("operationId")) << name;
      EXPECT_TRUE(ids.insert(op["operationId"].GetString()).second)
          << op["operationId"].GetString() << " twice";
      EXPECT_TRUE(op.HasMember("tags") && op["tags"].Size() == 1) << name;
      EXPECT_TRUE(op.HasMember("summary")) << name;
      bool success = false;
      for (const auto& response : op["responses"].GetObject()) {
        success = success || response.name.GetString()[0] == '2';
      }
      EXPECT_TRUE(success) << name << " documents no success";
    }
  }
}

// The examples are the Postman collection's bodies and what partners copy: each must be what
// its schema describes.
TEST_F(OpenApiTest, EveryExampleIsValidForItsSchema) {
  const OpenApiContract contract(api::openapi_json());
  rapidjson::Document document;
  document.Parse(api::openapi_json().c_str());
  int checked = 0;
  const auto check_media = [&](const rapidjson::Value& media, const std::string& where) {
    if (!media.IsObject() || !media.HasMember("schema")) return;
    if (media.HasMember("example")) {
      const auto problems = contract.validate(media["schema"], media["example"], where);
      for (const std::string& problem : problems)
        ADD_FAILURE() << problem;
      ++checked;
    }
    if (media.HasMember("examples")) {
      for (const auto& example : media["examples"].GetObject()) {
        if (!example.value.HasMember("value")) continue;
        const auto problems = contract.validate(media["schema"], example.value["value"],
                                                where + " " + example.name.GetString());
        for (const std::string& problem : problems)
          ADD_FAILURE() << problem;
        ++checked;
      }
    }
  };
  const auto check_content = [&](const rapidjson::Value& holder, const std::string& where) {
    if (!holder.IsObject() || !holder.HasMember("content")) return;
    for (const auto& media : holder["content"].GetObject())
      check_media(media.value, where);
  };
  for (const auto& path : document["paths"].GetObject()) {
    for (const auto& operation : path.value.GetObject()) {
      const auto& op = operation.value;
      if (!op.IsObject() || !op.HasMember("responses")) continue;
      const std::string name =
          std::string(operation.name.GetString()) + " " + path.name.GetString();
      if (op.HasMember("requestBody")) {
        check_content(op["requestBody"], name + " request example");
        EXPECT_TRUE(op["requestBody"].HasMember("$ref") ||
                    op["requestBody"]["content"]["application/json"].HasMember("example") ||
                    op["requestBody"]["content"]["application/json"].HasMember("examples"))
            << name << " has no request example";
      }
      for (const auto& response : op["responses"].GetObject()) {
        check_content(response.value, name + " " + response.name.GetString() + " example");
      }
    }
  }
  for (const auto& response : document["components"]["responses"].GetObject()) {
    check_content(response.value, std::string("response ") + response.name.GetString());
  }
  EXPECT_GT(checked, 10);
}

TEST_F(OpenApiTest, DocsServeSwaggerUiFromTheGatewayItself) {
  const HttpReply page = gateway_.api("GET", "/docs", "");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/docs/swagger-ui-bundle.js"), std::string::npos);
  EXPECT_EQ(page.body.find("https://"), std::string::npos) << "no CDN";
  EXPECT_NE(page.header("content-security-policy").find("default-src 'self'"), std::string::npos);
  for (const char* asset : {"swagger-ui-bundle.js", "swagger-ui.css", "reference.js"}) {
    const HttpReply file = gateway_.api("GET", std::string("/docs/") + asset, "");
    EXPECT_EQ(file.status, 200) << asset;
    EXPECT_FALSE(file.body.empty()) << asset;
  }
  EXPECT_NE(gateway_.api("GET", "/docs/reference.js", "").body.find("/api/v1/openapi.json"),
            std::string::npos);
  expect_error(gateway_.api("GET", "/docs/../portico.db", ""), 404, "invalid_request_error",
               "not_found");
}

}  // namespace
}  // namespace portico::testing
