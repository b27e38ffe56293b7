#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "portico/core/clock.hpp"
#include "portico/core/json.hpp"
#include "portico/core/pki.hpp"
#include "portico/core/random.hpp"
#include "portico/sim/dcv_world.hpp"
#include "portico/sim/issuing_ca.hpp"
#include "portico/sim/server.hpp"
#include "portico/sim/test_ca.hpp"

#include "digicert/sim/simulator.hpp"
#include "support/http.hpp"
#include "support/temp_dir.hpp"

namespace portico {
namespace {

using namespace std::chrono_literals;
using sim::digicert::CheckDcvStyle;
using sim::digicert::Simulator;
using sim::digicert::SimulatorOptions;
using testing::HttpReply;

constexpr const char* kApiKey = "DCKEY3XQ7V2N5M8K4J6H1G9F0D";
constexpr const char* kRateLimitMessage = "Service unavailable, please limit request volume";
constexpr std::int64_t kValidatedOrganization = 112233;

core::TimePoint at_utc(const char* rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

const sim::IssuingCa& issuing_ca() {
  static const sim::IssuingCa ca = sim::IssuingCa::generate("DigiCert Sim Test");
  return ca;
}

std::string csr_for(const std::vector<std::string>& names) {
  auto generated = core::pki::generate_key_and_csr(names, core::pki::KeyType::ec_p256);
  EXPECT_TRUE(generated.ok());
  return generated.ok() ? generated->csr_pem : std::string();
}

// An order (or reissue) body as the adapter sends it.
struct OrderSpec {
  std::string common_name = "example.com";
  std::vector<std::string> dns_names = {"example.com"};
  std::string dcv_method = "dns-txt-token";
  std::optional<int> validity_days = 90;
  std::optional<std::int64_t> organization_id;
  bool skip_approval = true;
  std::optional<std::string> csr;  // nullopt: a fresh CSR for the names
};

std::string order_json(const OrderSpec& spec) {
  rapidjson::StringBuffer text;
  core::json::Writer out(text);
  out.StartObject();
  core::json::key(out, "certificate");
  out.StartObject();
  core::json::write(out, "common_name", spec.common_name);
  core::json::key(out, "dns_names");
  out.StartArray();
  for (const std::string& name : spec.dns_names)
    core::json::string(out, name);
  out.EndArray();
  core::json::write(out, "csr", spec.csr ? *spec.csr : csr_for(spec.dns_names));
  core::json::write(out, "signature_hash", "sha256");
  core::json::key(out, "server_platform");
  out.StartObject();
  core::json::write(out, "id", -1);
  out.EndObject();
  out.EndObject();
  if (spec.organization_id) {
    core::json::key(out, "organization");
    out.StartObject();
    core::json::write(out, "id", *spec.organization_id);
    out.EndObject();
  }
  if (spec.validity_days) {
    core::json::key(out, "order_validity");
    out.StartObject();
    core::json::write(out, "days", *spec.validity_days);
    out.EndObject();
  }
  core::json::write(out, "dcv_method", spec.dcv_method);
  core::json::write(out, "skip_approval", spec.skip_approval);
  core::json::write(out, "payment_method", "balance");
  core::json::write(out, "comments", "portico test");
  out.EndObject();
  return text.GetString();
}

std::string organization_json(const std::string& name, const std::string& city,
                              const std::string& address = "Moi Avenue 12") {
  return R"({"name":")" + name + R"(","address":")" + address +
         R"(","address2":"Floor 2","zip":"00100","city":")" + city +
         R"(","state":"Nairobi","country":"KE","telephone":"+254.712345678",)"
         R"("organization_contact":{"first_name":"Wanjiru","last_name":"Kamau",)"
         R"("email":"wanjiru@example.co.ke","telephone":"+254.712345678","job_title":"CTO"}})";
}

std::string error_code(const HttpReply& reply) {
  const rapidjson::Document body = reply.json();
  if (!body.IsObject() || !body.HasMember("errors")) return "<no errors>";
  const rapidjson::Value& errors = body["errors"];
  const rapidjson::Value& first = errors.IsArray() ? errors[0] : errors;
  return first["code"].GetString();
}

std::string error_message(const HttpReply& reply) {
  const rapidjson::Document body = reply.json();
  if (!body.IsObject() || !body.HasMember("errors") || !body["errors"].IsArray()) {
    return "<no errors>";
  }
  return body["errors"][0]["message"].GetString();
}

std::vector<std::string> strings_of(const rapidjson::Value& array) {
  std::vector<std::string> out;
  for (const auto& item : array.GetArray())
    out.emplace_back(item.GetString());
  return out;
}

// ---- OpenSSL chain verification, independent of the code under test ------------------------

struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr load_certificate(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509Ptr certificate(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return certificate;
}

// Whether `leaf` chains to the trusted `root` through `intermediate` at `at`.
bool chain_verifies(const std::string& leaf, const std::string& intermediate,
                    const std::string& root, core::TimePoint at) {
  const X509Ptr leaf_certificate = load_certificate(leaf);
  const X509Ptr intermediate_certificate = load_certificate(intermediate);
  const X509Ptr root_certificate = load_certificate(root);
  if (!leaf_certificate || !intermediate_certificate || !root_certificate) return false;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, root_certificate.get());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  sk_X509_push(untrusted, intermediate_certificate.get());
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  X509_STORE_CTX_init(context, store, leaf_certificate.get(), untrusted);
  X509_STORE_CTX_set_time(context, 0, static_cast<time_t>(core::unix_seconds(at)));
  const bool verified = X509_verify_cert(context) == 1;
  X509_STORE_CTX_free(context);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  return verified;
}

// ---- fixture ------------------------------------------------------------------------------

class DigicertSimTest : public ::testing::Test {
 protected:
  DigicertSimTest() { start({}); }

  // Restarts the simulator (over TLS unless `tls` is false) with options changed by `adjust`.
  void start(const std::function<void(SimulatorOptions&)>& adjust, bool tls = true) {
    connection_.reset();
    server_.reset();
    SimulatorOptions options;
    options.api_key = kApiKey;
    options.clock = &clock_;
    options.random = &random_;
    options.world = &world_;
    options.ca = &issuing_ca();
    if (adjust) adjust(options);
    simulator_ = std::make_unique<Simulator>(options);
    server_ = std::make_unique<sim::Server>(
        sim::ServerOptions{.name = "digicert", .tls = tls, .ca = &tls_ca_});
    simulator_->install(*server_);
    server_->start();
    connection_ =
        std::make_unique<testing::HttpConnection>(server_->port(), tls ? ca_file_ : std::string());
  }

  HttpReply call(const std::string& method, const std::string& path, const std::string& body = {},
                 const std::optional<std::string>& key = std::string(kApiKey)) {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Accept", "application/json"}, {"Content-Type", "application/json"}};
    if (key) headers.emplace_back("X-DC-DEVKEY", *key);
    return connection_->request(method, "/services/v2/" + path, headers, body);
  }

  // POSTs an order and returns its id (0 when refused).
  std::int64_t create_order(const std::string& product, const OrderSpec& spec,
                            HttpReply* reply_out = nullptr) {
    const HttpReply reply = call("POST", "order/certificate/" + product, order_json(spec));
    if (reply_out != nullptr) *reply_out = reply;
    EXPECT_EQ(reply.status, 201) << reply.body;
    if (reply.status != 201) return 0;
    return reply.json()["id"].GetInt64();
  }

  HttpReply get_order(std::int64_t id) {
    return call("GET", "order/certificate/" + std::to_string(id));
  }
  HttpReply check_dcv(std::int64_t id, const std::string& body = {}) {
    return call("PUT", "order/certificate/" + std::to_string(id) + "/check-dcv", body);
  }
  HttpReply download(std::int64_t certificate_id) {
    return call("GET",
                "certificate/" + std::to_string(certificate_id) + "/download/format/pem_all");
  }
  std::string random_value(std::int64_t id) { return simulator_->order(id)->dcv_random_value; }

  void publish_txt(const std::string& owner, const std::string& value) {
    world_.publish_record(owner, "TXT", value);
  }

  // An issued DV order for example.com and www.example.com, through DNS.
  std::int64_t issued_order() {
    simulator_->prevalidate_domain("example.com");
    OrderSpec spec;
    spec.dns_names = {"example.com", "www.example.com"};
    const std::int64_t id = create_order("ssl_dv_geotrust", spec);
    EXPECT_EQ(simulator_->order(id)->status, "issued");
    return id;
  }

  core::ManualClock clock_{at_utc("2026-11-22T10:00:00Z")};
  core::SeededRandom random_{20261122};
  sim::DcvWorld world_;
  sim::TestCa tls_ca_ = sim::TestCa::generate();
  testing::TempDir dir_;
  std::string ca_file_ = tls_ca_.write_ca_file(dir_.path().string());
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<sim::Server> server_;
  std::unique_ptr<testing::HttpConnection> connection_;
};

// ---- authentication -----------------------------------------------------------------------

TEST_F(DigicertSimTest, MissingKeyIs401WithAnErrorsArray) {
  const HttpReply reply = call("GET", "user/me", "", std::nullopt);
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.header("content-type"), "application/json");
  const rapidjson::Document body = reply.json();
  ASSERT_TRUE(body["errors"].IsArray());
  EXPECT_EQ(body["errors"].Size(), 1U);
  EXPECT_EQ(error_code(reply), "invalid_api_key");
}

TEST_F(DigicertSimTest, WrongOrEmptyKeyIsRefused) {
  for (const std::string key :
       {"wrong", "", "DCKEY3XQ7V2N5M8K4J6H1G9F0", "dckey3xq7v2n5m8k4j6h1g9f0d"}) {
    const HttpReply reply = call("GET", "user/me", "", key);
    EXPECT_EQ(reply.status, 401) << key;
    EXPECT_EQ(error_code(reply), "invalid_api_key") << key;
  }
  // Refused before routing: an unknown route or order gives the same answer.
  EXPECT_EQ(call("GET", "nowhere", "", "wrong").status, 401);
  EXPECT_EQ(call("POST", "order/certificate/ssl_basic", order_json({}), "wrong").status, 401);
  EXPECT_EQ(simulator_->orders_created(), 0U);
}

TEST_F(DigicertSimTest, HeaderNameIsCaseInsensitive) {
  const HttpReply reply =
      connection_->request("GET", "/services/v2/user/me", {{"x-dc-devkey", kApiKey}});
  EXPECT_EQ(reply.status, 200);
}

TEST_F(DigicertSimTest, AuthFailureCanBe403) {
  start([](SimulatorOptions& options) { options.auth_failure_status = 403; });
  const HttpReply reply = call("GET", "user/me", "", "wrong");
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(error_code(reply), "invalid_api_key");
}

TEST_F(DigicertSimTest, ErrorsCanBeOneObject) {
  start([](SimulatorOptions& options) { options.errors_as_object = true; });
  const HttpReply reply = call("GET", "nowhere");
  EXPECT_EQ(reply.status, 404);
  const rapidjson::Document body = reply.json();
  ASSERT_TRUE(body["errors"].IsObject());
  EXPECT_STREQ(body["errors"]["code"].GetString(), "not_found|route");
  EXPECT_EQ(reply.header("content-type"), "application/json");
}

// ---- rate limits --------------------------------------------------------------------------

TEST_F(DigicertSimTest, BurstWindowRefusesBeyondItsLimitAndRolls) {
  start([](SimulatorOptions& options) {
    options.burst_limit = 3;
    options.burst_window = 5s;
  });
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(call("GET", "user/me").status, 200) << i;
  const HttpReply refused = call("GET", "user/me");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.header("content-type"), "application/json");
  EXPECT_EQ(error_code(refused), "request_limit_exceeded");
  EXPECT_EQ(error_message(refused), kRateLimitMessage);
  // Refused requests do not count: hammering for 4.9 s changes nothing at 5 s.
  for (int i = 0; i < 49; ++i) {
    clock_.advance(100ms);
    EXPECT_EQ(call("GET", "user/me").status, 429) << i;
  }
  clock_.advance(100ms);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(call("GET", "user/me").status, 200) << i;
  EXPECT_EQ(call("GET", "user/me").status, 429);
}

TEST_F(DigicertSimTest, SustainedWindowRefusesBeyondItsLimitAndRolls) {
  start([](SimulatorOptions& options) {
    options.sustained_limit = 4;
    options.sustained_window = 60s;
  });
  // One request every 10 s stays far under the burst limit.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(call("GET", "user/me").status, 200) << i;
    clock_.advance(10s);
  }
  EXPECT_EQ(call("GET", "user/me").status, 429);  // at 40 s: four in the last minute
  clock_.advance(19s);
  EXPECT_EQ(call("GET", "user/me").status, 429);  // at 59 s
  clock_.advance(1s);
  EXPECT_EQ(call("GET", "user/me").status, 200);  // at 60 s the first has left the window
  EXPECT_EQ(call("GET", "user/me").status, 429);
}

TEST_F(DigicertSimTest, EveryAuthenticatedRequestCountsAndUnauthenticatedOnesDoNot) {
  start([](SimulatorOptions& options) { options.burst_limit = 2; });
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(call("GET", "user/me", "", "wrong").status, 401);
  EXPECT_EQ(call("GET", "nowhere").status, 404);
  EXPECT_EQ(call("GET", "user/me").status, 200);
  EXPECT_EQ(call("GET", "user/me").status, 429);
}

// ---- transport and routing ----------------------------------------------------------------

TEST_F(DigicertSimTest, UserMeAnswersJsonAndAcceptsAGetWithContentType) {
  const HttpReply reply = call("GET", "user/me");  // call() sends Content-Type on GET too
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("content-type"), "application/json");
  const rapidjson::Document body = reply.json();
  EXPECT_STREQ(body["status"].GetString(), "active");
  EXPECT_TRUE(body["id"].IsInt64());
  EXPECT_TRUE(body["container"]["id"].IsInt64());
  EXPECT_STREQ(body["access_roles"][0]["name"].GetString(), "Administrator");
}

TEST_F(DigicertSimTest, ServesPlainHttpToo) {
  start({}, false);
  EXPECT_EQ(server_->base_url().rfind("http://", 0), 0U);
  EXPECT_EQ(call("GET", "user/me").status, 200);
}

TEST_F(DigicertSimTest, UnknownRoutesAndMethodsAre404Route) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"GET", "nowhere"},
      {"GET", "user/me/"},
      {"POST", "user/me"},
      {"DELETE", "order/certificate/1"},
      {"POST", "order/certificate/1/check-dcv"},  // check-dcv is PUT
      {"PUT", "order/certificate"},               // the list is GET only
      {"GET", "certificate/1/download/format/p12"},
  };
  for (const auto& [method, path] : cases) {
    const HttpReply reply = call(method, path);
    EXPECT_EQ(reply.status, 404) << method << " " << path;
    EXPECT_EQ(error_code(reply), "not_found|route") << method << " " << path;
  }
  const HttpReply outside =
      connection_->request("GET", "/services/v1/user/me", {{"X-DC-DEVKEY", kApiKey}});
  EXPECT_EQ(outside.status, 404);
  EXPECT_EQ(error_code(outside), "not_found|route");
}

TEST_F(DigicertSimTest, UnknownIdsAre404) {
  for (const std::string id : {"999", "abc", "-1"}) {
    EXPECT_EQ(error_code(call("GET", "order/certificate/" + id)), "not_found|order") << id;
    EXPECT_EQ(error_code(call("PUT", "order/certificate/" + id + "/check-dcv")), "not_found|order");
    EXPECT_EQ(error_code(call("PUT", "order/certificate/" + id + "/dcv-random-value")),
              "not_found|order");
    EXPECT_EQ(error_code(call("POST", "order/certificate/" + id + "/reissue", order_json({}))),
              "not_found|order");
    EXPECT_EQ(
        error_code(call("PUT", "order/certificate/" + id + "/status", R"({"status":"canceled"})")),
        "not_found|order");
    EXPECT_EQ(error_code(call("GET", "certificate/" + id + "/download/format/pem_all")),
              "not_found|certificate");
    EXPECT_EQ(error_code(call("PUT", "certificate/" + id + "/revoke", R"({"skip_approval":true})")),
              "not_found|certificate");
  }
  EXPECT_EQ(call("GET", "order/certificate/999").status, 404);
}

TEST_F(DigicertSimTest, ProductsAreTheContractsTable) {
  const HttpReply reply = call("GET", "product");
  ASSERT_EQ(reply.status, 200);
  const rapidjson::Document body = reply.json();
  std::vector<std::string> ids;
  for (const auto& product : body["products"].GetArray())
    ids.emplace_back(product["name_id"].GetString());
  EXPECT_EQ(ids, (std::vector<std::string>{"ssl_dv_geotrust", "wildcard_dv_geotrust", "ssl_basic",
                                           "ssl_multi_domain", "ssl_wildcard", "ssl_ev_basic",
                                           "ssl_ev_multi_domain"}));
  const HttpReply ev = call("GET", "product/ssl_ev_basic");
  EXPECT_STREQ(ev.json()["validation_type"].GetString(), "ev");
  EXPECT_EQ(error_code(call("GET", "product/ssl_plus")), "not_found|product");

  const HttpReply unknown = call("POST", "order/certificate/ssl_plus", order_json({}));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(error_code(unknown), "not_found|product");
  EXPECT_EQ(simulator_->orders_created(), 0U);
}

// ---- organizations ------------------------------------------------------------------------

TEST_F(DigicertSimTest, OrganizationsAreCreatedAndDeduplicated) {
  const HttpReply created =
      call("POST", "organization", organization_json("Kamau Traders", "Nairobi"));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::int64_t id = created.json()["id"].GetInt64();
  EXPECT_NE(id, kValidatedOrganization);

  // Same name, country, city and address, in another case: the same organization.
  const HttpReply again =
      call("POST", "organization", organization_json("KAMAU traders", "nairobi", "MOI AVENUE 12"));
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.json()["id"].GetInt64(), id);
  // Another city is another organization; so is an explicit skip of the check.
  const HttpReply other =
      call("POST", "organization", organization_json("Kamau Traders", "Mombasa"));
  EXPECT_NE(other.json()["id"].GetInt64(), id);
  std::string forced = organization_json("Kamau Traders", "Nairobi");
  forced.insert(1, R"("skip_duplicate_org_check":true,)");
  const HttpReply skipped = call("POST", "organization", forced);
  EXPECT_EQ(skipped.status, 201);
  EXPECT_NE(skipped.json()["id"].GetInt64(), id);

  const HttpReply read = call("GET", "organization/" + std::to_string(id));
  ASSERT_EQ(read.status, 200);
  const rapidjson::Document body = read.json();
  EXPECT_STREQ(body["name"].GetString(), "Kamau Traders");
  EXPECT_STREQ(body["country"].GetString(), "ke");
  EXPECT_STREQ(body["status"].GetString(), "pending");
  EXPECT_EQ(body["validations"].Size(), 0U);
  EXPECT_STREQ(body["organization_contact"]["email"].GetString(), "wanjiru@example.co.ke");

  simulator_->validate_organization(id);
  const rapidjson::Document validated = call("GET", "organization/" + std::to_string(id)).json();
  EXPECT_STREQ(validated["status"].GetString(), "active");
  EXPECT_EQ(validated["validations"].Size(), 2U);

  const HttpReply fixture = call("GET", "organization/" + std::to_string(kValidatedOrganization));
  EXPECT_STREQ(fixture.json()["status"].GetString(), "active");
  EXPECT_EQ(error_code(call("GET", "organization/7")), "not_found|organization");
  EXPECT_EQ(call("GET", "organization").json()["organizations"].Size(), 4U);
}

TEST_F(DigicertSimTest, OrganizationsNeedTheirFields) {
  EXPECT_EQ(error_code(call("POST", "organization", "{not json")), "bad_request_format");
  std::string no_city = organization_json("Kamau Traders", "");
  const HttpReply missing = call("POST", "organization", no_city);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(error_code(missing), "missing_param");
  EXPECT_NE(error_message(missing).find("city"), std::string::npos);
  const HttpReply no_contact = call(
      "POST", "organization", R"({"name":"A","address":"B","city":"C","zip":"1","country":"ke"})");
  EXPECT_EQ(error_code(no_contact), "missing_param");
  EXPECT_NE(error_message(no_contact).find("organization_contact"), std::string::npos);
  std::string bad_country = organization_json("Kamau Traders", "Nairobi");
  bad_country.replace(bad_country.find("\"KE\""), 4, "\"KEN\"");
  EXPECT_EQ(error_code(call("POST", "organization", bad_country)), "invalid_param");
}

// ---- orders -------------------------------------------------------------------------------

TEST_F(DigicertSimTest, PendingOrderAnswersItsIdRequestAndRandomValue) {
  OrderSpec spec;
  spec.dns_names = {"example.com", "www.example.com"};
  HttpReply reply;
  const std::int64_t id = create_order("ssl_dv_geotrust", spec, &reply);
  ASSERT_NE(id, 0);
  EXPECT_EQ(reply.header("content-type"), "application/json");
  const rapidjson::Document body = reply.json();
  EXPECT_EQ(body["requests"].Size(), 1U);
  EXPECT_TRUE(body["requests"][0]["id"].IsInt64());
  EXPECT_STREQ(body["requests"][0]["status"].GetString(), "pending");
  const std::string token = body["dcv_random_value"].GetString();
  EXPECT_EQ(token.size(), 32U);
  EXPECT_FALSE(body.HasMember("certificate_id"));
  EXPECT_EQ(simulator_->orders_created(), 1U);

  const auto view = simulator_->order(id);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->status, "pending");
  EXPECT_EQ(view->product, "ssl_dv_geotrust");
  EXPECT_EQ(view->dcv_random_value, token);
  EXPECT_EQ(view->validity_days, 90);
  EXPECT_TRUE(view->skip_approval);

  const HttpReply info = get_order(id);
  ASSERT_EQ(info.status, 200);
  const rapidjson::Document order = info.json();
  EXPECT_EQ(order["id"].GetInt64(), id);
  EXPECT_STREQ(order["status"].GetString(), "pending");
  EXPECT_STREQ(order["date_created"].GetString(), "2026-11-22T10:00:00+00:00");
  EXPECT_EQ(order["certificate"]["id"].GetInt64(), view->certificate_id);
  EXPECT_STREQ(order["certificate"]["common_name"].GetString(), "example.com");
  EXPECT_EQ(strings_of(order["certificate"]["dns_names"]), spec.dns_names);
  EXPECT_FALSE(order["certificate"].HasMember("valid_till"));
  EXPECT_STREQ(order["product"]["name_id"].GetString(), "ssl_dv_geotrust");
  EXPECT_STREQ(order["product"]["validation_type"].GetString(), "dv");
  EXPECT_STREQ(order["dcv_method"].GetString(), "dns-txt-token");
  EXPECT_FALSE(order.HasMember("organization"));
  EXPECT_STREQ(order["requests"][0]["status"].GetString(), "approved");
}

TEST_F(DigicertSimTest, CommonNameIsTheFirstNameEvenWhenListedLater) {
  OrderSpec spec;
  spec.common_name = "www.example.com";
  spec.dns_names = {"example.com", "www.example.com"};
  const std::int64_t id = create_order("ssl_dv_geotrust", spec);
  EXPECT_EQ(simulator_->order(id)->dns_names,
            (std::vector<std::string>{"www.example.com", "example.com"}));
}

TEST_F(DigicertSimTest, EmailOrdersCarryNoRandomValueInTheAnswer) {
  OrderSpec spec;
  spec.dcv_method = "email";
  HttpReply reply;
  create_order("ssl_dv_geotrust", spec, &reply);
  EXPECT_FALSE(reply.json().HasMember("dcv_random_value"));
}

TEST_F(DigicertSimTest, OrderRequestsAreChecked) {
  const auto refused = [&](const std::string& product, const std::string& body) {
    const HttpReply reply = call("POST", "order/certificate/" + product, body);
    EXPECT_EQ(reply.status, 400) << body;
    return error_code(reply);
  };
  EXPECT_EQ(refused("ssl_dv_geotrust", "{\"certificate\":"), "bad_request_format");
  EXPECT_EQ(refused("ssl_dv_geotrust", "[]"), "bad_request_format");
  EXPECT_EQ(refused("ssl_dv_geotrust", R"({"dcv_method":"dns-txt-token"})"), "missing_param");

  OrderSpec bad_csr;
  bad_csr.csr =
      "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgY3Ny\n-----END CERTIFICATE REQUEST-----\n";
  EXPECT_EQ(refused("ssl_dv_geotrust", order_json(bad_csr)), "invalid_csr");

  OrderSpec cname;
  cname.dcv_method = "carrier-pigeon";
  EXPECT_EQ(refused("ssl_dv_geotrust", order_json(cname)), "invalid_dcv_method");

  OrderSpec wildcard_file;
  wildcard_file.common_name = "*.example.com";
  wildcard_file.dns_names = {"*.example.com"};
  wildcard_file.dcv_method = "http-token";
  EXPECT_EQ(refused("wildcard_dv_geotrust", order_json(wildcard_file)), "invalid_dcv_method");

  OrderSpec wildcard_single;
  wildcard_single.common_name = "*.example.com";
  wildcard_single.dns_names = {"*.example.com"};
  wildcard_single.organization_id = kValidatedOrganization;
  EXPECT_EQ(refused("ssl_basic", order_json(wildcard_single)), "invalid_param");
  EXPECT_EQ(refused("ssl_dv_geotrust", order_json(wildcard_single)), "invalid_param");

  OrderSpec bad_name;
  bad_name.dns_names = {"example.com", "bad name.example.com"};
  bad_name.csr = csr_for({"example.com"});  // the CSR's names do not matter
  EXPECT_EQ(refused("ssl_dv_geotrust", order_json(bad_name)), "invalid_param");

  for (const int days : {0, 200, 397}) {
    OrderSpec validity;
    validity.validity_days = days;
    EXPECT_EQ(refused("ssl_dv_geotrust", order_json(validity)), "invalid_validity") << days;
  }

  OrderSpec ov;
  EXPECT_EQ(refused("ssl_basic", order_json(ov)), "missing_param");
  ov.organization_id = 424242;
  EXPECT_EQ(refused("ssl_ev_basic", order_json(ov)), "invalid_param");
  EXPECT_EQ(simulator_->orders_created(), 0U);

  OrderSpec longest;
  longest.validity_days = 199;
  create_order("ssl_dv_geotrust", longest);
  OrderSpec unspecified;
  unspecified.validity_days.reset();
  const std::int64_t id = create_order("ssl_dv_geotrust", unspecified);
  EXPECT_EQ(simulator_->order(id)->validity_days, 199);
  EXPECT_EQ(simulator_->orders_created(), 2U);
}

TEST_F(DigicertSimTest, RandomValueStaysUntilItExpiresAfterThirtyDays) {
  const std::int64_t id = create_order("ssl_dv_geotrust", {});
  const std::string path = "order/certificate/" + std::to_string(id) + "/dcv-random-value";
  const std::string first = random_value(id);
  const HttpReply reply = call("PUT", path);
  ASSERT_EQ(reply.status, 200);
  EXPECT_STREQ(reply.json()["dcv_random_value"].GetString(), first.c_str());
  EXPECT_STREQ(reply.json()["expiration_date"].GetString(), "2026-12-22T10:00:00+00:00");

  clock_.advance(std::chrono::days(30) - 1s);
  EXPECT_STREQ(call("PUT", path).json()["dcv_random_value"].GetString(), first.c_str());
  clock_.advance(1s);
  // Expired: it no longer proves anything, and the next request makes a new one.
  publish_txt("_dnsauth.example.com", first);
  EXPECT_STREQ(check_dcv(id).json()["dcv_status"].GetString(), "pending");
  const HttpReply renewed = call("PUT", path);
  const std::string second = renewed.json()["dcv_random_value"].GetString();
  EXPECT_NE(second, first);
  EXPECT_STREQ(renewed.json()["expiration_date"].GetString(), "2027-01-21T10:00:00+00:00");
  EXPECT_EQ(random_value(id), second);
  publish_txt("_dnsauth.example.com", second);
  EXPECT_STREQ(check_dcv(id).json()["order_status"].GetString(), "issued");
}

// ---- DCV ----------------------------------------------------------------------------------

TEST_F(DigicertSimTest, CheckDcvPerNameReportsEachNameThenIssues) {
  OrderSpec spec;
  spec.dns_names = {"example.com", "example.net"};
  start([](SimulatorOptions& options) { options.check_dcv_on_read = false; });
  const std::int64_t id = create_order("ssl_dv_geotrust", spec);
  const std::string token = random_value(id);

  HttpReply reply = check_dcv(id);
  ASSERT_EQ(reply.status, 200);
  rapidjson::Document body = reply.json();
  EXPECT_STREQ(body["order_status"].GetString(), "pending");
  EXPECT_STREQ(body["dcv_status"].GetString(), "pending");
  ASSERT_EQ(body["dns_name_validations"].Size(), 2U);
  EXPECT_STREQ(body["dns_name_validations"][1]["dns_name"].GetString(), "example.net");
  EXPECT_STREQ(body["dns_name_validations"][1]["status"].GetString(), "pending");

  publish_txt("_dnsauth.example.com", token);
  publish_txt("_dnsauth.example.net", "some other value");
  body = check_dcv(id).json();
  EXPECT_STREQ(body["order_status"].GetString(), "pending");
  EXPECT_STREQ(body["dns_name_validations"][0]["status"].GetString(), "approved");
  EXPECT_STREQ(body["dns_name_validations"][1]["status"].GetString(), "pending");

  // The record at the domain itself serves as well as the one at _dnsauth.
  publish_txt("example.net", token);
  reply = check_dcv(id);
  body = reply.json();
  EXPECT_STREQ(body["order_status"].GetString(), "issued");
  EXPECT_STREQ(body["dcv_status"].GetString(), "valid");
  EXPECT_EQ(body["certificate_id"].GetInt64(), simulator_->order(id)->certificate_id);
  EXPECT_STREQ(body["dns_name_validations"][1]["status"].GetString(), "approved");
  EXPECT_EQ(simulator_->order(id)->status, "issued");

  const rapidjson::Document order = get_order(id).json();
  EXPECT_STREQ(order["status"].GetString(), "issued");
  EXPECT_STREQ(order["certificate"]["valid_from"].GetString(), "2026-11-22");
  EXPECT_STREQ(order["certificate"]["valid_till"].GetString(), "2027-02-20");
  EXPECT_FALSE(std::string(order["certificate"]["serial_number"].GetString()).empty());
}

TEST_F(DigicertSimTest, CheckDcvAllOrErrorRefusesUntilEveryNamePasses) {
  start([](SimulatorOptions& options) {
    options.check_dcv_style = CheckDcvStyle::all_or_error;
    options.check_dcv_on_read = false;
  });
  OrderSpec spec;
  spec.dns_names = {"example.com", "example.net"};
  const std::int64_t id = create_order("ssl_dv_geotrust", spec);
  publish_txt("_dnsauth.example.com", random_value(id));
  HttpReply reply = check_dcv(id);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(error_code(reply), "invalid_dns_txt");
  EXPECT_EQ(error_message(reply), "Could not find a valid TXT record for one or more domains.");
  EXPECT_EQ(simulator_->order(id)->status, "pending");

  publish_txt("_dnsauth.example.net", random_value(id));
  reply = check_dcv(id);
  ASSERT_EQ(reply.status, 200);
  const rapidjson::Document body = reply.json();
  EXPECT_STREQ(body["order_status"].GetString(), "issued");
  EXPECT_STREQ(body["dcv_status"].GetString(), "valid");
  EXPECT_TRUE(body["certificate_id"].IsInt64());
  EXPECT_FALSE(body.HasMember("dns_name_validations"));
}

TEST_F(DigicertSimTest, CheckDcvTakesASubsetInBothSpellings) {
  start([](SimulatorOptions& options) { options.check_dcv_on_read = false; });
  OrderSpec spec;
  spec.dns_names = {"example.com", "example.net"};
  const std::int64_t id = create_order("ssl_dv_geotrust", spec);
  publish_txt("_dnsauth.example.com", random_value(id));

  rapidjson::Document body =
      check_dcv(id, R"({"dns_name_validations":[{"dns_name":"example.com"}]})").json();
  ASSERT_EQ(body["dns_name_validations"].Size(), 1U);
  EXPECT_STREQ(body["dns_name_validations"][0]["dns_name"].GetString(), "example.com");
  EXPECT_STREQ(body["dns_name_validations"][0]["status"].GetString(), "approved");
  EXPECT_STREQ(body["order_status"].GetString(), "pending");
  EXPECT_STREQ(body["dcv_status"].GetString(), "pending");

  body = check_dcv(id, R"({"dns_names_validations":["EXAMPLE.NET"]})").json();
  ASSERT_EQ(body["dns_name_validations"].Size(), 1U);
  EXPECT_STREQ(body["dns_name_validations"][0]["dns_name"].GetString(), "example.net");
  EXPECT_STREQ(body["dns_name_validations"][0]["status"].GetString(), "pending");

  // The older style fails only on the names asked about.
  start([](SimulatorOptions& options) {
    options.check_dcv_style = CheckDcvStyle::all_or_error;
    options.check_dcv_on_read = false;
  });
  const std::int64_t second = create_order("ssl_dv_geotrust", spec);
  publish_txt("_dnsauth.example.com", random_value(second));
  EXPECT_EQ(check_dcv(second, R"({"dns_names_validations":["example.com"]})").status, 200);
  EXPECT_EQ(error_code(check_dcv(second, R"({"dns_name_validations":["example.net"]})")),
            "invalid_dns_txt");

  const HttpReply stranger = check_dcv(second, R"({"dns_name_validations":["example.org"]})");
  EXPECT_EQ(stranger.status, 400);
  EXPECT_EQ(error_code(stranger), "invalid_param");
  EXPECT_EQ(error_code(check_dcv(second, "not json")), "bad_request_format");
}

TEST_F(DigicertSimTest, OneDomainValidationCoversItsSubdomainsAndWildcard) {
  OrderSpec spec;
  spec.common_name = "*.example.com";
  spec.dns_names = {"*.example.com", "example.com", "shop.eu.example.com"};
  const std::int64_t id = create_order("wildcard_dv_geotrust", spec);
  publish_txt("_dnsauth.example.com", random_value(id));
  const rapidjson::Document body = check_dcv(id).json();
  EXPECT_STREQ(body["order_status"].GetString(), "issued");
}

TEST_F(DigicertSimTest, HttpTokenIsAFileAtTheExactHost) {
  for (const CheckDcvStyle style : {CheckDcvStyle::per_name, CheckDcvStyle::all_or_error}) {
    start([&](SimulatorOptions& options) {
      options.check_dcv_style = style;
      options.check_dcv_on_read = false;
    });
    world_.clear();
    OrderSpec spec;
    spec.common_name = "www.example.com";
    spec.dns_names = {"www.example.com"};
    spec.dcv_method = "http-token";
    const std::int64_t id = create_order("ssl_dv_geotrust", spec);

    HttpReply reply = check_dcv(id);
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(error_code(reply), "file_random_value_not_found");
    // The wrong place or the wrong value proves nothing.
    world_.publish_file("http://example.com/.well-known/pki-validation/fileauth.txt",
                        random_value(id));
    world_.publish_file("http://www.example.com/.well-known/pki-validation/other.txt",
                        random_value(id));
    EXPECT_EQ(error_code(check_dcv(id)), "file_random_value_not_found");

    world_.publish_file("http://www.example.com/.well-known/pki-validation/fileauth.txt",
                        random_value(id) + "\r\n");
    reply = check_dcv(id);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_STREQ(reply.json()["order_status"].GetString(), "issued");

    // A file proves that host only: not its subdomains.
    OrderSpec same = spec;
    EXPECT_EQ(simulator_->order(create_order("ssl_dv_geotrust", same))->status, "issued");
    OrderSpec below = spec;
    below.common_name = "shop.www.example.com";
    below.dns_names = {"shop.www.example.com"};
    EXPECT_EQ(simulator_->order(create_order("ssl_dv_geotrust", below))->status, "pending");
  }
}

TEST_F(DigicertSimTest, EmailDcvPassesOnceTheOwnerApproves) {
  for (const CheckDcvStyle style : {CheckDcvStyle::per_name, CheckDcvStyle::all_or_error}) {
    start([&](SimulatorOptions& options) {
      options.check_dcv_style = style;
      options.check_dcv_on_read = false;
    });
    OrderSpec spec;
    spec.dns_names = {"example.com", "www.example.com"};
    spec.dcv_method = "email";
    const std::int64_t id = create_order("ssl_dv_geotrust", spec);
    HttpReply reply = check_dcv(id);
    ASSERT_EQ(reply.status, 200);
    EXPECT_STREQ(reply.json()["order_status"].GetString(), "pending");
    EXPECT_STREQ(reply.json()["dcv_status"].GetString(), "pending");

    simulator_->approve_email("other.com");
    EXPECT_STREQ(check_dcv(id).json()["order_status"].GetString(), "pending");
    simulator_->approve_email("Example.com");
    reply = check_dcv(id);
    EXPECT_STREQ(reply.json()["order_status"].GetString(), "issued");
    EXPECT_STREQ(reply.json()["dcv_status"].GetString(), "valid");
  }
}

TEST_F(DigicertSimTest, ReadingAPendingOrderRechecksDcv) {
  const std::int64_t id = create_order("ssl_dv_geotrust", {});
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "pending");
  publish_txt("_dnsauth.example.com", random_value(id));
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "issued");
}

TEST_F(DigicertSimTest, WithoutReadChecksOnlyCheckDcvIssues) {
  start([](SimulatorOptions& options) { options.check_dcv_on_read = false; });
  const std::int64_t id = create_order("ssl_dv_geotrust", {});
  publish_txt("_dnsauth.example.com", random_value(id));
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "pending");
  EXPECT_STREQ(check_dcv(id).json()["order_status"].GetString(), "issued");
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "issued");
}

TEST_F(DigicertSimTest, SuccessfulDcvValidatesTheDomainInTheAccountFor397Days) {
  const std::int64_t first = create_order("ssl_dv_geotrust", {});
  publish_txt("_dnsauth.example.com", random_value(first));
  EXPECT_STREQ(check_dcv(first).json()["order_status"].GetString(), "issued");
  world_.clear();

  OrderSpec spec;
  spec.dns_names = {"example.com", "api.example.com"};
  spec.dcv_method = "email";
  HttpReply reply;
  const std::int64_t second = create_order("ssl_dv_geotrust", spec, &reply);
  EXPECT_TRUE(reply.json().HasMember("certificate_id"));
  EXPECT_EQ(simulator_->order(second)->status, "issued");

  clock_.advance(std::chrono::days(397));
  const std::int64_t third = create_order("ssl_dv_geotrust", {});
  EXPECT_EQ(simulator_->order(third)->status, "pending");
}

// ---- issuance -----------------------------------------------------------------------------

TEST_F(DigicertSimTest, ImmediateIssuanceAnswersTheChain) {
  simulator_->prevalidate_domain("example.com");
  OrderSpec spec;
  spec.dns_names = {"example.com", "www.example.com"};
  HttpReply reply;
  const std::int64_t id = create_order("ssl_dv_geotrust", spec, &reply);
  const rapidjson::Document body = reply.json();
  const auto view = simulator_->order(id);
  EXPECT_EQ(view->status, "issued");
  EXPECT_EQ(body["certificate_id"].GetInt64(), view->certificate_id);
  EXPECT_FALSE(body.HasMember("requests"));
  const rapidjson::Value& chain = body["certificate_chain"];
  ASSERT_EQ(chain.Size(), 3U);
  EXPECT_STREQ(chain[0]["subject_common_name"].GetString(), "example.com");
  const std::string leaf = chain[0]["pem"].GetString();
  const std::string intermediate = chain[1]["pem"].GetString();
  const std::string root = chain[2]["pem"].GetString();
  EXPECT_NE(leaf.find("-----\r\n"), std::string::npos);
  EXPECT_EQ(chain[1]["subject_common_name"].GetString(),
            core::pki::parse_certificate(issuing_ca().intermediate_pem())->subject_common_name);
  EXPECT_EQ(chain[2]["subject_common_name"].GetString(),
            core::pki::parse_certificate(issuing_ca().root_pem())->subject_common_name);

  const auto info = core::pki::parse_certificate(leaf);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->subject_common_name, "example.com");
  EXPECT_EQ(info->dns_names, spec.dns_names);
  EXPECT_EQ(info->not_before, clock_.now());
  EXPECT_EQ(info->not_after, clock_.now() + std::chrono::days(90));
  EXPECT_TRUE(chain_verifies(leaf, intermediate, root, clock_.now()));

  const rapidjson::Document order = get_order(id).json();
  EXPECT_STREQ(order["certificate"]["serial_number"].GetString(), info->serial_hex.c_str());
}

TEST_F(DigicertSimTest, OvWaitsForTheOrganizationAfterDcv) {
  const HttpReply organization =
      call("POST", "organization", organization_json("Kamau Traders", "Nairobi"));
  const std::int64_t organization_id = organization.json()["id"].GetInt64();
  OrderSpec spec;
  spec.organization_id = organization_id;
  spec.dns_names = {"example.com", "www.example.com"};
  const std::int64_t id = create_order("ssl_multi_domain", spec);
  publish_txt("_dnsauth.example.com", random_value(id));
  const rapidjson::Document checked = check_dcv(id).json();
  EXPECT_STREQ(checked["order_status"].GetString(), "pending");
  EXPECT_STREQ(checked["dcv_status"].GetString(), "valid");
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "pending");

  simulator_->validate_organization(organization_id);
  const rapidjson::Document order = get_order(id).json();
  EXPECT_STREQ(order["status"].GetString(), "issued");
  EXPECT_EQ(order["organization"]["id"].GetInt64(), organization_id);
  EXPECT_STREQ(order["product"]["validation_type"].GetString(), "ov");
}

TEST_F(DigicertSimTest, EvWithAValidatedOrganizationAndDomainIssuesAtOnce) {
  simulator_->prevalidate_domain("example.com");
  OrderSpec spec;
  spec.organization_id = kValidatedOrganization;
  HttpReply reply;
  const std::int64_t id = create_order("ssl_ev_basic", spec, &reply);
  EXPECT_TRUE(reply.json().HasMember("certificate_chain"));
  EXPECT_EQ(simulator_->order(id)->validation_type, "ev");
  EXPECT_EQ(simulator_->order(id)->organization_id, kValidatedOrganization);
}

TEST_F(DigicertSimTest, WithoutSkipApprovalTheOrderWaitsForAnAdministrator) {
  simulator_->prevalidate_domain("example.com");
  OrderSpec spec;
  spec.skip_approval = false;
  HttpReply reply;
  const std::int64_t id = create_order("ssl_dv_geotrust", spec, &reply);
  EXPECT_FALSE(reply.json().HasMember("certificate_id"));
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "needs_approval");
  EXPECT_STREQ(check_dcv(id).json()["order_status"].GetString(), "needs_approval");
  EXPECT_TRUE(simulator_->approve_request(id));
  EXPECT_FALSE(simulator_->approve_request(id));
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "issued");
}

// ---- download -----------------------------------------------------------------------------

TEST_F(DigicertSimTest, DownloadIsNotFoundBeforeIssuance) {
  start([](SimulatorOptions& options) { options.check_dcv_on_read = false; });
  const std::int64_t id = create_order("ssl_dv_geotrust", {});
  const std::int64_t certificate_id = simulator_->order(id)->certificate_id;
  const HttpReply early = download(certificate_id);
  EXPECT_EQ(early.status, 404);
  EXPECT_EQ(error_code(early), "not_found|certificate");
  publish_txt("_dnsauth.example.com", random_value(id));
  check_dcv(id);
  EXPECT_EQ(download(certificate_id).status, 200);
}

TEST_F(DigicertSimTest, PemAllIsLeafIntermediateRootWithCrlf) {
  const std::int64_t id = issued_order();
  const HttpReply reply = download(simulator_->order(id)->certificate_id);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.header("content-type"), "application/x-pem-file");
  EXPECT_EQ(reply.body.find('\n'), reply.body.find("\r\n") + 1);
  for (std::size_t at = reply.body.find('\n'); at != std::string::npos;
       at = reply.body.find('\n', at + 1)) {
    ASSERT_EQ(reply.body[at - 1], '\r') << at;
  }
  const auto chain = core::pki::split_pem_chain(reply.body);
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 3U);
  const auto leaf = core::pki::parse_certificate((*chain)[0]);
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(leaf->dns_names, (std::vector<std::string>{"example.com", "www.example.com"}));
  EXPECT_EQ(leaf->not_after, clock_.now() + std::chrono::days(90));
  EXPECT_EQ(core::pki::parse_certificate((*chain)[1])->sha256_fingerprint,
            core::pki::parse_certificate(issuing_ca().intermediate_pem())->sha256_fingerprint);
  EXPECT_EQ(core::pki::parse_certificate((*chain)[2])->sha256_fingerprint,
            core::pki::parse_certificate(issuing_ca().root_pem())->sha256_fingerprint);
  EXPECT_TRUE(chain_verifies((*chain)[0], (*chain)[1], (*chain)[2], clock_.now()));
  // The verification is real: another CA's root does not anchor it, nor does a later date.
  const sim::IssuingCa stranger = sim::IssuingCa::generate("Stranger");
  EXPECT_FALSE(chain_verifies((*chain)[0], (*chain)[1], stranger.root_pem(), clock_.now()));
  EXPECT_FALSE(
      chain_verifies((*chain)[0], (*chain)[1], (*chain)[2], clock_.now() + std::chrono::days(91)));

  const HttpReply no_root =
      call("GET", "certificate/" + std::to_string(simulator_->order(id)->certificate_id) +
                      "/download/format/pem_noroot");
  EXPECT_EQ(core::pki::split_pem_chain(no_root.body)->size(), 2U);
}

TEST_F(DigicertSimTest, CrlfCanBeTurnedOff) {
  start([](SimulatorOptions& options) { options.crlf_pem = false; });
  simulator_->prevalidate_domain("example.com");
  HttpReply reply;
  const std::int64_t id = create_order("ssl_dv_geotrust", {}, &reply);
  EXPECT_EQ(std::string(reply.json()["certificate_chain"][0]["pem"].GetString()).find('\r'),
            std::string::npos);
  const HttpReply pem = download(simulator_->order(id)->certificate_id);
  EXPECT_EQ(pem.body.find('\r'), std::string::npos);
  EXPECT_EQ(core::pki::split_pem_chain(pem.body)->size(), 3U);
}

TEST_F(DigicertSimTest, DefaultValidityIs199Days) {
  simulator_->prevalidate_domain("example.com");
  OrderSpec spec;
  spec.validity_days.reset();
  const std::int64_t id = create_order("ssl_dv_geotrust", spec);
  const HttpReply pem = download(simulator_->order(id)->certificate_id);
  EXPECT_EQ(core::pki::parse_certificate(pem.body)->not_after,
            clock_.now() + std::chrono::days(199));
}

// ---- reissue, revoke, cancel --------------------------------------------------------------

TEST_F(DigicertSimTest, ReissueOfValidatedNamesIssuesANewCertificateAtOnce) {
  const std::int64_t id = issued_order();
  const std::int64_t old_certificate = simulator_->order(id)->certificate_id;
  clock_.advance(std::chrono::days(10));
  OrderSpec spec;
  spec.common_name = "www.example.com";
  spec.dns_names = {"www.example.com", "api.example.com"};
  const HttpReply reply =
      call("POST", "order/certificate/" + std::to_string(id) + "/reissue", order_json(spec));
  ASSERT_EQ(reply.status, 201) << reply.body;
  const rapidjson::Document body = reply.json();
  EXPECT_EQ(body["id"].GetInt64(), id);
  EXPECT_STREQ(body["requests"][0]["status"].GetString(), "pending");

  const auto view = simulator_->order(id);
  EXPECT_NE(view->certificate_id, old_certificate);
  EXPECT_EQ(view->certificate_ids,
            (std::vector<std::int64_t>{old_certificate, view->certificate_id}));
  const rapidjson::Document order = get_order(id).json();
  EXPECT_STREQ(order["status"].GetString(), "issued");
  EXPECT_EQ(order["certificate"]["id"].GetInt64(), view->certificate_id);

  const auto leaf = core::pki::parse_certificate(download(view->certificate_id).body);
  EXPECT_EQ(leaf->dns_names, spec.dns_names);
  EXPECT_EQ(leaf->not_before, clock_.now());
  // A reissue ends with the order's term.
  EXPECT_EQ(leaf->not_after, at_utc("2026-11-22T10:00:00Z") + std::chrono::days(90));
  // The old certificate stays downloadable.
  EXPECT_EQ(download(old_certificate).status, 200);
}

TEST_F(DigicertSimTest, ReissueWithANewDomainWaitsForDcvAndBlocksRevocation) {
  const std::int64_t id = issued_order();
  OrderSpec spec;
  spec.dns_names = {"example.com", "example.org"};
  ASSERT_EQ(
      call("POST", "order/certificate/" + std::to_string(id) + "/reissue", order_json(spec)).status,
      201);
  const auto view = simulator_->order(id);
  EXPECT_EQ(view->status, "reissue_pending");
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "reissue_pending");
  EXPECT_EQ(error_code(download(view->certificate_id)), "not_found|certificate");

  const HttpReply revoke =
      call("PUT", "certificate/" + std::to_string(view->certificate_ids[0]) + "/revoke",
           R"({"comments":"key lost","skip_approval":true})");
  EXPECT_EQ(revoke.status, 400);
  EXPECT_EQ(error_code(revoke), "invalid_status");
  EXPECT_EQ(error_code(call("POST", "order/certificate/" + std::to_string(id) + "/reissue",
                            order_json(spec))),
            "invalid_status");

  publish_txt("_dnsauth.example.org", random_value(id));
  const rapidjson::Document checked = check_dcv(id).json();
  EXPECT_STREQ(checked["order_status"].GetString(), "issued");
  EXPECT_EQ(checked["certificate_id"].GetInt64(), view->certificate_id);
  EXPECT_EQ(download(view->certificate_id).status, 200);
}

TEST_F(DigicertSimTest, ReissueIsRefusedBeforeIssuanceAndWithABadCsr) {
  const std::int64_t pending = create_order("ssl_dv_geotrust", {});
  const HttpReply early =
      call("POST", "order/certificate/" + std::to_string(pending) + "/reissue", order_json({}));
  EXPECT_EQ(early.status, 400);
  EXPECT_EQ(error_code(early), "invalid_status");

  const std::int64_t id = issued_order();
  OrderSpec bad;
  bad.csr = "garbage";
  EXPECT_EQ(error_code(call("POST", "order/certificate/" + std::to_string(id) + "/reissue",
                            order_json(bad))),
            "invalid_csr");
  OrderSpec file;
  file.common_name = "*.example.com";
  file.dns_names = {"*.example.com"};
  file.dcv_method = "http-token";
  EXPECT_EQ(error_code(call("POST", "order/certificate/" + std::to_string(id) + "/reissue",
                            order_json(file))),
            "invalid_param");  // ssl_dv_geotrust takes no wildcard
  EXPECT_EQ(simulator_->order(id)->status, "issued");
}

TEST_F(DigicertSimTest, RevokeWithSkipApprovalIs204AndRevokesTheOrder) {
  const std::int64_t id = issued_order();
  const std::string path =
      "certificate/" + std::to_string(simulator_->order(id)->certificate_id) + "/revoke";
  const HttpReply reply =
      call("PUT", path, R"({"comments":"key compromised","skip_approval":true})");
  EXPECT_EQ(reply.status, 204);
  EXPECT_TRUE(reply.body.empty());
  EXPECT_EQ(reply.header("content-type"), "");
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "revoked");
  EXPECT_EQ(error_code(call("PUT", path, R"({"skip_approval":true})")), "invalid_status");
  EXPECT_EQ(error_code(call("POST", "order/certificate/" + std::to_string(id) + "/reissue",
                            order_json({}))),
            "invalid_status");
}

TEST_F(DigicertSimTest, RevokeWithoutSkipApprovalIsAPendingRequest) {
  const std::int64_t id = issued_order();
  const HttpReply reply = call(
      "PUT", "certificate/" + std::to_string(simulator_->order(id)->certificate_id) + "/revoke",
      R"({"comments":"superseded"})");
  ASSERT_EQ(reply.status, 201);
  const rapidjson::Document body = reply.json();
  EXPECT_TRUE(body["id"].IsInt64());
  EXPECT_STREQ(body["date"].GetString(), "2026-11-22T10:00:00+00:00");
  EXPECT_STREQ(body["type"].GetString(), "revoke");
  EXPECT_STREQ(body["status"].GetString(), "pending");
  EXPECT_STREQ(body["comments"].GetString(), "superseded");
  EXPECT_EQ(simulator_->order(id)->status, "issued");
  EXPECT_EQ(simulator_->order(id)->pending_revoke_requests, 1U);
}

TEST_F(DigicertSimTest, RevokeBeforeIssuanceIsRefused) {
  const std::int64_t id = create_order("ssl_dv_geotrust", {});
  const HttpReply reply = call(
      "PUT", "certificate/" + std::to_string(simulator_->order(id)->certificate_id) + "/revoke",
      R"({"skip_approval":true})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(error_code(reply), "invalid_status");
}

TEST_F(DigicertSimTest, CancelAcceptsAnyCaseBeforeIssuanceOnly) {
  const std::int64_t id = create_order("ssl_dv_geotrust", {});
  const std::string path = "order/certificate/" + std::to_string(id) + "/status";
  EXPECT_EQ(error_code(call("PUT", path, R"({"status":"approved"})")), "invalid_status");
  EXPECT_EQ(error_code(call("PUT", path, R"({"note":"no status"})")), "missing_param");
  EXPECT_EQ(error_code(call("PUT", path, "")), "bad_request_format");

  const HttpReply reply = call("PUT", path, R"({"status":"CANCELED","note":"customer left"})");
  EXPECT_EQ(reply.status, 204);
  EXPECT_TRUE(reply.body.empty());
  const auto view = simulator_->order(id);
  EXPECT_EQ(view->status, "canceled");
  EXPECT_EQ(view->cancel_note, "customer left");
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "canceled");
  // A canceled order stays canceled, and DCV no longer moves it.
  EXPECT_EQ(error_code(call("PUT", path, R"({"status":"canceled"})")), "invalid_status");
  publish_txt("_dnsauth.example.com", random_value(id));
  EXPECT_EQ(error_code(check_dcv(id)), "invalid_status");
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "canceled");

  const std::int64_t issued = issued_order();
  const HttpReply late = call("PUT", "order/certificate/" + std::to_string(issued) + "/status",
                              R"({"status":"canceled"})");
  EXPECT_EQ(late.status, 400);
  EXPECT_EQ(error_code(late), "invalid_status");
  EXPECT_EQ(simulator_->order(issued)->status, "issued");
}

TEST_F(DigicertSimTest, StatusOverrideChangesOnlyWhatTheReadReports) {
  const std::int64_t id = create_order("ssl_dv_geotrust", {});
  simulator_->set_status_override(id, "approved");
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "approved");
  EXPECT_EQ(simulator_->order(id)->status, "pending");
  EXPECT_EQ(simulator_->order(id)->reported_status, "approved");
  simulator_->set_status_override(id, "");
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "pending");
}

TEST_F(DigicertSimTest, AnIssuedOrderExpiresWithItsCertificate) {
  const std::int64_t id = issued_order();
  clock_.advance(std::chrono::days(90) - 1s);
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "issued");
  clock_.advance(1s);
  EXPECT_STREQ(get_order(id).json()["status"].GetString(), "expired");
  EXPECT_EQ(error_code(call("POST", "order/certificate/" + std::to_string(id) + "/reissue",
                            order_json({}))),
            "invalid_status");
}

// ---- the order list ----------------------------------------------------------------------

// The ids of a list answer's rows, in order.
std::vector<std::int64_t> row_ids(const HttpReply& reply) {
  std::vector<std::int64_t> ids;
  const rapidjson::Document body = reply.json();
  for (const auto& row : body["orders"].GetArray())
    ids.push_back(row["id"].GetInt64());
  return ids;
}

TEST_F(DigicertSimTest, ListsOrdersInTheDocumentedShape) {
  OrderSpec pair;
  pair.dns_names = {"example.com", "www.example.com"};
  const std::int64_t dv = create_order("ssl_dv_geotrust", pair);
  clock_.advance(1min);
  OrderSpec ov;
  ov.organization_id = kValidatedOrganization;
  const std::int64_t basic = create_order("ssl_basic", ov);

  const HttpReply reply = call("GET", "order/certificate");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("content-type"), "application/json");
  const rapidjson::Document body = reply.json();
  // Newest first when no sort is asked for.
  EXPECT_EQ(row_ids(reply), (std::vector<std::int64_t>{basic, dv}));
  const rapidjson::Value& row = body["orders"][1];
  EXPECT_EQ(row["certificate"]["id"].GetInt64(), simulator_->order(dv)->certificate_id);
  EXPECT_STREQ(row["certificate"]["common_name"].GetString(), "example.com");
  EXPECT_EQ(strings_of(row["certificate"]["dns_names"]), pair.dns_names);
  EXPECT_FALSE(row["certificate"].HasMember("valid_till"));
  EXPECT_STREQ(row["status"].GetString(), "pending");
  EXPECT_STREQ(row["date_created"].GetString(), "2026-11-22T10:00:00+00:00");
  EXPECT_STREQ(row["product"]["name_id"].GetString(), "ssl_dv_geotrust");
  EXPECT_FALSE(row.HasMember("organization"));
  EXPECT_EQ(body["orders"][0]["organization"]["id"].GetInt64(), kValidatedOrganization);
  EXPECT_STREQ(body["orders"][0]["date_created"].GetString(), "2026-11-22T10:01:00+00:00");
  EXPECT_EQ(body["page"]["total"].GetInt64(), 2);
  EXPECT_EQ(body["page"]["limit"].GetInt64(), 1000);
  EXPECT_EQ(body["page"]["offset"].GetInt64(), 0);
}

TEST_F(DigicertSimTest, ListFiltersByCommonNameStatusAndProduct) {
  const std::int64_t pending = create_order("ssl_dv_geotrust", {});  // example.com
  OrderSpec ov;
  ov.organization_id = kValidatedOrganization;
  const std::int64_t basic = create_order("ssl_basic", ov);
  OrderSpec www;
  www.common_name = "www.example.com";
  www.dns_names = {"www.example.com"};
  const std::int64_t sub = create_order("ssl_dv_geotrust", www);
  simulator_->prevalidate_domain("example.org");
  OrderSpec shop;
  shop.common_name = "shop.example.org";
  shop.dns_names = {"shop.example.org"};
  const std::int64_t issued = create_order("ssl_dv_geotrust", shop);
  ASSERT_EQ(simulator_->order(issued)->status, "issued");

  using Ids = std::vector<std::int64_t>;
  const std::string list = "order/certificate?sort=%2Border_id&";
  // The common name exactly, in any case: not a subdomain's.
  EXPECT_EQ(row_ids(call("GET", list + "filters%5Bcommon_name%5D=Example.COM")),
            (Ids{pending, basic}));
  // "%" matches any run of characters, as the documented "%example.com" does.
  EXPECT_EQ(row_ids(call("GET", list + "filters%5Bcommon_name%5D=%25example.org")), (Ids{issued}));
  EXPECT_EQ(row_ids(call("GET", list + "filters%5Bcommon_name%5D=%25.example.%25")),
            (Ids{sub, issued}));
  EXPECT_TRUE(row_ids(call("GET", list + "filters%5Bcommon_name%5D=example")).empty());
  EXPECT_EQ(row_ids(call("GET", list + "filters%5Bstatus%5D=issued")), (Ids{issued}));
  EXPECT_EQ(row_ids(call("GET", list + "filters%5Bproduct_name_id%5D=ssl_basic")), (Ids{basic}));
  const HttpReply both =
      call("GET", list +
                      "filters%5Bcommon_name%5D=example.com&filters%5Bproduct_name_id%5D="
                      "ssl_dv_geotrust");
  EXPECT_EQ(row_ids(both), (Ids{pending}));
  EXPECT_EQ(both.json()["page"]["total"].GetInt64(), 1);
}

TEST_F(DigicertSimTest, ListShowsOrdersAsAReadOfEachWould) {
  const std::int64_t id = create_order("ssl_dv_geotrust", {});
  publish_txt("_dnsauth.example.com", random_value(id));
  const HttpReply reply = call("GET", "order/certificate?filters%5Bstatus%5D=issued");
  ASSERT_EQ(row_ids(reply), (std::vector<std::int64_t>{id}));
  EXPECT_STREQ(reply.json()["orders"][0]["certificate"]["valid_till"].GetString(), "2027-02-20");
  simulator_->set_status_override(id, "approved");
  EXPECT_STREQ(call("GET", "order/certificate").json()["orders"][0]["status"].GetString(),
               "approved");
}

TEST_F(DigicertSimTest, ListSortsOnlyWithAnExplicitSign) {
  OrderSpec www;
  www.common_name = "www.example.com";
  www.dns_names = {"www.example.com"};
  // Created out of id order: the second order is dated before the first.
  const std::int64_t later = create_order("ssl_dv_geotrust", {});
  clock_.advance(-2min);
  const std::int64_t earlier = create_order("ssl_dv_geotrust", www);
  clock_.advance(5min);
  const std::int64_t latest = create_order("ssl_dv_geotrust", {});

  EXPECT_EQ(row_ids(call("GET", "order/certificate?sort=-date_created")),
            (std::vector<std::int64_t>{latest, later, earlier}));
  EXPECT_EQ(row_ids(call("GET", "order/certificate?sort=%2Bdate_created")),
            (std::vector<std::int64_t>{earlier, later, latest}));
  EXPECT_EQ(row_ids(call("GET", "order/certificate?sort=-common_name")),
            (std::vector<std::int64_t>{earlier, latest, later}));
  EXPECT_EQ(row_ids(call("GET", "order/certificate?sort=%2Border_id")),
            (std::vector<std::int64_t>{later, earlier, latest}));
  // Without its sign (or with a raw "+", which a query reads as a space) the sort is not
  // applied: newest order first.
  const std::vector<std::int64_t> unsorted = {latest, earlier, later};
  EXPECT_EQ(row_ids(call("GET", "order/certificate?sort=date_created")), unsorted);
  EXPECT_EQ(row_ids(call("GET", "order/certificate?sort=+date_created")), unsorted);
  EXPECT_EQ(row_ids(call("GET", "order/certificate?sort=-price")), unsorted);
}

TEST_F(DigicertSimTest, ListPagesWithinTheLimitBounds) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(create_order("ssl_dv_geotrust", {}));
    clock_.advance(1s);
  }
  const std::string list = "order/certificate?sort=%2Bdate_created";
  const HttpReply first = call("GET", list + "&limit=2");
  EXPECT_EQ(row_ids(first), (std::vector<std::int64_t>{ids[0], ids[1]}));
  EXPECT_EQ(first.json()["page"]["total"].GetInt64(), 5);
  EXPECT_EQ(first.json()["page"]["limit"].GetInt64(), 2);
  const HttpReply last = call("GET", list + "&limit=2&offset=4");
  EXPECT_EQ(row_ids(last), (std::vector<std::int64_t>{ids[4]}));
  EXPECT_EQ(last.json()["page"]["offset"].GetInt64(), 4);
  EXPECT_TRUE(row_ids(call("GET", list + "&offset=5")).empty());
  EXPECT_EQ(call("GET", list + "&offset=9").json()["page"]["total"].GetInt64(), 5);
  // More than the documented 1000 is served as 1000, and the page says so.
  const HttpReply capped = call("GET", list + "&limit=5000");
  EXPECT_EQ(row_ids(capped), ids);
  EXPECT_EQ(capped.json()["page"]["limit"].GetInt64(), 1000);
  for (const std::string bad : {"limit=0", "limit=-1", "limit=ten", "offset=-1", "offset=1.5"}) {
    const HttpReply refused = call("GET", list + "&" + bad);
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_EQ(error_code(refused), "invalid_param") << bad;
  }
}

TEST_F(DigicertSimTest, ListCountsAgainstTheRateLimits) {
  start([](SimulatorOptions& options) { options.burst_limit = 2; });
  EXPECT_EQ(call("GET", "order/certificate").status, 200);
  EXPECT_EQ(call("GET", "order/certificate?limit=1").status, 200);
  const HttpReply refused = call("GET", "order/certificate");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(error_code(refused), "request_limit_exceeded");
  EXPECT_EQ(call("GET", "order/certificate", "", "wrong").status, 401);
  EXPECT_EQ(call("POST", "order/certificate", order_json({})).status, 429);
  clock_.advance(5s);
  EXPECT_EQ(error_code(call("POST", "order/certificate", order_json({}))), "not_found|route");
}

TEST(DigicertSimOptionsTest, AWorldIsRequired) {
  EXPECT_THROW(Simulator(SimulatorOptions{.api_key = "k"}), std::invalid_argument);
}

}  // namespace
}  // namespace portico
