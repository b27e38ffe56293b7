#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/crypto.hpp"
#include "portico/core/json.hpp"
#include "portico/core/pki.hpp"
#include "portico/core/random.hpp"
#include "portico/sim/dcv_world.hpp"
#include "portico/sim/issuing_ca.hpp"
#include "portico/sim/server.hpp"
#include "portico/sim/test_ca.hpp"

#include "sslci/sim/simulator.hpp"
#include "support/http.hpp"
#include "support/temp_dir.hpp"

namespace portico {
namespace {

using namespace std::chrono_literals;
using sim::sslci::Simulator;
using sim::sslci::SimulatorOptions;
using testing::HttpReply;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kTokenA = "sslci-token-account-a";
constexpr const char* kTokenB = "sslci-token-account-b";

// RFC 8555 section 8.4 known answer (research/verify/vectors.php).
constexpr const char* kKnownKeyAuthorization =
    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
constexpr const char* kKnownTxtValue = "lCM7cZyQXcVHK2nnW3jjAhNT3Fvm18UN-kWZZknKoYM";

core::TimePoint at_utc(const char* rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

std::string str(const rapidjson::Value& value) {
  return value.IsString() ? std::string(value.GetString(), value.GetStringLength())
                          : "<not string>";
}

std::string to_json(const rapidjson::Value& value) {
  return core::json::to_string(value);
}

bool is_base64url(const std::string& text) {
  return text.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
         std::string::npos;
}

// One issuing CA for the whole run: the simulator signs with it, the tests check against it.
const sim::IssuingCa& issuing_ca() {
  static const sim::IssuingCa ca = sim::IssuingCa::generate("SSLCI Test");
  return ca;
}

class SslciSimTest : public ::testing::Test {
 protected:
  SslciSimTest() { start({}); }

  // Restarts the simulator with options changed by `adjust`.
  void start(const std::function<void(SimulatorOptions&)>& adjust) {
    server_.reset();
    SimulatorOptions options;
    options.tokens = {kTokenA, kTokenB};
    options.clock = &clock_;
    options.random = &random_;
    options.world = &world_;
    options.ca = &issuing_ca();
    if (adjust) adjust(options);
    simulator_ = std::make_unique<Simulator>(options);
    server_ = std::make_unique<sim::Server>(sim::ServerOptions{.name = "sslci"});
    simulator_->install(*server_);
    server_->start();
  }

  HttpReply call(const std::string& method, const std::string& target, const Headers& headers,
                 const std::string& body = {}) {
    return testing::http_request(server_->port(), method, target, headers, body);
  }
  // As the adapter calls: the token in a Bearer header, a JSON body.
  HttpReply api(const std::string& method, const std::string& body = {},
                const std::string& token = kTokenA) {
    Headers headers = {{"Authorization", "Bearer " + token}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return call(method, "/api", headers, body);
  }

  rapidjson::Document challenge(const std::string& domain, const std::string& method = "http",
                                const std::string& token = kTokenA) {
    const HttpReply reply =
        api("POST", R"({"domain":")" + domain + R"(","method":")" + method + R"("})", token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json();
  }
  HttpReply confirm(const std::string& domain, std::int64_t order_id,
                    const std::string& method = "http", const std::string& token = kTokenA) {
    return api("PUT",
               R"({"domain":")" + domain + R"(","order_id":)" + std::to_string(order_id) +
                   R"(,"method":")" + method + R"("})",
               token);
  }
  HttpReply finalize(const std::string& domains_json, const std::string& token = kTokenA) {
    return api("POST", R"({"action":"finalize","domains":)" + domains_json + "}", token);
  }
  HttpReply remove(const std::string& type, std::int64_t id, const std::string& token = kTokenA) {
    return api("DELETE", R"({"type":")" + type + R"(","id":)" + std::to_string(id) + "}", token);
  }

  // Publishes what a challenge answer asks for, as its owner would.
  void publish(const rapidjson::Value& answer) {
    const rapidjson::Value& verification = answer["verification"];
    if (str(verification["method"]) == "http") {
      world_.publish_file(str(verification["url"]), str(verification["content"]));
    } else {
      world_.publish_record(
          "_acme-challenge." +
              str(answer["domain"]).substr(str(answer["domain"]).starts_with("*.") ? 2 : 0),
          "TXT", core::crypto::base64url(core::crypto::sha256(str(verification["content"]))));
    }
  }

  // A challenge of `domain`, published and confirmed; returns its order id.
  std::int64_t verify(const std::string& domain, const std::string& method = "http",
                      const std::string& token = kTokenA) {
    const rapidjson::Document answer = challenge(domain, method, token);
    publish(answer);
    const std::int64_t order_id = answer["order_id"].GetInt64();
    const HttpReply reply = confirm(domain, order_id, method, token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return order_id;
  }

  core::ManualClock clock_{at_utc("2026-05-13T00:00:00Z")};
  core::SeededRandom random_{42};
  sim::DcvWorld world_;
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<sim::Server> server_;
};

// ---- transport and authentication ---------------------------------------------------------

TEST_F(SslciSimTest, TokenIsAcceptedInTheHeaderTheBodyAndTheQuery) {
  const std::string empty_list = R"({"status":true,"certificates":[],"pending_orders":[]})";
  EXPECT_EQ(call("GET", "/api", {{"Authorization", "Bearer " + std::string(kTokenA)}}).body,
            empty_list);
  EXPECT_EQ(call("GET", "/api?token=" + std::string(kTokenA), {}).body, empty_list);
  const HttpReply in_body = call("POST", "/api", {{"Content-Type", "application/json"}},
                                 R"({"token":")" + std::string(kTokenA) + R"(","domain":"a.com"})");
  EXPECT_EQ(in_body.status, 200) << in_body.body;
  // The scheme is case-insensitive.
  EXPECT_EQ(call("GET", "/api", {{"authorization", "bearer " + std::string(kTokenA)}}).status, 200);
}

TEST_F(SslciSimTest, TheFirstTokenPresentIsTheOneChecked) {
  const std::string body_a = R"({"token":")" + std::string(kTokenA) + R"(","domain":"a.com"})";
  // Header before body.
  EXPECT_EQ(call("POST", "/api", {{"Authorization", "Bearer wrong"}}, body_a).status, 401);
  // Body before query.
  EXPECT_EQ(call("POST", "/api?token=" + std::string(kTokenA), {},
                 R"({"token":"wrong","domain":"a.com"})")
                .status,
            401);
  // Header before query.
  EXPECT_EQ(
      call("GET", "/api?token=wrong", {{"Authorization", "Bearer " + std::string(kTokenA)}}).status,
      200);
}

TEST_F(SslciSimTest, MissingOrWrongTokensAre401) {
  const HttpReply missing = call("GET", "/api", {});
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.body, R"({"status":false,"message":"Missing API token"})");
  const HttpReply wrong = api("GET", {}, "not-a-token");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, R"({"status":false,"message":"Invalid API token"})");
  EXPECT_EQ(call("GET", "/api", {{"Authorization", "Bearer "}}).status, 401);
  // A Basic header carries no token.
  EXPECT_EQ(call("GET", "/api", {{"Authorization", "Basic " + std::string(kTokenA)}}).body,
            missing.body);
  // A token that is not a string is wrong, not absent.
  EXPECT_EQ(call("GET", "/api?token=" + std::string(kTokenA), {}, R"({"token":42})").status, 401);
  // A refused request changes nothing.
  EXPECT_EQ(call("POST", "/api", {}, R"({"token":"wrong","domain":"a.com"})").status, 401);
  EXPECT_EQ(simulator_->orders_created(), 0U);
}

TEST_F(SslciSimTest, ErrorKeyCanBeSpelledError) {
  start([](SimulatorOptions& options) { options.error_key = "error"; });
  EXPECT_EQ(call("GET", "/api", {}).body, R"({"status":false,"error":"Missing API token"})");
  EXPECT_EQ(api("POST", R"({"domain":["a.com"]})").body,
            R"({"status":false,"error":"Only one domain is accepted"})");
}

TEST_F(SslciSimTest, OtherMethodsAre405AndOtherPathsTheServers404) {
  for (const char* method : {"PATCH", "OPTIONS"}) {
    const HttpReply reply = api(method, R"({"domain":"a.com"})");
    EXPECT_EQ(reply.status, 405) << method;
    EXPECT_EQ(reply.body, R"({"status":false,"message":"Method not allowed"})");
    EXPECT_EQ(reply.header("allow"), "GET, POST, PUT, DELETE");
  }
  EXPECT_EQ(call("GET", "/api/list", {{"Authorization", "Bearer " + std::string(kTokenA)}}).status,
            404);
  EXPECT_EQ(simulator_->orders_created(), 0U);
}

TEST_F(SslciSimTest, MalformedOrWrongTypedBodiesAre400) {
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    const HttpReply broken = api(method, R"({"domain":"a.com",)");
    EXPECT_EQ(broken.status, 400) << method;
    EXPECT_EQ(broken.body, R"({"status":false,"message":"Invalid JSON body"})");
    EXPECT_EQ(api(method, R"(["a.com"])").status, 400) << method;
  }
  // GET reads no body.
  EXPECT_EQ(api("GET", "not json").status, 200);
  EXPECT_EQ(api("POST", R"({"domain":42})").body,
            R"({"status":false,"message":"Invalid parameter: domain"})");
  EXPECT_EQ(api("POST", R"({"domain":"a.com","method":7})").status, 400);
  EXPECT_EQ(api("POST", R"({"action":"issue","domains":["a.com"]})").body,
            R"({"status":false,"message":"Unknown action"})");
  EXPECT_EQ(api("POST", R"({"action":1})").status, 400);
  EXPECT_EQ(api("POST").body, R"({"status":false,"message":"Missing parameter: domain"})");
  EXPECT_EQ(simulator_->orders_created(), 0U);
}

// ---- challenge ----------------------------------------------------------------------------

TEST_F(SslciSimTest, HttpChallengeCarriesTheKeyAuthorizationAndUrl) {
  const rapidjson::Document answer = challenge("Example.COM", "HTTP");
  EXPECT_TRUE(answer["status"].IsBool() && answer["status"].GetBool());
  EXPECT_EQ(str(answer["domain"]), "example.com");
  EXPECT_EQ(answer["order_id"].GetInt64(), 1);
  const rapidjson::Value& verification = answer["verification"];
  const std::string token = str(verification["token"]);
  EXPECT_EQ(token.size(), 43U);
  EXPECT_TRUE(is_base64url(token)) << token;
  EXPECT_EQ(str(verification["method"]), "http");
  const std::string content = str(verification["content"]);
  ASSERT_EQ(content.size(), 43U + 1U + 43U);
  EXPECT_EQ(content.substr(0, 44), token + ".");
  EXPECT_TRUE(is_base64url(content.substr(44)));
  EXPECT_EQ(str(verification["file_path"]), "/.well-known/acme-challenge/" + token);
  EXPECT_EQ(str(verification["url"]), "http://example.com/.well-known/acme-challenge/" + token);
  EXPECT_FALSE(verification.HasMember("record"));
  EXPECT_FALSE(verification.HasMember("value"));

  const auto order = simulator_->order(1);
  ASSERT_TRUE(order);
  EXPECT_EQ(order->domain, "example.com");
  EXPECT_EQ(order->method, "http");
  EXPECT_EQ(order->status, "pending");
  EXPECT_EQ(order->token, token);
  EXPECT_EQ(order->key_authorization, content);
  EXPECT_EQ(order->created_at, clock_.now());
  EXPECT_FALSE(simulator_->order(2));
}

TEST_F(SslciSimTest, EveryChallengeIsANewOrderWithAFreshTokenAndMethodDefaultsToHttp) {
  const HttpReply reply = api("POST", R"({"domain":"a.com"})");
  ASSERT_EQ(reply.status, 200);
  const rapidjson::Document first = reply.json();
  const rapidjson::Document second = challenge("a.com");
  EXPECT_EQ(str(first["verification"]["method"]), "http");
  EXPECT_EQ(second["order_id"].GetInt64(), first["order_id"].GetInt64() + 1);
  EXPECT_NE(str(first["verification"]["token"]), str(second["verification"]["token"]));
  // One account, one thumbprint.
  EXPECT_EQ(str(first["verification"]["content"]).substr(44),
            str(second["verification"]["content"]).substr(44));
  // Another account has another.
  const rapidjson::Document other = challenge("a.com", "http", kTokenB);
  EXPECT_NE(str(other["verification"]["content"]).substr(44),
            str(first["verification"]["content"]).substr(44));
  EXPECT_EQ(simulator_->orders_created(), 3U);
}

TEST_F(SslciSimTest, DnsValueFollowsTheKnownAnswer) {
  // The rule the simulator applies, checked against the RFC 8555 vector...
  EXPECT_EQ(core::crypto::base64url(core::crypto::sha256(kKnownKeyAuthorization)), kKnownTxtValue);
  // ...and applied to the answer's own key authorization.
  const rapidjson::Document answer = challenge("a.com", "DNS");
  const rapidjson::Value& verification = answer["verification"];
  EXPECT_EQ(str(verification["method"]), "dns");
  EXPECT_EQ(str(verification["record"]), "_acme-challenge.a.com");
  EXPECT_EQ(str(verification["type"]), "TXT");
  const std::string value = str(verification["value"]);
  EXPECT_EQ(value.size(), 43U);
  EXPECT_EQ(value, core::crypto::base64url(core::crypto::sha256(str(verification["content"]))));
  EXPECT_EQ(simulator_->order(1)->method, "dns");
}

TEST_F(SslciSimTest, DnsRecordFieldsCanBeLeftOut) {
  start([](SimulatorOptions& options) { options.dns_record_fields = false; });
  const rapidjson::Document answer = challenge("a.com", "dns");
  const rapidjson::Value& verification = answer["verification"];
  EXPECT_EQ(str(verification["method"]), "dns");
  EXPECT_TRUE(verification.HasMember("content"));
  EXPECT_FALSE(verification.HasMember("record"));
  EXPECT_FALSE(verification.HasMember("type"));
  EXPECT_FALSE(verification.HasMember("value"));
}

TEST_F(SslciSimTest, ChallengeTakesOneValidDomain) {
  const std::string one = R"({"status":false,"message":"Only one domain is accepted"})";
  EXPECT_EQ(api("POST", R"({"domain":["a.com","b.com"]})").body, one);
  EXPECT_EQ(api("POST", R"({"domain":"a.com, b.com"})").body, one);
  EXPECT_EQ(api("POST", R"({"domain":"a.com b.com"})").body, one);
  const HttpReply invalid = api("POST", R"({"domain":"not_a_domain"})");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(invalid.body, R"({"status":false,"message":"Invalid domain name"})");
  EXPECT_EQ(api("POST", R"({"domain":"a.*.com","method":"dns"})").status, 400);
  EXPECT_EQ(api("POST", R"({"domain":"a.com","method":"email"})").body,
            R"({"status":false,"message":"Invalid method: use http or dns"})");
  EXPECT_EQ(simulator_->orders_created(), 0U);
}

TEST_F(SslciSimTest, WildcardNeedsDns) {
  const HttpReply refused = api("POST", R"({"domain":"*.example.com","method":"http"})");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body,
            R"({"status":false,"message":"Wildcard domains require DNS validation"})");
  EXPECT_EQ(api("POST", R"({"domain":"*.example.com"})").status, 400);
  EXPECT_EQ(simulator_->orders_created(), 0U);
  const rapidjson::Document answer = challenge("*.example.com", "dns");
  EXPECT_EQ(str(answer["domain"]), "*.example.com");
  EXPECT_EQ(str(answer["verification"]["record"]), "_acme-challenge.example.com");
}

// ---- confirm ------------------------------------------------------------------------------

TEST_F(SslciSimTest, HttpConfirmFailsUntilTheFileIsServed) {
  const rapidjson::Document answer = challenge("a.com");
  const std::string url = str(answer["verification"]["url"]);
  const std::string content = str(answer["verification"]["content"]);

  const HttpReply nothing = confirm("a.com", 1);
  EXPECT_EQ(nothing.status, 400);
  EXPECT_EQ(nothing.body,
            R"({"status":false,"message":"Verification failed: no file at )" + url + R"("})");
  world_.publish_file(url, str(answer["verification"]["token"]));
  const HttpReply wrong = confirm("a.com", 1);
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("does not hold the key authorization"), std::string::npos);
  // Served at another URL: still nothing.
  world_.publish_file(
      "http://www.a.com/.well-known/acme-challenge/" + str(answer["verification"]["token"]),
      content);
  EXPECT_EQ(confirm("a.com", 1).status, 400);
  EXPECT_EQ(simulator_->order(1)->status, "pending");

  // Surrounding whitespace is trimmed, as ACME servers do.
  world_.publish_file(url, "  " + content + "\r\n");
  const HttpReply passed = confirm("a.com", 1);
  EXPECT_EQ(passed.status, 200);
  EXPECT_EQ(passed.body, R"({"status":true,"domain":"a.com","order_id":1,"verified":true})");
  EXPECT_EQ(simulator_->order(1)->status, "verified");
  EXPECT_EQ(simulator_->order(1)->verified_at, clock_.now());
  EXPECT_EQ(api("GET").body,
            R"({"status":true,"certificates":[],)"
            R"("pending_orders":[{"order_id":1,"domains":"a.com","status":"verified"}]})");

  // A valid authorization stays valid: confirming again passes without the file.
  world_.clear();
  clock_.advance(1h);
  EXPECT_EQ(confirm("a.com", 1).status, 200);
  EXPECT_EQ(simulator_->order(1)->verified_at, clock_.now() - 1h);
}

TEST_F(SslciSimTest, DnsConfirmLooksForTheTxtRecord) {
  const rapidjson::Document answer = challenge("a.com", "dns");
  const std::string value = str(answer["verification"]["value"]);
  const HttpReply missing = confirm("a.com", 1, "dns");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body, R"({"status":false,"message":"Verification failed: no TXT record at )"
                          R"(_acme-challenge.a.com holds the expected value"})");
  // The key authorization itself is not the TXT value, nor is another name the right place.
  world_.publish_record("_acme-challenge.a.com", "TXT", str(answer["verification"]["content"]));
  world_.publish_record("a.com", "TXT", value);
  EXPECT_EQ(confirm("a.com", 1, "dns").status, 400);
  world_.publish_record("_acme-challenge.a.com", "TXT", value);
  EXPECT_EQ(confirm("a.com", 1, "dns").status, 200);
}

TEST_F(SslciSimTest, WildcardConfirmUsesTheBaseName) {
  const rapidjson::Document answer = challenge("*.example.com", "dns");
  world_.publish_record("_acme-challenge.example.com", "TXT", str(answer["verification"]["value"]));
  EXPECT_EQ(confirm("*.example.com", 1, "dns").status, 200);
}

TEST_F(SslciSimTest, ConfirmWithoutOrderIdFindsTheNewestOpenOrder) {
  challenge("a.com");
  const rapidjson::Document newest = challenge("a.com");
  challenge("b.com");
  publish(newest);
  const HttpReply reply = api("PUT", R"({"domain":"a.com"})");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body, R"({"status":true,"domain":"a.com","order_id":2,"verified":true})");
  EXPECT_EQ(simulator_->order(1)->status, "pending");
  // With a method, only orders of that method count.
  EXPECT_EQ(api("PUT", R"({"domain":"b.com","method":"dns"})").body,
            R"({"status":false,"message":"Order not found"})");
  EXPECT_EQ(api("PUT", R"({"domain":"c.com"})").body,
            R"({"status":false,"message":"Order not found"})");
}

TEST_F(SslciSimTest, ConfirmRefusesOrdersThatDoNotFit) {
  const rapidjson::Document answer = challenge("a.com");
  publish(answer);
  EXPECT_EQ(confirm("a.com", 99).body, R"({"status":false,"message":"Order not found"})");
  EXPECT_EQ(confirm("b.com", 1).body,
            R"({"status":false,"message":"The order is for another domain"})");
  EXPECT_EQ(confirm("a.com", 1, "dns").body,
            R"({"status":false,"message":"The order uses http validation"})");
  EXPECT_EQ(api("PUT", R"({"domain":"a.com","order_id":"1"})").body,
            R"({"status":false,"message":"Invalid parameter: order_id"})");
  EXPECT_EQ(api("PUT", R"({"order_id":1})").body,
            R"({"status":false,"message":"Missing parameter: domain"})");
  const HttpReply foreign = confirm("a.com", 1, "http", kTokenB);
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.body, R"({"status":false,"message":"This order does not belong to you"})");
  EXPECT_EQ(simulator_->order(1)->status, "pending");
}

TEST_F(SslciSimTest, PendingOrdersExpireAfterSevenDays) {
  const rapidjson::Document answer = challenge("a.com");
  clock_.advance(std::chrono::days(7) - 1s);
  EXPECT_NE(api("GET").body.find(R"("order_id":1)"), std::string::npos);
  clock_.advance(1s);
  EXPECT_EQ(api("GET").body, R"({"status":true,"certificates":[],"pending_orders":[]})");
  EXPECT_EQ(simulator_->order(1)->status, "expired");
  publish(answer);
  EXPECT_EQ(confirm("a.com", 1).body, R"({"status":false,"message":"Order expired"})");
  EXPECT_EQ(api("PUT", R"({"domain":"a.com"})").body,
            R"({"status":false,"message":"Order not found"})");
  EXPECT_EQ(remove("order", 1).body, R"({"status":false,"message":"Record not found"})");
}

// ---- finalize -----------------------------------------------------------------------------

TEST_F(SslciSimTest, FinalizeIssuesARealChainWithTheKey) {
  verify("a.com");
  verify("www.a.com", "dns");
  clock_.advance(1h);
  const core::TimePoint issued_at = clock_.now();
  const HttpReply reply = finalize(R"(["a.com","WWW.a.com"])");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const rapidjson::Document answer = reply.json();
  EXPECT_TRUE(answer["status"].GetBool());
  EXPECT_FALSE(answer.HasMember("crt_id"));
  EXPECT_EQ(to_json(answer["details"]),
            R"({"subject":{"CN":"a.com"},"valid_from":"2026-05-13 01:00:00",)"
            R"("valid_to":"2026-08-11 01:00:00","san":"DNS:a.com, DNS:www.a.com"})");

  const std::string crt = str(answer["crt"]);
  const auto info = core::pki::parse_certificate(crt);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->subject_common_name, "a.com");
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"a.com", "www.a.com"}));
  EXPECT_EQ(info->not_before, issued_at);
  EXPECT_EQ(info->not_after, issued_at + std::chrono::days(90));
  EXPECT_TRUE(core::pki::key_matches_certificate(str(answer["key"]), crt));
  EXPECT_NE(str(answer["key"]).find("-----BEGIN PRIVATE KEY-----"), std::string::npos);

  const auto csr = core::pki::parse_csr(str(answer["csr"]));
  ASSERT_TRUE(csr) << csr.error().message;
  EXPECT_EQ(csr->common_name, "a.com");
  EXPECT_EQ(csr->dns_names, (std::vector<std::string>{"a.com", "www.a.com"}));

  // "ca": the intermediate that signed the leaf, then the root.
  const auto chain = core::pki::split_pem_chain(str(answer["ca"]));
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), 2U);
  const auto intermediate = core::pki::parse_certificate((*chain)[0]);
  const auto root = core::pki::parse_certificate((*chain)[1]);
  ASSERT_TRUE(intermediate && root);
  EXPECT_EQ(info->issuer_common_name, intermediate->subject_common_name);
  EXPECT_EQ(intermediate->issuer_common_name, root->subject_common_name);
  EXPECT_EQ(str(answer["ca"]), issuing_ca().intermediate_pem() + issuing_ca().root_pem());

  ASSERT_EQ(simulator_->certificates_issued(), 1U);
  const auto records = simulator_->certificates();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].crt_id, 1);
  EXPECT_EQ(records[0].account, 0U);
  EXPECT_EQ(records[0].domains, (std::vector<std::string>{"a.com", "www.a.com"}));
  EXPECT_EQ(records[0].add_time, issued_at);
  EXPECT_EQ(records[0].end_time, issued_at + std::chrono::days(90));
  EXPECT_FALSE(records[0].deleted);
  EXPECT_EQ(records[0].crt_pem, crt);

  // The list: the certificate, and the used orders gone from pending_orders.
  const std::string add = std::to_string(core::unix_seconds(issued_at));
  const std::string end = std::to_string(core::unix_seconds(issued_at + std::chrono::days(90)));
  EXPECT_EQ(api("GET").body, R"({"status":true,"certificates":[{"crt_id":1,)"
                             R"("domains":"a.com, www.a.com","add_time":)" +
                                 add + R"(,"end_time":)" + end + R"(}],"pending_orders":[]})");
  EXPECT_TRUE(simulator_->order(1)->finalized);
  EXPECT_EQ(simulator_->order(1)->status, "verified");
}

TEST_F(SslciSimTest, FinalizeRefusesAnUnverifiedDomainAndIssuesNothing) {
  verify("a.com");
  challenge("b.com");
  const HttpReply reply = finalize(R"(["a.com","b.com"])");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, R"({"status":false,"message":"Domain not verified: b.com"})");
  EXPECT_EQ(finalize(R"(["c.com","b.com"])").body,
            R"({"status":false,"message":"Domain not verified: c.com"})");
  // A wildcard's authorization is its own, not its base name's.
  EXPECT_EQ(finalize(R"(["*.a.com"])").body,
            R"({"status":false,"message":"Domain not verified: *.a.com"})");
  EXPECT_EQ(simulator_->certificates_issued(), 0U);
  // Nothing was consumed: a.com is still listed.
  EXPECT_NE(api("GET").body.find(R"("domains":"a.com","status":"verified")"), std::string::npos);
}

TEST_F(SslciSimTest, VerificationLastsTwentyNineDays) {
  verify("a.com");
  clock_.advance(std::chrono::days(29) - 1s);
  EXPECT_EQ(finalize(R"(["a.com"])").status, 200);
  clock_.advance(1s);
  EXPECT_EQ(finalize(R"(["a.com"])").body,
            R"({"status":false,"message":"Domain not verified: a.com"})");
  EXPECT_EQ(simulator_->certificates_issued(), 1U);
  EXPECT_EQ(simulator_->order(1)->status, "expired");
}

TEST_F(SslciSimTest, AVerificationIsReusedByLaterFinalizes) {
  verify("a.com");
  ASSERT_EQ(finalize(R"(["a.com"])").status, 200);
  clock_.advance(std::chrono::days(10));
  const HttpReply again = finalize(R"(["a.com"])");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(str(again.json()["details"]["valid_from"]), "2026-05-23 00:00:00");
  const auto records = simulator_->certificates();
  ASSERT_EQ(records.size(), 2U);
  EXPECT_EQ(records[1].crt_id, 2);
  EXPECT_NE(records[0].crt_pem, records[1].crt_pem);
}

TEST_F(SslciSimTest, WildcardCertificateAfterDnsValidation) {
  verify("*.example.com", "dns");
  verify("example.com", "dns");
  const HttpReply reply = finalize(R"(["*.example.com","example.com"])");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto info = core::pki::parse_certificate(str(reply.json()["crt"]));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->subject_common_name, "*.example.com");
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"*.example.com", "example.com"}));
}

TEST_F(SslciSimTest, FinalizeChecksItsDomains) {
  verify("a.com");
  EXPECT_EQ(api("POST", R"({"action":"finalize"})").body,
            R"({"status":false,"message":"Missing parameter: domains"})");
  const std::string not_array = R"({"status":false,"message":"domains must be a non-empty array"})";
  EXPECT_EQ(finalize(R"("a.com")").body, not_array);
  EXPECT_EQ(finalize("[]").body, not_array);
  EXPECT_EQ(finalize(R"(["a.com",5])").body,
            R"({"status":false,"message":"Invalid domain name in domains"})");
  EXPECT_EQ(finalize(R"(["a.com","A.com"])").body,
            R"({"status":false,"message":"Duplicate domain: a.com"})");
  std::string many = "[";
  for (int i = 0; i <= 100; ++i)
    many += (i == 0 ? "" : ",") + std::string(R"(")") + "n" + std::to_string(i) + R"(.com")";
  EXPECT_EQ(finalize(many + "]").body,
            R"({"status":false,"message":"Too many domains: at most 100"})");
  EXPECT_EQ(simulator_->certificates_issued(), 0U);
}

TEST_F(SslciSimTest, CaCanBeAnArrayAndCrtIdCanBeIncluded) {
  start([](SimulatorOptions& options) {
    options.ca_as_array = true;
    options.finalize_includes_crt_id = true;
  });
  verify("a.com");
  const HttpReply reply = finalize(R"(["a.com"])");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const rapidjson::Document answer = reply.json();
  ASSERT_TRUE(answer["ca"].IsArray());
  ASSERT_EQ(answer["ca"].Size(), 2U);
  EXPECT_EQ(str(answer["ca"][0]), issuing_ca().intermediate_pem());
  EXPECT_EQ(str(answer["ca"][1]), issuing_ca().root_pem());
  ASSERT_TRUE(answer["crt_id"].IsInt64());
  EXPECT_EQ(answer["crt_id"].GetInt64(), 1);
  EXPECT_NE(api("GET").body.find(R"("crt_id":1,)"), std::string::npos);
}

TEST_F(SslciSimTest, ACaIsGeneratedWhenNoneIsGiven) {
  start([](SimulatorOptions& options) { options.ca = nullptr; });
  EXPECT_NE(simulator_->ca().root_pem(), issuing_ca().root_pem());
  verify("a.com");
  const HttpReply reply = finalize(R"(["a.com"])");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(str(reply.json()["ca"]),
            simulator_->ca().intermediate_pem() + simulator_->ca().root_pem());
}

// ---- delete -------------------------------------------------------------------------------

TEST_F(SslciSimTest, DeleteRemovesOrdersAndCertificates) {
  challenge("a.com");
  verify("b.com");
  const HttpReply order = remove("ORDER", 1);
  EXPECT_EQ(order.status, 200);
  EXPECT_EQ(order.body, R"({"status":true,"message":"Deleted"})");
  EXPECT_EQ(simulator_->order(1)->status, "deleted");
  EXPECT_EQ(remove("order", 1).body, R"({"status":false,"message":"Record not found"})");

  ASSERT_EQ(finalize(R"(["b.com"])").status, 200);
  // A finalized order is no longer pending.
  EXPECT_EQ(remove("order", 2).body, R"({"status":false,"message":"Record not found"})");
  EXPECT_EQ(remove("Ssl", 1).body, R"({"status":true,"message":"Deleted"})");
  EXPECT_TRUE(simulator_->certificates()[0].deleted);
  EXPECT_EQ(api("GET").body, R"({"status":true,"certificates":[],"pending_orders":[]})");
  EXPECT_EQ(remove("ssl", 1).body, R"({"status":false,"message":"Record not found"})");
  EXPECT_EQ(remove("ssl", 7).status, 400);
}

TEST_F(SslciSimTest, DeletingAVerifiedOrderDropsItsVerification) {
  verify("a.com");
  EXPECT_EQ(remove("order", 1).status, 200);
  EXPECT_EQ(finalize(R"(["a.com"])").body,
            R"({"status":false,"message":"Domain not verified: a.com"})");
}

TEST_F(SslciSimTest, DeleteChecksItsBody) {
  challenge("a.com");
  EXPECT_EQ(api("DELETE").body, R"({"status":false,"message":"Missing parameter: type"})");
  EXPECT_EQ(api("DELETE", R"({"type":"certificate","id":1})").body,
            R"({"status":false,"message":"Invalid type: use ssl or order"})");
  EXPECT_EQ(api("DELETE", R"({"type":"order"})").body,
            R"({"status":false,"message":"Missing parameter: id"})");
  EXPECT_EQ(api("DELETE", R"({"type":"order","id":"1"})").body,
            R"({"status":false,"message":"Invalid parameter: id"})");
  EXPECT_EQ(api("DELETE", R"({"type":"order","id":1.5})").status, 400);
  EXPECT_EQ(simulator_->order(1)->status, "pending");
  // The token may ride in the DELETE body too.
  EXPECT_EQ(call("DELETE", "/api", {},
                 R"({"token":")" + std::string(kTokenA) + R"(","type":"order","id":1})")
                .status,
            200);
}

// ---- accounts -----------------------------------------------------------------------------

TEST_F(SslciSimTest, AccountsSeeAndTouchOnlyTheirOwnRecords) {
  verify("a.com");
  ASSERT_EQ(finalize(R"(["a.com"])").status, 200);
  challenge("a.com");  // order 2, account A, pending

  EXPECT_EQ(api("GET", {}, kTokenB).body,
            R"({"status":true,"certificates":[],"pending_orders":[]})");
  EXPECT_EQ(finalize(R"(["a.com"])", kTokenB).body,
            R"({"status":false,"message":"Domain not verified: a.com"})");
  const HttpReply order = remove("order", 2, kTokenB);
  EXPECT_EQ(order.status, 403);
  EXPECT_EQ(order.body, R"({"status":false,"message":"This record does not belong to you"})");
  EXPECT_EQ(remove("ssl", 1, kTokenB).status, 403);
  EXPECT_EQ(confirm("a.com", 2, "http", kTokenB).status, 403);
  // B's own orders of the same name are B's.
  verify("a.com", "http", kTokenB);
  EXPECT_EQ(simulator_->order(3)->account, 1U);
  EXPECT_EQ(finalize(R"(["a.com"])", kTokenB).status, 200);
  EXPECT_EQ(simulator_->certificates()[1].account, 1U);

  EXPECT_FALSE(simulator_->certificates()[0].deleted);
  EXPECT_EQ(simulator_->order(2)->status, "pending");
}

// ---- construction and transport -----------------------------------------------------------

TEST(SslciSimConstruction, RefusesWithoutAWorldOrTokens) {
  sim::DcvWorld world;
  EXPECT_THROW(Simulator(SimulatorOptions{.tokens = {"t"}, .ca = &issuing_ca()}),
               std::invalid_argument);
  EXPECT_THROW(Simulator(SimulatorOptions{.world = &world, .ca = &issuing_ca()}),
               std::invalid_argument);
}

TEST(SslciSimConstruction, ServesOverTlsWithTheSystemClockAndSecureRandom) {
  const auto test_ca = sim::TestCa::generate();
  testing::TempDir dir;
  const std::string ca_file = test_ca.write_ca_file(dir.path().string());
  sim::DcvWorld world;
  Simulator simulator(SimulatorOptions{.tokens = {kTokenA}, .world = &world, .ca = &issuing_ca()});
  sim::Server server({.name = "sslci-tls", .tls = true, .ca = &test_ca});
  simulator.install(server, "/v1/api");
  server.start();
  const Headers auth = {{"Authorization", "Bearer " + std::string(kTokenA)},
                        {"Content-Type", "application/json"}};
  const HttpReply reply = testing::http_request(server.port(), "POST", "/v1/api", auth,
                                                R"({"domain":"a.com"})", ca_file);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto order = simulator.order(1);
  ASSERT_TRUE(order);
  const auto age = std::chrono::system_clock::now() - order->created_at;
  EXPECT_LT(age, std::chrono::minutes(1));
  EXPECT_GT(age, -std::chrono::minutes(1));
  EXPECT_EQ(order->token.size(), 43U);
}

}  // namespace
}  // namespace portico
