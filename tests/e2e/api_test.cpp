// The public API end to end: real HTTP on loopback, a real SQLite file.
#include <gtest/gtest.h>

#include "e2e/gateway_fixture.hpp"

namespace portico::testing {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  RunningGateway gateway_;
  std::string partner_ = gateway_.create_partner("acme-hosting");
  RunningGateway::Key key_ = gateway_.create_key(partner_);
};

TEST_F(ApiTest, MeAnswersWithTheKeysPartnerInTheEnvelope) {
  const HttpReply reply = gateway_.api("GET", "/api/v1/me", key_.secret);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto json = reply.json();
  EXPECT_STREQ(json["data"]["object"].GetString(), "partner");
  EXPECT_EQ(json["data"]["id"].GetString(), partner_);
  EXPECT_STREQ(json["data"]["name"].GetString(), "acme-hosting");
  EXPECT_TRUE(json["data"]["livemode"].GetBool());
  EXPECT_EQ(json["data"]["api_key"]["id"].GetString(), key_.id);
  const std::string prefix = json["data"]["api_key"]["prefix"].GetString();
  EXPECT_EQ(prefix, key_.secret.substr(0, prefix.size()));
  EXPECT_EQ(prefix.size(), std::string("pt_live_pk_").size() + 4);
  EXPECT_EQ(reply.header("x-request-id").rfind("req_", 0), 0U);
  EXPECT_EQ(reply.header("x-request-id"), json["meta"]["request_id"].GetString());
  EXPECT_EQ(reply.header("content-type"), "application/json");
}

TEST_F(ApiTest, KeysHaveTheDocumentedShapeAndAreStoredOnlyAsHashes) {
  EXPECT_EQ(key_.secret.rfind("pt_live_pk_", 0), 0U);
  EXPECT_EQ(key_.secret.size(), std::string("pt_live_pk_").size() + 32);
  const std::string database =
      read_file(gateway_.database_path()) + read_file(gateway_.database_path() + "-wal");
  EXPECT_EQ(database.find(key_.secret.substr(11)), std::string::npos);
}

TEST_F(ApiTest, RequestIdsDifferPerRequest) {
  const HttpReply first = gateway_.api("GET", "/api/v1/me", key_.secret);
  const HttpReply second = gateway_.api("GET", "/api/v1/me", key_.secret);
  EXPECT_NE(first.header("x-request-id"), second.header("x-request-id"));
}

TEST_F(ApiTest, MissingMalformedAndUnknownKeysAre401) {
  expect_error(gateway_.api("GET", "/api/v1/me", ""), 401, "authentication_error",
               "missing_api_key");
  expect_error(gateway_.api("GET", "/api/v1/me", "not-a-key"), 401, "authentication_error",
               "invalid_api_key");
  std::string forged = key_.secret;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  expect_error(gateway_.api("GET", "/api/v1/me", forged), 401, "authentication_error",
               "invalid_api_key");
  const HttpReply basic = http_request(gateway_.api_port(), "GET", "/api/v1/me",
                                       {{"Authorization", "Basic " + key_.secret}});
  expect_error(basic, 401, "authentication_error", "missing_api_key");
  EXPECT_EQ(basic.header("www-authenticate"), "Bearer");
}

TEST_F(ApiTest, RevokedKeyGets401OnItsVeryNextRequest) {
  HttpConnection connection(gateway_.api_port());
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer " + key_.secret}};
  ASSERT_EQ(connection.request("GET", "/api/v1/me", auth).status, 200);
  const HttpReply revoked = gateway_.admin("DELETE", "/admin/keys/" + key_.id);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_TRUE(revoked.json()["data"]["revoked_at"].IsString());
  // Same keep-alive connection, next request: refused.
  expect_error(connection.request("GET", "/api/v1/me", auth), 401, "authentication_error",
               "api_key_revoked");
  // Another key of the same partner still works.
  const auto other = gateway_.create_key(partner_);
  EXPECT_EQ(gateway_.api("GET", "/api/v1/me", other.secret).status, 200);
  // Revoking twice is a conflict, revoking nothing a 404.
  expect_error(gateway_.admin("DELETE", "/admin/keys/" + key_.id), 409, "invalid_request_error",
               "api_key_already_revoked", "key");
  expect_error(gateway_.admin("DELETE", "/admin/keys/key_nothing"), 404, "invalid_request_error",
               "not_found", "key");
}

TEST_F(ApiTest, LogsShowTheKeyPrefixNeverTheKey) {
  ASSERT_EQ(gateway_.api("GET", "/api/v1/me", key_.secret).status, 200);
  bool saw_prefix = false;
  for (const std::string& line : gateway_.log_lines()) {
    EXPECT_EQ(line.find(key_.secret.substr(15)), std::string::npos) << line;
    EXPECT_EQ(line.find(kAdminToken), std::string::npos) << line;
    if (line.find(key_.secret.substr(0, 15)) != std::string::npos) saw_prefix = true;
  }
  EXPECT_TRUE(saw_prefix);
}

TEST_F(ApiTest, CustomersAreCreatedListedAndFetched) {
  const HttpReply created = gateway_.api(
      "POST", "/api/v1/customers", key_.secret,
      R"({"name":"Wanjiru Kamau","email":"wanjiru@example.co.ke","country":"KE","external_id":"c-1"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto customer = created.json();
  const std::string id = customer["data"]["id"].GetString();
  EXPECT_EQ(id.rfind("cus_", 0), 0U);
  EXPECT_STREQ(customer["data"]["object"].GetString(), "customer");
  EXPECT_STREQ(customer["data"]["country"].GetString(), "KE");
  EXPECT_TRUE(customer["data"]["created_at"].IsString());

  const HttpReply fetched = gateway_.api("GET", "/api/v1/customers/" + id, key_.secret);
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  EXPECT_STREQ(fetched.json()["data"]["email"].GetString(), "wanjiru@example.co.ke");

  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(gateway_
                  .api("POST", "/api/v1/customers", key_.secret,
                       R"({"name":"C)" + std::to_string(i) + R"(","email":"c@example.com"})")
                  .status,
              201);
  }
  const HttpReply page1 = gateway_.api("GET", "/api/v1/customers?limit=2", key_.secret);
  ASSERT_EQ(page1.status, 200) << page1.body;
  const auto first = page1.json();
  EXPECT_EQ(first["total"].GetInt(), 5);
  EXPECT_TRUE(first["has_more"].GetBool());
  ASSERT_EQ(first["data"].Size(), 2U);
  EXPECT_STREQ(first["data"][0]["name"].GetString(), "C3");  // newest first
  const std::string cursor = first["data"][1]["id"].GetString();
  const auto rest =
      gateway_.api("GET", "/api/v1/customers?limit=10&starting_after=" + cursor, key_.secret)
          .json();
  ASSERT_EQ(rest["data"].Size(), 3U);
  EXPECT_FALSE(rest["has_more"].GetBool());
  EXPECT_EQ(rest["data"][2]["id"].GetString(), id);
}

TEST_F(ApiTest, AnotherPartnersObjectIsA404AndNeverListed) {
  const auto created = gateway_.api("POST", "/api/v1/customers", key_.secret,
                                    R"({"name":"Mine","email":"mine@example.com"})");
  const std::string id = created.json()["data"]["id"].GetString();

  const auto rival = gateway_.create_key(gateway_.create_partner("rival-host"));
  expect_error(gateway_.api("GET", "/api/v1/customers/" + id, rival.secret), 404,
               "invalid_request_error", "not_found", "id");
  const auto list = gateway_.api("GET", "/api/v1/customers", rival.secret).json();
  EXPECT_EQ(list["total"].GetInt(), 0);
  expect_error(gateway_.api("GET", "/api/v1/customers?starting_after=" + id, rival.secret), 400,
               "invalid_request_error", "invalid_cursor", "starting_after");

  // Test-mode keys of the same partner see test objects only.
  const auto test_key = gateway_.create_key(partner_, false);
  EXPECT_EQ(test_key.secret.rfind("pt_test_pk_", 0), 0U);
  EXPECT_EQ(gateway_.api("GET", "/api/v1/customers/" + id, test_key.secret).status, 404);
  EXPECT_FALSE(
      gateway_.api("GET", "/api/v1/me", test_key.secret).json()["data"]["livemode"].GetBool());
}

TEST_F(ApiTest, BadBodiesGetAClearErrorAndChangeNothing) {
  const auto post = [&](const std::string& body) {
    return gateway_.api("POST", "/api/v1/customers", key_.secret, body);
  };
  expect_error(post("{\"name\":"), 400, "invalid_request_error", "invalid_json");
  expect_error(post("[1,2]"), 400, "invalid_request_error", "invalid_type");
  expect_error(post(std::string(100, '[') + std::string(100, ']')), 400, "invalid_request_error",
               "invalid_json");
  expect_error(post(R"({"email":"a@b.co"})"), 400, "invalid_request_error", "parameter_missing",
               "name");
  expect_error(post(R"({"name":7,"email":"a@b.co"})"), 400, "invalid_request_error", "invalid_type",
               "name");
  expect_error(post(R"({"name":"x","email":"a@b.co","colour":"red"})"), 400,
               "invalid_request_error", "parameter_unknown", "colour");
  expect_error(post(R"({"name":"x","name":"y","email":"a@b.co"})"), 400, "invalid_request_error",
               "parameter_duplicate", "name");
  expect_error(post(R"({"name":"x","email":"not-an-email"})"), 400, "invalid_request_error",
               "invalid_email", "email");
  expect_error(post(R"({"name":"x","email":"a@b.co","country":"k1"})"), 400,
               "invalid_request_error", "invalid_country", "country");
  expect_error(post(R"({"name":"x","email":"a@b.co","country":"ZZ"})"), 422,
               "invalid_request_error", "unknown_country", "country");
  expect_error(post(R"({"name":"","email":"a@b.co"})"), 400, "invalid_request_error",
               "parameter_invalid_length", "name");
  expect_error(post("{\"name\":\"\xff\xfe\",\"email\":\"a@b.co\"}"), 400, "invalid_request_error",
               "invalid_json");
  expect_error(gateway_.api("POST", "/api/v1/customers", key_.secret, "name=x",
                            {{"Content-Type", "application/x-www-form-urlencoded"}}),
               415, "invalid_request_error", "unsupported_media_type");
  expect_error(gateway_.api("GET", "/api/v1/customers?limit=0", key_.secret), 400,
               "invalid_request_error", "parameter_out_of_range", "limit");
  expect_error(gateway_.api("GET", "/api/v1/customers?sort=name", key_.secret), 400,
               "invalid_request_error", "parameter_unknown", "sort");
  // Nothing of the above was stored.
  EXPECT_EQ(gateway_.api("GET", "/api/v1/customers", key_.secret).json()["total"].GetInt(), 0);

  ASSERT_EQ(post(R"({"name":"x","email":"a@b.co","external_id":"e1"})").status, 201);
  expect_error(post(R"({"name":"y","email":"a@b.co","external_id":"e1"})"), 409,
               "invalid_request_error", "customer_exists", "external_id");
  EXPECT_EQ(gateway_.api("GET", "/api/v1/customers", key_.secret).json()["total"].GetInt(), 1);
}

TEST_F(ApiTest, UnknownRoutesAre404AndWrongMethods405WithAllow) {
  expect_error(gateway_.api("GET", "/api/v1/nothing-here", key_.secret), 404,
               "invalid_request_error", "not_found");
  const HttpReply wrong = gateway_.api("DELETE", "/api/v1/customers", key_.secret);
  expect_error(wrong, 405, "invalid_request_error", "method_not_allowed");
  EXPECT_EQ(wrong.header("allow"), "POST, GET");
  expect_error(gateway_.api("GET", "/api/v1/customers/%zz", key_.secret), 400,
               "invalid_request_error", "invalid_url");
  expect_error(gateway_.api("GET", "/api/v1/customers/cus_unknown", key_.secret), 404,
               "invalid_request_error", "not_found", "id");
}

// A key over its token bucket gets 429 with Retry-After, and only that key; time (injected)
// gives the tokens back.
TEST(ApiRateLimitTest, EachKeyHasItsOwnBucketAndRefusalsSayWhenToRetry) {
  auto clock =
      std::make_shared<core::ManualClock>(core::TimePoint(std::chrono::seconds(1'800'000'000)));
  RunningGateway gateway("", "keys: { requests_per_second: 1, burst: 2 }\n", "", clock);
  const std::string partner = gateway.create_partner("busy-hosting");
  const RunningGateway::Key busy = gateway.create_key(partner);
  const RunningGateway::Key other = gateway.create_key(partner);

  EXPECT_EQ(gateway.api("GET", "/api/v1/me", busy.secret).status, 200);
  EXPECT_EQ(gateway.api("GET", "/api/v1/me", busy.secret).status, 200);
  const HttpReply refused = gateway.api("GET", "/api/v1/me", busy.secret);
  expect_error(refused, 429, "rate_limit_error", "rate_limited");
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_EQ(gateway.api("GET", "/api/v1/me", other.secret).status, 200);

  clock->advance(std::chrono::seconds(1));
  EXPECT_EQ(gateway.api("GET", "/api/v1/me", busy.secret).status, 200);
  EXPECT_EQ(gateway.api("GET", "/api/v1/me", busy.secret).status, 429);
  // A bad key is refused before any bucket: 401, not 429.
  EXPECT_EQ(gateway.api("GET", "/api/v1/me", busy.secret + "x").status, 401);
}

}  // namespace
}  // namespace portico::testing
