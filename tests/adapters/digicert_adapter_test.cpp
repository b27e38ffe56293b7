#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "portico/adapters/registry.hpp"
#include "portico/core/clock.hpp"
#include "portico/core/json.hpp"
#include "portico/core/pki.hpp"
#include "portico/core/random.hpp"
#include "portico/http/client.hpp"
#include "portico/sim/dcv_world.hpp"
#include "portico/sim/issuing_ca.hpp"
#include "portico/sim/server.hpp"
#include "portico/sim/test_ca.hpp"

#include "adapters/adapter_test_support.hpp"
#include "digicert/authority.hpp"
#include "digicert/client.hpp"
#include "digicert/factory.hpp"
#include "digicert/sim/simulator.hpp"
#include "support/temp_dir.hpp"

namespace portico::adapters::digicert {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using core::Certificate;
using core::CertificateStatus;
using core::CertificateType;
using core::DcvMethod;
using core::DcvStatus;
using sim::digicert::CheckDcvStyle;
using sim::digicert::Simulator;
using sim::digicert::SimulatorOptions;

constexpr const char* kApiKey = "dc-devkey-4b1d9e07c2a8f5";
constexpr const char* kBasePath = "/services/v2";
constexpr std::int64_t kOrganization = 112233;  // validated in the simulated account

core::TimePoint at(std::string_view rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

const sim::TestCa& tls_ca() {
  static const sim::TestCa ca = sim::TestCa::generate("DigiCert adapter test CA");
  return ca;
}

const sim::IssuingCa& issuing_ca() {
  static const sim::IssuingCa ca = sim::IssuingCa::generate("Simulated DigiCert");
  return ca;
}

std::int64_t id_of(const std::string& ref) {
  return std::stoll(ref);
}

rapidjson::Document parse(std::string_view text) {
  auto document = core::json::parse(text);
  EXPECT_TRUE(document.ok()) << text;
  return document.ok() ? std::move(document).value() : rapidjson::Document();
}

core::CertificateRequest request(CertificateType type, std::string common_name,
                                 std::vector<std::string> san_names = {},
                                 DcvMethod method = DcvMethod::dns) {
  core::CertificateRequest out;
  out.type = type;
  out.common_name = std::move(common_name);
  out.san_names = std::move(san_names);
  out.dcv_method = method;
  auto generated = core::pki::generate_key_and_csr(out.names(), core::pki::KeyType::ec_p256);
  EXPECT_TRUE(generated.ok());
  if (generated.ok()) out.csr = generated->csr_pem;
  return out;
}

core::CertificateOrganization acme() {
  core::CertificateOrganization organization;
  organization.name = "Acme Ltd";
  organization.address1 = "1 Moi Avenue";
  organization.city = "Nairobi";
  organization.state = "Nairobi";
  organization.postcode = "00100";
  organization.country = "KE";
  organization.phone = "+254.712345678";
  organization.contact_first_name = "Ann";
  organization.contact_last_name = "Wanjiru";
  organization.contact_email = "ann@acme.co.ke";
  organization.contact_phone = "+254.712345679";
  organization.contact_job_title = "CTO";
  return organization;
}

void expect_error(const core::Error& error, int status, std::string_view code,
                  bool outcome_unknown) {
  EXPECT_EQ(error.status, status) << error.code << ": " << error.message;
  EXPECT_EQ(error.code, code) << error.message;
  EXPECT_EQ(error.outcome_unknown, outcome_unknown) << error.code;
  EXPECT_EQ(error.message.find(kApiKey), std::string::npos);
  EXPECT_EQ(error.message.find("DigiCert"), std::string::npos);
}

// The adapter over HTTPS on loopback against the simulator, one ManualClock for both.
class DigicertAdapterTest : public ::testing::Test {
 protected:
  DigicertAdapterTest() : clock_(at("2026-11-22T10:00:00Z")), random_(20261122) {}

  void SetUp() override { start(options()); }

  SimulatorOptions options() {
    SimulatorOptions options;
    options.api_key = kApiKey;
    options.clock = &clock_;
    options.random = &random_;
    options.world = &world_;
    options.ca = &issuing_ca();
    return options;
  }

  // (Re)starts the simulator with `options`, a fresh HTTP client and a fresh authority.
  void start(SimulatorOptions options, std::string api_key = kApiKey,
             std::chrono::milliseconds timeout = 3s) {
    authority_.reset();
    http_.reset();
    server_.reset();
    simulator_ = std::make_unique<Simulator>(options);
    server_ = std::make_unique<sim::Server>(
        sim::ServerOptions{.name = "digicert", .tls = true, .ca = &tls_ca()});
    simulator_->install(*server_);
    server_->start();
    http_ = make_http(server_->port(), timeout);
    authority_ = std::make_unique<Authority>(
        Client(*http_, clock_, core::Secret(std::move(api_key)), kBasePath), clock_,
        Settings{kOrganization});
  }

  std::unique_ptr<http::Client> make_http(std::uint16_t port, std::chrono::milliseconds timeout,
                                          int max_attempts = 1) {
    http::ClientOptions options;
    options.retry = {.max_attempts = max_attempts, .base_delay = 1ms, .max_delay = 5ms};
    options.scheme = "https";
    options.host = "127.0.0.1";
    options.port = port;
    options.ca_file = tls_ca().write_ca_file(temp_.path().string());
    options.timeout = timeout;
    options.secrets = {kApiKey};
    options.redact_headers = {"X-DC-DEVKEY"};
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

  // Requests to `suffix` (after the base path), with `method` when given.
  std::vector<sim::SimRequest> requests_to(std::string_view suffix,
                                           std::string_view method = {}) const {
    std::vector<sim::SimRequest> found;
    for (auto& request : server_->journal()) {
      if (request.path == std::string(kBasePath) + std::string(suffix) &&
          (method.empty() || request.method == method)) {
        found.push_back(request);
      }
    }
    return found;
  }

  // Publishes what each pending validation asks for (e-mail: the owner approves).
  void publish(const Certificate& certificate) {
    for (const auto& validation : certificate.validations) {
      const auto& instructions = validation.instructions;
      switch (validation.method) {
        case DcvMethod::dns:
          ASSERT_FALSE(instructions.record_value.empty()) << validation.name;
          world_.publish_record(instructions.record_name, "TXT", instructions.record_value);
          break;
        case DcvMethod::http:
          ASSERT_FALSE(instructions.content.empty()) << validation.name;
          world_.publish_file(instructions.url, instructions.content);
          break;
        case DcvMethod::email:
          simulator_->approve_email(validation.name.starts_with("*.") ? validation.name.substr(2)
                                                                      : validation.name);
          break;
      }
    }
  }

  Certificate ordered(const core::CertificateRequest& what) {
    auto placed = run(authority_->order(what));
    EXPECT_TRUE(placed.ok()) << placed.error().code << ": " << placed.error().message;
    return placed.ok() ? std::move(placed).value() : Certificate{};
  }

  // Orders, publishes, verifies: an issued certificate.
  Certificate issued(const core::CertificateRequest& what) {
    Certificate certificate = ordered(what);
    publish(certificate);
    auto verified = run(authority_->verify(certificate));
    EXPECT_TRUE(verified.ok()) << verified.error().code;
    if (!verified.ok()) return certificate;
    EXPECT_EQ(verified->status, CertificateStatus::issued);
    return std::move(verified).value();
  }

  void expect_issued_for(const Certificate& certificate, std::vector<std::string> names) {
    ASSERT_EQ(certificate.status, CertificateStatus::issued);
    auto leaf = core::pki::parse_certificate(certificate.certificate_pem);
    ASSERT_TRUE(leaf.ok());
    EXPECT_EQ(leaf->dns_names, names);
    EXPECT_EQ(certificate.certificate_pem.find('\r'), std::string::npos);
    auto chain = core::pki::split_pem_chain(certificate.chain_pem);
    ASSERT_TRUE(chain.ok());
    ASSERT_EQ(chain->size(), 2U);  // intermediate, root
    EXPECT_EQ((*chain)[0], *core::pki::split_pem_chain(issuing_ca().intermediate_pem())->begin());
    EXPECT_EQ((*chain)[1], *core::pki::split_pem_chain(issuing_ca().root_pem())->begin());
    const auto order = simulator_->order(id_of(certificate.supplier_ref));
    ASSERT_TRUE(order.has_value());
    EXPECT_EQ(certificate.certificate_ref, std::to_string(order->certificate_id));
    for (const auto& validation : certificate.validations) {
      EXPECT_EQ(validation.status, DcvStatus::valid) << validation.name;
      EXPECT_TRUE(validation.validated_at.has_value());
    }
  }

  core::ManualClock clock_;
  core::SeededRandom random_;
  sim::DcvWorld world_;
  portico::testing::TempDir temp_;
  asio::io_context io_;
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<sim::Server> server_;
  std::unique_ptr<http::Client> http_;
  std::unique_ptr<Authority> authority_;
  std::mutex exchanges_mutex_;
  std::vector<http::Exchange> exchanges_;
};

// ---- wire shape and the DV life cycle -------------------------------------------------------

TEST_F(DigicertAdapterTest, OrdersDvWithTheContractsRequestAndHeaders) {
  const auto what = request(CertificateType::dv, "example.com", {"www.example.com"});
  const Certificate certificate = ordered(what);
  ASSERT_FALSE(certificate.supplier_ref.empty());
  EXPECT_EQ(certificate.status, CertificateStatus::pending_validation);
  EXPECT_EQ(certificate.supplier_status, "pending");

  const auto posts = requests_to("/order/certificate/ssl_dv_geotrust", "POST");
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].header("X-DC-DEVKEY"), kApiKey);
  EXPECT_EQ(posts[0].header("Accept"), "application/json");
  EXPECT_EQ(posts[0].header("Content-Type"), "application/json");
  const auto body = parse(posts[0].body);
  EXPECT_EQ(core::json::to_string(body["certificate"]["dns_names"]),
            R"(["example.com","www.example.com"])");
  EXPECT_EQ(std::string(body["certificate"]["csr"].GetString()), what.csr);
  EXPECT_FALSE(body.HasMember("organization"));
  EXPECT_EQ(body["order_validity"]["days"].GetInt(), 199);
  EXPECT_EQ(std::string(body["dcv_method"].GetString()), "dns-txt-token");
  EXPECT_TRUE(body["skip_approval"].GetBool());

  // One random value for every name, at _dnsauth.<domain>.
  const auto order = simulator_->order(id_of(certificate.supplier_ref));
  ASSERT_TRUE(order.has_value());
  EXPECT_EQ(order->status, "pending");
  EXPECT_TRUE(order->skip_approval);
  ASSERT_EQ(certificate.validations.size(), 2U);
  EXPECT_EQ(certificate.validations[0].name, "example.com");
  EXPECT_EQ(certificate.validations[0].instructions.record_name, "_dnsauth.example.com");
  EXPECT_EQ(certificate.validations[1].instructions.record_name, "_dnsauth.www.example.com");
  for (const auto& validation : certificate.validations) {
    EXPECT_EQ(validation.status, DcvStatus::pending);
    EXPECT_EQ(validation.instructions.record_value, order->dcv_random_value);
    EXPECT_EQ(validation.expires_at, clock_.now() + std::chrono::hours(30 * 24));
  }

  // Not published yet: still pending, in our words.
  auto checked = run(authority_->verify(certificate));
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(checked->status, CertificateStatus::pending_validation);
  EXPECT_EQ(checked->validations[0].detail,
            "No TXT record holding the token was found at _dnsauth.example.com yet.");

  // A GET carries the JSON headers too.
  auto read = run(authority_->refresh(*checked));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->status, CertificateStatus::pending_validation);
  const auto gets = requests_to("/order/certificate/" + certificate.supplier_ref, "GET");
  ASSERT_FALSE(gets.empty());
  EXPECT_EQ(gets[0].header("Content-Type"), "application/json");
  EXPECT_EQ(gets[0].header("Accept"), "application/json");

  publish(*read);
  auto verified = run(authority_->verify(*read));
  ASSERT_TRUE(verified.ok()) << verified.error().code;
  expect_issued_for(*verified, {"example.com", "www.example.com"});
  EXPECT_EQ(verified->supplier_status, "issued");
  EXPECT_EQ(
      requests_to("/order/certificate/" + certificate.supplier_ref + "/check-dcv", "PUT").size(),
      2U);
}

TEST_F(DigicertAdapterTest, DownloadsPemAllOnlyForANewCertificate) {
  const Certificate certificate = issued(request(CertificateType::dv, "example.com"));
  const std::string download =
      "/certificate/" + certificate.certificate_ref + "/download/format/pem_all";
  EXPECT_EQ(requests_to(download, "GET").size(), 1U);

  auto again = run(authority_->refresh(certificate));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, CertificateStatus::issued);
  EXPECT_EQ(again->certificate_pem, certificate.certificate_pem);
  EXPECT_EQ(requests_to(download, "GET").size(), 1U);  // same id, PEM held: no download

  Certificate lost = certificate;
  lost.certificate_pem.clear();
  auto restored = run(authority_->refresh(lost));
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->certificate_pem, certificate.certificate_pem);
  EXPECT_EQ(requests_to(download, "GET").size(), 2U);

  // The gateway lost the per-name view too: it is rebuilt from the order.
  Certificate bare;
  bare.supplier_ref = certificate.supplier_ref;
  auto rebuilt = run(authority_->refresh(bare));
  ASSERT_TRUE(rebuilt.ok());
  expect_issued_for(*rebuilt, {"example.com"});
}

// ---- products -------------------------------------------------------------------------------

TEST_F(DigicertAdapterTest, OrdersOvWithTheConfiguredOrganization) {
  const Certificate certificate = issued(request(CertificateType::ov, "example.com"));
  expect_issued_for(certificate, {"example.com"});
  const auto posts = requests_to("/order/certificate/ssl_basic", "POST");
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(parse(posts[0].body)["organization"]["id"].GetInt64(), kOrganization);
  EXPECT_TRUE(requests_to("/organization", "POST").empty());
  EXPECT_EQ(simulator_->order(id_of(certificate.supplier_ref))->validation_type, "ov");
}

TEST_F(DigicertAdapterTest, OrdersEvSingleAndMultiDomain) {
  const Certificate single = issued(request(CertificateType::ev, "shop.example.com"));
  expect_issued_for(single, {"shop.example.com"});
  EXPECT_EQ(simulator_->order(id_of(single.supplier_ref))->product, "ssl_ev_basic");

  const Certificate multi =
      issued(request(CertificateType::ev, "example.org", {"www.example.org", "example.net"}));
  expect_issued_for(multi, {"example.org", "www.example.org", "example.net"});
  EXPECT_EQ(simulator_->order(id_of(multi.supplier_ref))->product, "ssl_ev_multi_domain");
  EXPECT_EQ(simulator_->order(id_of(multi.supplier_ref))->validation_type, "ev");
}

TEST_F(DigicertAdapterTest, OrdersAnOvWildcardValidatedByOneTxtRecord) {
  const Certificate certificate =
      ordered(request(CertificateType::ov, "*.example.com", {"example.com"}));
  EXPECT_EQ(simulator_->order(id_of(certificate.supplier_ref))->product, "ssl_wildcard");
  ASSERT_EQ(certificate.validations.size(), 2U);
  EXPECT_EQ(certificate.validations[0].name, "*.example.com");
  EXPECT_EQ(certificate.validations[0].instructions.record_name, "_dnsauth.example.com");
  EXPECT_EQ(certificate.validations[1].instructions.record_name, "_dnsauth.example.com");

  world_.publish_record("_dnsauth.example.com", "TXT",
                        certificate.validations[0].instructions.record_value);
  auto verified = run(authority_->verify(certificate));
  ASSERT_TRUE(verified.ok());
  expect_issued_for(*verified, {"*.example.com", "example.com"});
}

TEST_F(DigicertAdapterTest, OrdersOvMultiDomainAndIssuesWhenTheLastNamePasses) {
  const Certificate certificate =
      ordered(request(CertificateType::ov, "example.com", {"example.net", "example.org"}));
  EXPECT_EQ(simulator_->order(id_of(certificate.supplier_ref))->product, "ssl_multi_domain");
  const std::string token = certificate.validations[0].instructions.record_value;
  world_.publish_record("_dnsauth.example.com", "TXT", token);
  world_.publish_record("_dnsauth.example.net", "TXT", token);

  auto partly = run(authority_->verify(certificate));
  ASSERT_TRUE(partly.ok());
  EXPECT_EQ(partly->status, CertificateStatus::pending_validation);
  EXPECT_EQ(partly->validations[0].status, DcvStatus::valid);
  EXPECT_EQ(partly->validations[1].status, DcvStatus::valid);
  EXPECT_EQ(partly->validations[2].status, DcvStatus::pending);
  EXPECT_FALSE(partly->validations[2].detail.empty());

  world_.publish_record("_dnsauth.example.org", "TXT", token);
  auto verified = run(authority_->verify(*partly));
  ASSERT_TRUE(verified.ok());
  expect_issued_for(*verified, {"example.com", "example.net", "example.org"});
}

TEST_F(DigicertAdapterTest, CreatesTheRequestsOrganizationAndIssuesOnceItIsValidated) {
  auto what = request(CertificateType::ov, "acme.example.com");
  what.organization = acme();
  Certificate certificate = ordered(what);
  const auto created = requests_to("/organization", "POST");
  ASSERT_EQ(created.size(), 1U);
  const auto organization_body = parse(created[0].body);
  EXPECT_EQ(std::string(organization_body["country"].GetString()), "ke");
  const auto order = simulator_->order(id_of(certificate.supplier_ref));
  ASSERT_TRUE(order.has_value());
  EXPECT_NE(order->organization_id, kOrganization);

  // DCV passes, the organization is not validated yet: waiting for the supplier.
  publish(certificate);
  auto waiting = run(authority_->verify(certificate));
  ASSERT_TRUE(waiting.ok());
  EXPECT_EQ(waiting->status, CertificateStatus::pending_issuance);
  EXPECT_EQ(waiting->supplier_status, "pending");
  EXPECT_EQ(waiting->validations[0].status, DcvStatus::valid);

  simulator_->validate_organization(order->organization_id);
  auto issued_now = run(authority_->refresh(*waiting));
  ASSERT_TRUE(issued_now.ok());
  expect_issued_for(*issued_now, {"acme.example.com"});

  // The same organization again: the supplier answers the existing id.
  auto again = request(CertificateType::ov, "www.acme.example.com");
  again.organization = acme();
  const Certificate second = ordered(again);
  EXPECT_EQ(simulator_->order(id_of(second.supplier_ref))->organization_id, order->organization_id);
}

TEST_F(DigicertAdapterTest, IssuesAtOnceForAPrevalidatedDomain) {
  simulator_->prevalidate_domain("example.com");
  const auto before = server_->journal().size();
  const Certificate dv = ordered(request(CertificateType::dv, "www.example.com"));
  expect_issued_for(dv, {"www.example.com"});
  EXPECT_EQ(dv.supplier_status, "issued");
  EXPECT_EQ(server_->journal().size(), before + 1);  // the POST alone carried the chain

  const Certificate ov = ordered(request(CertificateType::ov, "example.com", {"api.example.com"}));
  expect_issued_for(ov, {"example.com", "api.example.com"});
}

// ---- DCV methods and check styles -----------------------------------------------------------

TEST_F(DigicertAdapterTest, HttpTokenFailsUntilTheFileIsServed) {
  const Certificate certificate =
      ordered(request(CertificateType::dv, "example.com", {"www.example.com"}, DcvMethod::http));
  EXPECT_EQ(certificate.validations[1].instructions.url,
            "http://www.example.com/.well-known/pki-validation/fileauth.txt");
  EXPECT_FALSE(certificate.validations[1].instructions.content.empty());

  auto missing = run(authority_->verify(certificate));
  ASSERT_TRUE(missing.ok()) << missing.error().code;
  EXPECT_EQ(missing->status, CertificateStatus::pending_validation);
  EXPECT_EQ(missing->validations[1].detail,
            "The token was not found at "
            "http://www.example.com/.well-known/pki-validation/fileauth.txt yet.");

  // One file proves one host: the apex alone is not enough.
  world_.publish_file(certificate.validations[0].instructions.url,
                      certificate.validations[0].instructions.content);
  auto half = run(authority_->verify(*missing));
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(half->status, CertificateStatus::pending_validation);

  publish(*half);
  auto verified = run(authority_->verify(*half));
  ASSERT_TRUE(verified.ok());
  expect_issued_for(*verified, {"example.com", "www.example.com"});
}

TEST_F(DigicertAdapterTest, EmailWaitsForTheOwnersApproval) {
  const Certificate certificate =
      ordered(request(CertificateType::ov, "*.example.org", {}, DcvMethod::email));
  ASSERT_EQ(certificate.validations.size(), 1U);
  EXPECT_EQ(certificate.validations[0].instructions.emails,
            (std::vector<std::string>{"admin@example.org", "administrator@example.org",
                                      "hostmaster@example.org", "postmaster@example.org",
                                      "webmaster@example.org"}));
  EXPECT_TRUE(
      requests_to("/order/certificate/" + certificate.supplier_ref + "/dcv-random-value").empty());

  auto waiting = run(authority_->verify(certificate));
  ASSERT_TRUE(waiting.ok());
  EXPECT_EQ(waiting->status, CertificateStatus::pending_validation);
  EXPECT_EQ(waiting->validations[0].detail,
            "The approval e-mail for example.org has not been answered yet.");

  simulator_->approve_email("example.org");
  auto verified = run(authority_->verify(*waiting));
  ASSERT_TRUE(verified.ok());
  expect_issued_for(*verified, {"*.example.org"});
}

class DigicertCheckStyleTest : public DigicertAdapterTest,
                               public ::testing::WithParamInterface<CheckDcvStyle> {};

TEST_P(DigicertCheckStyleTest, ReadsBothCheckDcvAnswers) {
  auto configured = options();
  configured.check_dcv_style = GetParam();
  configured.check_dcv_on_read = false;  // only check-dcv looks for proofs
  start(configured);

  const Certificate certificate =
      ordered(request(CertificateType::dv, "example.com", {"example.net"}));
  world_.publish_record("_dnsauth.example.com", "TXT",
                        certificate.validations[0].instructions.record_value);
  auto partly = run(authority_->verify(certificate));
  ASSERT_TRUE(partly.ok()) << partly.error().code;
  EXPECT_EQ(partly->status, CertificateStatus::pending_validation);
  EXPECT_EQ(partly->validations[1].status, DcvStatus::pending);
  EXPECT_EQ(partly->validations[1].detail,
            "No TXT record holding the token was found at _dnsauth.example.net yet.");
  if (GetParam() == CheckDcvStyle::per_name) {
    EXPECT_EQ(partly->validations[0].status, DcvStatus::valid);  // said per name
  }

  // A read changes nothing here; the check issues.
  publish(*partly);
  auto read = run(authority_->refresh(*partly));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->status, CertificateStatus::pending_validation);
  auto verified = run(authority_->verify(*read));
  ASSERT_TRUE(verified.ok()) << verified.error().code;
  expect_issued_for(*verified, {"example.com", "example.net"});
}

INSTANTIATE_TEST_SUITE_P(Styles, DigicertCheckStyleTest,
                         ::testing::Values(CheckDcvStyle::per_name, CheckDcvStyle::all_or_error),
                         [](const auto& param_info) {
                           return param_info.param == CheckDcvStyle::per_name ? "PerName"
                                                                              : "AllOrError";
                         });

TEST_F(DigicertAdapterTest, AsksForANewRandomValueOnceTheOldOneExpired) {
  const Certificate certificate = ordered(request(CertificateType::dv, "example.com"));
  const std::string first = certificate.validations[0].instructions.record_value;
  clock_.advance(std::chrono::hours(31 * 24));
  auto read = run(authority_->refresh(certificate));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->status, CertificateStatus::pending_validation);
  const std::string second = read->validations[0].instructions.record_value;
  EXPECT_NE(second, first);
  EXPECT_EQ(second, simulator_->order(id_of(certificate.supplier_ref))->dcv_random_value);
  EXPECT_GT(*read->validations[0].expires_at, clock_.now());

  publish(*read);
  auto verified = run(authority_->verify(*read));
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->status, CertificateStatus::issued);
}

// ---- reissue, revoke, cancel ----------------------------------------------------------------

TEST_F(DigicertAdapterTest, ReissuesAtOnceWhileTheDomainsAreStillValidated) {
  const Certificate first =
      issued(request(CertificateType::ov, "example.com", {"www.example.com"}));
  const auto rekeyed = request(CertificateType::ov, "example.com", {"www.example.com"});
  auto reissued = run(authority_->reissue(first, rekeyed));
  ASSERT_TRUE(reissued.ok()) << reissued.error().code;
  expect_issued_for(*reissued, {"example.com", "www.example.com"});
  EXPECT_NE(reissued->certificate_ref, first.certificate_ref);
  EXPECT_NE(reissued->certificate_pem, first.certificate_pem);
  EXPECT_EQ(reissued->supplier_ref, first.supplier_ref);

  const auto posts = requests_to("/order/certificate/" + first.supplier_ref + "/reissue", "POST");
  ASSERT_EQ(posts.size(), 1U);
  const auto body = parse(posts[0].body);
  EXPECT_EQ(std::string(body["certificate"]["csr"].GetString()), rekeyed.csr);
  EXPECT_TRUE(body["skip_approval"].GetBool());
}

TEST_F(DigicertAdapterTest, ReissueWithANewNameWaitsForItsValidation) {
  const Certificate first = issued(request(CertificateType::dv, "example.com"));
  auto reissued = run(authority_->reissue(
      first, request(CertificateType::dv, "example.com", {"shop.example.net"})));
  ASSERT_TRUE(reissued.ok()) << reissued.error().code;
  EXPECT_EQ(reissued->status, CertificateStatus::pending_validation);
  EXPECT_EQ(reissued->supplier_status, "reissue_pending");
  EXPECT_TRUE(reissued->certificate_pem.empty());
  ASSERT_EQ(reissued->validations.size(), 2U);
  EXPECT_EQ(reissued->validations[1].instructions.record_name, "_dnsauth.shop.example.net");
  EXPECT_FALSE(reissued->validations[1].instructions.record_value.empty());

  // Revoking while the reissue is pending is refused by the supplier.
  auto refused = run(authority_->revoke(*reissued));
  ASSERT_FALSE(refused.ok());
  expect_error(refused.error(), 422, "supplier_rejected", false);

  publish(*reissued);
  auto verified = run(authority_->verify(*reissued));
  ASSERT_TRUE(verified.ok()) << verified.error().code;
  expect_issued_for(*verified, {"example.com", "shop.example.net"});
  EXPECT_NE(verified->certificate_ref, first.certificate_ref);
}

TEST_F(DigicertAdapterTest, RevokesAnIssuedCertificate) {
  const Certificate certificate = issued(request(CertificateType::dv, "example.com"));
  auto revoked = run(authority_->revoke(certificate));
  ASSERT_TRUE(revoked.ok()) << revoked.error().code;
  const auto puts = requests_to("/certificate/" + certificate.certificate_ref + "/revoke", "PUT");
  ASSERT_EQ(puts.size(), 1U);
  EXPECT_TRUE(parse(puts[0].body)["skip_approval"].GetBool());

  auto read = run(authority_->refresh(certificate));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->status, CertificateStatus::revoked);
  EXPECT_EQ(read->supplier_status, "revoked");

  // Without the certificate id the order says which one; a second revocation is refused.
  Certificate without_ref = certificate;
  without_ref.certificate_ref.clear();
  auto again = run(authority_->revoke(without_ref));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().status, 409);
}

TEST_F(DigicertAdapterTest, CancelsAPendingOrder) {
  const Certificate certificate = ordered(request(CertificateType::ov, "example.com"));
  auto canceled = run(authority_->cancel(certificate));
  ASSERT_TRUE(canceled.ok()) << canceled.error().code;
  const auto puts =
      requests_to("/order/certificate/" + certificate.supplier_ref + "/status", "PUT");
  ASSERT_EQ(puts.size(), 1U);
  EXPECT_EQ(std::string(parse(puts[0].body)["status"].GetString()), "canceled");
  EXPECT_EQ(simulator_->order(id_of(certificate.supplier_ref))->status, "canceled");

  auto read = run(authority_->refresh(certificate));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->status, CertificateStatus::canceled);
  // verify() of an order that is no longer pending only reads it.
  auto verified = run(authority_->verify(*read));
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->status, CertificateStatus::canceled);

  // Canceling an issued order is the supplier's refusal, in our words.
  const Certificate done = issued(request(CertificateType::dv, "example.net"));
  auto refused = run(authority_->cancel(done));
  ASSERT_FALSE(refused.ok());
  expect_error(refused.error(), 422, "supplier_rejected", false);
  EXPECT_NE(refused.error().message.find("invalid_status"), std::string::npos);
}

TEST_F(DigicertAdapterTest, ToleratesStatusesNoPageDocuments) {
  const Certificate certificate = ordered(request(CertificateType::ov, "example.com"));
  for (const char* status : {"approved", "waiting_pickup", "processing", "on_hold_for_audit"}) {
    simulator_->set_status_override(id_of(certificate.supplier_ref), status);
    auto read = run(authority_->refresh(certificate));
    ASSERT_TRUE(read.ok()) << status;
    EXPECT_EQ(read->status, CertificateStatus::pending_issuance) << status;
    EXPECT_EQ(read->supplier_status, status);
  }
  simulator_->set_status_override(id_of(certificate.supplier_ref), "rejected");
  auto rejected = run(authority_->refresh(certificate));
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->status, CertificateStatus::failed);
  EXPECT_FALSE(rejected->detail.empty());
}

// ---- refusals before any call ---------------------------------------------------------------

TEST_F(DigicertAdapterTest, RefusesWhatNoProductCanServeWithoutACall) {
  auto ev_wildcard = request(CertificateType::ev, "*.example.com");
  auto refused = run(authority_->order(ev_wildcard));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "unsupported_certificate");

  auto ev_san_wildcard = request(CertificateType::ev, "example.com", {"*.example.com"});
  refused = run(authority_->order(ev_san_wildcard));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "unsupported_certificate");

  auto file_wildcard =
      request(CertificateType::dv, "example.com", {"*.example.com"}, DcvMethod::http);
  refused = run(authority_->order(file_wildcard));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "unsupported_dcv_method");

  auto too_long = request(CertificateType::dv, "example.com");
  too_long.validity_days = 200;
  refused = run(authority_->order(too_long));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "invalid_validity");
  EXPECT_TRUE(server_->journal().empty());

  const auto& capabilities = authority_->capabilities();
  EXPECT_EQ(capabilities.max_names, 250);
  EXPECT_TRUE(capabilities.wildcard);
  EXPECT_TRUE(capabilities.accepts_csr);
  EXPECT_EQ(capabilities.min_validity_days, 1);
  EXPECT_EQ(capabilities.max_validity_days, 199);
  EXPECT_EQ(capabilities.certificate_types.size(), 3U);
  EXPECT_EQ(capabilities.dcv_methods.size(), 3U);
  EXPECT_TRUE(capabilities.supports(core::Operation::ssl_reissue));
}

// ---- failures -------------------------------------------------------------------------------

TEST_F(DigicertAdapterTest, TreatsAWrongKeyAs401Or403Alike) {
  for (const int status : {401, 403}) {
    auto configured = options();
    configured.auth_failure_status = status;
    start(configured, "not-the-key");
    auto refused = run(authority_->order(request(CertificateType::dv, "example.com")));
    ASSERT_FALSE(refused.ok());
    expect_error(refused.error(), 502, "upstream_authentication_failed", false);
    Certificate known;
    known.supplier_ref = "1";
    auto read = run(authority_->refresh(known));
    ASSERT_FALSE(read.ok());
    expect_error(read.error(), 502, "upstream_authentication_failed", false);
    EXPECT_EQ(simulator_->orders_created(), 0U);
  }
}

TEST_F(DigicertAdapterTest, MapsUnknownOrdersWhicheverWayErrorsAreWritten) {
  for (const bool as_object : {false, true}) {
    auto configured = options();
    configured.errors_as_object = as_object;
    start(configured);
    Certificate known;
    known.supplier_ref = "987654";
    auto read = run(authority_->refresh(known));
    ASSERT_FALSE(read.ok());
    expect_error(read.error(), 404, "not_found_at_supplier", false);

    auto bad_csr = request(CertificateType::dv, "example.com");
    bad_csr.csr = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
    auto refused = run(authority_->order(bad_csr));
    ASSERT_FALSE(refused.ok());
    expect_error(refused.error(), 422, "supplier_rejected", false);
    EXPECT_EQ(refused.error().message, "The supplier rejected the request (invalid_csr).");
  }
}

TEST_F(DigicertAdapterTest, BacksOffAfterA429WithoutResendingTheOrder) {
  auto configured = options();
  configured.burst_limit = 3;
  start(configured);
  const Certificate certificate = ordered(request(CertificateType::dv, "example.com"));
  ASSERT_TRUE(run(authority_->refresh(certificate)).ok());
  ASSERT_TRUE(run(authority_->refresh(certificate)).ok());  // three calls in five seconds

  auto limited = run(authority_->order(request(CertificateType::dv, "example.net")));
  ASSERT_FALSE(limited.ok());
  expect_error(limited.error(), 503, "upstream_rate_limited", false);
  EXPECT_EQ(limited.error().retry_after_seconds, 5);
  EXPECT_EQ(requests_to("/order/certificate/ssl_dv_geotrust", "POST").size(), 2U);
  EXPECT_EQ(simulator_->orders_created(), 1U);

  // The instance stays quiet: calls fail fast without reaching the supplier.
  const auto journaled = server_->journal().size();
  clock_.advance(3s);
  auto quiet = run(authority_->refresh(certificate));
  ASSERT_FALSE(quiet.ok());
  expect_error(quiet.error(), 503, "upstream_rate_limited", false);
  EXPECT_EQ(quiet.error().retry_after_seconds, 2);
  EXPECT_FALSE(run(authority_->verify(certificate)).ok());
  EXPECT_FALSE(run(authority_->cancel(certificate)).ok());
  EXPECT_EQ(server_->journal().size(), journaled);

  clock_.advance(2s);
  auto after = run(authority_->refresh(certificate));
  ASSERT_TRUE(after.ok()) << after.error().code;
  EXPECT_EQ(server_->journal().size(), journaled + 1);
}

TEST_F(DigicertAdapterTest, A429FromAnyCallQuietsTheWholeInstance) {
  const Certificate certificate = ordered(request(CertificateType::dv, "example.com"));
  server_->inject({.kind = sim::FaultKind::rate_limit,
                   .path_prefix = std::string(kBasePath) + "/order/certificate/ssl_dv_geotrust",
                   .retry_after_seconds = 60});
  auto limited = run(authority_->order(request(CertificateType::dv, "example.org")));
  ASSERT_FALSE(limited.ok());
  expect_error(limited.error(), 503, "upstream_rate_limited", false);
  EXPECT_EQ(requests_to("/order/certificate/ssl_dv_geotrust", "POST").size(), 2U);
  EXPECT_EQ(simulator_->orders_created(), 1U);

  const auto journaled = server_->journal().size();
  EXPECT_FALSE(run(authority_->refresh(certificate)).ok());
  EXPECT_EQ(server_->journal().size(), journaled);
  clock_.advance(5s);
  EXPECT_TRUE(run(authority_->refresh(certificate)).ok());
}

struct OrderFault {
  const char* name;
  sim::FaultKind kind;
  int status;
  const char* code;
};

TEST_F(DigicertAdapterTest, LeavesTheOrderOutcomeUnknownWhenItsAnswerIsLost) {
  const OrderFault faults[] = {
      {"500", sim::FaultKind::status, 502, "upstream_error"},
      {"reset", sim::FaultKind::reset, 502, "upstream_connection_lost"},
      {"garbage", sim::FaultKind::garbage, 502, "upstream_bad_response"},
  };
  std::size_t created = 0;
  for (const OrderFault& fault : faults) {
    server_->inject({.kind = fault.kind,
                     .path_prefix = std::string(kBasePath) + "/order/certificate/ssl_basic",
                     .status = 500,
                     .after_handler = true});
    const auto posts_before = requests_to("/order/certificate/ssl_basic", "POST").size();
    auto lost = run(authority_->order(request(CertificateType::ov, "example.com")));
    ASSERT_FALSE(lost.ok()) << fault.name;
    expect_error(lost.error(), fault.status, fault.code, true);
    // The supplier acted; the adapter sent the POST once and left it to the gateway.
    EXPECT_EQ(simulator_->orders_created(), ++created) << fault.name;
    EXPECT_EQ(requests_to("/order/certificate/ssl_basic", "POST").size(), posts_before + 1)
        << fault.name;
  }
}

TEST_F(DigicertAdapterTest, ATimeoutAfterTheOrderWasSentIsAnUnknownOutcome) {
  start(options(), kApiKey, 400ms);
  server_->inject({.kind = sim::FaultKind::timeout,
                   .path_prefix = std::string(kBasePath) + "/order/certificate/",
                   .after_handler = true});
  auto lost = run(authority_->order(request(CertificateType::dv, "example.com")));
  ASSERT_FALSE(lost.ok());
  expect_error(lost.error(), 504, "upstream_timeout", true);
  EXPECT_EQ(requests_to("/order/certificate/ssl_dv_geotrust", "POST").size(), 1U);
}

TEST_F(DigicertAdapterTest, ReadsThatFailAreNotUnknownOutcomes) {
  const Certificate certificate = ordered(request(CertificateType::dv, "example.com"));
  const std::string path =
      std::string(kBasePath) + "/order/certificate/" + certificate.supplier_ref;
  server_->inject({.kind = sim::FaultKind::status, .path_prefix = path, .status = 503});
  auto failed = run(authority_->refresh(certificate));
  ASSERT_FALSE(failed.ok());
  expect_error(failed.error(), 502, "upstream_error", false);

  server_->inject({.kind = sim::FaultKind::status, .path_prefix = path, .status = 500});
  auto check_failed = run(authority_->verify(certificate));
  ASSERT_FALSE(check_failed.ok());
  expect_error(check_failed.error(), 502, "upstream_error", false);
  EXPECT_TRUE(run(authority_->refresh(certificate)).ok());
}

TEST_F(DigicertAdapterTest, ReadsCheckDcvAndOrganizationsAreRetriedOrdersNever) {
  auto http = make_http(server_->port(), 3s, 3);
  Authority authority(Client(*http, clock_, core::Secret(kApiKey), kBasePath), clock_,
                      Settings{kOrganization});
  const auto fail_once = [this](const std::string& suffix) {
    server_->inject({.kind = sim::FaultKind::status,
                     .path_prefix = std::string(kBasePath) + suffix,
                     .status = 503});
  };

  // The organization is de-duplicated by the supplier: creating it again creates nothing.
  fail_once("/organization");
  auto what = request(CertificateType::ov, "acme.example.com");
  what.organization = acme();
  auto placed = run(authority.order(what));
  ASSERT_TRUE(placed.ok()) << placed.error().code;
  EXPECT_EQ(requests_to("/organization", "POST").size(), 2U);

  // A GET of the order, and check-dcv (a PUT that issues at most once): asked again.
  const std::string order = "/order/certificate/" + placed->supplier_ref;
  fail_once(order);
  ASSERT_TRUE(run(authority.refresh(*placed)).ok());
  EXPECT_EQ(requests_to(order, "GET").size(), 2U);
  fail_once(order + "/check-dcv");
  ASSERT_TRUE(run(authority.verify(*placed)).ok());
  EXPECT_EQ(requests_to(order + "/check-dcv", "PUT").size(), 2U);

  // An order is never sent twice: a duplicate costs money.
  const std::size_t created = simulator_->orders_created();
  const std::size_t posts = requests_to("/order/certificate/ssl_basic", "POST").size();
  fail_once("/order/certificate/ssl_basic");
  EXPECT_FALSE(run(authority.order(request(CertificateType::ov, "example.com"))).ok());
  EXPECT_EQ(requests_to("/order/certificate/ssl_basic", "POST").size(), posts + 1);
  EXPECT_EQ(simulator_->orders_created(), created);
}

// ---- find_order: what an order with an unknown outcome did ----------------------------------

class FindOrderTest : public DigicertAdapterTest {
 protected:
  void SetUp() override { start(options(), kApiKey, 400ms); }

  // order() with its answer lost to `kind`, after the supplier acted unless `acted` is false.
  void lose(const core::CertificateRequest& what, sim::FaultKind kind = sim::FaultKind::timeout,
            bool acted = true) {
    server_->inject({.kind = kind,
                     .path_prefix = std::string(kBasePath) + "/order/certificate/ssl_",
                     .after_handler = acted});
    auto lost = run(authority_->order(what));
    ASSERT_FALSE(lost.ok());
    EXPECT_TRUE(lost.error().outcome_unknown) << lost.error().code;
  }

  std::optional<Certificate> find(const core::CertificateRequest& what, core::TimePoint since,
                                  const std::vector<std::string>& known = {}) {
    auto found = run(authority_->find_order(what, since, known));
    EXPECT_TRUE(found.ok()) << found.error().code << ": " << found.error().message;
    return found.ok() ? std::move(found).value() : std::nullopt;
  }

  std::size_t list_reads() const { return requests_to("/order/certificate", "GET").size(); }
};

TEST_F(FindOrderTest, FindsTheOrderATimeoutLeftUnknown) {
  const core::TimePoint since = clock_.now();
  const auto what = request(CertificateType::dv, "example.com", {"www.example.com"});
  lose(what);
  ASSERT_EQ(simulator_->orders_created(), 1U);
  clock_.advance(30s);

  const auto found = find(what, since);
  ASSERT_TRUE(found.has_value());
  const auto view = simulator_->order(id_of(found->supplier_ref));
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->dns_names, what.names());
  EXPECT_EQ(found->status, CertificateStatus::pending_validation);
  EXPECT_EQ(found->supplier_status, "pending");
  ASSERT_EQ(found->validations.size(), 2U);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& validation = found->validations[i];
    EXPECT_EQ(validation.name, what.names()[i]);
    EXPECT_EQ(validation.method, DcvMethod::dns);
    EXPECT_EQ(validation.status, DcvStatus::pending);
    EXPECT_EQ(validation.instructions.record_name, "_dnsauth." + validation.name);
    EXPECT_EQ(validation.instructions.record_value, view->dcv_random_value);
    EXPECT_TRUE(validation.expires_at.has_value());
  }
  // One list page told; the order was read, never placed again.
  EXPECT_EQ(list_reads(), 1U);
  const auto listed = requests_to("/order/certificate", "GET").front();
  EXPECT_EQ(listed.query,
            "filters%5Bcommon_name%5D=example.com&sort=-date_created&offset=0&limit=1000");
  EXPECT_EQ(simulator_->orders_created(), 1U);

  // As usable as order()'s answer: the partner publishes, verify issues.
  publish(*found);
  auto verified = run(authority_->verify(*found));
  ASSERT_TRUE(verified.ok()) << verified.error().code;
  expect_issued_for(*verified, {"example.com", "www.example.com"});
}

TEST_F(FindOrderTest, FindsAResetOrderWithItsFileToken) {
  const core::TimePoint since = clock_.now();
  const auto what = request(CertificateType::ov, "shop.example.com", {}, DcvMethod::http);
  lose(what, sim::FaultKind::reset);
  const auto found = find(what, since);
  ASSERT_TRUE(found.has_value());
  const auto view = simulator_->order(id_of(found->supplier_ref));
  EXPECT_EQ(view->product, "ssl_basic");
  ASSERT_EQ(found->validations.size(), 1U);
  EXPECT_EQ(found->validations[0].method, DcvMethod::http);
  EXPECT_EQ(found->validations[0].instructions.url,
            "http://shop.example.com/.well-known/pki-validation/fileauth.txt");
  EXPECT_EQ(found->validations[0].instructions.content, view->dcv_random_value);
}

TEST_F(FindOrderTest, FindsAnOrderIssuedAtOnceWithItsCertificate) {
  simulator_->prevalidate_domain("example.com");
  const core::TimePoint since = clock_.now();
  const auto what = request(CertificateType::dv, "www.example.com");
  lose(what, sim::FaultKind::reset);
  const auto found = find(what, since);
  ASSERT_TRUE(found.has_value());
  expect_issued_for(*found, {"www.example.com"});
  EXPECT_EQ(found->supplier_status, "issued");
  EXPECT_EQ(simulator_->orders_created(), 1U);
}

TEST_F(FindOrderTest, FindsNothingWhenTheSupplierDidNotAct) {
  const core::TimePoint since = clock_.now();
  const auto what = request(CertificateType::dv, "example.com");
  lose(what, sim::FaultKind::timeout, false);
  lose(what, sim::FaultKind::reset, false);
  EXPECT_EQ(simulator_->orders_created(), 0U);
  EXPECT_FALSE(find(what, since).has_value());
  // A request order() refuses before sending anything was not placed either, and is not asked.
  auto wildcard_ev = request(CertificateType::ev, "*.example.com", {}, DcvMethod::dns);
  const auto reads = list_reads();
  EXPECT_FALSE(find(wildcard_ev, since).has_value());
  EXPECT_EQ(list_reads(), reads);
}

TEST_F(FindOrderTest, AnOrderTheGatewayHoldsIsNotFound) {
  const core::TimePoint since = clock_.now();
  const auto what = request(CertificateType::dv, "example.com");
  const Certificate held = ordered(what);
  EXPECT_FALSE(find(what, since, {"123", held.supplier_ref}).has_value());
  EXPECT_TRUE(find(what, since, {"123"}).has_value());
}

TEST_F(FindOrderTest, FindsTheNewerOfTwoOrdersWhenTheOlderIsKnown) {
  const core::TimePoint since = clock_.now();
  const auto what = request(CertificateType::dv, "example.com", {"www.example.com"});
  const Certificate older = ordered(what);
  clock_.advance(1min);
  lose(what);
  const auto found = find(what, since, {older.supplier_ref});
  ASSERT_TRUE(found.has_value());
  EXPECT_NE(found->supplier_ref, older.supplier_ref);
  EXPECT_EQ(simulator_->orders_created(), 2U);
  // Neither known: the newest of the two, by date.
  EXPECT_EQ(find(what, since)->supplier_ref, found->supplier_ref);
  // Both known: none.
  EXPECT_FALSE(find(what, since, {older.supplier_ref, found->supplier_ref}).has_value());
}

TEST_F(FindOrderTest, OnlyOrdersFromSinceLessTheSkewCount) {
  const auto what = request(CertificateType::dv, "example.com");
  const Certificate old = ordered(what);
  clock_.advance(10min);
  // Dated up to five minutes before `since` (the supplier's clock behind ours): still found.
  EXPECT_EQ(find(what, clock_.now() - 6min)->supplier_ref, old.supplier_ref);
  EXPECT_EQ(find(what, clock_.now() - 5min)->supplier_ref, old.supplier_ref);
  EXPECT_FALSE(find(what, clock_.now() - 5min + 1s).has_value());
  EXPECT_FALSE(find(what, clock_.now()).has_value());
}

TEST_F(FindOrderTest, OrdersForOtherNamesOrProductsDoNotMatch) {
  const core::TimePoint since = clock_.now();
  ordered(request(CertificateType::dv, "example.com"));                       // fewer names
  ordered(request(CertificateType::dv, "example.com", {"api.example.com"}));  // other names
  ordered(request(CertificateType::dv, "www.example.com", {"example.com"}));  // other CN
  ordered(request(CertificateType::ov, "example.com", {"www.example.com"}));  // other product
  const auto what = request(CertificateType::dv, "example.com", {"www.example.com"});
  EXPECT_FALSE(find(what, since).has_value());
  EXPECT_EQ(simulator_->orders_created(), 4U);
  // The same names, the SANs in another order, are the same order.
  const auto placed =
      ordered(request(CertificateType::dv, "example.com", {"www.example.com", "api.example.com"}));
  const auto reordered =
      request(CertificateType::dv, "example.com", {"api.example.com", "www.example.com"});
  EXPECT_EQ(find(reordered, since)->supplier_ref, placed.supplier_ref);
}

TEST_F(FindOrderTest, AnUnreachableSupplierCannotTell) {
  const auto what = request(CertificateType::dv, "example.com");
  const core::TimePoint since = clock_.now();
  server_->inject({.kind = sim::FaultKind::timeout,
                   .path_prefix = std::string(kBasePath) + "/order/certificate"});
  auto timed_out = run(authority_->find_order(what, since, {}));
  ASSERT_FALSE(timed_out.ok());
  // A read that timed out changed nothing: no outcome to reconcile.
  expect_error(timed_out.error(), 504, "upstream_timeout", false);

  server_->inject({.kind = sim::FaultKind::status,
                   .path_prefix = std::string(kBasePath) + "/order/certificate",
                   .status = 503});
  auto failed = run(authority_->find_order(what, since, {}));
  ASSERT_FALSE(failed.ok());
  expect_error(failed.error(), 502, "upstream_error", false);

  server_->stop();
  auto unreachable = run(authority_->find_order(what, since, {}));
  ASSERT_FALSE(unreachable.ok());
  expect_error(unreachable.error(), 503, "upstream_unavailable", false);
}

TEST_F(FindOrderTest, ARateLimitedListIsAnErrorToRetryLater) {
  start(
      [&] {
        auto limited = options();
        limited.burst_limit = 1;
        return limited;
      }(),
      kApiKey, 400ms);
  const auto what = request(CertificateType::dv, "example.com");
  ordered(what);
  auto refused = run(authority_->find_order(what, clock_.now(), {}));
  ASSERT_FALSE(refused.ok());
  expect_error(refused.error(), 503, "upstream_rate_limited", false);
  EXPECT_GT(refused.error().retry_after_seconds, 0);
}

TEST_F(DigicertAdapterTest, NeverLetsTheKeyOutOfTheWireLog) {
  issued(request(CertificateType::dv, "example.com"));
  std::lock_guard lock(exchanges_mutex_);
  ASSERT_GE(exchanges_.size(), 3U);
  for (const auto& exchange : exchanges_) {
    EXPECT_EQ(exchange.request_text.find(kApiKey), std::string::npos) << exchange.request_text;
    EXPECT_EQ(exchange.response_text.find(kApiKey), std::string::npos);
    EXPECT_NE(exchange.request_text.find("X-DC-DEVKEY: [redacted]"), std::string::npos);
  }
}

// ---- answers the simulator does not give: a scripted supplier -------------------------------

// A server that answers each "METHOD path" as the test says.
class ScriptedSupplierTest : public DigicertAdapterTest {
 protected:
  void SetUp() override {
    scripted_ = std::make_unique<sim::Server>(
        sim::ServerOptions{.name = "scripted", .tls = true, .ca = &tls_ca()});
    scripted_->fallback([this](const sim::SimRequest& request) {
      std::lock_guard lock(mutex_);
      // An answer for the exact target (a list page) before one for the path.
      auto found = answers_.find(request.method + " " + request.target);
      if (found == answers_.end()) found = answers_.find(request.method + " " + request.path);
      if (found == answers_.end()) {
        return sim::SimResponse{.status = 404,
                                .body = R"({"errors":[{"code":"not_found|route","message":"x"}]})"};
      }
      return found->second;
    });
    scripted_->start();
    http_ = make_http(scripted_->port(), 3s);
    authority_ = std::make_unique<Authority>(
        Client(*http_, clock_, core::Secret(kApiKey), kBasePath), clock_, Settings{kOrganization});
  }

  void answer(const std::string& method, const std::string& suffix, int status, std::string body,
              std::string content_type = "application/json") {
    std::lock_guard lock(mutex_);
    answers_[method + " " + kBasePath + suffix] =
        sim::SimResponse{.status = status, .body = std::move(body), .content_type = content_type};
  }

  Certificate pending_order() {
    Certificate known;
    known.supplier_ref = "41";
    known.status = CertificateStatus::pending_validation;
    known.validations = pending_validations({"example.com"}, DcvMethod::dns,
                                            {"tok3n", clock_.now() + std::chrono::hours(24)});
    return known;
  }

  std::mutex mutex_;
  std::map<std::string, sim::SimResponse> answers_;
  std::unique_ptr<sim::Server> scripted_;
};

TEST_F(ScriptedSupplierTest, AnOrderAnswerThatCannotBeReadLeavesTheOutcomeUnknown) {
  for (const char* body : {"", "<html>Created</html>", R"({"requests":[]})", "[]"}) {
    answer("POST", "/order/certificate/ssl_dv_geotrust", 201, body);
    auto lost = run(authority_->order(request(CertificateType::dv, "example.com")));
    ASSERT_FALSE(lost.ok()) << body;
    expect_error(lost.error(), 502, "upstream_bad_response", true);
  }
  // The organization POST may have created one too.
  answer("POST", "/organization", 201, "");
  auto what = request(CertificateType::ev, "example.com");
  what.organization = acme();
  auto lost = run(authority_->order(what));
  ASSERT_FALSE(lost.ok());
  expect_error(lost.error(), 502, "upstream_bad_response", true);
}

TEST_F(ScriptedSupplierTest, AsksForTheRandomValueWhenTheOrderAnswerLacksIt) {
  answer("POST", "/order/certificate/ssl_dv_geotrust", 201,
         R"({"id":41,"requests":[{"id":5,"status":"pending"}]})");
  answer("PUT", "/order/certificate/41/dcv-random-value", 200,
         R"({"dcv_random_value":"r4nd0m","expiration_date":"2026-12-01T00:00:00+00:00"})");
  auto placed = run(authority_->order(request(CertificateType::dv, "example.com")));
  ASSERT_TRUE(placed.ok()) << placed.error().code;
  EXPECT_EQ(placed->supplier_ref, "41");
  EXPECT_EQ(placed->validations[0].instructions.record_value, "r4nd0m");
  EXPECT_EQ(placed->validations[0].expires_at, at("2026-12-01T00:00:00Z"));
}

TEST_F(ScriptedSupplierTest, KeepsAnOrderWhoseRandomValueCannotBeReadYet) {
  answer("POST", "/order/certificate/ssl_dv_geotrust", 201,
         R"({"id":41,"requests":[{"id":5,"status":"pending"}]})");
  answer("PUT", "/order/certificate/41/dcv-random-value", 500,
         R"({"errors":[{"code":"internal_error","message":"x"}]})");
  auto placed = run(authority_->order(request(CertificateType::dv, "example.com")));
  ASSERT_TRUE(placed.ok()) << placed.error().code;
  EXPECT_EQ(placed->supplier_ref, "41");
  EXPECT_EQ(placed->status, CertificateStatus::pending_validation);
  EXPECT_TRUE(placed->validations[0].instructions.record_value.empty());

  // refresh() asks again.
  answer("GET", "/order/certificate/41", 200,
         R"({"id":41,"status":"pending","certificate":{"id":7,"common_name":"example.com"}})");
  answer("PUT", "/order/certificate/41/dcv-random-value", 200, R"({"dcv_random_value":"l4ter"})");
  auto read = run(authority_->refresh(*placed));
  ASSERT_TRUE(read.ok()) << read.error().code;
  EXPECT_EQ(read->validations[0].instructions.record_value, "l4ter");
  EXPECT_EQ(read->validations[0].expires_at, clock_.now() + std::chrono::hours(30 * 24));
}

TEST_F(ScriptedSupplierTest, ReadsEmptySuccessesWithoutParsingThem) {
  const Certificate known = pending_order();
  answer("PUT", "/order/certificate/41/status", 204, "", "");
  EXPECT_TRUE(run(authority_->cancel(known)).ok());

  Certificate issued = known;
  issued.certificate_ref = "7";
  answer("PUT", "/certificate/7/revoke", 204, "", "");
  EXPECT_TRUE(run(authority_->revoke(issued)).ok());
  // Without skip_approval rights: a revoke request waiting for an administrator.
  answer("PUT", "/certificate/7/revoke", 201,
         R"({"id":9,"date":"2026-11-22T10:00:00+00:00","type":"revoke","status":"pending",)"
         R"("comments":"x"})");
  EXPECT_TRUE(run(authority_->revoke(issued)).ok());

  // A reissue accepted with an empty 201: the order is then read.
  answer("POST", "/order/certificate/41/reissue", 201, "");
  answer("GET", "/order/certificate/41", 200,
         R"({"id":41,"status":"reissue_pending","certificate":{"id":8}})");
  answer("PUT", "/order/certificate/41/dcv-random-value", 200, R"({"dcv_random_value":"n3w"})");
  auto reissued = run(authority_->reissue(issued, request(CertificateType::dv, "example.com")));
  ASSERT_TRUE(reissued.ok()) << reissued.error().code;
  EXPECT_EQ(reissued->status, CertificateStatus::pending_validation);
  EXPECT_EQ(reissued->validations[0].instructions.record_value, "n3w");
}

TEST_F(ScriptedSupplierTest, RefusesReadsThatCannotBeRead) {
  const Certificate known = pending_order();
  for (const char* body : {"", "<html>oops</html>", R"({"id":41})", R"({"status":"pending"})"}) {
    answer("GET", "/order/certificate/41", 200, body);
    auto read = run(authority_->refresh(known));
    ASSERT_FALSE(read.ok()) << body;
    expect_error(read.error(), 502, "upstream_bad_response", false);
  }
  for (const char* body : {"", "not json", R"({"dns_name_validations":"all"})"}) {
    answer("PUT", "/order/certificate/41/check-dcv", 200, body);
    auto checked = run(authority_->verify(known));
    ASSERT_FALSE(checked.ok()) << body;
    expect_error(checked.error(), 502, "upstream_bad_response", false);
  }
  // A 400 that is not "token not found" is a refusal.
  answer("PUT", "/order/certificate/41/check-dcv", 400,
         R"({"errors":[{"code":"invalid_status","message":"x"}]})");
  auto refused = run(authority_->verify(known));
  ASSERT_FALSE(refused.ok());
  expect_error(refused.error(), 422, "supplier_rejected", false);

  // Issued, but pem_all is not PEM.
  answer("PUT", "/order/certificate/41/check-dcv", 200,
         R"({"order_status":"issued","dcv_status":"valid","certificate_id":7})");
  answer("GET", "/certificate/7/download/format/pem_all", 200, "<html>maintenance</html>",
         "text/html");
  auto download = run(authority_->verify(known));
  ASSERT_FALSE(download.ok());
  expect_error(download.error(), 502, "upstream_bad_response", false);
}

TEST_F(ScriptedSupplierTest, AnIssuedCheckWithoutACertificateIdAsksTheOrder) {
  const Certificate known = pending_order();
  answer("PUT", "/order/certificate/41/check-dcv", 200,
         R"({"order_status":"issued","dcv_status":"valid"})");
  answer("GET", "/order/certificate/41", 200,
         R"({"id":41,"status":"issued","certificate":{"id":7}})");
  const auto issued = issuing_ca().issue(request(CertificateType::dv, "example.com").csr,
                                         {"example.com"}, clock_.now(), clock_.now() + 24h, 77);
  ASSERT_TRUE(issued.ok());
  answer("GET", "/certificate/7/download/format/pem_all", 200,
         issued->leaf_pem + issued->intermediate_pem + issued->root_pem, "application/x-pem-file");
  auto verified = run(authority_->verify(known));
  ASSERT_TRUE(verified.ok()) << verified.error().code;
  EXPECT_EQ(verified->status, CertificateStatus::issued);
  EXPECT_EQ(verified->certificate_ref, "7");
  EXPECT_EQ(verified->certificate_pem, *core::pki::split_pem_chain(issued->leaf_pem)->begin());
}

// A list row for example.com (and `more` names), of ssl_dv_geotrust unless `product` is
// empty (a row that names none), dated `created`.
std::string list_row(int id, std::string_view created, std::vector<std::string> more = {},
                     std::string_view product = "ssl_dv_geotrust") {
  std::string names = R"("example.com")";
  for (const auto& name : more)
    names += R"(,")" + name + R"(")";
  std::string row = R"({"id":)" + std::to_string(id) +
                    R"(,"certificate":{"common_name":"example.com","dns_names":[)" + names +
                    R"(]},"status":"pending")";
  if (!created.empty()) row += R"(,"date_created":")" + std::string(created) + R"(")";
  if (!product.empty()) row += R"(,"product":{"name_id":")" + std::string(product) + R"("})";
  return row + "}";
}

std::string list_page(const std::vector<std::string>& rows, int total) {
  std::string body = R"({"orders":[)";
  for (std::size_t i = 0; i < rows.size(); ++i)
    body += (i == 0 ? "" : ",") + rows[i];
  return body + R"(],"page":{"total":)" + std::to_string(total) + R"(,"limit":1000,"offset":0}})";
}

std::string list_target(int offset) {
  return "/order/certificate?filters%5Bcommon_name%5D=example.com&sort=-date_created&offset=" +
         std::to_string(offset) + "&limit=1000";
}

TEST_F(ScriptedSupplierTest, FindOrderReadsEveryPageAndPicksTheNewestWhateverTheirOrder) {
  // The supplier's clock is two minutes behind: the order it dated 09:58 counts for 10:00.
  answer("GET", list_target(0), 200,
         list_page({list_row(50, "2026-11-22T09:58:00+00:00"),
                    list_row(51, "2026-11-22T10:01:00+00:00", {"www.example.com"}),
                    list_row(52, "2026-11-22T09:40:00+00:00")},
                   5));
  answer("GET", list_target(3), 200,
         list_page({list_row(53, "2026-11-22T10:20:00+00:00", {}, "ssl_basic"),
                    list_row(54, "2026-11-22T10:03:00Z", {}, "")},
                   5));
  answer("GET", "/order/certificate/54", 200,
         R"({"id":54,"status":"pending","certificate":{"id":7,"common_name":"example.com"},)"
         R"("dcv_method":"dns-txt-token"})");
  answer("PUT", "/order/certificate/54/dcv-random-value", 200, R"({"dcv_random_value":"r4nd"})");
  const auto what = request(CertificateType::dv, "example.com");
  auto found = run(authority_->find_order(what, at("2026-11-22T10:00:00Z"), {}));
  ASSERT_TRUE(found.ok()) << found.error().code;
  ASSERT_TRUE(found->has_value());
  // 54 (no product named: names decide) is newer than 50; 53 is another product.
  EXPECT_EQ((*found)->supplier_ref, "54");
  EXPECT_EQ((*found)->validations[0].instructions.record_value, "r4nd");
  // 50 once 54 is known; nothing once both are.
  answer("GET", "/order/certificate/50", 200,
         R"({"id":50,"status":"pending","certificate":{"id":6,"common_name":"example.com"}})");
  answer("PUT", "/order/certificate/50/dcv-random-value", 200, R"({"dcv_random_value":"old"})");
  found = run(authority_->find_order(what, at("2026-11-22T10:00:00Z"), {"54"}));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->supplier_ref, "50");
  found = run(authority_->find_order(what, at("2026-11-22T10:00:00Z"), {"54", "50"}));
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_F(ScriptedSupplierTest, FindOrderRefusesListsItCannotRead) {
  const auto what = request(CertificateType::dv, "example.com");
  const core::TimePoint since = at("2026-11-22T10:00:00Z");
  for (const std::string& body :
       {std::string(R"({"page":{"total":0}})"), std::string(R"({"orders":{}})"),
        std::string("<html/>"), list_page({R"({"certificate":{}})"}, 1),
        list_page({list_row(50, "")}, 1), list_page({list_row(50, "yesterday")}, 1),
        std::string(R"({"orders":[],"page":{"total":"many"}})")}) {
    answer("GET", list_target(0), 200, body);
    auto found = run(authority_->find_order(what, since, {}));
    ASSERT_FALSE(found.ok()) << body;
    expect_error(found.error(), 502, "upstream_bad_response", false);
  }
  // An undated row for other names is no reason to fail.
  answer("GET", list_target(0), 200, list_page({list_row(50, "", {"www.example.com"})}, 1));
  auto found = run(authority_->find_order(what, since, {}));
  ASSERT_TRUE(found.ok()) << found.error().code;
  EXPECT_FALSE(found->has_value());
}

// ---- the factory ----------------------------------------------------------------------------

TEST_F(DigicertAdapterTest, TheRegisteredTypeBuildsAnInstanceWithItsAuthority) {
  const Registry registry = builtin_registry();
  const ProviderType* type = registry.find("digicert");
  ASSERT_NE(type, nullptr);
  config::ProviderConfig provider;
  provider.name = "digicert-us";
  provider.type = "digicert";
  provider.endpoint.scheme = "https";
  provider.endpoint.host = "127.0.0.1";
  provider.endpoint.port = server_->port();
  provider.endpoint.base_path = kBasePath;
  provider.settings.emplace("api_key", core::Secret(kApiKey));
  provider.settings.emplace("organization_id", std::int64_t{kOrganization});
  const Dependencies dependencies{io_.get_executor(), clock_, random_, nullptr};
  auto instance = type->create(provider, make_http(server_->port(), 3s),
                               std::make_shared<Health>(clock_), dependencies);
  ASSERT_NE(instance, nullptr);
  core::CertificateAuthority* authority = instance->certificate_authority();
  ASSERT_NE(authority, nullptr);
  EXPECT_EQ(instance->registrar(), nullptr);

  auto placed = run(authority->order(request(CertificateType::ov, "example.com")));
  ASSERT_TRUE(placed.ok()) << placed.error().code;
  EXPECT_EQ(simulator_->order(id_of(placed->supplier_ref))->organization_id, kOrganization);

  // Every instance keeps to the published limits unless its config says otherwise.
  EXPECT_EQ(type->schema.default_rate_limits,
            (std::vector<core::RateLimit>{{.requests = 100, .per = 5s},
                                          {.requests = 1000, .per = 180s}}));
}

}  // namespace
}  // namespace portico::adapters::digicert
