// Domains end to end: the gateway over HTTP, two simulated Hostraha accounts over HTTP, a real
// SQLite file. What the supplier ends up holding is read from the simulators themselves.
#include "portico/store/domains.hpp"

#include <future>
#include <netinet/in.h>
#include <regex>
#include <sys/socket.h>
#include <unistd.h>

#include "portico/store/store.hpp"

#include "e2e/domain_fixture.hpp"

namespace portico::testing {
namespace {

using std::chrono::sys_days;

std::string data_string(const HttpReply& reply, const char* field) {
  const auto json = reply.json();
  const auto& value = json["data"][field];
  return value.IsString() ? value.GetString() : "";
}

TEST_F(DomainTest, RegistrationReachesTheSupplierAndIsRecorded) {
  const std::int64_t credit = primary_.simulator->credit_minor();
  const HttpReply reply =
      api("POST", "/api/v1/domains", registration("Wanjiru-Shop.com", R"("privacy":true)"));
  ASSERT_EQ(reply.status, 201) << reply.body;
  const auto json = reply.json();
  const auto& data = json["data"];
  EXPECT_STREQ(data["object"].GetString(), "domain");
  EXPECT_EQ(std::string(data["id"].GetString()).rfind("dom_", 0), 0U);
  EXPECT_STREQ(data["name"].GetString(), "wanjiru-shop.com");
  EXPECT_STREQ(data["status"].GetString(), "active");
  EXPECT_TRUE(data["privacy"].GetBool());
  EXPECT_EQ(data["customer_id"].GetString(), customer_);
  ASSERT_TRUE(data["expires_at"].IsString());
  ASSERT_EQ(data["nameservers"].Size(), 2U);

  const auto held = primary_.simulator->domain("wanjiru-shop.com");
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->nameservers, (std::vector<std::string>{"ns1.hostco.net", "ns2.hostco.net"}));
  EXPECT_TRUE(held->id_protection);
  EXPECT_EQ(held->contacts.at("Registrant").first_name, "Wanjiru");
  EXPECT_EQ(held->contacts.at("Registrant").phone, "+254.712345678");
  // Two years of .com, charged once; the expiry is the supplier's.
  EXPECT_LT(primary_.simulator->credit_minor(), credit);
  EXPECT_EQ(primary_.simulator->charges(), 1U);
  EXPECT_EQ(data["expires_at"].GetString(),
            core::format_rfc3339(core::TimePoint(held->expires_on)));
  EXPECT_EQ(kenya_.calls(), 0U);

  const std::string id = data["id"].GetString();
  const HttpReply read = api("GET", "/api/v1/domains/" + id);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(data_string(read, "name"), "wanjiru-shop.com");
  EXPECT_EQ(event_types(id), std::vector<std::string>{"domain.registered"});

  // The same name again is refused before the supplier is asked.
  const std::size_t calls = primary_.calls();
  expect_error(api("POST", "/api/v1/domains", registration("wanjiru-shop.com")), 409,
               "invalid_request_error", "domain_exists", "name");
  EXPECT_EQ(primary_.calls(), calls);
}

TEST_F(DomainTest, IdnNamesAreRegisteredAsPunycode) {
  const HttpReply reply = api("POST", "/api/v1/domains", registration("bücher.com"));
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(data_string(reply, "name"), "xn--bcher-kva.com");
  EXPECT_EQ(data_string(reply, "unicode_name"), "bücher.com");
  EXPECT_TRUE(primary_.simulator->domain("xn--bcher-kva.com").has_value());
}

TEST_F(DomainTest, RoutesByTheLongestTldSuffix) {
  register_domain("duka.co.ke");
  register_domain("duka.com");
  EXPECT_TRUE(kenya_.simulator->domain("duka.co.ke").has_value());
  EXPECT_FALSE(primary_.simulator->domain("duka.co.ke").has_value());
  EXPECT_TRUE(primary_.simulator->domain("duka.com").has_value());
  EXPECT_FALSE(kenya_.simulator->domain("duka.com").has_value());

  expect_error(api("POST", "/api/v1/domains", registration("duka.example")), 422,
               "invalid_request_error", "unsupported_tld", "name");
  EXPECT_EQ(primary_.simulator->charges() + kenya_.simulator->charges(), 2U);
}

TEST_F(DomainTest, BadRegistrationsAreRefusedBeforeTheSupplier) {
  const struct {
    std::string body;
    int status;
    std::string code;
    std::string param;
  } cases[] = {
      {registration("-bad-.com"), 400, "invalid_domain_name", "name"},
      {std::regex_replace(registration("ok.com"), std::regex("\"years\":2"), "\"years\":11"), 400,
       "parameter_out_of_range", "years"},
      {R"({"name":"ok.com","nameservers":["ns1.a.com","ns2.a.com"]})", 400, "parameter_missing",
       "contacts"},
      {R"({"name":"ok.com","contacts":{"registrant":{}}})", 400, "parameter_missing",
       "nameservers"},
      {registration("ok.com", R"("surprise":1)"), 400, "parameter_unknown", "surprise"},
      {R"({"name":"ok.com","customer_id":"cus_nope","years":1,"nameservers":["ns1.a.com","ns2.a.com"],"contacts":{"registrant":{"first_name":"A","last_name":"B","email":"a@b.co","phone":"0712345678","address1":"x","city":"y","state":"z","postcode":"1","country":"KE"}}})",
       400, "invalid_phone", "contacts.registrant.phone"},
      {"[1,2]", 400, "invalid_type", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    expect_error(api("POST", "/api/v1/domains", c.body), c.status, "invalid_request_error", c.code,
                 c.param);
  }
  expect_error(api("POST", "/api/v1/domains",
                   registration("ok.com").replace(registration("ok.com").find(customer_),
                                                  customer_.size(), "cus_0000000000000000000000")),
               400, "invalid_request_error", "resource_missing", "customer_id");
  EXPECT_EQ(primary_.calls(), 0U);
  EXPECT_EQ(kenya_.calls(), 0U);
}

TEST_F(DomainTest, SupplierRefusalsAreNormalizedAndLeaveNothingBehind) {
  // Insufficient credit: the supplier refuses; no domain, no event.
  primary_.simulator->set_credit_minor(0);
  HttpReply reply = api("POST", "/api/v1/domains", registration("broke.com"));
  expect_error(reply, 503, "upstream_error", "supplier_insufficient_funds");
  EXPECT_EQ(reply.body.find("nsufficient credit balance"),
            std::string::npos);  // not the supplier's words
  primary_.simulator->set_credit_minor(1'000'000);

  // Registered elsewhere.
  reply = api("POST", "/api/v1/domains", registration("taken.com"));
  expect_error(reply, 409, "invalid_request_error", "domain_unavailable");

  // A body that is not JSON.
  primary_.server->inject({.kind = sim::FaultKind::garbage, .path_prefix = "/"});
  expect_error(api("POST", "/api/v1/domains", registration("garbage.com")), 502, "upstream_error",
               "upstream_bad_response");

  // No answer within the instance's deadline: the supplier shows no trace of it yet, but it may
  // still be acting, so the outcome stays to be learned (never a second order meanwhile).
  primary_.server->inject({.kind = sim::FaultKind::timeout, .path_prefix = "/"});
  expect_error(api("POST", "/api/v1/domains", registration("slow.com")), 504, "upstream_error",
               "upstream_outcome_unknown");
  expect_error(api("POST", "/api/v1/domains", registration("slow.com")), 409,
               "invalid_request_error", "domain_operation_pending", "name");

  const HttpReply list = api("GET", "/api/v1/domains");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json()["total"].GetInt64(), 0);
  for (const char* name : {"broke.com", "taken.com"})
    EXPECT_FALSE(primary_.simulator->domain(name).has_value()) << name;
  // Nothing fell over to the second instance: the first one answered (or may have acted).
  EXPECT_EQ(kenya_.calls(), 0U);
  for (const auto& line : gateway_->log_lines())
    EXPECT_EQ(line.find("primary-key-0123456789"), std::string::npos) << line;
}

// Binds a port and closes it: connections to it are refused.
std::uint16_t refused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST(DomainFailoverTest, RegistrationFailsOverWhenTheFirstInstanceRefusesConnections) {
  TempDir keys;
  SimulatedAccount standby("standby", 1'000'000);
  keys.write("down.key", "down-key-0123456789");
  const std::string yaml =
      "jobs:\n  enabled: false\nproviders:\n  down:\n    type: hostraha\n"
      "    endpoint: http://127.0.0.1:" +
      std::to_string(refused_port()) +
      "/modules/addons/DomainsReseller/api/index.php\n    username: down@reseller.example\n"
      "    api_key_file: " +
      keys.file("down.key") + "\n" + standby.provider_yaml(keys) +
      "routing:\n  domains: { \"*\": [down, standby] }\n";
  RunningGateway gateway("", yaml);
  const auto partner = gateway.create_partner("acme");
  const auto key = gateway.create_key(partner);
  const std::vector<std::pair<std::string, std::string>> json{{"Content-Type", "application/json"}};
  const std::string body =
      R"({"name":"failover.com","nameservers":["ns1.hostco.net","ns2.hostco.net"],)"
      R"("contacts":{"registrant":{"first_name":"A","last_name":"B","email":"a@b.co",)"
      R"("phone":"+254.712345678","address1":"x","city":"y","state":"z","postcode":"1","country":"KE"}}})";
  const HttpReply reply = gateway.api("POST", "/api/v1/domains", key.secret, body, json);
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_TRUE(standby.simulator->domain("failover.com").has_value());

  // Availability fails over the same way.
  const HttpReply available =
      gateway.api("GET", "/api/v1/domains/free-name.com/availability", key.secret);
  ASSERT_EQ(available.status, 200) << available.body;
  EXPECT_TRUE(available.json()["data"]["available"].GetBool());

  // The domain stays with the instance that registered it.
  const std::string id = reply.json()["data"]["id"].GetString();
  const HttpReply code = gateway.api("GET", "/api/v1/domains/" + id + "/auth_code", key.secret);
  ASSERT_EQ(code.status, 200) << code.body;
  EXPECT_EQ(code.json()["data"]["auth_code"].GetString(),
            standby.simulator->domain("failover.com")->epp_code);
}

TEST_F(DomainTest, AvailabilityAndSearchAcrossRoutes) {
  HttpReply reply = api("GET", "/api/v1/domains/free-name.com/availability");
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto json = reply.json();
  EXPECT_STREQ(json["data"]["object"].GetString(), "domain_availability");
  EXPECT_TRUE(json["data"]["available"].GetBool());
  ASSERT_TRUE(json["data"]["price"].IsObject()) << reply.body;
  EXPECT_GT(json["data"]["price"]["amount"].GetInt64(), 0);
  EXPECT_STREQ(json["data"]["price"]["currency"].GetString(), "USD");

  reply = api("GET", "/api/v1/domains/taken.com/availability");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_FALSE(reply.json()["data"]["available"].GetBool());

  expect_error(api("GET", "/api/v1/domains/free.unknowntld/availability"), 422,
               "invalid_request_error", "unsupported_tld", "name");
  expect_error(api("GET", "/api/v1/domains/not_a_name/availability"), 400, "invalid_request_error",
               "invalid_domain_name", "name");

  reply = api(
      "POST", "/api/v1/domains/search",
      R"({"names":["taken.co.ke","open.net"],"query":"mkulima","tlds":["com",".co.ke","unknowntld"]})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  json = reply.json();
  ASSERT_EQ(json["data"].Size(), 5U) << reply.body;
  EXPECT_EQ(json["total"].GetInt64(), 5);
  std::map<std::string, const rapidjson::Value*> by_name;
  for (const auto& item : json["data"].GetArray())
    by_name[item["name"].GetString()] = &item;
  EXPECT_FALSE((*by_name.at("taken.co.ke"))["available"].GetBool());
  EXPECT_TRUE((*by_name.at("open.net"))["available"].GetBool());
  EXPECT_TRUE((*by_name.at("mkulima.com"))["available"].GetBool());
  EXPECT_TRUE((*by_name.at("mkulima.co.ke"))["available"].GetBool());
  const auto& unrouted = *by_name.at("mkulima.unknowntld");
  EXPECT_TRUE(unrouted["available"].IsNull());
  EXPECT_STREQ(unrouted["error"]["code"].GetString(), "unsupported_tld");
  // .co.ke names went to the Kenyan account, the others to the primary one.
  EXPECT_GT(kenya_.calls(), 0U);
  EXPECT_GT(primary_.calls(), 0U);

  expect_error(api("POST", "/api/v1/domains/search", R"({"query":"x"})"), 400,
               "invalid_request_error", "parameter_missing", "tlds");
}

TEST_F(DomainTest, ListsFilterAndPage) {
  for (const char* name : {"one.com", "two.com", "three.co.ke"})
    register_domain(name);
  HttpReply reply = api("GET", "/api/v1/domains?limit=2");
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto json = reply.json();
  EXPECT_EQ(json["total"].GetInt64(), 3);
  EXPECT_TRUE(json["has_more"].GetBool());
  ASSERT_EQ(json["data"].Size(), 2U);
  EXPECT_STREQ(json["data"][0]["name"].GetString(), "three.co.ke");  // newest first
  const std::string cursor = json["data"][1]["id"].GetString();
  reply = api("GET", "/api/v1/domains?limit=2&starting_after=" + cursor);
  json = reply.json();
  ASSERT_EQ(json["data"].Size(), 1U);
  EXPECT_STREQ(json["data"][0]["name"].GetString(), "one.com");
  EXPECT_FALSE(json["has_more"].GetBool());

  reply = api("GET", "/api/v1/domains?tld=.com");
  EXPECT_EQ(reply.json()["total"].GetInt64(), 2);
  reply = api("GET", "/api/v1/domains?name=two.com");
  EXPECT_EQ(reply.json()["total"].GetInt64(), 1);
  reply = api("GET", "/api/v1/domains?customer_id=" + customer_ + "&status=active");
  EXPECT_EQ(reply.json()["total"].GetInt64(), 3);
  reply = api("GET", "/api/v1/domains?status=pending_transfer");
  EXPECT_EQ(reply.json()["total"].GetInt64(), 0);
  expect_error(api("GET", "/api/v1/domains?status=flying"), 400, "invalid_request_error",
               "invalid_status", "status");
  expect_error(api("GET", "/api/v1/domains?color=red"), 400, "invalid_request_error",
               "parameter_unknown", "color");

  // Another partner sees none of them.
  const auto other = gateway_->create_key(gateway_->create_partner("other"));
  reply = gateway_->api("GET", "/api/v1/domains", other.secret);
  EXPECT_EQ(reply.json()["total"].GetInt64(), 0);
  expect_error(gateway_->api("GET", "/api/v1/domains/" + cursor, other.secret), 404,
               "invalid_request_error", "not_found", "id");
}

TEST_F(DomainTest, UpdatesReachTheSupplier) {
  const std::string id = register_domain("settings.com");
  HttpReply reply =
      api("PATCH", "/api/v1/domains/" + id,
          R"({"nameservers":["ns1.other.net","ns2.other.net","ns3.other.net"],)"
          R"("locked":true,"privacy":true,"auto_renew":true,)"
          R"("contacts":{"registrant":{"first_name":"Amina","last_name":"Otieno",)"
          R"("email":"amina@example.co.ke","phone":"+254.700000001","address1":"2 Kenyatta Ave",)"
          R"("city":"Mombasa","state":"Mombasa","postcode":"80100","country":"KE"}}})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto json = reply.json();
  EXPECT_TRUE(json["data"]["locked"].GetBool());
  EXPECT_TRUE(json["data"]["privacy"].GetBool());
  EXPECT_TRUE(json["data"]["auto_renew"].GetBool());
  EXPECT_EQ(json["data"]["nameservers"].Size(), 3U);
  const auto held = primary_.simulator->domain("settings.com");
  EXPECT_TRUE(held->locked);
  EXPECT_TRUE(held->id_protection);
  EXPECT_EQ(held->nameservers.size(), 3U);
  EXPECT_EQ(held->contacts.at("Registrant").first_name, "Amina");
  EXPECT_EQ(held->contacts.at("Admin").first_name, "Amina");  // missing roles follow the registrant

  reply = api("GET", "/api/v1/domains/" + id + "/contacts");
  ASSERT_EQ(reply.status, 200) << reply.body;
  json = reply.json();
  EXPECT_STREQ(json["data"]["registrant"]["first_name"].GetString(), "Amina");
  EXPECT_STREQ(json["data"]["registrant"]["city"].GetString(), "Mombasa");

  const std::string event = event_data("domain.updated", id);
  EXPECT_NE(
      event.find(
          R"("previous_attributes":{"nameservers":["ns1.hostco.net","ns2.hostco.net"],"locked":false)"),
      std::string::npos)
      << event;

  // A failed step reports the error; the steps before it are kept.
  primary_.server->inject(
      {.kind = sim::FaultKind::status,
       .path_prefix = "/modules/addons/DomainsReseller/api/index.php/domains/settings.com/lock",
       .status = 500});
  reply = api("PATCH", "/api/v1/domains/" + id,
              R"({"nameservers":["ns1.hostco.net","ns2.hostco.net"],"locked":false})");
  EXPECT_GE(reply.status, 500) << reply.body;
  reply = api("GET", "/api/v1/domains/" + id);
  json = reply.json();
  EXPECT_EQ(json["data"]["nameservers"].Size(), 2U);
  EXPECT_TRUE(json["data"]["locked"].GetBool());
}

// Domains are served from a cache between changes. A change committed by another process on
// the same database file (here a second store, as a second gateway would open it) is counted
// in the shared `-changes` file, so the very next read sees it.
TEST_F(DomainTest, ADomainChangedByAnotherProcessIsReadAgainAtOnce) {
  const std::string id = register_domain("cached.com");
  HttpReply reply = api("GET", "/api/v1/domains/" + id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_FALSE(reply.json()["data"]["auto_renew"].GetBool());
  reply = api("GET", "/api/v1/domains/" + id);  // now from the cache
  ASSERT_EQ(reply.status, 200) << reply.body;

  auto other = store::Store::open({.path = gateway_->database_path()});
  auto changed = other->write_now<core::Ok>([&](store::Database& db) -> core::Result<core::Ok> {
    auto domain = store::domains::find_held(db, "cached.com");
    if (!domain) return core::Error::not_found("no such domain");
    domain->domain.auto_renew = true;
    store::domains::update(db, *domain);
    return core::Ok{};
  });
  ASSERT_TRUE(changed.ok());
  reply = api("GET", "/api/v1/domains/" + id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(reply.json()["data"]["auto_renew"].GetBool());

  // Another partner's key never gets the cached domain.
  const std::string stranger = gateway_->create_partner("Stranger Hosting");
  const RunningGateway::Key their_key = gateway_->create_key(stranger);
  reply = gateway_->api("GET", "/api/v1/domains/" + id, their_key.secret);
  EXPECT_EQ(reply.status, 404) << reply.body;
}

TEST_F(DomainTest, RenewAuthCodeReleaseAndDelete) {
  const std::string id = register_domain("lifecycle.com");
  const auto before = primary_.simulator->domain("lifecycle.com")->expires_on;
  const std::int64_t credit = primary_.simulator->credit_minor();
  HttpReply reply = api("POST", "/api/v1/domains/" + id + "/renew", R"({"years":3})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto after = primary_.simulator->domain("lifecycle.com")->expires_on;
  EXPECT_GE(after - before, std::chrono::days(3 * 365));
  EXPECT_LE(after - before, std::chrono::days(3 * 366));
  EXPECT_LT(primary_.simulator->credit_minor(), credit);
  EXPECT_EQ(data_string(reply, "expires_at"), core::format_rfc3339(core::TimePoint(after)));

  reply = api("GET", "/api/v1/domains/" + id + "/auth_code");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(data_string(reply, "auth_code"), primary_.simulator->domain("lifecycle.com")->epp_code);

  reply = api("POST", "/api/v1/domains/" + id + "/release", R"({"transfer_tag":"NEWREG"})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(data_string(reply, "status"), "transferred_away");
  EXPECT_EQ(primary_.simulator->domain("lifecycle.com")->release_tag, "NEWREG");
  // A released domain can no longer be changed, and nothing is asked of the supplier.
  const std::size_t calls = primary_.calls();
  expect_error(api("POST", "/api/v1/domains/" + id + "/renew", "{}"), 409, "invalid_request_error",
               "domain_not_held");
  EXPECT_EQ(primary_.calls(), calls);

  const std::string gone = register_domain("gone.com");
  reply = api("DELETE", "/api/v1/domains/" + gone);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(data_string(reply, "status"), "deleted");
  EXPECT_EQ(event_types(gone), (std::vector<std::string>{"domain.registered", "domain.deleted"}));
  EXPECT_EQ(event_types(id),
            (std::vector<std::string>{"domain.registered", "domain.renewed", "domain.released"}));
}

TEST_F(DomainTest, TransfersCompleteOrFailThroughTheSyncJob) {
  HttpReply reply = api(
      "POST", "/api/v1/domains/incoming.com/transfer",
      R"({"auth_code":"EPP-OK-123","nameservers":["ns1.hostco.net","ns2.hostco.net"],"contacts":)" +
          kContacts + "}");
  ASSERT_EQ(reply.status, 202) << reply.body;
  EXPECT_EQ(data_string(reply, "status"), "pending_transfer");
  const std::string good = data_string(reply, "id");
  reply = api(
      "POST", "/api/v1/domains/doomed.com/transfer",
      R"({"auth_code":"fail-please","nameservers":["ns1.hostco.net","ns2.hostco.net"],"contacts":)" +
          kContacts + "}");
  ASSERT_EQ(reply.status, 202) << reply.body;
  const std::string bad = data_string(reply, "id");
  EXPECT_EQ(primary_.simulator->domain("incoming.com")->transfer_auth_code, "EPP-OK-123");

  reply = gateway_->admin("POST", "/admin/jobs/domain-sync?all=true");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()["data"]["checked"].GetInt(), 2);
  EXPECT_EQ(reply.json()["data"]["changed"].GetInt(), 2);

  reply = api("GET", "/api/v1/domains/" + good);
  EXPECT_EQ(data_string(reply, "status"), "active");
  EXPECT_FALSE(data_string(reply, "expires_at").empty());
  reply = api("GET", "/api/v1/domains/" + bad);
  EXPECT_EQ(data_string(reply, "status"), "failed");
  EXPECT_EQ(event_types(good),
            (std::vector<std::string>{"domain.transfer_started", "domain.transfer_completed"}));
  EXPECT_EQ(event_types(bad),
            (std::vector<std::string>{"domain.transfer_started", "domain.transfer_failed"}));
  // A failed transfer frees the name: it can be tried again.
  EXPECT_EQ(api("GET", "/api/v1/domains?status=failed").json()["total"].GetInt64(), 1);
}

TEST_F(DomainTest, TheSyncJobRecordsChangesMadeElsewhere) {
  const std::string moved = register_domain("moved.com");
  const std::string extended = register_domain("extended.com");
  const std::string quiet = register_domain("quiet.com");
  primary_.simulator->mark_transferred_away("moved.com");
  const auto new_expiry = sys_days(std::chrono::year(2031) / 1 / 15);
  primary_.simulator->set_expiry("extended.com", new_expiry);

  HttpReply reply = gateway_->admin("POST", "/admin/jobs/domain-sync?all=true");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()["data"]["checked"].GetInt(), 3);
  EXPECT_EQ(reply.json()["data"]["changed"].GetInt(), 2);

  EXPECT_EQ(data_string(api("GET", "/api/v1/domains/" + moved), "status"), "transferred_away");
  EXPECT_EQ(event_types(moved).back(), "domain.transferred_away");
  EXPECT_EQ(data_string(api("GET", "/api/v1/domains/" + extended), "expires_at"),
            core::format_rfc3339(core::TimePoint(new_expiry)));
  EXPECT_EQ(event_types(extended).back(), "domain.updated");
  EXPECT_NE(event_data("domain.updated", extended).find("previous_attributes"), std::string::npos);
  EXPECT_EQ(event_types(quiet), std::vector<std::string>{"domain.registered"});
  EXPECT_FALSE(data_string(api("GET", "/api/v1/domains/" + quiet), "synced_at").empty());

  // A second pass finds nothing new; the transferred-away domain is no longer read.
  reply = gateway_->admin("POST", "/admin/jobs/domain-sync?all=true");
  EXPECT_EQ(reply.json()["data"]["changed"].GetInt(), 0);
  EXPECT_EQ(reply.json()["data"]["checked"].GetInt(), 2);
}

TEST_F(DomainTest, EmailForwardsAndGlueRecords) {
  const std::string id = register_domain("mail.com");
  HttpReply reply = api("POST", "/api/v1/domains/" + id + "/email_forwards",
                        R"({"prefix":"Sales","forward_to":"team@example.net"})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(data_string(reply, "address"), "sales@mail.com");
  reply = api("POST", "/api/v1/domains/" + id + "/email_forwards",
              R"({"prefix":"info","forward_to":"desk@example.net"})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  expect_error(api("POST", "/api/v1/domains/" + id + "/email_forwards",
                   R"({"prefix":"info","forward_to":"other@example.net"})"),
               409, "invalid_request_error", "email_forward_exists", "prefix");
  expect_error(api("POST", "/api/v1/domains/" + id + "/email_forwards",
                   R"({"prefix":"bad prefix","forward_to":"x@example.net"})"),
               400, "invalid_request_error", "invalid_prefix", "prefix");
  reply = api("GET", "/api/v1/domains/" + id + "/email_forwards");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()["data"].Size(), 2U);
  EXPECT_EQ(primary_.simulator->domain("mail.com")->forwards.size(), 2U);
  reply = api("DELETE", "/api/v1/domains/" + id + "/email_forwards/sales");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(primary_.simulator->domain("mail.com")->forwards.size(), 1U);
  expect_error(api("DELETE", "/api/v1/domains/" + id + "/email_forwards/sales"), 404,
               "invalid_request_error", "not_found", "prefix");

  reply = api("POST", "/api/v1/domains/" + id + "/glue_records",
              R"({"host":"ns1","address":"192.0.2.53"})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(data_string(reply, "host"), "ns1.mail.com");
  auto glue = primary_.simulator->domain("mail.com")->glue;
  ASSERT_EQ(glue.size(), 1U);
  EXPECT_EQ(glue[0].address, "192.0.2.53");
  reply = api("PATCH", "/api/v1/domains/" + id + "/glue_records/ns1.mail.com",
              R"({"address":"2001:db8:0:0::53"})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(data_string(reply, "address"), "2001:db8::53");
  EXPECT_EQ(primary_.simulator->domain("mail.com")->glue[0].address, "2001:db8::53");
  expect_error(api("POST", "/api/v1/domains/" + id + "/glue_records",
                   R"({"host":"ns1.elsewhere.net","address":"192.0.2.1"})"),
               422, "invalid_request_error", "glue_outside_domain", "host");
  reply = api("GET", "/api/v1/domains/" + id + "/glue_records");
  EXPECT_EQ(reply.json()["data"].Size(), 1U);
  reply = api("DELETE", "/api/v1/domains/" + id + "/glue_records/ns1");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(primary_.simulator->domain("mail.com")->glue.empty());
}

TEST_F(DomainTest, CapabilitiesDescribeTheRoute) {
  HttpReply reply = api("GET", "/api/v1/capabilities?tld=co.ke");
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto json = reply.json();
  EXPECT_STREQ(json["data"]["tld"].GetString(), ".co.ke");
  EXPECT_STREQ(json["data"]["route"].GetString(), ".co.ke");
  EXPECT_EQ(json["data"]["instances"].GetInt(), 1);
  EXPECT_EQ(json["data"]["dns_record_types"].Size(), 8U);
  EXPECT_EQ(json["data"]["years"]["max"].GetInt(), 10);
  bool registers = false;
  for (const auto& operation : json["data"]["operations"].GetArray())
    registers |= std::string(operation.GetString()) == "domain.register";
  EXPECT_TRUE(registers);
  EXPECT_EQ(reply.body.find("kenya"), std::string::npos);  // instance names stay private

  reply = api("GET", "/api/v1/capabilities?tld=.com");
  EXPECT_STREQ(reply.json()["data"]["route"].GetString(), ".com");
  EXPECT_EQ(reply.json()["data"]["instances"].GetInt(), 2);
  expect_error(api("GET", "/api/v1/capabilities"), 400, "invalid_request_error",
               "parameter_missing", "tld");
  // The parameter at fault is the query's, not a body's "name".
  expect_error(api("GET", "/api/v1/capabilities?tld=.example"), 422, "invalid_request_error",
               "unsupported_tld", "tld");
}

TEST_F(DomainTest, TestKeysNeverReachLiveAccounts) {
  const auto test_key = gateway_->create_key(partner_, false);
  const HttpReply reply =
      gateway_->api("GET", "/api/v1/domains/free.com/availability", test_key.secret);
  expect_error(reply, 422, "invalid_request_error", "unsupported_tld", "name");
  EXPECT_EQ(primary_.calls(), 0U);
}

}  // namespace
}  // namespace portico::testing
