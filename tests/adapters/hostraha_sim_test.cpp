#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/crypto.hpp"
#include "portico/sim/server.hpp"
#include "portico/sim/test_ca.hpp"

#include "sim/simulator.hpp"
#include "support/http.hpp"
#include "support/temp_dir.hpp"

namespace portico {
namespace {

using namespace std::chrono_literals;
using sim::hostraha::DomainState;
using sim::hostraha::Simulator;
using sim::hostraha::SimulatorOptions;
using sim::hostraha::ZoneRecord;
using testing::HttpReply;
using Fields = std::vector<std::pair<std::string, std::string>>;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kEmail = "reseller@example.com";
constexpr const char* kApiKey = "1234567890QWERTYUIOPASDFGHJKLZXCVBNM";
constexpr const char* kBase = "/modules/addons/DomainsReseller/api/index.php";

// Tokens for kEmail and kApiKey printed by PHP itself:
//   php -r 'echo base64_encode(hash_hmac("sha256", "1234567890QWERTYUIOPASDFGHJKLZXCVBNM",
//     "reseller@example.com:" . $argv[1]));' "24-05-01 13"
constexpr const char* kToken12 =
    "NDgyN2VjZDdlMTlkYTMyOWFhYjQ2NzE2MTEwMGFjZDQ3Yjg4ZWRhNTNhMGVjNzQ2MDEzNjhhZWEyNWRhNDk5Nw==";
constexpr const char* kToken13 =
    "NmIwYzk2MDhlZjc2MzE2YmFjNGM4YTkyN2I0ZmM1ZDIzNTdmZWNkYWJjZTFiYjlhOGU0YzBmN2FjMGFhNGVjZQ==";
constexpr const char* kToken14 =
    "MTViZWNlMTZjMGE5OWUxYjcxYTM3ODg4YjU2NDk4NjIwZWQ1ZDk4MjBjNDZjNDA2NmRjYTg3NzUyMzhiYzI1Yg==";
constexpr const char* kToken15 =
    "OGE2N2Y0MWEzZGVmMzMyZDUxMGVlYTk5YmFkZWM1MzMxNDFlNjUyNjU4YWFjYmNiOGIwZTg4MjViNGVmOWRjOQ==";
// Wrong variants third-party clients send (docs/upstreams/hostraha.md): the raw digest, and
// key and data swapped.
constexpr const char* kRawDigestToken = "awyWCO92MWusTIqSe0/F0jV/7Nq84buajkwPesCqTs4=";
constexpr const char* kSwappedToken =
    "OWIyMGE1ZDYxM2M1MWExNjAxZmI5ODE2ZDMzMDYyYjlkZDE5MTFkOTY3NTlmMjczNjZkODgzNmQzYTE2MTcyNw==";

constexpr const char* kAuthError = R"({"error":"Invalid authentication token"})";

core::TimePoint at_utc(const char* rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

std::chrono::sys_days day(int year, unsigned month, unsigned day_of_month) {
  return std::chrono::sys_days(std::chrono::year(year) / std::chrono::month(month) /
                               std::chrono::day(day_of_month));
}

// As PHP's http_build_query: RFC 1738, everything outside [A-Za-z0-9-_.] escaped, space "+".
std::string encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[byte >> 4U];
      out += kHex[byte & 15U];
    }
  }
  return out;
}

std::string form(const Fields& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body += encode(name) + "=" + encode(value);
  }
  return body;
}

Fields registrant_fields(const std::string& role = "registrant",
                         const std::string& first_name = "Wanjiru") {
  const std::string prefix = "contacts[" + role + "]";
  return {{prefix + "[firstname]", first_name},
          {prefix + "[lastname]", "Kamau"},
          {prefix + "[companyname]", "Kamau Traders"},
          {prefix + "[email]", "wanjiru@example.co.ke"},
          {prefix + "[address1]", "Moi Avenue 12"},
          {prefix + "[city]", "Nairobi"},
          {prefix + "[state]", "Nairobi"},
          {prefix + "[postcode]", "00100"},
          {prefix + "[country]", "KE"},
          {prefix + "[phonenumber]", "+254.712345678"}};
}

// A register (or transfer) body as the newer official client sends it.
Fields order_fields(const std::string& name, int years = 1) {
  Fields fields = {{"domain", name},
                   {"regperiod", std::to_string(years)},
                   {"domainfields", "YTowOnt9"},
                   {"addons[dnsmanagement]", "1"},
                   {"addons[emailforwarding]", "1"},
                   {"addons[idprotection]", "0"},
                   {"nameservers[ns1]", "ns1.example.net"},
                   {"nameservers[ns2]", "ns2.example.net"}};
  for (auto& field : registrant_fields())
    fields.push_back(std::move(field));
  return fields;
}

Fields without(Fields fields, const std::string& name) {
  std::erase_if(fields, [&](const auto& field) { return field.first == name; });
  return fields;
}

Fields with(Fields fields, const std::string& name, const std::string& value) {
  fields = without(std::move(fields), name);
  fields.emplace_back(name, value);
  return fields;
}

std::string whmcs_contact_json(const std::string& first_name = "Wanjiru") {
  return R"({"First_Name":")" + first_name +
         R"(","Last_Name":"Kamau","Company_Name":"Kamau Traders",)"
         R"("Email_Address":"wanjiru@example.co.ke","Address_1":"Moi Avenue 12","Address_2":"",)"
         R"("City":"Nairobi","State":"Nairobi","Postcode":"00100","Country":"KE",)"
         R"("Phone_Number":"+254.712345678"})";
}

Fields whmcs_contact_fields(const std::string& role, const std::string& first_name) {
  const std::string prefix = "contactdetails[" + role + "]";
  return {{prefix + "[First Name]", first_name},
          {prefix + "[Last Name]", "Otieno"},
          {prefix + "[Company Name]", ""},
          {prefix + "[Email Address]", "a.otieno@example.org"},
          {prefix + "[Address 1]", "Kenyatta Road 4"},
          {prefix + "[Address 2]", "Floor 2"},
          {prefix + "[City]", "Kisumu"},
          {prefix + "[State]", "Kisumu"},
          {prefix + "[Postcode]", "40100"},
          {prefix + "[Country]", "KE"},
          {prefix + "[Phone Number]", "+254.722000111"}};
}

class HostrahaSimTest : public ::testing::Test {
 protected:
  HostrahaSimTest() { start({}); }

  // Restarts the simulator with options changed by `adjust`.
  void start(const std::function<void(SimulatorOptions&)>& adjust) {
    server_.reset();
    SimulatorOptions options;
    options.email = kEmail;
    options.api_key = kApiKey;
    options.clock = &clock_;
    options.credit_minor = 5000;
    options.premium = {{"gold.com", 250000}};
    if (adjust) adjust(options);
    simulator_ = std::make_unique<Simulator>(options);
    server_ = std::make_unique<sim::Server>(sim::ServerOptions{.name = "hostraha"});
    simulator_->install(*server_);
    server_->start();
  }

  HttpReply call(const std::string& method, const std::string& action, const std::string& body,
                 Headers headers) {
    return testing::http_request(server_->port(), method, std::string(kBase) + "/" + action,
                                 headers, body);
  }
  static Headers auth(const char* token = kToken13) {
    return {{"username", kEmail}, {"token", token}};
  }
  HttpReply get(const std::string& action, const char* token = kToken13) {
    return call("GET", action, "", auth(token));
  }
  HttpReply post(const std::string& action, const Fields& fields, const char* token = kToken13) {
    Headers headers = auth(token);
    headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return call("POST", action, form(fields), headers);
  }

  // A registered .com with everything set, through the API.
  void register_example(const std::string& name = "example.com") {
    ASSERT_EQ(post("order/domains/register", order_fields(name)).body, R"({"success":true})");
  }

  // An Active fixture domain, no charge.
  void add_fixture(const std::string& name, std::chrono::sys_days expires_on = day(2025, 3, 9)) {
    DomainState domain;
    domain.name = name;
    domain.expires_on = expires_on;
    domain.nameservers = {"ns1.host.example", "ns2.host.example"};
    domain.epp_code = "Fixture-Code-1";
    core::Contact contact;
    contact.first_name = "Wanjiru";
    contact.last_name = "Kamau";
    contact.organization = "Kamau Traders";
    contact.email = "wanjiru@example.co.ke";
    contact.address1 = "Moi Avenue 12";
    contact.city = "Nairobi";
    contact.state = "Nairobi";
    contact.postcode = "00100";
    contact.country = "KE";
    contact.phone = "+254.712345678";
    for (const char* role : {"Registrant", "Admin", "Tech", "Billing"})
      domain.contacts[role] = contact;
    simulator_->add_domain(domain);
  }

  core::ManualClock clock_{at_utc("2024-05-01T13:20:00Z")};
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<sim::Server> server_;
};

// ---- authentication -----------------------------------------------------------------------

TEST_F(HostrahaSimTest, TokenOfTheCurrentUtcHourIsAccepted) {
  const HttpReply reply = get("billing/credits");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"("50.00")");
}

TEST_F(HostrahaSimTest, TokenFormulaIsPhpsHexHmacWithEmailAndHourAsKey) {
  // Computed independently here with core crypto; must agree with PHP's vector above.
  const std::string ours = core::crypto::base64(
      core::crypto::hex(core::crypto::hmac_sha256(std::string(kEmail) + ":24-05-01 13", kApiKey)));
  EXPECT_EQ(ours, kToken13);
  EXPECT_EQ(ours.size(), 88U);
}

TEST_F(HostrahaSimTest, WrongTokensAreRefusedWithHttp200Errors) {
  for (const char* token : {kRawDigestToken, kSwappedToken, "", "garbage"}) {
    const HttpReply reply = get("billing/credits", token);
    EXPECT_EQ(reply.status, 200) << token;
    EXPECT_EQ(reply.body, kAuthError) << token;
  }
}

TEST_F(HostrahaSimTest, WrongOrMissingHeadersAreRefused) {
  EXPECT_EQ(call("GET", "billing/credits", "", {}).body, kAuthError);
  EXPECT_EQ(call("GET", "billing/credits", "", {{"username", kEmail}}).body, kAuthError);
  EXPECT_EQ(call("GET", "billing/credits", "", {{"token", kToken13}}).body, kAuthError);
  EXPECT_EQ(
      call("GET", "billing/credits", "", {{"username", "other@example.com"}, {"token", kToken13}})
          .body,
      kAuthError);
  // The e-mail is compared exactly: the token is keyed with it.
  EXPECT_EQ(call("GET", "billing/credits", "",
                 {{"username", "Reseller@Example.com"}, {"token", kToken13}})
                .body,
            kAuthError);
  // Header names are case-insensitive in HTTP.
  EXPECT_EQ(call("GET", "billing/credits", "", {{"USERNAME", kEmail}, {"Token", kToken13}}).body,
            R"("50.00")");
}

TEST_F(HostrahaSimTest, AdjacentHoursAreRefusedWithoutLeeway) {
  EXPECT_EQ(get("billing/credits", kToken12).body, kAuthError);
  EXPECT_EQ(get("billing/credits", kToken14).body, kAuthError);
}

TEST_F(HostrahaSimTest, LeewayAcceptsThePreviousAndNextHourOnly) {
  start([](SimulatorOptions& options) { options.leeway_hours = 1; });
  EXPECT_EQ(get("billing/credits", kToken12).body, R"("50.00")");
  EXPECT_EQ(get("billing/credits", kToken13).body, R"("50.00")");
  EXPECT_EQ(get("billing/credits", kToken14).body, R"("50.00")");
  EXPECT_EQ(get("billing/credits", kToken15).body, kAuthError);
}

TEST_F(HostrahaSimTest, TokenChangesOnTheHour) {
  clock_.set(at_utc("2024-05-01T13:59:59Z"));
  EXPECT_EQ(get("billing/credits", kToken13).body, R"("50.00")");
  clock_.advance(1s);
  EXPECT_EQ(get("billing/credits", kToken13).body, kAuthError);
  EXPECT_EQ(get("billing/credits", kToken14).body, R"("50.00")");
}

TEST_F(HostrahaSimTest, RefusedWriteChangesNothing) {
  EXPECT_EQ(post("order/domains/register", order_fields("example.com"), kToken12).body, kAuthError);
  EXPECT_FALSE(simulator_->domain("example.com"));
  EXPECT_EQ(simulator_->credit_minor(), 5000);
  EXPECT_EQ(simulator_->charges(), 0U);
}

// ---- routing ------------------------------------------------------------------------------

TEST_F(HostrahaSimTest, OnlyGetAndPostAreServed) {
  add_fixture("example.com");
  for (const char* verb : {"PUT", "DELETE", "PATCH"}) {
    const HttpReply reply = call(verb, "domains/example.com/dns", "", auth());
    EXPECT_EQ(reply.status, 200) << verb;
    EXPECT_EQ(reply.body, R"({"error":"Unsupported HTTP method )" + std::string(verb) + "\"}");
  }
  EXPECT_TRUE(simulator_->domain("example.com")->zone.empty());
}

TEST_F(HostrahaSimTest, UnknownRoutesAndWrongMethodsAreErrors) {
  add_fixture("example.com");
  const std::string unsupported = R"({"error":"Unsupported API action"})";
  // The seed's paths are not the server's.
  EXPECT_EQ(get("domains/epp-code").body, unsupported);
  EXPECT_EQ(get("domains/example.com/whois").body, unsupported);
  EXPECT_EQ(post("domains/registrar-lock", {{"domain", "example.com"}}).body, unsupported);
  EXPECT_EQ(call("GET", "../other", "", auth()).body, unsupported);
  EXPECT_EQ(testing::http_request(server_->port(), "GET", "/", auth()).body, unsupported);
  // Reads are GET, writes POST.
  EXPECT_EQ(get("order/domains/register").body, unsupported);
  EXPECT_EQ(post("billing/credits", {}).body, unsupported);
  EXPECT_EQ(post("domains/example.com/eppcode", {{"domain", "example.com"}}).body, unsupported);
  EXPECT_EQ(get("domains/example.com/sync").body, unsupported);
  const HttpReply reply = get("domains/example.com/delete");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, unsupported);
  EXPECT_EQ(simulator_->domain("example.com")->status, "Active");
}

TEST_F(HostrahaSimTest, UnknownDomainIsNotFoundOnEveryDomainRoute) {
  const std::string not_found = R"({"error":"Domain not found"})";
  for (const char* action :
       {"information", "eppcode", "contact", "lock", "dns", "email", "nameservers"}) {
    EXPECT_EQ(get(std::string("domains/missing.com/") + action).body, not_found) << action;
  }
  for (const char* action :
       {"contact", "lock", "dns", "email", "protectid", "nameservers", "nameservers/register",
        "nameservers/modify", "nameservers/delete", "release", "delete", "sync", "transfersync"}) {
    EXPECT_EQ(post(std::string("domains/missing.com/") + action, {{"domain", "missing.com"}}).body,
              not_found)
        << action;
  }
  EXPECT_EQ(post("order/domains/renew", {{"domain", "missing.com"}, {"regperiod", "1"}}).body,
            not_found);
}

TEST_F(HostrahaSimTest, GetIgnoresAnyFormBody) {
  add_fixture("example.com");
  Headers headers = auth();
  headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  EXPECT_EQ(call("GET", "domains/example.com/lock", "", headers).body, R"("unlocked")");
  EXPECT_EQ(call("GET", "domains/example.com/lock", "domain=other.com", headers).body,
            R"("unlocked")");
  EXPECT_EQ(call("GET", "domains/EXAMPLE.com/lock", "", headers).body, R"("unlocked")");
}

TEST_F(HostrahaSimTest, PostBodyMustBeAFormAndItsDomainMustMatchThePath) {
  add_fixture("example.com");
  // PHP fills $_POST only for a form body: a JSON body carries no fields.
  Headers json = auth();
  json.emplace_back("Content-Type", "application/json");
  EXPECT_EQ(call("POST", "order/domains/register", form(order_fields("new.com")), json).body,
            R"({"error":"domain is required"})");
  EXPECT_EQ(call("POST", "domains/example.com/lock", "lockstatus=locked", json).body,
            R"({"error":"lockstatus is required"})");
  EXPECT_EQ(
      post("domains/example.com/lock", {{"domain", "other.com"}, {"lockstatus", "locked"}}).body,
      R"({"error":"The domain field does not match the domain in the path"})");
  EXPECT_FALSE(simulator_->domain("example.com")->locked);
}

// ---- ordering -----------------------------------------------------------------------------

TEST_F(HostrahaSimTest, RegisterWithKeyedNameserversDebitsAndCreatesTheDomain) {
  Fields fields = order_fields("Example.com", 2);
  fields.emplace_back("nameservers[ns3]", "");  // an empty slot is an absent one
  fields.emplace_back("nameservers[ns4]", "ns4.example.net");
  fields = with(fields, "addons[idprotection]", "1");
  EXPECT_EQ(post("order/domains/register", fields).body, R"({"success":true})");

  const auto domain = simulator_->domain("example.com");
  ASSERT_TRUE(domain);
  EXPECT_EQ(domain->status, "Active");
  EXPECT_EQ(domain->expires_on, day(2026, 5, 1));
  EXPECT_EQ(domain->nameservers,
            (std::vector<std::string>{"ns1.example.net", "ns2.example.net", "ns4.example.net"}));
  EXPECT_TRUE(domain->id_protection);
  EXPECT_TRUE(domain->dns_management);
  EXPECT_TRUE(domain->email_forwarding);
  EXPECT_FALSE(domain->epp_code.empty());
  ASSERT_EQ(domain->contacts.size(), 4U);  // roles not given are the registrant's
  EXPECT_EQ(domain->contacts.at("Tech").email, "wanjiru@example.co.ke");
  EXPECT_EQ(domain->contacts.at("Registrant").organization, "Kamau Traders");
  EXPECT_EQ(simulator_->credit_minor(), 5000 - 2 * 1099);
  EXPECT_EQ(simulator_->charges(), 1U);
  EXPECT_EQ(get("billing/credits").body, R"("28.02")");
}

TEST_F(HostrahaSimTest, RegisterAcceptsTheOlderIndexedNameservers) {
  Fields fields =
      without(without(order_fields("example.co.ke"), "nameservers[ns1]"), "nameservers[ns2]");
  fields.emplace_back("nameservers[0]", "NS1.Example.net");
  fields.emplace_back("nameservers[1]", "ns2.example.net");
  EXPECT_EQ(post("order/domains/register", fields).body, R"({"success":true})");
  EXPECT_EQ(simulator_->domain("example.co.ke")->nameservers,
            (std::vector<std::string>{"ns1.example.net", "ns2.example.net"}));
  EXPECT_EQ(simulator_->credit_minor(), 5000 - 999);  // .co.ke, not .ke
}

TEST_F(HostrahaSimTest, RegisterKeepsEveryRoleGiven) {
  Fields fields = order_fields("example.com");
  for (auto& field : registrant_fields("admin", "Achieng"))
    fields.push_back(std::move(field));
  EXPECT_EQ(post("order/domains/register", fields).body, R"({"success":true})");
  EXPECT_EQ(get("domains/example.com/contact").body,
            R"({"Registrant":)" + whmcs_contact_json() + R"(,"Admin":)" +
                whmcs_contact_json("Achieng") + R"(,"Tech":)" + whmcs_contact_json() +
                R"(,"Billing":)" + whmcs_contact_json() + "}");
}

TEST_F(HostrahaSimTest, RegisterAcceptsNonEmptyDomainFields) {
  // php -r 'echo base64_encode(serialize(["Nexus Category" => "C11", "x" => 5,
  //   "y" => ["a" => true, "b" => null, "c" => 1.5]]));'
  const Fields fields =
      with(order_fields("example.com"), "domainfields",
           "YTozOntzOjE0OiJOZXh1cyBDYXRlZ29yeSI7czozOiJDMTEiO3M6MToieCI7aTo1O3M6MToieSI7YTozOntz"
           "OjE6ImEiO2I6MTtzOjE6ImIiO047czoxOiJjIjtkOjEuNTt9fQ==");
  EXPECT_EQ(post("order/domains/register", fields).body, R"({"success":true})");
}

TEST_F(HostrahaSimTest, RegisterValidatesWhatTheServerRequires) {
  const auto expect_error = [&](const Fields& fields, const std::string& message) {
    EXPECT_EQ(post("order/domains/register", fields).body, R"({"error":")" + message + "\"}")
        << message;
  };
  const Fields valid = order_fields("example.com");
  expect_error(without(valid, "domain"), "domain is required");
  expect_error(with(valid, "domain", "not a domain"), "domain is invalid");
  expect_error(without(valid, "regperiod"), "regperiod is required");
  expect_error(with(valid, "regperiod", "11"),
               "regperiod must be a whole number of years from 1 to 10");
  expect_error(with(valid, "regperiod", "1.5"),
               "regperiod must be a whole number of years from 1 to 10");
  expect_error(with(valid, "domain", "example.xyz"),
               "Invalid domain extension: .xyz is not offered");
  Fields no_contacts = valid;
  std::erase_if(no_contacts, [](const auto& field) { return field.first.starts_with("contacts"); });
  expect_error(no_contacts, "contacts[registrant] is required");
  expect_error(without(valid, "contacts[registrant][email]"),
               "contacts[registrant][email] is required");
  expect_error(with(valid, "contacts[registrant][email]", "not-an-email"),
               "contacts[registrant][email] is invalid");
  expect_error(with(valid, "contacts[registrant][phonenumber]", "0712345678"),
               "contacts[registrant][phonenumber] must be in the format +CC.NNNNNNNN");
  expect_error(with(valid, "contacts[registrant][country]", "Kenya"),
               "contacts[registrant][country] must be a two-letter ISO country code");
  expect_error(without(without(valid, "nameservers[ns1]"), "nameservers[ns2]"),
               "nameservers is required");
  expect_error(with(valid, "nameservers[ns2]", "bad_host"), "nameservers[ns2] is invalid");
  expect_error(with(valid, "addons[idprotection]", "yes"), "addons[idprotection] must be 0 or 1");
  // base64 of "garbage", and of a serialized string rather than an array.
  expect_error(with(valid, "domainfields", "Z2FyYmFnZQ=="),
               "domainfields must be base64 of a serialized PHP array");
  expect_error(with(valid, "domainfields", "czoxOiJhIjs="),
               "domainfields must be base64 of a serialized PHP array");
  EXPECT_FALSE(simulator_->domain("example.com"));
  EXPECT_EQ(simulator_->charges(), 0U);
  EXPECT_EQ(simulator_->credit_minor(), 5000);
}

TEST_F(HostrahaSimTest, TakenOrRegisteredNamesAreNotAvailable) {
  const std::string unavailable = R"({"error":"Domain is not available for registration"})";
  EXPECT_EQ(post("order/domains/register", order_fields("taken.com")).body, unavailable);
  register_example();
  EXPECT_EQ(post("order/domains/register", order_fields("example.com")).body, unavailable);
  EXPECT_EQ(simulator_->charges(), 1U);
  EXPECT_EQ(simulator_->credit_minor(), 5000 - 1099);
}

TEST_F(HostrahaSimTest, InsufficientCreditRefusesAndChangesNothing) {
  simulator_->set_credit_minor(1098);
  const HttpReply reply = post("order/domains/register", order_fields("example.com"));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"error":"Insufficient credit balance"})");
  EXPECT_FALSE(simulator_->domain("example.com"));
  EXPECT_EQ(simulator_->credit_minor(), 1098);
  EXPECT_EQ(simulator_->charges(), 0U);

  simulator_->set_credit_minor(1099);  // exactly enough
  register_example();
  EXPECT_EQ(simulator_->credit_minor(), 0);
}

TEST_F(HostrahaSimTest, PremiumNamesCostTheirPremiumPrice) {
  simulator_->set_credit_minor(300000);
  EXPECT_EQ(post("order/domains/register", order_fields("gold.com")).body, R"({"success":true})");
  EXPECT_EQ(simulator_->credit_minor(), 300000 - 250000);
}

TEST_F(HostrahaSimTest, RenewDebitsAndExtendsTheExpiry) {
  add_fixture("example.com", day(2025, 3, 9));
  EXPECT_EQ(post("order/domains/renew", {{"domain", "example.com"},
                                         {"regperiod", "2"},
                                         {"addons[dnsmanagement]", "1"},
                                         {"addons[emailforwarding]", "1"},
                                         {"addons[idprotection]", "0"}})
                .body,
            R"({"success":true})");
  EXPECT_EQ(simulator_->domain("example.com")->expires_on, day(2027, 3, 9));
  EXPECT_EQ(simulator_->credit_minor(), 5000 - 2 * 1099);
  EXPECT_EQ(simulator_->charges(), 1U);

  simulator_->set_credit_minor(100);
  EXPECT_EQ(post("order/domains/renew", {{"domain", "example.com"}, {"regperiod", "1"}}).body,
            R"({"error":"Insufficient credit balance"})");
  EXPECT_EQ(simulator_->domain("example.com")->expires_on, day(2027, 3, 9));
  EXPECT_EQ(simulator_->credit_minor(), 100);
  EXPECT_EQ(simulator_->charges(), 1U);
}

TEST_F(HostrahaSimTest, RenewRefusesMoreThanTenYearsAhead) {
  simulator_->set_credit_minor(1000000);
  add_fixture("example.com", day(2030, 1, 1));
  EXPECT_EQ(post("order/domains/renew", {{"domain", "example.com"}, {"regperiod", "5"}}).body,
            R"({"error":"The registration period must not exceed 10 years"})");
  EXPECT_EQ(post("order/domains/renew", {{"domain", "example.com"}, {"regperiod", "4"}}).body,
            R"({"success":true})");
  EXPECT_EQ(post("order/domains/renew", {{"domain", "example.com"}}).body,
            R"({"error":"regperiod is required"})");
}

TEST_F(HostrahaSimTest, ExpiredDomainCanBeRenewedAndBecomesActive) {
  add_fixture("example.com", day(2024, 4, 1));
  EXPECT_EQ(simulator_->domain("example.com")->status, "Expired");
  EXPECT_EQ(post("domains/example.com/lock", {{"lockstatus", "locked"}}).body,
            R"j({"error":"The domain must be Active for this action (status: Expired)"})j");
  EXPECT_EQ(post("order/domains/renew", {{"domain", "example.com"}, {"regperiod", "1"}}).body,
            R"({"success":true})");
  const auto domain = simulator_->domain("example.com");
  EXPECT_EQ(domain->status, "Active");
  EXPECT_EQ(domain->expires_on, day(2025, 4, 1));
}

TEST_F(HostrahaSimTest, TransferCompletesOnTheNextTransferSync) {
  Fields fields = order_fields("taken.com");
  fields.emplace_back("eppcode", "Secret-Code-42");
  EXPECT_EQ(post("order/domains/transfer", fields).body, R"({"success":true})");
  EXPECT_EQ(simulator_->credit_minor(), 5000 - 1099);
  auto domain = simulator_->domain("taken.com");
  ASSERT_TRUE(domain);
  EXPECT_EQ(domain->status, "Pending Transfer");
  EXPECT_EQ(domain->transfer_auth_code, "Secret-Code-42");
  EXPECT_EQ(get("domains/taken.com/information").body,
            R"({"domain":"taken.com","status":"Pending Transfer","expiryDate":"0000-00-00",)"
            R"("nameservers":["ns1.example.net","ns2.example.net"],"transferLock":false,)"
            R"("idProtectionStatus":false,"dnsManagementStatus":true,)"
            R"("emailForwardingStatus":true})");

  const std::string completed = R"({"completed":true,"expirydate":"2025-05-01"})";
  EXPECT_EQ(post("domains/taken.com/transfersync", {{"domain", "taken.com"}}).body, completed);
  EXPECT_EQ(simulator_->domain("taken.com")->status, "Active");
  // Asking again gives the same answer.
  EXPECT_EQ(post("domains/taken.com/transfersync", {{"domain", "taken.com"}}).body, completed);
  EXPECT_EQ(simulator_->charges(), 1U);
}

TEST_F(HostrahaSimTest, TransferWithAFailingCodeFailsWithAReason) {
  Fields fields = order_fields("taken.com");
  fields.emplace_back("eppcode", "fail-this-one");
  EXPECT_EQ(post("order/domains/transfer", fields).body, R"({"success":true})");
  const std::string failed =
      R"({"failed":true,"reason":"The losing registrar rejected the transfer: )"
      R"(invalid authorization code"})";
  EXPECT_EQ(post("domains/taken.com/transfersync", {}).body, failed);
  EXPECT_EQ(post("domains/taken.com/transfersync", {}).body, failed);
  EXPECT_EQ(simulator_->domain("taken.com")->status, "Cancelled");
}

TEST_F(HostrahaSimTest, TransferCanStayPendingForSomeSyncs) {
  start([](SimulatorOptions& options) { options.transfer_pending_syncs = 2; });
  Fields fields = order_fields("taken.com");
  fields.emplace_back("eppcode", "Secret-Code-42");
  ASSERT_EQ(post("order/domains/transfer", fields).body, R"({"success":true})");
  EXPECT_EQ(post("domains/taken.com/transfersync", {}).body, "{}");
  EXPECT_EQ(post("domains/taken.com/transfersync", {}).body, "{}");
  EXPECT_EQ(post("domains/taken.com/transfersync", {}).body,
            R"({"completed":true,"expirydate":"2025-05-01"})");
}

TEST_F(HostrahaSimTest, TransferNeedsACodeCreditAndADomainNotInTheAccount) {
  EXPECT_EQ(post("order/domains/transfer", order_fields("taken.com")).body,
            R"({"error":"eppcode is required"})");
  add_fixture("example.com");
  Fields fields = order_fields("example.com");
  fields.emplace_back("eppcode", "Secret-Code-42");
  EXPECT_EQ(post("order/domains/transfer", fields).body,
            R"({"error":"Domain is already registered in your account"})");
  simulator_->set_credit_minor(10);
  fields = order_fields("taken.com");
  fields.emplace_back("eppcode", "Secret-Code-42");
  EXPECT_EQ(post("order/domains/transfer", fields).body,
            R"({"error":"Insufficient credit balance"})");
  EXPECT_FALSE(simulator_->domain("taken.com"));
  EXPECT_EQ(simulator_->charges(), 0U);
}

TEST_F(HostrahaSimTest, LookupAnswersTheWhmcsShape) {
  add_fixture("mine.com");
  const HttpReply reply = post("domains/lookup", {{"searchTerm", "Mine"},
                                                  {"punyCodeSearchTerm", "mine"},
                                                  {"tldsToInclude[0]", ".com"},
                                                  {"tldsToInclude[1]", ".net"},
                                                  {"tldsToInclude[2]", ".xyz"},
                                                  {"isIdnDomain", "0"},
                                                  {"premiumEnabled", "0"},
                                                  {"isWhmcs", "1"}});
  EXPECT_EQ(reply.body, R"([{"sld":"mine","tld":".com","status":"registered"},)"
                        R"({"sld":"mine","tld":".net","status":"available"},)"
                        R"({"sld":"mine","tld":".xyz","status":"unsupported"}])");
  EXPECT_EQ(post("domains/lookup", {{"searchTerm", "taken"}, {"tldsToInclude[]", ".com"}}).body,
            R"([{"sld":"taken","tld":".com","status":"registered"}])");
}

TEST_F(HostrahaSimTest, LookupOffersPremiumNamesOnlyWhenPremiumIsEnabled) {
  EXPECT_EQ(post("domains/lookup",
                 {{"searchTerm", "gold"}, {"tldsToInclude[0]", ".com"}, {"premiumEnabled", "1"}})
                .body,
            R"([{"sld":"gold","tld":".com","status":"available","premiumCostPricing":)"
            R"({"register":"2500.00","renew":"2500.00","CurrencyCode":"USD"}}])");
  EXPECT_EQ(post("domains/lookup",
                 {{"searchTerm", "gold"}, {"tldsToInclude[0]", ".com"}, {"premiumEnabled", "0"}})
                .body,
            R"([{"sld":"gold","tld":".com","status":"reserved"}])");
}

TEST_F(HostrahaSimTest, LookupUsesThePunycodeTermForIdns) {
  EXPECT_EQ(post("domains/lookup", {{"searchTerm", "bücher"},
                                    {"punyCodeSearchTerm", "xn--bcher-kva"},
                                    {"tldsToInclude[0]", ".com"},
                                    {"isIdnDomain", "1"}})
                .body,
            R"([{"sld":"xn--bcher-kva","tld":".com","status":"available"}])");
  EXPECT_EQ(post("domains/lookup", {{"tldsToInclude[0]", ".com"}}).body,
            R"({"error":"searchTerm is required"})");
  EXPECT_EQ(post("domains/lookup", {{"searchTerm", "x"}}).body,
            R"({"error":"tldsToInclude is required"})");
}

TEST_F(HostrahaSimTest, PricingListsEveryTld) {
  start([](SimulatorOptions& options) {
    options.prices = {{".com", {1099, 1299, 899}}, {".co.ke", {999, 999, 0}}};
    options.currency = "KES";
  });
  EXPECT_EQ(get("tlds/pricing").body,
            R"([{"tld":".co.ke","registrationPrice":"9.99","renewalPrice":"9.99",)"
            R"("transferPrice":"0.00","currencyCode":"KES","years":1},)"
            R"({"tld":".com","registrationPrice":"10.99","renewalPrice":"12.99",)"
            R"("transferPrice":"8.99","currencyCode":"KES","years":1}])");
}

// ---- domain reads and writes --------------------------------------------------------------

TEST_F(HostrahaSimTest, InformationAndSimpleReadsUseTheContractShapes) {
  add_fixture("example.com");
  EXPECT_EQ(get("domains/example.com/information").body,
            R"({"domain":"example.com","status":"Active","expiryDate":"2025-03-09",)"
            R"("nameservers":["ns1.host.example","ns2.host.example"],"transferLock":false,)"
            R"("idProtectionStatus":false,"dnsManagementStatus":true,)"
            R"("emailForwardingStatus":true})");
  EXPECT_EQ(get("domains/example.com/eppcode").body, R"({"eppcode":"Fixture-Code-1"})");
  EXPECT_EQ(get("domains/example.com/nameservers").body,
            R"({"ns1":"ns1.host.example","ns2":"ns2.host.example"})");
  EXPECT_EQ(get("domains/example.com/lock").body, R"("unlocked")");
  EXPECT_EQ(get("domains/example.com/dns").body, "[]");
  EXPECT_EQ(get("domains/example.com/email").body, "[]");
  const std::string contact = whmcs_contact_json();
  EXPECT_EQ(get("domains/example.com/contact").body,
            R"({"Registrant":)" + contact + R"(,"Admin":)" + contact + R"(,"Tech":)" + contact +
                R"(,"Billing":)" + contact + "}");
}

TEST_F(HostrahaSimTest, SavingContactsUsesTheWhmcsKeysWithSpaces) {
  add_fixture("example.com");
  Fields fields = {{"domain", "example.com"}};
  for (auto& field : whmcs_contact_fields("Registrant", "Akinyi"))
    fields.push_back(std::move(field));
  for (auto& field : whmcs_contact_fields("Tech", "Baraka"))
    fields.push_back(std::move(field));
  EXPECT_EQ(post("domains/example.com/contact", fields).body, R"({"success":true})");
  const auto domain = simulator_->domain("example.com");
  EXPECT_EQ(domain->contacts.at("Registrant").first_name, "Akinyi");
  EXPECT_EQ(domain->contacts.at("Registrant").address2, "Floor 2");
  EXPECT_EQ(domain->contacts.at("Tech").first_name, "Baraka");
  EXPECT_EQ(domain->contacts.at("Admin").first_name, "Wanjiru");  // untouched
  const std::string body = get("domains/example.com/contact").body;
  EXPECT_NE(body.find(R"("Registrant":{"First_Name":"Akinyi","Last_Name":"Otieno",)"
                      R"("Company_Name":"","Email_Address":"a.otieno@example.org",)"
                      R"("Address_1":"Kenyatta Road 4","Address_2":"Floor 2","City":"Kisumu",)"
                      R"("State":"Kisumu","Postcode":"40100","Country":"KE",)"
                      R"("Phone_Number":"+254.722000111"})"),
            std::string::npos)
      << body;
}

TEST_F(HostrahaSimTest, SavingContactsValidatesEveryBlock) {
  add_fixture("example.com");
  const auto expect_error = [&](const Fields& fields, const std::string& message) {
    EXPECT_EQ(post("domains/example.com/contact", fields).body, R"({"error":")" + message + "\"}");
  };
  expect_error({{"domain", "example.com"}}, "contactdetails is required");
  // Underscored keys are what reads answer, not what PHP reads on a save.
  Fields underscored;
  for (auto [name, value] : whmcs_contact_fields("Registrant", "Akinyi")) {
    std::replace(name.begin(), name.end(), ' ', '_');
    underscored.emplace_back(name, value);
  }
  expect_error(underscored, "contactdetails[Registrant][First Name] is required");
  expect_error(whmcs_contact_fields("registrant", "Akinyi"),
               "contactdetails[registrant] is invalid: the contact types are Registrant, Admin, "
               "Tech and Billing");
  expect_error(with(whmcs_contact_fields("Admin", "Akinyi"), "contactdetails[Admin][Country]", ""),
               "contactdetails[Admin][Country] is required");
  EXPECT_EQ(simulator_->domain("example.com")->contacts.at("Registrant").first_name, "Wanjiru");
}

TEST_F(HostrahaSimTest, LockIsSavedAndReadAsABareString) {
  add_fixture("example.com");
  EXPECT_EQ(
      post("domains/example.com/lock", {{"domain", "example.com"}, {"lockstatus", "locked"}}).body,
      R"({"success":true})");
  EXPECT_EQ(get("domains/example.com/lock").body, R"("locked")");
  EXPECT_TRUE(simulator_->domain("example.com")->locked);
  EXPECT_EQ(post("domains/example.com/lock", {{"lockstatus", "1"}}).body,
            R"({"error":"lockstatus must be locked or unlocked"})");
  EXPECT_EQ(post("domains/example.com/lock", {{"lockstatus", "unlocked"}}).body,
            R"({"success":true})");
  EXPECT_EQ(get("domains/example.com/lock").body, R"("unlocked")");
}

TEST_F(HostrahaSimTest, DnsSavesTheWholeZone) {
  add_fixture("example.com");
  const Fields zone = {
      {"domain", "example.com"},
      {"dnsrecords[0][hostname]", "@"},
      {"dnsrecords[0][type]", "A"},
      {"dnsrecords[0][address]", "192.0.2.10"},
      {"dnsrecords[0][priority]", "N/A"},
      {"dnsrecords[0][ttl]", "300"},
      {"dnsrecords[1][hostname]", "@"},
      {"dnsrecords[1][type]", "MX"},
      {"dnsrecords[1][address]", "mail.example.com"},
      {"dnsrecords[1][priority]", "10"},
      {"dnsrecords[2][hostname]", "_sip._tcp"},
      {"dnsrecords[2][type]", "SRV"},
      {"dnsrecords[2][address]", "5 5060 sip.example.com"},
      {"dnsrecords[2][priority]", "20"},
      {"dnsrecords[3][hostname]", "@"},
      {"dnsrecords[3][type]", "CAA"},
      {"dnsrecords[3][address]", "0 issue \"letsencrypt.org\""},
      {"dnsrecords[4][hostname]", "www"},
      {"dnsrecords[4][type]", "AAAA"},
      {"dnsrecords[4][address]", "2001:db8::1"},
      {"dnsrecords[4][priority]", "N/A"},
  };
  EXPECT_EQ(post("domains/example.com/dns", zone).body, R"({"success":true})");
  EXPECT_EQ(get("domains/example.com/dns").body,
            R"([{"hostname":"@","type":"A","address":"192.0.2.10","priority":"N/A","ttl":"300"},)"
            R"({"hostname":"@","type":"MX","address":"mail.example.com","priority":"10"},)"
            R"({"hostname":"_sip._tcp","type":"SRV","address":"5 5060 sip.example.com",)"
            R"("priority":"20"},)"
            R"({"hostname":"@","type":"CAA","address":"0 issue \"letsencrypt.org\"",)"
            R"("priority":"N/A"},)"
            R"({"hostname":"www","type":"AAAA","address":"2001:db8::1","priority":"N/A"}])");
  EXPECT_EQ(simulator_->domain("example.com")->zone.size(), 5U);
  EXPECT_EQ(simulator_->domain("example.com")->zone[0],
            (ZoneRecord{"@", "A", "192.0.2.10", "N/A", "300"}));

  // http_build_query sends nothing for an empty array: the zone empties.
  EXPECT_EQ(post("domains/example.com/dns", {{"domain", "example.com"}}).body,
            R"({"success":true})");
  EXPECT_EQ(get("domains/example.com/dns").body, "[]");
}

TEST_F(HostrahaSimTest, DnsRefusesBadRecordsAndKeepsTheZone) {
  add_fixture("example.com");
  ASSERT_EQ(post("domains/example.com/dns", {{"dnsrecords[0][hostname]", "www"},
                                             {"dnsrecords[0][type]", "CNAME"},
                                             {"dnsrecords[0][address]", "example.com"}})
                .body,
            R"({"success":true})");
  const auto expect_error = [&](const Fields& record, const std::string& message) {
    EXPECT_EQ(post("domains/example.com/dns", record).body, R"({"error":")" + message + "\"}");
  };
  expect_error({{"dnsrecords[0][hostname]", "@"},
                {"dnsrecords[0][type]", "A"},
                {"dnsrecords[0][address]", "2001:db8::1"}},
               "dnsrecords[0][address] must be an IPv4 address");
  expect_error({{"dnsrecords[0][hostname]", "@"},
                {"dnsrecords[0][type]", "MX"},
                {"dnsrecords[0][address]", "mail.example.com"},
                {"dnsrecords[0][priority]", "N/A"}},
               "dnsrecords[0][priority] must be a number from 0 to 65535");
  expect_error({{"dnsrecords[0][hostname]", "@"},
                {"dnsrecords[0][type]", "SPF"},
                {"dnsrecords[0][address]", "v=spf1 -all"}},
               "dnsrecords[0][type] is invalid: SPF");
  expect_error({{"dnsrecords[0][type]", "TXT"}, {"dnsrecords[0][address]", "x"}},
               "dnsrecords[0][hostname] is required");
  expect_error({{"dnsrecords[0][hostname]", "_sip"},
                {"dnsrecords[0][type]", "SRV"},
                {"dnsrecords[0][address]", "sip.example.com"},
                {"dnsrecords[0][priority]", "1"}},
               R"(dnsrecords[0][address] must be \"<weight> <port> <target>\" for SRV)");
  expect_error({{"dnsrecords[0][hostname]", "@"},
                {"dnsrecords[0][type]", "TXT"},
                {"dnsrecords[0][address]", "x"},
                {"dnsrecords[0][ttl]", "an hour"}},
               "dnsrecords[0][ttl] must be a whole number of seconds");
  expect_error({{"dnsrecords", "A"}}, "dnsrecords must be a list of records");
  EXPECT_EQ(simulator_->domain("example.com")->zone,
            (std::vector<ZoneRecord>{{"www", "CNAME", "example.com", "N/A", std::nullopt}}));
}

TEST_F(HostrahaSimTest, DnsAndEmailNeedTheirAddons) {
  Fields fields = with(with(order_fields("example.com"), "addons[dnsmanagement]", "0"),
                       "addons[emailforwarding]", "0");
  ASSERT_EQ(post("order/domains/register", fields).body, R"({"success":true})");
  const std::string no_dns = R"({"error":"DNS management must be enabled for this domain"})";
  const std::string no_email = R"({"error":"Email forwarding must be enabled for this domain"})";
  EXPECT_EQ(get("domains/example.com/dns").body, no_dns);
  EXPECT_EQ(post("domains/example.com/dns", {}).body, no_dns);
  EXPECT_EQ(get("domains/example.com/email").body, no_email);
  EXPECT_EQ(post("domains/example.com/email", {}).body, no_email);
}

TEST_F(HostrahaSimTest, EmailForwardsAreParallelArrays) {
  add_fixture("example.com");
  EXPECT_EQ(post("domains/example.com/email", {{"domain", "example.com"},
                                               {"prefix[0]", "info"},
                                               {"forwardto[0]", "owner@example.org"},
                                               {"prefix[1]", ""},
                                               {"forwardto[1]", ""},
                                               {"prefix[2]", "sales"},
                                               {"forwardto[2]", "team@example.org"}})
                .body,
            R"({"success":true})");
  EXPECT_EQ(get("domains/example.com/email").body,
            R"([{"prefix":"info","forwardto":"owner@example.org"},)"
            R"({"prefix":"sales","forwardto":"team@example.org"}])");
  EXPECT_EQ(
      post("domains/example.com/email", {{"prefix[0]", "info"}, {"forwardto[0]", "nobody"}}).body,
      R"({"error":"forwardto[0] is invalid"})");
  EXPECT_EQ(post("domains/example.com/email", {{"prefix[0]", "info"}}).body,
            R"({"error":"forwardto[0] is required"})");
  EXPECT_EQ(post("domains/example.com/email", {{"forwardto[3]", "a@example.org"}}).body,
            R"({"error":"prefix[3] is required"})");
  EXPECT_EQ(simulator_->domain("example.com")->forwards.size(), 2U);
  EXPECT_EQ(post("domains/example.com/email", {{"domain", "example.com"}}).body,
            R"({"success":true})");
  EXPECT_EQ(get("domains/example.com/email").body, "[]");
}

TEST_F(HostrahaSimTest, IdProtectionToggles) {
  add_fixture("example.com");
  EXPECT_EQ(post("domains/example.com/protectid", {{"status", "1"}}).body, R"({"success":true})");
  EXPECT_TRUE(simulator_->domain("example.com")->id_protection);
  EXPECT_NE(get("domains/example.com/information").body.find(R"("idProtectionStatus":true)"),
            std::string::npos);
  EXPECT_EQ(post("domains/example.com/protectid", {{"status", "on"}}).body,
            R"({"error":"status must be 1 or 0"})");
  EXPECT_EQ(post("domains/example.com/protectid", {}).body, R"({"error":"status is required"})");
  EXPECT_EQ(post("domains/example.com/protectid", {{"status", "0"}}).body, R"({"success":true})");
  EXPECT_FALSE(simulator_->domain("example.com")->id_protection);
}

TEST_F(HostrahaSimTest, NameserversAreSavedAtTheTopLevel) {
  add_fixture("example.com");
  EXPECT_EQ(post("domains/example.com/nameservers", {{"domain", "example.com"},
                                                     {"ns1", "dns1.example.org"},
                                                     {"ns2", "dns2.example.org"},
                                                     {"ns3", ""},
                                                     {"ns4", "dns4.example.org"},
                                                     {"ns5", ""}})
                .body,
            R"({"success":true})");
  EXPECT_EQ(get("domains/example.com/nameservers").body,
            R"({"ns1":"dns1.example.org","ns2":"dns2.example.org","ns3":"dns4.example.org"})");
  EXPECT_EQ(post("domains/example.com/nameservers", {{"ns1", "dns1.example.org"}}).body,
            R"({"error":"ns2 is required"})");
  EXPECT_EQ(post("domains/example.com/nameservers",
                 {{"ns1", "dns1.example.org"}, {"ns2", "-bad-.example.org"}})
                .body,
            R"({"error":"ns2 is invalid"})");
  // The older client's nested form is not what this route reads.
  EXPECT_EQ(post("domains/example.com/nameservers",
                 {{"nameservers[ns1]", "a.example.org"}, {"nameservers[ns2]", "b.example.org"}})
                .body,
            R"({"error":"ns1 is required"})");
  EXPECT_EQ(simulator_->domain("example.com")->nameservers.size(), 3U);
}

TEST_F(HostrahaSimTest, GlueRecordsAreRegisteredModifiedAndDeleted) {
  add_fixture("example.com");
  const std::string base = "domains/example.com/nameservers/";
  EXPECT_EQ(
      post(base + "register", {{"nameserver", "ns1.example.com"}, {"ipaddress", "192.0.2.1"}}).body,
      R"({"success":true})");
  EXPECT_EQ(
      post(base + "register", {{"nameserver", "ns1.example.com"}, {"ipaddress", "192.0.2.9"}}).body,
      R"({"error":"The nameserver ns1.example.com is already registered"})");
  EXPECT_EQ(
      post(base + "register", {{"nameserver", "ns1.other.com"}, {"ipaddress", "192.0.2.1"}}).body,
      R"({"error":"nameserver must be a host name under example.com"})");
  EXPECT_EQ(
      post(base + "register", {{"nameserver", "ns2.example.com"}, {"ipaddress", "999.1"}}).body,
      R"({"error":"ipaddress must be an IPv4 or IPv6 address"})");
  EXPECT_EQ(post(base + "modify", {{"nameserver", "ns1.example.com"},
                                   {"currentipaddress", "192.0.2.7"},
                                   {"newipaddress", "192.0.2.2"}})
                .body,
            R"({"error":"currentipaddress is invalid: it does not match the registered address"})");
  EXPECT_EQ(post(base + "modify", {{"nameserver", "NS1.example.com"},
                                   {"currentipaddress", "192.0.2.1"},
                                   {"newipaddress", "2001:db8::53"}})
                .body,
            R"({"success":true})");
  EXPECT_EQ(simulator_->domain("example.com")->glue.at(0).address, "2001:db8::53");
  EXPECT_EQ(post(base + "delete", {{"nameserver", "ns9.example.com"}}).body,
            R"({"error":"Nameserver ns9.example.com not found"})");
  EXPECT_EQ(post(base + "delete", {{"nameserver", "ns1.example.com"}}).body, R"({"success":true})");
  EXPECT_TRUE(simulator_->domain("example.com")->glue.empty());
}

TEST_F(HostrahaSimTest, ReleaseHandsTheDomainAway) {
  start([](SimulatorOptions& options) { options.prices[".co.uk"] = {500, 500, 500}; });
  add_fixture("example.co.uk");
  EXPECT_EQ(post("domains/example.co.uk/release", {}).body,
            R"({"error":"transfertag is required"})");
  EXPECT_EQ(post("domains/example.co.uk/release", {{"transfertag", "NEW-TAG"}}).body,
            R"({"success":true})");
  const auto domain = simulator_->domain("example.co.uk");
  EXPECT_EQ(domain->status, "Transferred Away");
  EXPECT_EQ(domain->release_tag, "NEW-TAG");
  EXPECT_EQ(
      post("domains/example.co.uk/lock", {{"lockstatus", "locked"}}).body,
      R"j({"error":"The domain must be Active for this action (status: Transferred Away)"})j");
}

TEST_F(HostrahaSimTest, DeleteCancelsAndFreesTheName) {
  add_fixture("example.com");
  EXPECT_EQ(post("domains/example.com/delete", {{"domain", "example.com"}}).body,
            R"({"success":true})");
  EXPECT_EQ(simulator_->domain("example.com")->status, "Cancelled");
  EXPECT_EQ(post("domains/example.com/delete", {}).body,
            R"j({"error":"The domain must be in the account to be deleted (status: Cancelled)"})j");
  EXPECT_EQ(post("domains/lookup", {{"searchTerm", "example"}, {"tldsToInclude[0]", ".com"}}).body,
            R"([{"sld":"example","tld":".com","status":"available"}])");
  register_example();
  EXPECT_EQ(simulator_->domain("example.com")->status, "Active");
}

TEST_F(HostrahaSimTest, SyncReportsDriftMadeElsewhere) {
  add_fixture("example.com", day(2025, 3, 9));
  EXPECT_EQ(post("domains/example.com/sync", {{"domain", "example.com"}}).body,
            R"({"active":true,"expired":false,"expirydate":"2025-03-09","transferredAway":false})");
  ASSERT_TRUE(simulator_->set_expiry("example.com", day(2026, 3, 9)));
  EXPECT_EQ(post("domains/example.com/sync", {}).body,
            R"({"active":true,"expired":false,"expirydate":"2026-03-09","transferredAway":false})");
  ASSERT_TRUE(simulator_->set_expiry("example.com", day(2024, 4, 30)));
  EXPECT_EQ(post("domains/example.com/sync", {}).body,
            R"({"active":false,"expired":true,"expirydate":"2024-04-30","transferredAway":false})");
  EXPECT_NE(get("domains/example.com/information").body.find(R"("status":"Expired")"),
            std::string::npos);
  ASSERT_TRUE(simulator_->mark_transferred_away("example.com"));
  EXPECT_EQ(post("domains/example.com/sync", {}).body,
            R"({"active":false,"expired":false,"expirydate":"2024-04-30","transferredAway":true})");
  EXPECT_FALSE(simulator_->mark_transferred_away("missing.com"));
  EXPECT_FALSE(simulator_->set_expiry("missing.com", day(2030, 1, 1)));
}

TEST_F(HostrahaSimTest, ServesOverTlsWithTheTestCa) {
  const auto ca = sim::TestCa::generate();
  testing::TempDir dir;
  const std::string ca_file = ca.write_ca_file(dir.path().string());
  Simulator simulator(SimulatorOptions{
      .email = kEmail, .api_key = kApiKey, .clock = &clock_, .credit_minor = 123456});
  sim::Server server({.name = "hostraha-tls", .tls = true, .ca = &ca});
  simulator.install(server, std::string(kBase) + "/");
  server.start();
  const HttpReply reply = testing::http_request(
      server.port(), "GET", std::string(kBase) + "/billing/credits", auth(), "", ca_file);
  EXPECT_EQ(reply.body, R"("1234.56")");
}

TEST_F(HostrahaSimTest, ManyRequestsKeepStateConsistent) {
  simulator_->set_credit_minor(1099 * 30);
  testing::HttpConnection connection(server_->port());
  Headers headers = auth();
  headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  for (int i = 0; i < 31; ++i) {
    const std::string name = "bulk" + std::to_string(i) + ".com";
    const HttpReply reply = connection.request(
        "POST", std::string(kBase) + "/order/domains/register", headers, form(order_fields(name)));
    EXPECT_EQ(reply.body,
              i < 30 ? R"({"success":true})" : R"({"error":"Insufficient credit balance"})");
  }
  EXPECT_EQ(simulator_->charges(), 30U);
  EXPECT_EQ(simulator_->credit_minor(), 0);
  EXPECT_FALSE(simulator_->domain("bulk30.com"));
}

}  // namespace
}  // namespace portico
