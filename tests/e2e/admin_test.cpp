// The admin listener: token, partners and keys, health and metrics.
#include <gtest/gtest.h>

#include "e2e/gateway_fixture.hpp"

namespace portico::testing {
namespace {

const std::string kProvider =
    "providers:\n"
    "  certs:\n"
    "    type: digicert\n"
    "    endpoint: http://127.0.0.1:9/services/v2\n"
    "    api_key: dc-secret-key-123456\n"
    "    organization_id: 112233\n";

TEST(AdminTest, EveryAdminRouteNeedsTheToken) {
  RunningGateway gateway;
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/admin/health"},
                                                        {"GET", "/admin/metrics"},
                                                        {"GET", "/admin/partners"},
                                                        {"POST", "/admin/partners"},
                                                        {"DELETE", "/admin/keys/key_x"}}) {
    const HttpReply none = http_request(gateway.admin_port(), method, target);
    EXPECT_EQ(none.status, 401) << target;
    EXPECT_STREQ(none.json()["error"]["code"].GetString(), "missing_admin_token");
    const HttpReply wrong = http_request(gateway.admin_port(), method, target,
                                         {{"Authorization", "Bearer " + kAdminToken + "x"}});
    EXPECT_EQ(wrong.status, 401) << target;
    EXPECT_STREQ(wrong.json()["error"]["code"].GetString(), "invalid_admin_token");
  }
  // The admin token is no partner key, and partner routes are not on the admin listener.
  EXPECT_EQ(gateway.api("GET", "/api/v1/me", kAdminToken).status, 401);
  EXPECT_EQ(gateway.admin("GET", "/api/v1/me").status, 404);
}

TEST(AdminTest, PartnersAndKeysAreManagedAndAudited) {
  RunningGateway gateway;
  const std::string partner = gateway.create_partner("Kilimani Hosting");
  EXPECT_EQ(gateway.admin("POST", "/admin/partners", R"({"name":"Kilimani Hosting"})").status, 409);
  EXPECT_EQ(gateway.admin("POST", "/admin/partners", R"({"name":"bad/name"})").status, 400);
  EXPECT_EQ(gateway.admin("POST", "/admin/partners/ptn_nobody/keys", "{}").status, 404);
  const auto key = gateway.create_key(partner);
  const auto keys = gateway.admin("GET", "/admin/partners/" + partner + "/keys").json();
  ASSERT_EQ(keys["data"].Size(), 1U);
  EXPECT_EQ(keys["data"][0]["id"].GetString(), key.id);
  EXPECT_FALSE(keys["data"][0].HasMember("secret"));  // shown once, at creation
  const auto partners = gateway.admin("GET", "/admin/partners").json();
  EXPECT_EQ(partners["total"].GetInt(), 1);

  // The audit trail records both, by id and prefix only.
  gateway.stop();
  const std::string database =
      read_file(gateway.database_path()) + read_file(gateway.database_path() + "-wal");
  EXPECT_NE(database.find("api_key.created"), std::string::npos);
  EXPECT_EQ(database.find(key.secret), std::string::npos);
}

TEST(AdminTest, HealthReportsTheDatabaseAndEachProviderInstance) {
  RunningGateway gateway("", kProvider);
  const HttpReply reply = gateway.admin("GET", "/admin/health");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto json = reply.json();
  EXPECT_STREQ(json["data"]["status"].GetString(), "ok");
  EXPECT_STREQ(json["data"]["database"]["status"].GetString(), "ok");
  EXPECT_GE(json["data"]["database"]["schema_version"].GetInt(), 1);
  ASSERT_EQ(json["data"]["providers"].Size(), 1U);
  const auto& certs = json["data"]["providers"][0];
  EXPECT_STREQ(certs["name"].GetString(), "certs");
  EXPECT_STREQ(certs["type"].GetString(), "digicert");
  EXPECT_STREQ(certs["origin"].GetString(), "http://127.0.0.1:9");
  EXPECT_STREQ(certs["state"].GetString(), "unknown");  // no call made yet
  EXPECT_EQ(certs["calls"].GetInt(), 0);
  EXPECT_EQ(reply.body.find("dc-secret-key-123456"), std::string::npos);
}

TEST(AdminTest, MetricsCountRequestsByRouteAndStatusInPrometheusFormat) {
  RunningGateway gateway;
  const auto key = gateway.create_key(gateway.create_partner("metrics"));
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(gateway.api("GET", "/api/v1/me", key.secret).status, 200);
  ASSERT_EQ(gateway.api("GET", "/api/v1/me", "").status, 401);
  const HttpReply reply = gateway.admin("GET", "/admin/metrics");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("content-type").rfind("text/plain; version=0.0.4", 0), 0U);
  EXPECT_NE(reply.body.find("portico_http_requests_total{listener=\"api\",method=\"GET\","
                            "route=\"/api/v1/me\",status=\"200\"} 3"),
            std::string::npos)
      << reply.body;
  EXPECT_NE(reply.body.find("route=\"/api/v1/me\",status=\"401\"} 1"), std::string::npos);
  EXPECT_NE(reply.body.find("# TYPE portico_http_request_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(reply.body.find("portico_http_request_duration_seconds_count{listener=\"api\","
                            "method=\"GET\",route=\"/api/v1/me\"} 4"),
            std::string::npos)
      << reply.body;
}

}  // namespace
}  // namespace portico::testing
