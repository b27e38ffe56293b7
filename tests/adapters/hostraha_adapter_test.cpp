#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/names.hpp"
#include "portico/core/random.hpp"
#include "portico/http/client.hpp"
#include "portico/sim/server.hpp"
#include "portico/sim/test_ca.hpp"

#include "adapters/adapter_test_support.hpp"
#include "hostraha/client.hpp"
#include "hostraha/factory.hpp"
#include "hostraha/registrar.hpp"
#include "hostraha/signer.hpp"
#include "hostraha/sim/simulator.hpp"
#include "support/temp_dir.hpp"

namespace portico::adapters::hostraha {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using core::DnsRecord;
using core::DnsRecordType;
using core::DomainStatus;
using sim::hostraha::DomainState;
using sim::hostraha::Simulator;
using sim::hostraha::SimulatorOptions;
using sim::hostraha::ZoneRecord;

constexpr const char* kEmail = "reseller@example.com";
constexpr const char* kApiKey = "sim-api-key-5f2c81";
constexpr std::string_view kBasePath = sim::hostraha::kDefaultBasePath;

core::TimePoint at(std::string_view rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

std::chrono::sys_days day(std::string_view date) {
  return std::chrono::floor<std::chrono::days>(at(std::string(date) + "T00:00:00Z"));
}

core::Contact person(std::string first_name) {
  core::Contact contact;
  contact.first_name = std::move(first_name);
  contact.last_name = "Wanjiru";
  contact.organization = "Acme Ltd";
  contact.email = "ann@example.co.ke";
  contact.phone = "+254.712345678";
  contact.address1 = "1 Moi Avenue";
  contact.city = "Nairobi";
  contact.state = "Nairobi";
  contact.postcode = "00100";
  contact.country = "KE";
  return contact;
}

core::DomainRegistration registration(std::string name, int years = 1) {
  core::DomainRegistration request;
  request.name = std::move(name);
  request.years = years;
  request.nameservers = {"ns1.host.net", "ns2.host.net"};
  request.contacts.registrant = person("Ann");
  return request;
}

DomainState owned(std::string name) {
  DomainState domain;
  domain.name = std::move(name);
  domain.status = "Active";
  domain.expires_on = day("2027-03-01");
  domain.nameservers = {"ns1.host.net", "ns2.host.net"};
  for (const char* role : {"Registrant", "Admin", "Tech", "Billing"})
    domain.contacts[role] = person("Ann");
  return domain;
}

DnsRecord record(DnsRecordType type, std::string name, std::string value) {
  DnsRecord out;
  out.type = type;
  out.name = std::move(name);
  out.value = std::move(value);
  return out;
}

std::vector<sim::SimRequest> requests_to(const sim::Server& server, std::string_view action) {
  std::vector<sim::SimRequest> found;
  for (auto& request : server.journal())
    if (request.path == std::string(kBasePath) + "/" + std::string(action))
      found.push_back(request);
  return found;
}

void expect_error(const core::Error& error, int status, std::string_view code,
                  bool outcome_unknown) {
  EXPECT_EQ(error.status, status);
  EXPECT_EQ(error.code, code);
  EXPECT_EQ(error.outcome_unknown, outcome_unknown);
  EXPECT_EQ(error.message.find(kApiKey), std::string::npos);
  EXPECT_EQ(error.message.find("Hostraha"), std::string::npos);
}

// The adapter over real HTTP on loopback against the simulator, with one clock for both.
class HostrahaAdapterTest : public ::testing::Test {
 protected:
  HostrahaAdapterTest() : clock_(at("2026-11-22T09:30:00Z")) {}

  void SetUp() override {
    SimulatorOptions options;
    options.email = kEmail;
    options.api_key = kApiKey;
    options.clock = &clock_;
    options.credit_minor = 100000;
    options.premium = {{"gold.com", 250000}};
    simulator_ = std::make_unique<Simulator>(options);
    server_ = std::make_unique<sim::Server>(sim::ServerOptions{.name = "hostraha"});
    simulator_->install(*server_);
    server_->start();
    http_ = make_http(2s);
    adapter_ = make_adapter(*http_, kApiKey);
  }

  std::unique_ptr<http::Client> make_http(std::chrono::milliseconds timeout,
                                          std::string scheme = "http", std::string ca_file = {},
                                          int max_attempts = 1) {
    http::ClientOptions options;
    options.retry = {.max_attempts = max_attempts, .base_delay = 1ms, .max_delay = 5ms};
    options.scheme = std::move(scheme);
    options.host = "127.0.0.1";
    options.port = server_->port();
    options.timeout = timeout;
    options.ca_file = std::move(ca_file);
    options.secrets = {kApiKey};
    return std::make_unique<http::Client>(io_.get_executor(), options);
  }

  std::unique_ptr<Adapter> make_adapter(http::Client& http, std::string api_key,
                                        Settings settings = {}) {
    return std::make_unique<Adapter>(
        Client(http, clock_, {kEmail, core::Secret(std::move(api_key))}, std::string(kBasePath)),
        clock_, settings);
  }

  template <typename T>
  T run(asio::awaitable<T> task) {
    return test::run(io_, std::move(task));
  }

  core::ManualClock clock_;
  asio::io_context io_;
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<sim::Server> server_;
  std::unique_ptr<http::Client> http_;
  std::unique_ptr<Adapter> adapter_;
};

// ---- wire shape -----------------------------------------------------------------------------

TEST_F(HostrahaAdapterTest, ReadsAreRetriedPostsIncludedWritesNever) {
  auto http = make_http(2s, "http", {}, 3);
  auto adapter = make_adapter(*http, kApiKey);
  const auto fail_once = [this](std::string_view action) {
    server_->inject({.kind = sim::FaultKind::status,
                     .path_prefix = std::string(kBasePath) + "/" + std::string(action),
                     .status = 503});
  };

  // A GET, and the POST lookup that only reads: each asked again after a 503.
  fail_once("domains/lookup");
  fail_once("tlds/pricing");
  auto available = run(adapter->check({"fresh.com"}));
  ASSERT_TRUE(available.ok()) << available.error().code;
  EXPECT_EQ(requests_to(*server_, "domains/lookup").size(), 2U);
  EXPECT_EQ(requests_to(*server_, "tlds/pricing").size(), 2U);

  // A registration and a setting change go once, whatever comes back.
  fail_once("order/domains/register");
  EXPECT_FALSE(run(adapter->register_domain(registration("fresh.com"))).ok());
  EXPECT_EQ(requests_to(*server_, "order/domains/register").size(), 1U);
  EXPECT_FALSE(simulator_->domain("fresh.com").has_value());
  ASSERT_TRUE(run(adapter->register_domain(registration("fresh.com"))).ok());
  fail_once("domains/fresh.com/lock");
  EXPECT_FALSE(run(adapter->set_lock("fresh.com", false)).ok());
  std::size_t lock_posts = 0;
  for (const auto& request : requests_to(*server_, "domains/fresh.com/lock"))
    lock_posts += request.method == "POST" ? 1 : 0;
  EXPECT_EQ(lock_posts, 1U);

  // The POST transfer sync only reads: retried.
  fail_once("domains/fresh.com/transfersync");
  EXPECT_TRUE(run(adapter->transfer_status("fresh.com")).ok());
  EXPECT_EQ(requests_to(*server_, "domains/fresh.com/transfersync").size(), 2U);
}

TEST_F(HostrahaAdapterTest, SignsEveryCallAndPostsPhpForms) {
  auto registered = run(adapter_->register_domain(registration("example.com", 2)));
  ASSERT_TRUE(registered.ok()) << registered.error().code;

  const auto posts = requests_to(*server_, "order/domains/register");
  ASSERT_EQ(posts.size(), 1U);
  const sim::SimRequest& post = posts[0];
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.header("Content-Type"), "application/x-www-form-urlencoded");
  // Header names exactly as the vendor's client spells them.
  const auto exact = [&](const sim::SimRequest& request, std::string_view name) {
    return std::any_of(request.headers.begin(), request.headers.end(),
                       [&](const sim::Header& header) { return header.name == name; });
  };
  EXPECT_TRUE(exact(post, "username"));
  EXPECT_TRUE(exact(post, "token"));
  EXPECT_EQ(post.header("username"), kEmail);
  EXPECT_EQ(post.header("token"), token(kEmail, kApiKey, clock_.now()));
  EXPECT_EQ(post.body.rfind("domain=example.com&regperiod=2&domainfields=YTowOnt9&"
                            "nameservers%5Bns1%5D=ns1.host.net&nameservers%5Bns2%5D=ns2.host.net&"
                            "contacts%5Bregistrant%5D%5Bfirstname%5D=Ann&",
                            0),
            0U)
      << post.body;
  EXPECT_NE(post.body.find("&addons%5Bdnsmanagement%5D=1&addons%5Bemailforwarding%5D=1&"
                           "addons%5Bidprotection%5D=0"),
            std::string::npos);
  EXPECT_EQ(post.body.find("contacts%5Badmin%5D"), std::string::npos);  // not given, not sent

  // GET carries nothing but the path.
  const auto reads = requests_to(*server_, "domains/example.com/information");
  ASSERT_EQ(reads.size(), 1U);
  EXPECT_EQ(reads[0].method, "GET");
  EXPECT_TRUE(reads[0].body.empty());
  EXPECT_TRUE(reads[0].query.empty());
  EXPECT_FALSE(reads[0].header("Content-Type").has_value());
}

TEST_F(HostrahaAdapterTest, TokenChangesAcrossTheHour) {
  clock_.set(at("2026-11-22T13:59:59Z"));
  auto before = run(adapter_->balance());
  ASSERT_TRUE(before.ok()) << before.error().code;
  clock_.set(at("2026-11-22T14:00:00Z"));
  auto after = run(adapter_->balance());
  ASSERT_TRUE(after.ok()) << after.error().code;

  const auto calls = requests_to(*server_, "billing/credits");
  ASSERT_EQ(calls.size(), 2U);
  EXPECT_EQ(calls[0].header("token"), token(kEmail, kApiKey, at("2026-11-22T13:59:59Z")));
  EXPECT_EQ(calls[1].header("token"), token(kEmail, kApiKey, at("2026-11-22T14:00:00Z")));
  EXPECT_NE(calls[0].header("token"), calls[1].header("token"));
}

TEST_F(HostrahaAdapterTest, WrongKeyIsAnAuthenticationFailureWithoutTheKey) {
  auto wrong = make_adapter(*http_, "not-the-key-9d1e");
  auto balance = run(wrong->balance());
  ASSERT_FALSE(balance.ok());
  expect_error(balance.error(), 502, "upstream_authentication_failed", false);
  EXPECT_EQ(balance.error().message.find("not-the-key-9d1e"), std::string::npos);
}

// ---- registrar ------------------------------------------------------------------------------

TEST_F(HostrahaAdapterTest, RegisterReadsTheRealExpiryAndPays) {
  auto request = registration("example.com", 2);
  request.privacy = true;
  request.auto_renew = true;
  request.contacts.tech = person("Tom");
  auto domain = run(adapter_->register_domain(request));
  ASSERT_TRUE(domain.ok()) << domain.error().code;

  EXPECT_EQ(domain->name, "example.com");
  EXPECT_EQ(domain->status, DomainStatus::active);
  EXPECT_EQ(domain->supplier_status, "Active");
  EXPECT_EQ(domain->expires_at, at("2028-11-22T00:00:00Z"));
  EXPECT_EQ(domain->nameservers, (std::vector<std::string>{"ns1.host.net", "ns2.host.net"}));
  EXPECT_TRUE(domain->privacy);
  EXPECT_TRUE(domain->auto_renew);

  EXPECT_EQ(simulator_->credit_minor(), 100000 - 2 * 1099);
  const auto held = simulator_->domain("example.com");
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->contacts.at("Registrant").first_name, "Ann");
  EXPECT_EQ(held->contacts.at("Tech").first_name, "Tom");
  EXPECT_EQ(held->contacts.at("Registrant").phone, "+254.712345678");
  EXPECT_TRUE(held->id_protection);
  EXPECT_TRUE(held->dns_management);
}

TEST_F(HostrahaAdapterTest, RegisterWithoutAReadableInformationStillReportsTheDomain) {
  server_->inject({.kind = sim::FaultKind::status,
                   .path_prefix = std::string(kBasePath) + "/domains/example.net/information",
                   .status = 500});
  auto domain = run(adapter_->register_domain(registration("example.net", 3)));
  ASSERT_TRUE(domain.ok()) << domain.error().code;
  EXPECT_EQ(domain->status, DomainStatus::active);
  EXPECT_EQ(domain->expires_at, at("2029-11-22T09:30:00Z"));  // now + years
  EXPECT_EQ(domain->nameservers, (std::vector<std::string>{"ns1.host.net", "ns2.host.net"}));
}

TEST_F(HostrahaAdapterTest, CheckGroupsNamesByLabelAndAddsCachedPrices) {
  const std::vector<std::string> names = {"example.com", "taken.com", "example.co.ke", "gold.com",
                                          "example.net"};
  auto results = run(adapter_->check(names));
  ASSERT_TRUE(results.ok()) << results.error().code;
  ASSERT_EQ(results->size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i)
    EXPECT_EQ((*results)[i].name, names[i]);

  EXPECT_TRUE((*results)[0].available);
  EXPECT_FALSE((*results)[0].premium);
  EXPECT_EQ((*results)[0].price_minor, 1099);
  EXPECT_EQ((*results)[0].currency, "USD");
  EXPECT_FALSE((*results)[1].available);
  EXPECT_TRUE((*results)[2].available);
  EXPECT_EQ((*results)[2].price_minor, 999);
  EXPECT_TRUE((*results)[3].available);
  EXPECT_TRUE((*results)[3].premium);
  EXPECT_EQ((*results)[3].price_minor, 250000);
  EXPECT_EQ((*results)[4].price_minor, 1299);

  // One lookup per label, every TLD of it in one call.
  const auto lookups = requests_to(*server_, "domains/lookup");
  ASSERT_EQ(lookups.size(), 3U);
  EXPECT_EQ(lookups[0].body,
            "searchTerm=example&punyCodeSearchTerm=example&tldsToInclude%5B0%5D=.com&"
            "tldsToInclude%5B1%5D=.co.ke&tldsToInclude%5B2%5D=.net&isIdnDomain=0&"
            "premiumEnabled=1&isWhmcs=1");

  // Prices are read once an hour.
  ASSERT_TRUE(run(adapter_->check({"another.org"})).ok());
  EXPECT_EQ(requests_to(*server_, "tlds/pricing").size(), 1U);
  clock_.advance(61min);
  auto later = run(adapter_->check({"another.org"}));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ((*later)[0].price_minor, 1199);
  EXPECT_EQ(requests_to(*server_, "tlds/pricing").size(), 2U);
}

TEST_F(HostrahaAdapterTest, TransferCompletesOrFailsOnSync) {
  auto started = run(adapter_->transfer(registration("moving.com"), "Good-Code-1"));
  ASSERT_TRUE(started.ok()) << started.error().code;
  EXPECT_EQ(started->status, DomainStatus::pending_transfer);
  EXPECT_EQ(simulator_->credit_minor(), 100000 - 1099);
  const auto body = requests_to(*server_, "order/domains/transfer").at(0).body;
  EXPECT_NE(body.find("&eppcode=Good-Code-1"), std::string::npos);

  auto status = run(adapter_->transfer_status("moving.com"));
  ASSERT_TRUE(status.ok()) << status.error().code;
  EXPECT_EQ(status->state, core::TransferState::completed);
  EXPECT_EQ(status->expires_at, at("2027-11-22T00:00:00Z"));

  ASSERT_TRUE(run(adapter_->transfer(registration("stuck.com"), "fail-please")).ok());
  auto failed = run(adapter_->transfer_status("stuck.com"));
  ASSERT_TRUE(failed.ok()) << failed.error().code;
  EXPECT_EQ(failed->state, core::TransferState::failed);
  EXPECT_EQ(failed->reason, "The registry rejected the transfer's auth code.");
}

TEST_F(HostrahaAdapterTest, RenewKeepsIdProtectionAndReadsTheNewExpiry) {
  DomainState domain = owned("example.org");
  domain.id_protection = true;
  simulator_->add_domain(domain);

  auto renewed = run(adapter_->renew("example.org", 2));
  ASSERT_TRUE(renewed.ok()) << renewed.error().code;
  EXPECT_EQ(renewed->expires_at, at("2029-03-01T00:00:00Z"));
  EXPECT_EQ(simulator_->credit_minor(), 100000 - 2 * 1199);
  const auto body = requests_to(*server_, "order/domains/renew").at(0).body;
  EXPECT_EQ(body,
            "domain=example.org&regperiod=2&addons%5Bdnsmanagement%5D=1&"
            "addons%5Bemailforwarding%5D=1&addons%5Bidprotection%5D=1");
}

TEST_F(HostrahaAdapterTest, InfoReflectsTheSuppliersView) {
  DomainState domain = owned("example.com");
  domain.locked = true;
  domain.status = "Redemption";
  simulator_->add_domain(domain);

  auto info = run(adapter_->info("example.com"));
  ASSERT_TRUE(info.ok()) << info.error().code;
  EXPECT_EQ(info->status, DomainStatus::expired);
  EXPECT_EQ(info->supplier_status, "Redemption");
  EXPECT_EQ(info->expires_at, at("2027-03-01T00:00:00Z"));
  EXPECT_TRUE(info->locked);
  EXPECT_FALSE(info->privacy);

  auto missing = run(adapter_->info("nobody.com"));
  ASSERT_FALSE(missing.ok());
  expect_error(missing.error(), 404, "not_found_at_supplier", false);
}

// A server without the `information` action refuses it; sync, nameservers and lock answer.
TEST_F(HostrahaAdapterTest, InfoFallsBackToSyncOnOlderServers) {
  simulator_->add_domain(owned("example.com"));
  Routes older = Routes::official();
  older.information = "domains/{domain}/details";  // an action the server does not have
  Adapter adapter(Client(*http_, clock_, {kEmail, core::Secret(kApiKey)}, std::string(kBasePath)),
                  clock_, {}, older);

  auto info = run(adapter.info("example.com"));
  ASSERT_TRUE(info.ok()) << info.error().code;
  EXPECT_EQ(info->status, DomainStatus::active);
  EXPECT_EQ(info->expires_at, at("2027-03-01T00:00:00Z"));
  EXPECT_EQ(info->nameservers, (std::vector<std::string>{"ns1.host.net", "ns2.host.net"}));
  EXPECT_EQ(requests_to(*server_, "domains/example.com/sync").size(), 1U);
}

TEST_F(HostrahaAdapterTest, ManagesNameserversLockPrivacyAndAuthCode) {
  simulator_->add_domain(owned("example.com"));

  ASSERT_TRUE(run(adapter_->set_nameservers("example.com",
                                            {"ns1.new.net", "", "ns2.new.net", "ns3.new.net"}))
                  .ok());
  EXPECT_EQ(simulator_->domain("example.com")->nameservers,
            (std::vector<std::string>{"ns1.new.net", "ns2.new.net", "ns3.new.net"}));
  EXPECT_EQ(requests_to(*server_, "domains/example.com/nameservers").at(0).body,
            "domain=example.com&ns1=ns1.new.net&ns2=ns2.new.net&ns3=ns3.new.net");
  auto too_many = run(adapter_->set_nameservers(
      "example.com", {"a.net", "b.net", "c.net", "d.net", "e.net", "f.net"}));
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, "too_many_nameservers");

  ASSERT_TRUE(run(adapter_->set_lock("example.com", true)).ok());
  EXPECT_TRUE(simulator_->domain("example.com")->locked);
  ASSERT_TRUE(run(adapter_->set_lock("example.com", false)).ok());
  EXPECT_FALSE(simulator_->domain("example.com")->locked);

  ASSERT_TRUE(run(adapter_->set_privacy("example.com", true)).ok());
  EXPECT_TRUE(simulator_->domain("example.com")->id_protection);

  auto code = run(adapter_->auth_code("example.com"));
  ASSERT_TRUE(code.ok()) << code.error().code;
  EXPECT_EQ(*code, simulator_->domain("example.com")->epp_code);
}

TEST_F(HostrahaAdapterTest, ContactsRoundTrip) {
  simulator_->add_domain(owned("example.com"));
  core::DomainContacts contacts;
  contacts.registrant = person("Grace");
  contacts.registrant.address2 = "Floor 3";
  contacts.admin = person("Adam");
  ASSERT_TRUE(run(adapter_->set_contacts("example.com", contacts)).ok());

  auto read = run(adapter_->contacts("example.com"));
  ASSERT_TRUE(read.ok()) << read.error().code;
  EXPECT_EQ(read->registrant.first_name, "Grace");
  EXPECT_EQ(read->registrant.address2, "Floor 3");
  EXPECT_EQ(read->registrant.organization, "Acme Ltd");
  ASSERT_TRUE(read->admin.has_value());
  EXPECT_EQ(read->admin->first_name, "Adam");
  ASSERT_TRUE(read->billing.has_value());
  EXPECT_EQ(read->billing->first_name, "Grace");  // a missing role is the registrant
}

TEST_F(HostrahaAdapterTest, EmailForwardsReplaceTheSet) {
  simulator_->add_domain(owned("example.com"));
  ASSERT_TRUE(run(adapter_->set_email_forwards(
                      "example.com", {{"info", "ann@example.net"}, {"sales", "tom@example.net"}}))
                  .ok());
  auto forwards = run(adapter_->email_forwards("example.com"));
  ASSERT_TRUE(forwards.ok()) << forwards.error().code;
  ASSERT_EQ(forwards->size(), 2U);
  EXPECT_EQ((*forwards)[1].prefix, "sales");
  EXPECT_EQ((*forwards)[1].forward_to, "tom@example.net");

  ASSERT_TRUE(run(adapter_->set_email_forwards("example.com", {})).ok());
  EXPECT_TRUE(run(adapter_->email_forwards("example.com"))->empty());
}

TEST_F(HostrahaAdapterTest, GlueRecordsReleaseAndDelete) {
  simulator_->add_domain(owned("example.com"));
  ASSERT_TRUE(run(adapter_->create_glue("example.com", {"ns1.example.com", "192.0.2.10"})).ok());
  ASSERT_TRUE(run(adapter_->update_glue("example.com", {"ns1.example.com", "192.0.2.10"},
                                        {"ns1.example.com", "192.0.2.20"}))
                  .ok());
  ASSERT_EQ(simulator_->domain("example.com")->glue.size(), 1U);
  EXPECT_EQ(simulator_->domain("example.com")->glue[0].address, "192.0.2.20");
  auto renamed = run(adapter_->update_glue("example.com", {"ns1.example.com", "192.0.2.20"},
                                           {"ns9.example.com", "192.0.2.20"}));
  ASSERT_FALSE(renamed.ok());
  EXPECT_EQ(renamed.error().status, 422);
  ASSERT_TRUE(run(adapter_->delete_glue("example.com", "ns1.example.com")).ok());
  EXPECT_TRUE(simulator_->domain("example.com")->glue.empty());
  auto gone = run(adapter_->delete_glue("example.com", "ns1.example.com"));
  ASSERT_FALSE(gone.ok());
  expect_error(gone.error(), 404, "not_found_at_supplier", false);

  simulator_->add_domain(owned("leaving.com"));
  ASSERT_TRUE(run(adapter_->release("leaving.com", "NEWTAG")).ok());
  EXPECT_EQ(simulator_->domain("leaving.com")->release_tag, "NEWTAG");
  EXPECT_EQ(simulator_->domain("leaving.com")->status, "Transferred Away");

  ASSERT_TRUE(run(adapter_->remove("example.com")).ok());
  EXPECT_EQ(simulator_->domain("example.com")->status, "Cancelled");
  auto info = run(adapter_->info("example.com"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->status, DomainStatus::deleted);
}

TEST_F(HostrahaAdapterTest, BalanceFromCredits) {
  simulator_->set_credit_minor(15050);
  auto balance = run(adapter_->balance());
  ASSERT_TRUE(balance.ok()) << balance.error().code;
  EXPECT_EQ(balance->amount_minor, 15050);
}

// ---- supplier errors ------------------------------------------------------------------------

TEST_F(HostrahaAdapterTest, SupplierErrorsBecomeNormalizedErrors) {
  auto taken = run(adapter_->register_domain(registration("taken.com")));
  ASSERT_FALSE(taken.ok());
  expect_error(taken.error(), 409, "domain_unavailable", false);

  simulator_->set_credit_minor(100);
  auto broke = run(adapter_->register_domain(registration("example.com")));
  ASSERT_FALSE(broke.ok());
  expect_error(broke.error(), 503, "supplier_insufficient_funds", false);
  EXPECT_EQ(broke.error().type, core::ErrorType::upstream);
  EXPECT_FALSE(simulator_->domain("example.com").has_value());

  auto unoffered = run(adapter_->register_domain(registration("example.xyz")));
  ASSERT_FALSE(unoffered.ok());
  expect_error(unoffered.error(), 422, "unsupported_tld", false);
}

TEST_F(HostrahaAdapterTest, GarbageIsABadResponseWithAnUnknownOutcome) {
  simulator_->add_domain(owned("example.com"));
  server_->inject({.kind = sim::FaultKind::garbage});
  auto locked = run(adapter_->set_lock("example.com", true));
  ASSERT_FALSE(locked.ok());
  expect_error(locked.error(), 502, "upstream_bad_response", true);
}

TEST_F(HostrahaAdapterTest, TimeoutKeepsTheTransportError) {
  auto impatient_http = make_http(300ms);
  auto impatient = make_adapter(*impatient_http, kApiKey);
  server_->inject({.kind = sim::FaultKind::timeout});
  const auto started = std::chrono::steady_clock::now();
  auto registered = run(impatient->register_domain(registration("example.com")));
  ASSERT_FALSE(registered.ok());
  expect_error(registered.error(), 504, "upstream_timeout", true);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

// Bodies the harness cannot fake: complete HTTP answers that are not the JSON expected.
TEST(HostrahaClientTest, AnswersThatAreNotJsonOrOfTheWrongShape) {
  sim::Server server({.name = "odd"});
  const std::string base = "/api/index.php";
  server.route("*", base + "/billing/credits", [](const sim::SimRequest&) {
    sim::SimResponse response;
    response.status = 502;
    response.content_type = "text/html";
    response.body = "<html>Bad Gateway</html>";
    return response;
  });
  server.route("*", base + "/domains/{domain}/lock", [](const sim::SimRequest&) {
    sim::SimResponse response;
    response.body = R"("pending")";  // a bare string that is not "success"
    return response;
  });
  // A 500 whose body reads like a refusal: for a read the body decides; for a write the
  // supplier may have acted before the page failed.
  const auto failed_page = [](const sim::SimRequest&) {
    sim::SimResponse response;
    response.status = 500;
    response.body = R"({"error":"Domain is not in your account"})";
    return response;
  };
  server.route("*", base + "/domains/{domain}/protectid", failed_page);
  server.route("*", base + "/domains/{domain}/information", failed_page);
  server.route("*", base + "/domains/{domain}/delete", [](const sim::SimRequest&) {
    sim::SimResponse response;
    response.body = R"("success")";
    return response;
  });
  server.route("*", base + "/domains/{domain}/release", [](const sim::SimRequest&) {
    sim::SimResponse response;
    response.body = "42";
    return response;
  });
  server.start();

  asio::io_context io;
  core::ManualClock clock(at("2026-11-22T09:30:00Z"));
  http::Client http(io.get_executor(),
                    {.scheme = "http", .host = "127.0.0.1", .port = server.port(), .timeout = 2s});
  Adapter adapter(Client(http, clock, {kEmail, core::Secret(kApiKey)}, base + "/"), clock, {});

  auto balance = test::run(io, adapter.balance());
  ASSERT_FALSE(balance.ok());
  expect_error(balance.error(), 502, "upstream_bad_response", false);  // a read

  auto lock = test::run(io, adapter.set_lock("example.com", true));
  ASSERT_FALSE(lock.ok());
  expect_error(lock.error(), 502, "upstream_bad_response", true);  // a write

  auto privacy = test::run(io, adapter.set_privacy("example.com", true));
  ASSERT_FALSE(privacy.ok());
  expect_error(privacy.error(), 502, "upstream_error", true);
  auto information = test::run(io, adapter.info("example.com"));
  ASSERT_FALSE(information.ok());
  expect_error(information.error(), 404, "not_found_at_supplier", false);

  EXPECT_TRUE(test::run(io, adapter.remove("example.com")).ok());

  auto release = test::run(io, adapter.release("example.com", "TAG"));
  ASSERT_FALSE(release.ok());
  expect_error(release.error(), 502, "upstream_bad_response", true);

  // The base path's trailing slash is not doubled.
  EXPECT_EQ(server.journal().at(0).path, "/api/index.php/billing/credits");
}

// ---- DNS ------------------------------------------------------------------------------------

TEST_F(HostrahaAdapterTest, DnsRecordsOfEveryTypeRoundTrip) {
  DomainState domain = owned("example.com");
  domain.zone = {{"go", "URL", "https://example.net", "N/A", std::nullopt}};
  simulator_->add_domain(domain);

  DnsRecord a = record(DnsRecordType::a, "www", "192.0.2.1");
  a.ttl = 300;
  DnsRecord aaaa = record(DnsRecordType::aaaa, "@", "2001:db8::1");
  DnsRecord cname = record(DnsRecordType::cname, "blog", "example.net");
  DnsRecord mx = record(DnsRecordType::mx, "@", "mail.example.com");
  mx.priority = 10;
  DnsRecord txt = record(DnsRecordType::txt, "@", "v=spf1 include:_spf.example.com ~all");
  DnsRecord ns = record(DnsRecordType::ns, "sub", "ns1.other.net");
  DnsRecord srv = record(DnsRecordType::srv, "_sip._tcp", "sip.example.com");
  srv.priority = 10;
  srv.weight = 5;
  srv.port = 5060;
  DnsRecord caa = record(DnsRecordType::caa, "@", "letsencrypt.org");
  caa.flags = 0;
  caa.tag = "issue";
  const std::vector<DnsRecord> all = {a, aaaa, cname, mx, txt, ns, srv, caa};
  for (const auto& each : all) {
    auto created = run(adapter_->create("example.com", each));
    ASSERT_TRUE(created.ok()) << core::name_of(each.type) << " " << created.error().code;
    EXPECT_TRUE(same_record(*created, each));
  }

  auto listed = run(adapter_->list("example.com"));
  ASSERT_TRUE(listed.ok()) << listed.error().code;
  ASSERT_EQ(listed->size(), all.size());  // the URL record is not listed...
  for (std::size_t i = 0; i < all.size(); ++i)
    EXPECT_TRUE(same_record((*listed)[i], all[i])) << i;
  const auto zone = simulator_->domain("example.com")->zone;
  ASSERT_EQ(zone.size(), all.size() + 1);  // ...but survives every save
  EXPECT_EQ(zone[0], (ZoneRecord{"go", "URL", "https://example.net", "N/A", std::nullopt}));
  EXPECT_EQ(zone[7], (ZoneRecord{"_sip._tcp", "SRV", "5 5060 sip.example.com", "10", "3600"}));
  EXPECT_EQ(zone[8], (ZoneRecord{"@", "CAA", "0 issue \"letsencrypt.org\"", "N/A", "3600"}));
}

TEST_F(HostrahaAdapterTest, DnsUpdateAndRemoveDetectChangesMadeElsewhere) {
  simulator_->add_domain(owned("example.com"));
  const DnsRecord www = record(DnsRecordType::a, "www", "192.0.2.1");
  ASSERT_TRUE(run(adapter_->create("example.com", www)).ok());

  auto duplicate = run(adapter_->create("example.com", www));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().status, 409);
  EXPECT_EQ(duplicate.error().code, "dns_record_exists");

  const DnsRecord moved = record(DnsRecordType::a, "www", "192.0.2.2");
  auto updated = run(adapter_->update("example.com", www, moved));
  ASSERT_TRUE(updated.ok()) << updated.error().code;
  EXPECT_EQ(updated->value, "192.0.2.2");
  EXPECT_EQ(simulator_->domain("example.com")->zone.at(0).address, "192.0.2.2");

  // `www` was changed: an update or removal based on the old record is refused.
  auto stale_update =
      run(adapter_->update("example.com", www, record(DnsRecordType::a, "www", "192.0.2.3")));
  ASSERT_FALSE(stale_update.ok());
  EXPECT_EQ(stale_update.error().status, 409);
  EXPECT_EQ(stale_update.error().code, "dns_record_changed");
  auto stale_remove = run(adapter_->remove("example.com", www));
  ASSERT_FALSE(stale_remove.ok());
  EXPECT_EQ(stale_remove.error().code, "dns_record_changed");

  ASSERT_TRUE(run(adapter_->remove("example.com", moved)).ok());
  EXPECT_TRUE(simulator_->domain("example.com")->zone.empty());
  EXPECT_TRUE(run(adapter_->list("example.com"))->empty());
}

TEST_F(HostrahaAdapterTest, ConcurrentCreatesOnOneZoneAreAllKept) {
  simulator_->add_domain(owned("example.com"));
  simulator_->add_domain(owned("example.net"));
  constexpr int kCreates = 20;
  std::vector<std::future<std::optional<core::Result<DnsRecord>>>> creates;
  // The coroutines hold references to their arguments: these outlive them.
  std::vector<std::string> zones;
  std::vector<DnsRecord> records;
  for (int i = 0; i < kCreates; ++i) {
    zones.push_back(i % 4 == 3 ? "example.net" : "example.com");
    records.push_back(
        record(DnsRecordType::txt, "host" + std::to_string(i), "v" + std::to_string(i)));
  }
  for (std::size_t i = 0; i < records.size(); ++i)
    creates.push_back(test::spawn(io_, adapter_->create(zones[i], records[i])));
  // Two threads run the coroutines, as the gateway's network threads do.
  std::thread helper([&] { io_.run(); });
  io_.run();
  helper.join();
  for (auto& create : creates) {
    auto result = create.get();
    ASSERT_TRUE(result.has_value());
    ASSERT_TRUE(result->ok()) << result->error().code;
  }
  const auto com = simulator_->domain("example.com")->zone;
  const auto net = simulator_->domain("example.net")->zone;
  EXPECT_EQ(com.size() + net.size(), static_cast<std::size_t>(kCreates));
  EXPECT_EQ(net.size(), 5U);
  for (int i = 0; i < kCreates; ++i) {
    const auto& zone = i % 4 == 3 ? net : com;
    const std::string host = "host" + std::to_string(i);
    EXPECT_TRUE(std::any_of(zone.begin(), zone.end(), [&](const ZoneRecord& each) {
      return each.hostname == host;
    })) << host;
  }
}

// ---- instance, capabilities, HTTPS ----------------------------------------------------------

TEST_F(HostrahaAdapterTest, CapabilitiesFollowTheAddonSettings) {
  const auto& full = adapter_->capabilities();
  EXPECT_TRUE(full.supports(core::Operation::domain_register));
  EXPECT_TRUE(full.supports(core::Operation::domain_email_forwarding));
  EXPECT_TRUE(full.supports(core::Operation::dns_update));
  EXPECT_EQ(full.record_types.size(), 8U);
  EXPECT_EQ(full.min_years, 1);
  EXPECT_EQ(full.max_years, 10);

  auto bare = make_adapter(*http_, kApiKey, {.dns_management = false, .email_forwarding = false});
  EXPECT_TRUE(bare->capabilities().supports(core::Operation::domain_transfer));
  EXPECT_FALSE(bare->capabilities().supports(core::Operation::domain_email_forwarding));
  EXPECT_FALSE(bare->capabilities().supports(core::Operation::dns_create));
  EXPECT_TRUE(bare->capabilities().record_types.empty());
}

TEST_F(HostrahaAdapterTest, FactoryBuildsAnInstanceFromConfig) {
  Registry registry;
  register_type(registry);
  const ProviderType* type = registry.find("hostraha");
  ASSERT_NE(type, nullptr);
  const auto& fields = type->schema.fields;
  ASSERT_EQ(fields.size(), 4U);
  EXPECT_EQ(fields[1].name, "api_key");
  EXPECT_EQ(fields[1].kind, config::FieldKind::secret);
  EXPECT_FALSE(fields[2].required);

  config::ProviderConfig provider;
  provider.name = "hostraha-main";
  provider.type = "hostraha";
  provider.endpoint = {"http", "127.0.0.1", server_->port(), std::string(kBasePath)};
  provider.settings.emplace("username", std::string(kEmail));
  provider.settings.emplace("api_key", core::Secret(kApiKey));
  core::SeededRandom random(7);
  const Dependencies dependencies{io_.get_executor(), clock_, random, {}};
  auto health = std::make_shared<Health>(clock_);
  auto instance = type->create(provider, make_http(2s), health, dependencies);
  ASSERT_NE(instance->registrar(), nullptr);
  ASSERT_NE(instance->dns(), nullptr);
  simulator_->set_credit_minor(4200);
  auto balance = run(instance->registrar()->balance());
  ASSERT_TRUE(balance.ok()) << balance.error().code;
  EXPECT_EQ(balance->amount_minor, 4200);

  provider.settings.emplace("dns_management", false);
  auto without_dns = type->create(provider, make_http(2s), health, dependencies);
  EXPECT_EQ(without_dns->dns(), nullptr);
  EXPECT_FALSE(without_dns->registrar()->capabilities().supports(core::Operation::dns_list));
  const auto body = [&] {
    simulator_->add_domain(owned("example.com"));
    return run(without_dns->registrar()->renew("example.com", 1));
  }();
  ASSERT_TRUE(body.ok()) << body.error().code;
  EXPECT_NE(
      requests_to(*server_, "order/domains/renew").at(0).body.find("addons%5Bdnsmanagement%5D=0"),
      std::string::npos);
}

TEST(HostrahaHttpsTest, WorksOverTlsWithTheTestCa) {
  testing::TempDir dir;
  const sim::TestCa ca = sim::TestCa::generate();
  core::ManualClock clock(at("2026-11-22T09:30:00Z"));
  SimulatorOptions options;
  options.email = kEmail;
  options.api_key = kApiKey;
  options.clock = &clock;
  options.credit_minor = 77700;
  Simulator simulator(options);
  sim::Server server({.name = "hostraha-tls", .tls = true, .ca = &ca});
  simulator.install(server);
  server.start();

  asio::io_context io;
  http::Client http(io.get_executor(), {.scheme = "https",
                                        .host = "127.0.0.1",
                                        .port = server.port(),
                                        .ca_file = ca.write_ca_file(dir.path().string()),
                                        .timeout = 5s});
  Adapter adapter(Client(http, clock, {kEmail, core::Secret(kApiKey)}, std::string(kBasePath)),
                  clock, {});
  auto balance = test::run(io, adapter.balance());
  ASSERT_TRUE(balance.ok()) << balance.error().code;
  EXPECT_EQ(balance->amount_minor, 77700);
  auto check = test::run(io, adapter.check({"fresh.co.ke"}));
  ASSERT_TRUE(check.ok()) << check.error().code;
  EXPECT_TRUE((*check)[0].available);
}

}  // namespace
}  // namespace portico::adapters::hostraha
