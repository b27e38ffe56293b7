#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "portico/adapters/registry.hpp"
#include "portico/config/config.hpp"
#include "portico/core/clock.hpp"
#include "portico/core/crypto.hpp"
#include "portico/core/random.hpp"
#include "portico/http/client.hpp"
#include "portico/sim/server.hpp"

#include "adapters/adapter_test_support.hpp"
#include "geniusplugin/client.hpp"
#include "geniusplugin/factory.hpp"
#include "geniusplugin/mapping.hpp"
#include "geniusplugin/provisioner.hpp"
#include "geniusplugin/signer.hpp"
#include "geniusplugin/sim/simulator.hpp"

namespace portico::adapters::geniusplugin {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using core::HostingPackage;
using core::HostingStatus;
using sim::geniusplugin::Simulator;
using sim::geniusplugin::SimulatorOptions;

constexpr const char* kApiKey = "gp-reseller-7f3a9c2e51d84b06";
constexpr const char* kBasePath = "/api/v1";
constexpr const char* kAllowed = "127.0.0.1";
constexpr const char* kOther = "127.0.0.2";
constexpr const char* kDomain = "shop.example.com";
constexpr const char* kPassword = "Str0ng-Passw0rd+/=";
constexpr std::int64_t kStartCredit = 100000;  // cents

core::TimePoint at(std::string_view rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

core::HostingRequest request(std::string domain = kDomain, std::string plan = "100k",
                             std::string password = kPassword) {
  return core::HostingRequest{.domain = std::move(domain),
                              .plan = std::move(plan),
                              .email = "owner+gp@example.com",
                              .password = std::move(password)};
}

void expect_error(const core::Error& error, int status, std::string_view code,
                  bool outcome_unknown = false) {
  EXPECT_EQ(error.status, status) << error.code << ": " << error.message;
  EXPECT_EQ(error.code, code) << error.message;
  EXPECT_EQ(error.outcome_unknown, outcome_unknown) << error.code;
  EXPECT_EQ(error.message.find(kApiKey), std::string::npos);
  EXPECT_EQ(error.message.find("GeniusPlugin"), std::string::npos);
}

// The provisioner over HTTP on loopback against the simulator; one ManualClock for both.
class GeniusPluginAdapterTest : public ::testing::Test {
 protected:
  GeniusPluginAdapterTest()
      : clock_(at("2026-11-22T10:00:00Z")), random_(20261122), sim_random_(7) {}

  void SetUp() override { start(options()); }

  SimulatorOptions options() {
    SimulatorOptions options;
    options.api_key = kApiKey;
    options.allowed_address = kAllowed;
    options.credit_cents = kStartCredit;
    options.check_timestamp_digits = true;  // the adapter's timestamps are real ones
    options.reject_replays = true;          // and never repeat
    options.clock = &clock_;
    options.random = &sim_random_;
    return options;
  }

  // (Re)starts the simulator with `options`, a fresh HTTP client bound to `source` and a
  // fresh provisioner.
  void start(SimulatorOptions options, PasswordKey password_key = PasswordKey::api_key,
             std::string source = kAllowed, std::string api_key = kApiKey) {
    provisioner_.reset();
    http_.reset();
    server_.reset();
    simulator_ = std::make_unique<Simulator>(options);
    server_ = std::make_unique<sim::Server>(sim::ServerOptions{.name = "geniusplugin"});
    simulator_->install(*server_);
    server_->start();
    http_ = make_http(server_->port(), std::move(source));
    provisioner_ = make_provisioner(*http_, password_key, std::move(api_key));
  }

  std::unique_ptr<Provisioner> make_provisioner(http::Client& http, PasswordKey password_key,
                                                std::string api_key = kApiKey,
                                                Settings settings = {}) {
    return std::make_unique<Provisioner>(
        Client(http, clock_, random_, {core::Secret(std::move(api_key)), password_key}, kBasePath),
        std::move(settings));
  }

  std::unique_ptr<http::Client> make_http(std::uint16_t port, std::string source = kAllowed,
                                          int max_attempts = 1) {
    http::ClientOptions options;
    options.retry = {.max_attempts = max_attempts, .base_delay = 1ms, .max_delay = 5ms};
    options.scheme = "http";
    options.host = "127.0.0.1";
    options.port = port;
    options.source_address = std::move(source);
    options.timeout = 3s;
    options.secrets = {kApiKey};
    options.on_exchange = [this](const http::Exchange& exchange) {
      std::lock_guard lock(exchanges_mutex_);
      exchanges_.push_back(exchange);
    };
    return std::make_unique<http::Client>(io_.get_executor(), options);
  }

  template <typename T>
  T run(asio::awaitable<T> task) {
    return test::run(io_, std::move(task));
  }

  HostingPackage created(const core::HostingRequest& what = request()) {
    auto package = run(provisioner_->create(what));
    EXPECT_TRUE(package.ok()) << package.error().code << ": " << package.error().message;
    return package.ok() ? std::move(package).value() : HostingPackage{};
  }

  std::string sim_status(const std::string& domain = kDomain) const {
    const auto record = simulator_->package(domain);
    return record ? record->status : "gone";
  }

  core::ManualClock clock_;
  core::SeededRandom random_;
  core::SeededRandom sim_random_;
  asio::io_context io_;
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<sim::Server> server_;
  std::unique_ptr<http::Client> http_;
  std::unique_ptr<Provisioner> provisioner_;
  std::mutex exchanges_mutex_;
  std::vector<http::Exchange> exchanges_;
};

// ---- capabilities and creation --------------------------------------------------------------

TEST_F(GeniusPluginAdapterTest, StatesEveryHostingOperationAndThePlans) {
  const core::Capabilities& capabilities = provisioner_->capabilities();
  using core::Operation;
  EXPECT_EQ(capabilities.operations,
            (std::set<Operation>{Operation::hosting_create, Operation::hosting_info,
                                 Operation::hosting_suspend, Operation::hosting_unsuspend,
                                 Operation::hosting_password, Operation::hosting_plan_change,
                                 Operation::hosting_renew, Operation::hosting_delete}));
  EXPECT_EQ(capabilities.plans,
            (std::vector<std::string>{"Free", "10k", "20k", "40k", "100k", "200k"}));
  EXPECT_FALSE(capabilities.supports(Operation::ssl_order));
}

TEST_F(GeniusPluginAdapterTest, CreatesAPackageWhosePasswordTheSupplierDecrypts) {
  const HostingPackage package = created();
  EXPECT_EQ(package.supplier_ref, kDomain);
  EXPECT_EQ(package.domain, kDomain);
  EXPECT_EQ(package.plan, "100k");
  EXPECT_EQ(package.status, HostingStatus::active);
  EXPECT_EQ(package.supplier_status, "active");

  const auto record = simulator_->package(kDomain);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->package, "100k");
  EXPECT_EQ(record->status, "active");
  EXPECT_EQ(record->email, "owner+gp@example.com");
  EXPECT_EQ(record->password, kPassword);  // "+", "/" and "=" survived the form encoding
  EXPECT_EQ(record->token.size(), 40U);
  EXPECT_EQ(package.license_token, record->token);
  EXPECT_EQ(simulator_->credit_cents(), kStartCredit - 2900);
  EXPECT_EQ(simulator_->calls("autoregister"), 1U);
}

TEST_F(GeniusPluginAdapterTest, EncryptsWithTheKeysSha1WhenBothSidesSaySo) {
  SimulatorOptions sha1 = options();
  sha1.password_key = "api_key_sha1";
  start(sha1, PasswordKey::api_key_sha1);
  created();
  EXPECT_EQ(simulator_->package(kDomain)->password, kPassword);
  auto rotated = run(provisioner_->set_password(created(request("b.example.com")), "N3w-Secret"));
  ASSERT_TRUE(rotated.ok()) << rotated.error().code;
  EXPECT_EQ(simulator_->package("b.example.com")->password, "N3w-Secret");

  // One side keyed otherwise: the blob does not open.
  start(sha1, PasswordKey::api_key);
  auto refused = run(provisioner_->create(request()));
  ASSERT_FALSE(refused.ok());
  expect_error(refused.error(), 422, "password_rejected");
  EXPECT_EQ(refused.error().param, "password");
  EXPECT_FALSE(simulator_->package(kDomain).has_value());
}

TEST_F(GeniusPluginAdapterTest, RefusesAnUnknownPlanOrNoPasswordWithoutACall) {
  auto plan = run(provisioner_->create(request(kDomain, "free")));
  ASSERT_FALSE(plan.ok());
  expect_error(plan.error(), 422, "invalid_plan");
  EXPECT_EQ(plan.error().param, "plan");
  auto password = run(provisioner_->create(request(kDomain, "10k", "")));
  ASSERT_FALSE(password.ok());
  expect_error(password.error(), 422, "password_rejected");
  EXPECT_TRUE(server_->journal().empty());
}

TEST_F(GeniusPluginAdapterTest, MapsTheSuppliersCreateRefusals) {
  created();
  auto again = run(provisioner_->create(request()));
  ASSERT_FALSE(again.ok());
  expect_error(again.error(), 409, "hosting_exists");
  EXPECT_EQ(again.error().param, "domain");

  auto weak = run(provisioner_->create(request("weak.example.com", "10k", "alllowercase")));
  ASSERT_FALSE(weak.ok());
  expect_error(weak.error(), 422, "password_rejected");
  EXPECT_EQ(simulator_->packages().size(), 1U);
}

TEST_F(GeniusPluginAdapterTest, InsufficientCreditRefusesCreateAndRenew) {
  const HostingPackage package = created(request(kDomain, "200k"));
  simulator_->set_credit_cents(4899);  // one cent short of 200k
  auto create = run(provisioner_->create(request("more.example.com", "200k")));
  ASSERT_FALSE(create.ok());
  expect_error(create.error(), 503, "supplier_insufficient_funds");
  EXPECT_EQ(create.error().type, core::ErrorType::upstream);
  EXPECT_FALSE(simulator_->package("more.example.com").has_value());

  auto renew = run(provisioner_->renew(package));
  ASSERT_FALSE(renew.ok());
  expect_error(renew.error(), 503, "supplier_insufficient_funds");
  EXPECT_EQ(simulator_->package(kDomain)->renewals, 0);
  EXPECT_EQ(simulator_->credit_cents(), 4899);

  // The free plan costs nothing.
  simulator_->set_credit_cents(0);
  created(request("free.example.com", "Free"));
}

// ---- reads ----------------------------------------------------------------------------------

TEST_F(GeniusPluginAdapterTest, InfoReadsTheStatusAndPlan) {
  const HostingPackage package = created(request(kDomain, "20k"));
  auto read = run(provisioner_->info(package));
  ASSERT_TRUE(read.ok()) << read.error().code;
  EXPECT_EQ(read->status, HostingStatus::active);
  EXPECT_EQ(read->plan, "20k");
  EXPECT_EQ(read->supplier_status, "active");
  EXPECT_EQ(read->license_token, package.license_token);

  ASSERT_TRUE(run(provisioner_->suspend(package)).ok());
  HostingPackage stale = package;
  stale.plan = "10k";  // the supplier knows better
  auto suspended = run(provisioner_->info(stale));
  ASSERT_TRUE(suspended.ok());
  EXPECT_EQ(suspended->status, HostingStatus::suspended);
  EXPECT_EQ(suspended->supplier_status, "suspended");
  EXPECT_EQ(suspended->plan, "20k");
}

TEST_F(GeniusPluginAdapterTest, InfoKeepsTheKnownPlanWhenListDoesNotSayIt) {
  SimulatorOptions bare = options();
  bare.list_includes_package = false;
  start(bare);
  HostingPackage package = created(request(kDomain, "40k"));
  package.plan = "40k";
  auto read = run(provisioner_->info(package));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->plan, "40k");
  EXPECT_EQ(read->status, HostingStatus::active);
}

TEST_F(GeniusPluginAdapterTest, ReadsTheCreditBalanceExactly) {
  auto balance = run(provisioner_->balance());
  ASSERT_TRUE(balance.ok()) << balance.error().code;
  EXPECT_EQ(balance->amount_minor, kStartCredit);
  EXPECT_EQ(balance->currency, "USD");

  simulator_->set_credit_cents(150026);
  EXPECT_EQ(run(provisioner_->balance())->amount_minor, 150026);
  simulator_->set_credit_cents(1250);
  EXPECT_EQ(run(provisioner_->balance())->amount_minor, 1250);

  // Account calls send the page's placeholder domain.
  const auto journal = server_->journal();
  ASSERT_FALSE(journal.empty());
  EXPECT_EQ(sim::parse_form(journal.back().body).at("domain"), "example.com");
  EXPECT_EQ(journal.back().path, "/api/v1/getcredit/");

  auto euro = make_provisioner(*http_, PasswordKey::api_key, kApiKey, Settings{"EUR"});
  EXPECT_EQ(run(euro->balance())->currency, "EUR");
}

TEST_F(GeniusPluginAdapterTest, ChecksTheConnection) {
  ASSERT_TRUE(run(provisioner_->check_connection()).ok());
  EXPECT_EQ(simulator_->calls("connection"), 1U);
}

TEST_F(GeniusPluginAdapterTest, OnlyTheReadingEndpointsAreRetried) {
  const HostingPackage package = created();
  auto http = make_http(server_->port(), kAllowed, 3);
  auto provisioner = make_provisioner(*http, PasswordKey::api_key);
  const auto sent = [this](const std::string& endpoint) {
    std::size_t count = 0;
    for (const sim::SimRequest& request : server_->journal())
      count += request.path == "/api/v1/" + endpoint + "/" ? 1 : 0;
    return count;
  };
  const auto fail_once = [this](const std::string& endpoint) {
    server_->inject({.kind = sim::FaultKind::status,
                     .path_prefix = "/api/v1/" + endpoint + "/",
                     .status = 503});
  };

  // POSTs that only read: a 503 is asked again, and the second answer is the result.
  for (const char* endpoint : {"list", "getcredit", "connection"})
    fail_once(endpoint);
  EXPECT_TRUE(run(provisioner->info(package)).ok());
  EXPECT_TRUE(run(provisioner->balance()).ok());
  EXPECT_TRUE(run(provisioner->check_connection()).ok());
  for (const char* endpoint : {"list", "getcredit", "connection"})
    EXPECT_EQ(sent(endpoint), 2U) << endpoint;

  // Anything that changes a package goes once: paid (renew), or not repeatable (suspended).
  for (const char* endpoint : {"renew", "suspended", "autoregister"})
    fail_once(endpoint);
  const std::int64_t credit = simulator_->credit_cents();
  expect_error(run(provisioner->renew(package)).error(), 502, "upstream_bad_response", true);
  EXPECT_FALSE(run(provisioner->suspend(package)).ok());
  EXPECT_FALSE(run(provisioner->create(request("other.example.com"))).ok());
  for (const char* endpoint : {"renew", "suspended"})
    EXPECT_EQ(sent(endpoint), 1U) << endpoint;
  EXPECT_EQ(sent("autoregister"), 2U);  // the fixture's create, then this one
  EXPECT_EQ(simulator_->credit_cents(), credit);
  EXPECT_EQ(sim_status(), "active");
}

// ---- actions --------------------------------------------------------------------------------

TEST_F(GeniusPluginAdapterTest, SuspendsAndUnsuspends) {
  const HostingPackage package = created();
  ASSERT_TRUE(run(provisioner_->suspend(package)).ok());
  EXPECT_EQ(sim_status(), "suspended");
  ASSERT_TRUE(run(provisioner_->suspend(package)).ok());  // no change, no error
  EXPECT_EQ(sim_status(), "suspended");
  ASSERT_TRUE(run(provisioner_->unsuspend(package)).ok());
  EXPECT_EQ(sim_status(), "active");
  ASSERT_TRUE(run(provisioner_->unsuspend(package)).ok());
  EXPECT_EQ(sim_status(), "active");
  EXPECT_EQ(simulator_->calls("suspended"), 2U);
  EXPECT_EQ(simulator_->calls("active"), 2U);
}

TEST_F(GeniusPluginAdapterTest, RotatesThePassword) {
  const HostingPackage package = created();
  ASSERT_TRUE(run(provisioner_->set_password(package, "An0ther-One/+")).ok());
  EXPECT_EQ(simulator_->package(kDomain)->password, "An0ther-One/+");

  auto weak = run(provisioner_->set_password(package, "short"));
  ASSERT_FALSE(weak.ok());
  expect_error(weak.error(), 422, "password_rejected");
  auto empty = run(provisioner_->set_password(package, ""));
  ASSERT_FALSE(empty.ok());
  expect_error(empty.error(), 422, "password_rejected");
  EXPECT_EQ(simulator_->package(kDomain)->password, "An0ther-One/+");
}

TEST_F(GeniusPluginAdapterTest, UpgradesButADowngradeIsRefused) {
  const HostingPackage package = created(request(kDomain, "20k"));
  ASSERT_TRUE(run(provisioner_->change_plan(package, "100k")).ok());
  EXPECT_EQ(simulator_->package(kDomain)->package, "100k");
  ASSERT_TRUE(run(provisioner_->change_plan(package, "100k")).ok());  // the same plan

  const auto sent = server_->journal().back();
  const auto form = sim::parse_form(sent.body);
  EXPECT_EQ(form.at("status"), "active");
  EXPECT_EQ(form.at("package"), "100k");

  auto down = run(provisioner_->change_plan(package, "10k"));
  ASSERT_FALSE(down.ok());
  expect_error(down.error(), 422, "plan_change_refused");
  EXPECT_EQ(down.error().param, "plan");
  EXPECT_EQ(simulator_->package(kDomain)->package, "100k");

  const std::size_t calls = simulator_->calls("packageupdate");
  auto unknown = run(provisioner_->change_plan(package, "500k"));
  ASSERT_FALSE(unknown.ok());
  expect_error(unknown.error(), 422, "invalid_plan");
  EXPECT_EQ(simulator_->calls("packageupdate"), calls);  // refused before any call
}

TEST_F(GeniusPluginAdapterTest, RenewsAndDebitsThePlansPrice) {
  const HostingPackage package = created(request(kDomain, "40k"));
  const std::int64_t before = simulator_->credit_cents();
  ASSERT_TRUE(run(provisioner_->renew(package)).ok());
  EXPECT_EQ(simulator_->package(kDomain)->renewals, 1);
  EXPECT_EQ(simulator_->credit_cents(), before - 1500);
  EXPECT_EQ(simulator_->package(kDomain)->expires_at, at("2028-11-22T10:00:00Z"));
}

TEST_F(GeniusPluginAdapterTest, ASuspendedPackageRefusesWhatTheSupplierRefuses) {
  const HostingPackage package = created(request(kDomain, "20k"));
  ASSERT_TRUE(run(provisioner_->suspend(package)).ok());
  const std::int64_t credit = simulator_->credit_cents();

  auto password = run(provisioner_->set_password(package, "Val1d-Password"));
  ASSERT_FALSE(password.ok());
  expect_error(password.error(), 409, "hosting_suspended");
  auto plan = run(provisioner_->change_plan(package, "40k"));
  ASSERT_FALSE(plan.ok());
  expect_error(plan.error(), 409, "hosting_suspended");
  auto renew = run(provisioner_->renew(package));
  ASSERT_FALSE(renew.ok());
  expect_error(renew.error(), 409, "hosting_suspended");
  EXPECT_EQ(renew.error().type, core::ErrorType::invalid_request);

  EXPECT_EQ(simulator_->package(kDomain)->package, "20k");
  EXPECT_EQ(simulator_->package(kDomain)->password, kPassword);
  EXPECT_EQ(simulator_->credit_cents(), credit);
  // Unsuspended, it all works again.
  ASSERT_TRUE(run(provisioner_->unsuspend(package)).ok());
  EXPECT_TRUE(run(provisioner_->change_plan(package, "40k")).ok());
}

TEST_F(GeniusPluginAdapterTest, ADeletedPackageReadsAsDeleted) {
  const HostingPackage package = created();
  ASSERT_TRUE(run(provisioner_->remove(package)).ok());
  EXPECT_FALSE(simulator_->package(kDomain).has_value());

  auto read = run(provisioner_->info(package));
  ASSERT_TRUE(read.ok()) << read.error().code;
  EXPECT_EQ(read->status, HostingStatus::deleted);
  EXPECT_EQ(read->supplier_ref, kDomain);
  EXPECT_EQ(read->plan, "100k");

  // Actions on it are refused as missing.
  auto again = run(provisioner_->remove(package));
  ASSERT_FALSE(again.ok());
  expect_error(again.error(), 409, "hosting_missing");
  auto suspend = run(provisioner_->suspend(package));
  ASSERT_FALSE(suspend.ok());
  expect_error(suspend.error(), 409, "hosting_missing");
  // The domain can be registered anew.
  created();
}

// ---- authentication -------------------------------------------------------------------------

TEST_F(GeniusPluginAdapterTest, AWrongSourceAddressIsAnAuthenticationFailure) {
  start(options(), PasswordKey::api_key, kOther);
  auto create = run(provisioner_->create(request()));
  ASSERT_FALSE(create.ok());
  expect_error(create.error(), 502, "upstream_authentication_failed");
  EXPECT_EQ(create.error().message,
            "The supplier refused the gateway's credentials or source address.");
  auto balance = run(provisioner_->balance());
  ASSERT_FALSE(balance.ok());
  expect_error(balance.error(), 502, "upstream_authentication_failed");
  EXPECT_EQ(simulator_->calls("autoregister"), 0U);
  EXPECT_TRUE(simulator_->packages().empty());
  for (const auto& received : server_->journal())
    EXPECT_EQ(received.remote_address, kOther);

  // Once the supplier knows the address, the same client works.
  simulator_->set_allowed_address(kOther);
  created();
}

TEST_F(GeniusPluginAdapterTest, AWrongKeyIsAnAuthenticationFailure) {
  start(options(), PasswordKey::api_key, kAllowed, "not-the-reseller-key");
  auto balance = run(provisioner_->balance());
  ASSERT_FALSE(balance.ok());
  expect_error(balance.error(), 502, "upstream_authentication_failed");
  // PHP trims the key: surrounding white space is no mistake.
  start(options(), PasswordKey::api_key, kAllowed, std::string(" ") + kApiKey + "\n");
  EXPECT_TRUE(run(provisioner_->balance()).ok());
}

// ---- the wire -------------------------------------------------------------------------------

TEST_F(GeniusPluginAdapterTest, EveryCallIsASignedFormPostToASlashedPath) {
  const HostingPackage package = created();
  ASSERT_TRUE(run(provisioner_->info(package)).ok());
  ASSERT_TRUE(run(provisioner_->suspend(package)).ok());
  ASSERT_TRUE(run(provisioner_->unsuspend(package)).ok());
  ASSERT_TRUE(run(provisioner_->set_password(package, "Rotat3d-Password")).ok());
  ASSERT_TRUE(run(provisioner_->change_plan(package, "200k")).ok());
  ASSERT_TRUE(run(provisioner_->renew(package)).ok());
  ASSERT_TRUE(run(provisioner_->balance()).ok());
  ASSERT_TRUE(run(provisioner_->check_connection()).ok());
  ASSERT_TRUE(run(provisioner_->remove(package)).ok());

  const std::string key_sha1 = core::crypto::hex(core::crypto::sha1(kApiKey));
  const auto journal = server_->journal();
  std::vector<std::string> paths;
  for (const auto& received : journal) {
    paths.push_back(received.path);
    EXPECT_EQ(received.method, "POST");
    EXPECT_TRUE(received.path.ends_with("/")) << received.path;
    EXPECT_TRUE(received.query.empty());
    EXPECT_EQ(received.header("Content-Type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(received.remote_address, kAllowed);
    // Neither the key nor its sha1 (which signs as well as the key) ever travels.
    for (const std::string& secret : {std::string(kApiKey), key_sha1}) {
      EXPECT_EQ(received.body.find(secret), std::string::npos) << received.path;
      EXPECT_EQ(received.target.find(secret), std::string::npos);
      for (const auto& header : received.headers)
        EXPECT_EQ(header.value.find(secret), std::string::npos) << header.name;
    }
    const auto form = sim::parse_form(received.body);
    ASSERT_TRUE(form.contains("domain") && form.contains("timestamp") && form.contains("hash"));
    EXPECT_EQ(form.at("timestamp").size(), 10U);
    EXPECT_EQ(form.at("hash"), request_hash(kApiKey, form.at("domain"), form.at("timestamp")));
  }
  EXPECT_EQ(paths,
            (std::vector<std::string>{
                "/api/v1/autoregister/", "/api/v1/list/", "/api/v1/suspended/", "/api/v1/active/",
                "/api/v1/passwordreset/", "/api/v1/packageupdate/", "/api/v1/renew/",
                "/api/v1/getcredit/", "/api/v1/connection/", "/api/v1/delete/"}));

  // The wire log (the audit trail) never holds the key, nor the password blobs that anyone
  // with the key can open.
  std::vector<std::string> blobs;  // as they travel: form-encoded
  for (const auto& received : journal) {
    const std::size_t start = received.body.find("password=");
    if (start == std::string::npos) continue;
    const std::size_t end = received.body.find('&', start);
    blobs.push_back(
        received.body.substr(start + 9, end == std::string::npos ? end : end - start - 9));
  }
  ASSERT_EQ(blobs.size(), 2U);  // autoregister and passwordreset
  std::lock_guard lock(exchanges_mutex_);
  ASSERT_EQ(exchanges_.size(), journal.size());
  for (const auto& exchange : exchanges_) {
    EXPECT_EQ(exchange.request_text.find(kApiKey), std::string::npos);
    EXPECT_EQ(exchange.request_text.find(kPassword), std::string::npos);
    for (const std::string& blob : blobs) {
      EXPECT_EQ(exchange.request_text.find(blob), std::string::npos);
      EXPECT_EQ(exchange.request_text.find(blob.substr(0, 40)), std::string::npos);
    }
    EXPECT_EQ(exchange.response_text.find(kApiKey), std::string::npos);
  }
}

TEST_F(GeniusPluginAdapterTest, AnUnreadableAnswerIsABadResponse) {
  const HostingPackage package = created();
  // A 5xx page from a read: nothing happened that matters.
  server_->inject({.kind = sim::FaultKind::status, .path_prefix = "/api/v1/list/", .status = 500});
  auto read = run(provisioner_->info(package));
  ASSERT_FALSE(read.ok());
  expect_error(read.error(), 502, "upstream_bad_response", false);

  // The create reached the supplier, then the answer was garbage: the outcome is unknown.
  server_->inject({.kind = sim::FaultKind::garbage,
                   .path_prefix = "/api/v1/autoregister/",
                   .after_handler = true});
  auto create = run(provisioner_->create(request("lost.example.com")));
  ASSERT_FALSE(create.ok());
  expect_error(create.error(), 502, "upstream_bad_response", true);
  EXPECT_TRUE(simulator_->package("lost.example.com").has_value());

  server_->inject({.kind = sim::FaultKind::status, .path_prefix = "/api/v1/renew/", .status = 500});
  auto renew = run(provisioner_->renew(package));
  ASSERT_FALSE(renew.ok());
  expect_error(renew.error(), 502, "upstream_bad_response", true);
}

// ---- answers the simulator does not give: a scripted supplier -------------------------------

// A server that answers every path as the test says.
class ScriptedSupplierTest : public GeniusPluginAdapterTest {
 protected:
  void SetUp() override {
    scripted_ = std::make_unique<sim::Server>(sim::ServerOptions{.name = "scripted"});
    scripted_->fallback([this](const sim::SimRequest&) {
      std::lock_guard lock(mutex_);
      return answer_;
    });
    scripted_->start();
    http_ = make_http(scripted_->port());
    provisioner_ = make_provisioner(*http_, PasswordKey::api_key);
  }

  void answer(int status, std::string body, std::string content_type = "application/json",
              std::vector<sim::Header> headers = {}) {
    std::lock_guard lock(mutex_);
    answer_ = sim::SimResponse{.status = status,
                               .headers = std::move(headers),
                               .body = std::move(body),
                               .content_type = std::move(content_type)};
  }

  HostingPackage known() const {
    HostingPackage package;
    package.supplier_ref = kDomain;
    package.domain = kDomain;
    package.plan = "10k";
    return package;
  }

  std::mutex mutex_;
  sim::SimResponse answer_;
  std::unique_ptr<sim::Server> scripted_;
};

TEST_F(ScriptedSupplierTest, RefusesAnswersThatAreNotA200JsonObjectWithAStatus) {
  struct Case {
    int status;
    std::string body;
    std::string content_type;
  };
  const std::vector<Case> cases = {
      {200, "<html>Maintenance</html>", "text/html"},
      {200, "", ""},
      {200, "[]", "application/json"},
      {200, R"("ok")", "application/json"},
      {200, R"({"status":1})", "application/json"},
      {200, R"({"result":"ok"})", "application/json"},
      {500, R"({"status":"ok"})", "application/json"},
      {404, R"({"status":"Invalid endpoint"})", "application/json"},
      {201, R"({"status":"ok"})", "application/json"},
  };
  for (const Case& c : cases) {
    answer(c.status, c.body, c.content_type);
    auto read = run(provisioner_->info(known()));
    ASSERT_FALSE(read.ok()) << c.status << " " << c.body;
    expect_error(read.error(), 502, "upstream_bad_response", false);
    auto renew = run(provisioner_->renew(known()));
    ASSERT_FALSE(renew.ok()) << c.status << " " << c.body;
    expect_error(renew.error(), 502, "upstream_bad_response", true);
  }
}

TEST_F(ScriptedSupplierTest, NeverFollowsARedirect) {
  answer(301, "", "", {{"Location", "/api/v1/list/"}});
  auto read = run(provisioner_->info(known()));
  ASSERT_FALSE(read.ok());
  expect_error(read.error(), 502, "upstream_bad_response", false);
  auto create = run(provisioner_->create(request()));
  ASSERT_FALSE(create.ok());
  expect_error(create.error(), 502, "upstream_bad_response", true);
  EXPECT_EQ(scripted_->journal().size(), 2U);  // one request each, no second one
}

TEST_F(ScriptedSupplierTest, AcceptsOkInAnyCaseAndACreateWithoutAToken) {
  answer(200, R"({"status":"OK"})");
  EXPECT_TRUE(run(provisioner_->suspend(known())).ok());
  auto package = run(provisioner_->create(request()));
  ASSERT_TRUE(package.ok()) << package.error().code;
  EXPECT_EQ(package->license_token, "");
  EXPECT_EQ(package->status, HostingStatus::active);

  answer(200, R"({"status":"OK - 12.5"})");
  EXPECT_EQ(run(provisioner_->balance())->amount_minor, 1250);
  answer(200, R"({"status":"OK - lots"})");
  auto garbled = run(provisioner_->balance());
  ASSERT_FALSE(garbled.ok());
  expect_error(garbled.error(), 502, "upstream_bad_response", false);
}

// ---- the factory ----------------------------------------------------------------------------

class GeniusPluginFactoryTest : public GeniusPluginAdapterTest {
 protected:
  config::ProviderConfig provider(std::optional<std::string> password_key,
                                  std::optional<std::string> currency) {
    config::ProviderConfig provider;
    provider.name = "gp-main";
    provider.type = "geniusplugin";
    provider.endpoint.scheme = "http";
    provider.endpoint.host = "127.0.0.1";
    provider.endpoint.port = server_->port();
    provider.endpoint.base_path = kBasePath;
    provider.source_address = kAllowed;
    provider.settings.emplace("api_key", core::Secret(kApiKey));
    if (password_key) provider.settings.emplace("password_key", *password_key);
    if (currency) provider.settings.emplace("currency", *currency);
    return provider;
  }

  std::unique_ptr<ProviderInstance> build(const config::ProviderConfig& config) {
    const ProviderType* type = registry_.find("geniusplugin");
    EXPECT_NE(type, nullptr);
    const Dependencies dependencies{io_.get_executor(), clock_, random_, nullptr};
    return type->create(config, make_http(server_->port()), std::make_shared<Health>(clock_),
                        dependencies);
  }

  const Registry registry_ = builtin_registry();
};

TEST_F(GeniusPluginFactoryTest, DeclaresItsSchema) {
  const ProviderType* type = registry_.find("geniusplugin");
  ASSERT_NE(type, nullptr);
  EXPECT_TRUE(type->schema.requires_source_address);
  EXPECT_EQ(type->schema.categories, std::set<config::Category>{config::Category::hosting});
  std::map<std::string, const config::FieldSpec*> fields;
  for (const auto& field : type->schema.fields)
    fields[field.name] = &field;
  ASSERT_EQ(fields.size(), 3U);
  EXPECT_EQ(fields.at("api_key")->kind, config::FieldKind::secret);
  EXPECT_TRUE(fields.at("api_key")->required);
  EXPECT_EQ(fields.at("currency")->kind, config::FieldKind::string);
  EXPECT_FALSE(fields.at("currency")->required);
  EXPECT_EQ(fields.at("currency")->min, 3);
  EXPECT_EQ(fields.at("currency")->max, 3);
  EXPECT_EQ(fields.at("password_key")->kind, config::FieldKind::string);
  EXPECT_FALSE(fields.at("password_key")->required);
}

TEST_F(GeniusPluginFactoryTest, BuildsAnInstanceWithItsProvisioner) {
  const config::ProviderConfig defaults = provider(std::nullopt, std::nullopt);
  auto instance = build(defaults);
  ASSERT_NE(instance, nullptr);
  core::HostingProvisioner* hosting = instance->hosting();
  ASSERT_NE(hosting, nullptr);
  EXPECT_EQ(instance->registrar(), nullptr);
  EXPECT_EQ(instance->certificate_authority(), nullptr);
  EXPECT_EQ(hosting->capabilities().plans.size(), 6U);
  auto package = run(hosting->create(request()));
  ASSERT_TRUE(package.ok()) << package.error().code;
  EXPECT_EQ(simulator_->package(kDomain)->password, kPassword);
  EXPECT_EQ(run(hosting->balance())->currency, "USD");
}

TEST_F(GeniusPluginFactoryTest, HonoursPasswordKeyAndCurrency) {
  SimulatorOptions sha1 = options();
  sha1.password_key = "api_key_sha1";
  start(sha1);
  const config::ProviderConfig configured = provider("api_key_sha1", "EUR");
  auto instance = build(configured);
  core::HostingProvisioner* hosting = instance->hosting();
  ASSERT_NE(hosting, nullptr);
  ASSERT_TRUE(run(hosting->create(request())).ok());
  EXPECT_EQ(simulator_->package(kDomain)->password, kPassword);
  EXPECT_EQ(run(hosting->balance())->currency, "EUR");
}

TEST_F(GeniusPluginFactoryTest, RefusesValuesOutsideTheAllowedOnesAtStartUp) {
  for (const auto& [password_key, currency] :
       std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>{
           {"api-key", std::nullopt},
           {"sha1", std::nullopt},
           {std::nullopt, "usd"},
           {std::nullopt, "US1"},
           {std::nullopt, "USDT"}}) {
    const config::ProviderConfig bad = provider(password_key, currency);
    try {
      build(bad);
      ADD_FAILURE() << "accepted " << password_key.value_or("-") << " " << currency.value_or("-");
    } catch (const config::ConfigError& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find("providers.gp-main."), std::string::npos) << message;
      EXPECT_EQ(message.find(kApiKey), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace portico::adapters::geniusplugin
