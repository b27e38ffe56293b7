#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/crypto.hpp"
#include "portico/core/json.hpp"
#include "portico/core/pki.hpp"
#include "portico/core/random.hpp"
#include "portico/http/client.hpp"
#include "portico/sim/dcv_world.hpp"
#include "portico/sim/server.hpp"
#include "portico/sim/test_ca.hpp"

#include "adapters/adapter_test_support.hpp"
#include "sslci/authority.hpp"
#include "sslci/client.hpp"
#include "sslci/factory.hpp"
#include "sslci/sim/simulator.hpp"
#include "support/temp_dir.hpp"

namespace portico::adapters::sslci {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using core::Certificate;
using core::CertificateRequest;
using core::CertificateStatus;
using core::DcvMethod;
using core::DcvStatus;
using sim::sslci::Simulator;
using sim::sslci::SimulatorOptions;

constexpr const char* kToken = "sslci-token-7Hq2vX9pLm4R";
constexpr const char* kOtherToken = "sslci-token-other-3Zt8";
constexpr const char* kPath = "/api";

core::TimePoint at(std::string_view rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

CertificateRequest request_for(std::vector<std::string> names, DcvMethod method) {
  CertificateRequest request;
  request.common_name = names.front();
  request.san_names.assign(names.begin() + 1, names.end());
  request.type = core::CertificateType::dv;
  request.dcv_method = method;
  return request;
}

std::vector<std::string> sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

// Every error: classified as expected, and free of the token, keys and the supplier's words.
void expect_error(const core::Error& error, int status, std::string_view code,
                  bool outcome_unknown) {
  EXPECT_EQ(error.status, status);
  EXPECT_EQ(error.code, code);
  EXPECT_EQ(error.outcome_unknown, outcome_unknown);
  for (std::string_view forbidden :
       {std::string_view(kToken), std::string_view("PRIVATE KEY"), std::string_view("SSLCI"),
        std::string_view("sslci"), std::string_view("Verification failed"),
        std::string_view("not found"), std::string_view("Invalid"),
        std::string_view("simulated")}) {
    EXPECT_EQ(error.message.find(forbidden), std::string::npos) << error.message;
  }
}

// The authority over HTTPS on loopback against the simulator, sharing one clock and one world.
class SslciAdapterTest : public ::testing::Test {
 protected:
  SslciAdapterTest()
      : clock_(at("2026-11-22T09:30:00Z")),
        random_(20261122),
        tls_ca_(sim::TestCa::generate("SSLCI test TLS CA")),
        ca_file_(tls_ca_.write_ca_file(dir_.path().string())) {}

  void SetUp() override { start(options()); }

  SimulatorOptions options() {
    SimulatorOptions options;
    options.tokens = {kToken, kOtherToken};
    options.clock = &clock_;
    options.random = &random_;
    options.world = &world_;
    return options;
  }

  // (Re)starts the simulator with `options`, and the client and authority on it.
  void start(SimulatorOptions options) {
    authority_.reset();
    http_.reset();
    server_.reset();
    simulator_ = std::make_unique<Simulator>(std::move(options));
    server_ = std::make_unique<sim::Server>(
        sim::ServerOptions{.name = "sslci", .tls = true, .ca = &tls_ca_});
    simulator_->install(*server_, kPath);
    server_->start();
    http_ = make_http(3s);
    authority_ = make_authority(*http_, kToken);
  }

  std::unique_ptr<http::Client> make_http(std::chrono::milliseconds timeout, int max_attempts = 1) {
    http::ClientOptions options;
    options.retry = {.max_attempts = max_attempts, .base_delay = 1ms, .max_delay = 5ms};
    options.scheme = "https";
    options.host = "127.0.0.1";
    options.port = server_->port();
    options.ca_file = ca_file_;
    options.timeout = timeout;
    options.secrets = {kToken, kOtherToken};
    options.on_exchange = [this](const http::Exchange& exchange) {
      std::lock_guard lock(exchanges_mutex_);
      exchanges_.push_back(exchange);
    };
    return std::make_unique<http::Client>(io_.get_executor(), options);
  }

  std::unique_ptr<Authority> make_authority(http::Client& http, std::string token) {
    return std::make_unique<Authority>(Client(http, core::Secret(std::move(token)), kPath), clock_);
  }

  template <typename T>
  T run(asio::awaitable<T> task) {
    return test::run(io_, std::move(task));
  }

  // What the partner does with the instructions: serve the file, or publish the TXT record.
  void publish(const core::CertificateValidation& validation) {
    const auto& instructions = validation.instructions;
    if (validation.method == DcvMethod::http) {
      world_.publish_file(instructions.url, instructions.content);
    } else {
      world_.publish_record(instructions.record_name, "TXT", instructions.record_value);
    }
  }
  void publish_all(const Certificate& certificate) {
    for (const auto& validation : certificate.validations)
      publish(validation);
  }

  std::vector<sim::SimRequest> requests(std::string_view method) const {
    std::vector<sim::SimRequest> found;
    for (auto& request : server_->journal())
      if (request.method == method && request.path == kPath) found.push_back(request);
    return found;
  }
  std::vector<sim::SimRequest> finalizes() const {
    std::vector<sim::SimRequest> found;
    for (auto& request : requests("POST"))
      if (request.body.find("\"finalize\"") != std::string::npos) found.push_back(request);
    return found;
  }
  std::vector<sim::SimRequest> challenges() const {
    std::vector<sim::SimRequest> found;
    for (auto& request : requests("POST"))
      if (request.body.find("\"finalize\"") == std::string::npos) found.push_back(request);
    return found;
  }

  std::int64_t order_id(const core::CertificateValidation& validation) const {
    return std::stoll(validation.supplier_ref);
  }

  // Orders `names`, publishes every challenge and verifies: an issued certificate.
  Certificate issue(std::vector<std::string> names, DcvMethod method = DcvMethod::http) {
    auto ordered = run(authority_->order(request_for(std::move(names), method)));
    EXPECT_TRUE(ordered.ok()) << ordered.error().code;
    if (!ordered.ok()) return {};
    publish_all(*ordered);
    auto verified = run(authority_->verify(*ordered));
    EXPECT_TRUE(verified.ok()) << verified.error().code;
    if (!verified.ok()) return {};
    EXPECT_EQ(verified->status, CertificateStatus::issued);
    return std::move(verified).value();
  }

  // The issued certificate is real: its names, its chain and its key belong together.
  void expect_real_certificate(const Certificate& certificate,
                               const std::vector<std::string>& names) {
    auto info = core::pki::parse_certificate(certificate.certificate_pem);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->subject_common_name, names.front());
    EXPECT_EQ(sorted(info->dns_names), sorted(names));
    EXPECT_EQ(info->not_after - info->not_before, std::chrono::days(90));
    auto chain = core::pki::split_pem_chain(certificate.chain_pem);
    ASSERT_TRUE(chain.ok());
    EXPECT_EQ(chain->size(), 2U);  // intermediate, root
    EXPECT_EQ(certificate.chain_pem,
              simulator_->ca().intermediate_pem() + simulator_->ca().root_pem());
    EXPECT_TRUE(core::pki::key_matches_certificate(certificate.private_key_pem,
                                                   certificate.certificate_pem));
    EXPECT_EQ(certificate.certificate_pem.find('\r'), std::string::npos);
    EXPECT_EQ(certificate.chain_pem.find('\r'), std::string::npos);
  }

  testing::TempDir dir_;
  core::ManualClock clock_;
  core::SeededRandom random_;
  sim::DcvWorld world_;
  sim::TestCa tls_ca_;
  std::string ca_file_;
  asio::io_context io_;
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<sim::Server> server_;
  std::unique_ptr<http::Client> http_;
  std::unique_ptr<Authority> authority_;
  std::mutex exchanges_mutex_;
  std::vector<http::Exchange> exchanges_;
};

// ---- the life of a certificate --------------------------------------------------------------

TEST_F(SslciAdapterTest, StatesItsCapabilities) {
  const core::Capabilities& capabilities = authority_->capabilities();
  EXPECT_EQ(capabilities.certificate_types,
            std::set<core::CertificateType>{core::CertificateType::dv});
  EXPECT_EQ(capabilities.dcv_methods, (std::set<DcvMethod>{DcvMethod::http, DcvMethod::dns}));
  EXPECT_TRUE(capabilities.wildcard);
  EXPECT_EQ(capabilities.max_names, 100);
  EXPECT_FALSE(capabilities.accepts_csr);
  EXPECT_EQ(capabilities.min_validity_days, 90);
  EXPECT_EQ(capabilities.max_validity_days, 90);
  for (auto operation :
       {core::Operation::ssl_order, core::Operation::ssl_info, core::Operation::ssl_verify,
        core::Operation::ssl_reissue, core::Operation::ssl_cancel, core::Operation::ssl_revoke}) {
    EXPECT_TRUE(capabilities.supports(operation));
  }
  EXPECT_FALSE(capabilities.supports(core::Operation::domain_register));
}

TEST_F(SslciAdapterTest, IssuesASingleNameOverHttp) {
  auto ordered = run(authority_->order(request_for({"example.com"}, DcvMethod::http)));
  ASSERT_TRUE(ordered.ok()) << ordered.error().code;
  EXPECT_EQ(ordered->status, CertificateStatus::pending_validation);
  ASSERT_EQ(ordered->validations.size(), 1U);
  const auto& validation = ordered->validations[0];
  EXPECT_EQ(validation.name, "example.com");
  EXPECT_EQ(validation.method, DcvMethod::http);
  EXPECT_EQ(validation.status, DcvStatus::pending);
  EXPECT_EQ(ordered->supplier_ref, validation.supplier_ref);
  const auto held = simulator_->order(order_id(validation));
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(validation.instructions.url,
            "http://example.com/.well-known/acme-challenge/" + held->token);
  EXPECT_EQ(validation.instructions.content, held->key_authorization);
  EXPECT_EQ(validation.expires_at, clock_.now() + std::chrono::days(7));

  const auto posts = challenges();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].body, R"({"domain":"example.com","method":"http"})");
  EXPECT_EQ(posts[0].header("Content-Type"), "application/json");

  publish(validation);
  clock_.advance(1h);
  auto issued = run(authority_->verify(*ordered));
  ASSERT_TRUE(issued.ok()) << issued.error().code;
  EXPECT_EQ(issued->status, CertificateStatus::issued);
  EXPECT_EQ(issued->validations[0].status, DcvStatus::valid);
  EXPECT_EQ(issued->validations[0].validated_at, clock_.now());
  EXPECT_EQ(issued->validations[0].expires_at, clock_.now() + std::chrono::days(29));
  expect_real_certificate(*issued, {"example.com"});
  ASSERT_EQ(simulator_->certificates().size(), 1U);
  EXPECT_EQ(issued->certificate_ref, std::to_string(simulator_->certificates()[0].crt_id));

  const auto puts = requests("PUT");
  ASSERT_EQ(puts.size(), 1U);
  EXPECT_EQ(puts[0].body, R"({"domain":"example.com","order_id":)" + validation.supplier_ref +
                              R"(,"method":"http"})");
  const auto finals = finalizes();
  ASSERT_EQ(finals.size(), 1U);
  EXPECT_EQ(finals[0].body, R"({"action":"finalize","domains":["example.com"]})");
  EXPECT_EQ(requests("GET").size(), 1U);  // the crt_id, from the list

  // refresh keeps the PEMs (there is no download) and never repeats the key.
  auto refreshed = run(authority_->refresh(*issued));
  ASSERT_TRUE(refreshed.ok()) << refreshed.error().code;
  EXPECT_EQ(refreshed->status, CertificateStatus::issued);
  EXPECT_EQ(refreshed->certificate_ref, issued->certificate_ref);
  EXPECT_EQ(refreshed->certificate_pem, issued->certificate_pem);
  EXPECT_TRUE(refreshed->private_key_pem.empty());

  // 90 days on, the list says it ended.
  clock_.advance(std::chrono::days(91));
  auto ended = run(authority_->refresh(*issued));
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended->status, CertificateStatus::expired);
}

TEST_F(SslciAdapterTest, IssuesSeveralNamesConfirmingOnlyWhatIsNotValid) {
  const std::vector<std::string> names = {"example.com", "www.example.com", "shop.example.com"};
  auto ordered = run(authority_->order(request_for(names, DcvMethod::http)));
  ASSERT_TRUE(ordered.ok()) << ordered.error().code;
  ASSERT_EQ(ordered->validations.size(), 3U);
  EXPECT_EQ(challenges().size(), 3U);  // one POST per name, in order
  for (std::size_t i = 0; i < names.size(); ++i)
    EXPECT_EQ(ordered->validations[i].name, names[i]);
  EXPECT_EQ(ordered->supplier_ref, ordered->validations[0].supplier_ref + "," +
                                       ordered->validations[1].supplier_ref + "," +
                                       ordered->validations[2].supplier_ref);

  publish(ordered->validations[0]);
  publish(ordered->validations[1]);
  auto partly = run(authority_->verify(*ordered));
  ASSERT_TRUE(partly.ok()) << partly.error().code;
  EXPECT_EQ(partly->status, CertificateStatus::pending_validation);
  EXPECT_EQ(partly->validations[0].status, DcvStatus::valid);
  EXPECT_EQ(partly->validations[1].status, DcvStatus::valid);
  EXPECT_EQ(partly->validations[2].status, DcvStatus::pending);
  EXPECT_NE(partly->validations[2].detail.find("Verification failed"), std::string::npos);
  EXPECT_TRUE(finalizes().empty());

  clock_.advance(std::chrono::days(2));
  publish(partly->validations[2]);
  auto issued = run(authority_->verify(*partly));
  ASSERT_TRUE(issued.ok()) << issued.error().code;
  EXPECT_EQ(issued->status, CertificateStatus::issued);
  EXPECT_EQ(requests("PUT").size(), 4U);  // the two valid names were not asked again
  EXPECT_TRUE(issued->validations[2].detail.empty());
  expect_real_certificate(*issued, names);
}

TEST_F(SslciAdapterTest, DcvThatFailsStaysPendingThenPasses) {
  auto ordered = run(authority_->order(request_for({"late.example.com"}, DcvMethod::http)));
  ASSERT_TRUE(ordered.ok()) << ordered.error().code;

  auto failed = run(authority_->verify(*ordered));
  ASSERT_TRUE(failed.ok()) << failed.error().code;
  EXPECT_EQ(failed->status, CertificateStatus::pending_validation);
  EXPECT_EQ(failed->validations[0].status, DcvStatus::pending);
  EXPECT_FALSE(failed->validations[0].detail.empty());
  EXPECT_EQ(failed->validations[0].instructions.url, ordered->validations[0].instructions.url);

  // The wrong content does not pass either.
  world_.publish_file(ordered->validations[0].instructions.url, "something else");
  auto wrong = run(authority_->verify(*failed));
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->validations[0].status, DcvStatus::pending);

  auto listed = run(authority_->refresh(*wrong));
  ASSERT_TRUE(listed.ok()) << listed.error().code;
  EXPECT_EQ(listed->status, CertificateStatus::pending_validation);
  EXPECT_EQ(listed->validations[0].status, DcvStatus::pending);
  EXPECT_EQ(listed->supplier_status, "pending");

  publish(ordered->validations[0]);
  auto issued = run(authority_->verify(*listed));
  ASSERT_TRUE(issued.ok()) << issued.error().code;
  EXPECT_EQ(issued->status, CertificateStatus::issued);
  expect_real_certificate(*issued, {"late.example.com"});
}

TEST_F(SslciAdapterTest, IssuesAWildcardOverDns) {
  const std::vector<std::string> names = {"*.example.com", "example.com"};
  auto ordered = run(authority_->order(request_for(names, DcvMethod::dns)));
  ASSERT_TRUE(ordered.ok()) << ordered.error().code;
  for (const auto& validation : ordered->validations) {
    EXPECT_EQ(validation.method, DcvMethod::dns);
    EXPECT_EQ(validation.instructions.record_name, "_acme-challenge.example.com");
    EXPECT_EQ(validation.instructions.record_type, core::DnsRecordType::txt);
    const auto held = simulator_->order(order_id(validation));
    ASSERT_TRUE(held.has_value());
    EXPECT_EQ(validation.instructions.record_value, dns_txt_value(held->key_authorization));
    EXPECT_TRUE(validation.instructions.url.empty());
  }
  EXPECT_NE(challenges().at(0).body.find(R"("method":"dns")"), std::string::npos);

  publish_all(*ordered);  // two TXT values at one name
  auto issued = run(authority_->verify(*ordered));
  ASSERT_TRUE(issued.ok()) << issued.error().code;
  EXPECT_EQ(issued->status, CertificateStatus::issued);
  expect_real_certificate(*issued, names);

  // A wildcard by http is refused before any call.
  server_->clear_journal();
  auto refused = run(authority_->order(request_for({"*.example.org"}, DcvMethod::http)));
  ASSERT_FALSE(refused.ok());
  expect_error(refused.error(), 422, "wildcard_requires_dns", false);
  EXPECT_TRUE(server_->journal().empty());
}

TEST_F(SslciAdapterTest, ComputesTheDnsRecordWhenTheAnswerLacksIt) {
  SimulatorOptions bare = options();
  bare.dns_record_fields = false;
  start(bare);

  auto ordered = run(authority_->order(request_for({"*.example.net"}, DcvMethod::dns)));
  ASSERT_TRUE(ordered.ok()) << ordered.error().code;
  const auto& validation = ordered->validations[0];
  const auto held = simulator_->order(order_id(validation));
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(validation.instructions.record_name, "_acme-challenge.example.net");
  // base64url(SHA-256(key authorization)), computed here: the simulator did not send it.
  EXPECT_EQ(validation.instructions.record_value,
            core::crypto::base64url(core::crypto::sha256(held->key_authorization)));

  publish(validation);
  auto issued = run(authority_->verify(*ordered));
  ASSERT_TRUE(issued.ok()) << issued.error().code;
  EXPECT_EQ(issued->status, CertificateStatus::issued);
}

TEST_F(SslciAdapterTest, AcceptsTheChainAsAnArray) {
  SimulatorOptions array = options();
  array.ca_as_array = true;
  array.error_key = "error";
  start(array);
  const Certificate issued = issue({"array.example.com"});
  expect_real_certificate(issued, {"array.example.com"});
}

TEST_F(SslciAdapterTest, FindsTheCrtIdInTheListOrTakesItFromTheAnswer) {
  // Two certificates for the same names: the list entry with this one's end is chosen.
  const Certificate first = issue({"twice.example.com"});
  clock_.advance(std::chrono::days(3));
  auto again = run(authority_->reissue(first, request_for({"twice.example.com"}, DcvMethod::http)));
  ASSERT_TRUE(again.ok()) << again.error().code;
  ASSERT_EQ(simulator_->certificates().size(), 2U);
  EXPECT_EQ(first.certificate_ref, std::to_string(simulator_->certificates()[0].crt_id));
  EXPECT_EQ(again->certificate_ref, std::to_string(simulator_->certificates()[1].crt_id));

  // Without a certificate_ref (the list could not be read after finalize), refresh finds it
  // by names and the PEM's end.
  Certificate unknown_ref = first;
  unknown_ref.certificate_ref.clear();
  auto found = run(authority_->refresh(unknown_ref));
  ASSERT_TRUE(found.ok()) << found.error().code;
  EXPECT_EQ(found->certificate_ref, first.certificate_ref);
  EXPECT_EQ(found->status, CertificateStatus::issued);

  // Told to include it, the answer's crt_id is used and the list is not read.
  SimulatorOptions with_id = options();
  with_id.finalize_includes_crt_id = true;
  start(with_id);
  const Certificate direct = issue({"direct.example.com"});
  EXPECT_EQ(direct.certificate_ref, std::to_string(simulator_->certificates()[0].crt_id));
  EXPECT_TRUE(requests("GET").empty());
}

TEST_F(SslciAdapterTest, VerifyReconfirmsVerificationsOlderThan29Days) {
  // a is verified on day 0.
  const Certificate first = issue({"a.example.com"});
  ASSERT_EQ(requests("PUT").size(), 1U);
  const core::CertificateValidation a = first.validations.at(0);

  // Day 28: a is reused without asking; only the new name b is confirmed.
  clock_.advance(std::chrono::days(28));
  auto b = run(authority_->order(request_for({"b.example.com"}, DcvMethod::http)));
  ASSERT_TRUE(b.ok()) << b.error().code;
  publish(b->validations[0]);
  Certificate both = *b;
  both.validations.insert(both.validations.begin(), a);
  auto day28 = run(authority_->verify(both));
  ASSERT_TRUE(day28.ok()) << day28.error().code;
  EXPECT_EQ(day28->status, CertificateStatus::issued);
  auto puts = requests("PUT");
  ASSERT_EQ(puts.size(), 2U);
  EXPECT_NE(puts[1].body.find(R"("order_id":)" + b->validations[0].supplier_ref),
            std::string::npos);

  // Day 30: a's verification is too old to finalize with, so verify asks again instead of
  // finalizing, and reports what the supplier answers (its authorization expired).
  clock_.advance(std::chrono::days(2));
  const std::size_t finals_before = finalizes().size();
  auto day30 = run(authority_->verify(both));
  ASSERT_TRUE(day30.ok()) << day30.error().code;
  puts = requests("PUT");
  ASSERT_EQ(puts.size(), 4U);  // a again, and b (pending in `both`)
  EXPECT_NE(puts[2].body.find(R"("order_id":)" + a.supplier_ref), std::string::npos);
  EXPECT_EQ(day30->status, CertificateStatus::pending_validation);
  EXPECT_EQ(day30->validations[0].status, DcvStatus::pending);
  EXPECT_FALSE(day30->validations[0].detail.empty());
  EXPECT_EQ(day30->validations[1].status, DcvStatus::valid);  // b still verified
  EXPECT_EQ(finalizes().size(), finals_before);

  // A valid name whose date is unknown (seen verified in the list) is confirmed again.
  Certificate undated = *b;
  undated.validations[0].status = DcvStatus::valid;
  undated.validations[0].validated_at.reset();
  auto redated = run(authority_->verify(undated));
  ASSERT_TRUE(redated.ok()) << redated.error().code;
  EXPECT_EQ(requests("PUT").size(), 5U);
  EXPECT_EQ(redated->status, CertificateStatus::issued);
  EXPECT_EQ(redated->validations[0].validated_at, clock_.now());
}

TEST_F(SslciAdapterTest, ReissueReusesRecentVerifications) {
  const Certificate issued = issue({"example.com"});
  const std::size_t challenges_before = challenges().size();

  // Within 29 days: issued at once, a new certificate with a new key.
  clock_.advance(std::chrono::days(10));
  auto reissued = run(authority_->reissue(issued, request_for({"example.com"}, DcvMethod::http)));
  ASSERT_TRUE(reissued.ok()) << reissued.error().code;
  EXPECT_EQ(reissued->status, CertificateStatus::issued);
  EXPECT_EQ(challenges().size(), challenges_before);
  EXPECT_EQ(finalizes().size(), 2U);
  EXPECT_NE(reissued->certificate_ref, issued.certificate_ref);
  EXPECT_NE(reissued->private_key_pem, issued.private_key_pem);
  EXPECT_EQ(reissued->validations[0].validated_at, issued.validations[0].validated_at);
  expect_real_certificate(*reissued, {"example.com"});

  // A name added: the known one is reused, the new one challenged.
  auto grown = run(authority_->reissue(
      *reissued, request_for({"example.com", "new.example.com"}, DcvMethod::dns)));
  ASSERT_TRUE(grown.ok()) << grown.error().code;
  EXPECT_EQ(grown->status, CertificateStatus::pending_validation);
  EXPECT_EQ(challenges().size(), challenges_before + 1);
  EXPECT_EQ(grown->validations[0].status, DcvStatus::valid);
  EXPECT_EQ(grown->validations[0].method, DcvMethod::http);
  EXPECT_EQ(grown->validations[1].method, DcvMethod::dns);
  EXPECT_EQ(grown->supplier_ref,
            issued.validations[0].supplier_ref + "," + grown->validations[1].supplier_ref);
  EXPECT_TRUE(grown->certificate_pem.empty());

  // refresh keeps the reused verification valid though its order left the list.
  auto listed = run(authority_->refresh(*grown));
  ASSERT_TRUE(listed.ok()) << listed.error().code;
  EXPECT_EQ(listed->validations[0].status, DcvStatus::valid);
  EXPECT_EQ(listed->validations[1].status, DcvStatus::pending);

  publish(grown->validations[1]);
  auto verified = run(authority_->verify(*listed));
  ASSERT_TRUE(verified.ok()) << verified.error().code;
  EXPECT_EQ(verified->status, CertificateStatus::issued);
  expect_real_certificate(*verified, {"example.com", "new.example.com"});

  // After 29 days nothing is reusable: back through validation.
  clock_.advance(std::chrono::days(30));
  auto later = run(authority_->reissue(*verified, request_for({"example.com"}, DcvMethod::http)));
  ASSERT_TRUE(later.ok()) << later.error().code;
  EXPECT_EQ(later->status, CertificateStatus::pending_validation);
  EXPECT_EQ(later->validations[0].status, DcvStatus::pending);
}

TEST_F(SslciAdapterTest, CancelDeletesTheOrdersStillPending) {
  auto ordered =
      run(authority_->order(request_for({"a.example.com", "b.example.com"}, DcvMethod::http)));
  ASSERT_TRUE(ordered.ok()) << ordered.error().code;
  publish(ordered->validations[0]);
  auto partly = run(authority_->verify(*ordered));
  ASSERT_TRUE(partly.ok());
  ASSERT_EQ(partly->validations[0].status, DcvStatus::valid);

  ASSERT_TRUE(run(authority_->cancel(*partly)).ok());
  const auto deletes = requests("DELETE");
  ASSERT_EQ(deletes.size(), 2U);
  EXPECT_EQ(deletes[0].body,
            R"({"type":"order","id":)" + partly->validations[0].supplier_ref + "}");
  EXPECT_EQ(deletes[1].body,
            R"({"type":"order","id":)" + partly->validations[1].supplier_ref + "}");
  for (const auto& validation : partly->validations)
    EXPECT_EQ(simulator_->order(order_id(validation))->status, "deleted");

  // Again: nothing is left to delete.
  ASSERT_TRUE(run(authority_->cancel(*partly)).ok());
  EXPECT_EQ(requests("DELETE").size(), 2U);

  // An issued certificate is revoked, not canceled.
  const Certificate issued = issue({"c.example.com"});
  auto refused = run(authority_->cancel(issued));
  ASSERT_FALSE(refused.ok());
  expect_error(refused.error(), 409, "certificate_issued", false);
}

TEST_F(SslciAdapterTest, RevokeDeletesTheCertificate) {
  const Certificate issued = issue({"gone.example.com"});
  ASSERT_TRUE(run(authority_->revoke(issued)).ok());
  const auto deletes = requests("DELETE");
  ASSERT_EQ(deletes.size(), 1U);
  EXPECT_EQ(deletes[0].body, R"({"type":"ssl","id":)" + issued.certificate_ref + "}");
  EXPECT_TRUE(simulator_->certificates().at(0).deleted);

  auto refreshed = run(authority_->refresh(issued));
  ASSERT_TRUE(refreshed.ok()) << refreshed.error().code;
  EXPECT_EQ(refreshed->status, CertificateStatus::revoked);

  // Without a certificate_ref it is found in the list first.
  const Certificate other = issue({"other.example.com"});
  Certificate unknown_ref = other;
  unknown_ref.certificate_ref.clear();
  ASSERT_TRUE(run(authority_->revoke(unknown_ref)).ok());
  EXPECT_EQ(requests("DELETE").back().body, R"({"type":"ssl","id":)" + other.certificate_ref + "}");
  EXPECT_TRUE(simulator_->certificates().at(1).deleted);
}

// ---- refusals and failures ------------------------------------------------------------------

TEST_F(SslciAdapterTest, RefusesWhatItCannotOrderBeforeAnyCall) {
  CertificateRequest ov = request_for({"example.com"}, DcvMethod::http);
  ov.type = core::CertificateType::ov;
  CertificateRequest year = request_for({"example.com"}, DcvMethod::http);
  year.validity_days = 365;
  CertificateRequest email = request_for({"example.com"}, DcvMethod::email);
  CertificateRequest with_csr = request_for({"example.com"}, DcvMethod::http);
  with_csr.csr = "-----BEGIN CERTIFICATE REQUEST-----\n...";
  std::vector<std::string> many = {"example.com"};
  for (int i = 0; i < 100; ++i)
    many.push_back("n" + std::to_string(i) + ".example.com");
  const struct {
    CertificateRequest request;
    const char* code;
  } cases[] = {{ov, "unsupported_certificate_type"},
               {year, "unsupported_validity"},
               {email, "unsupported_dcv_method"},
               {with_csr, "csr_not_accepted"},
               {request_for(many, DcvMethod::dns), "too_many_names"}};
  for (const auto& refused : cases) {
    auto result = run(authority_->order(refused.request));
    ASSERT_FALSE(result.ok()) << refused.code;
    expect_error(result.error(), 422, refused.code, false);
  }
  EXPECT_TRUE(server_->journal().empty());

  CertificateRequest ninety = request_for({"example.com"}, DcvMethod::http);
  ninety.validity_days = 90;
  EXPECT_TRUE(run(authority_->order(ninety)).ok());
}

TEST_F(SslciAdapterTest, RefusedChallengeDeletesTheOrdersAlreadyMade) {
  auto result = run(authority_->order(
      request_for({"good.example.com", "bad_name..example.com"}, DcvMethod::http)));
  ASSERT_FALSE(result.ok());
  expect_error(result.error(), 422, "supplier_rejected", false);
  const auto deletes = requests("DELETE");
  ASSERT_EQ(deletes.size(), 1U);
  EXPECT_EQ(deletes[0].body, R"({"type":"order","id":1})");
  EXPECT_EQ(simulator_->order(1)->status, "deleted");
}

TEST_F(SslciAdapterTest, MapsAuthenticationAndOwnershipFailures) {
  auto wrong = make_authority(*http_, "not-the-token");
  auto refused = run(wrong->order(request_for({"example.com"}, DcvMethod::http)));
  ASSERT_FALSE(refused.ok());
  expect_error(refused.error(), 502, "upstream_authentication_failed", false);
  EXPECT_EQ(refused.error().message.find("not-the-token"), std::string::npos);
  EXPECT_EQ(simulator_->orders_created(), 0U);

  // Another account's order: 403.
  auto ordered = run(authority_->order(request_for({"mine.example.com"}, DcvMethod::http)));
  ASSERT_TRUE(ordered.ok());
  auto other = make_authority(*http_, kOtherToken);
  auto foreign = run(other->verify(*ordered));
  ASSERT_FALSE(foreign.ok());
  expect_error(foreign.error(), 502, "upstream_refused", false);
}

TEST_F(SslciAdapterTest, FinalizeRefusedIsSupplierRejected) {
  // A stored certificate claims a recent verification the supplier does not hold.
  Certificate stale;
  stale.status = CertificateStatus::issued;
  core::CertificateValidation claimed;
  claimed.name = "never.example.com";
  claimed.method = DcvMethod::http;
  claimed.status = DcvStatus::valid;
  claimed.supplier_ref = "99";
  claimed.validated_at = clock_.now() - 1h;
  stale.validations = {claimed};
  auto result =
      run(authority_->reissue(stale, request_for({"never.example.com"}, DcvMethod::http)));
  ASSERT_FALSE(result.ok());
  expect_error(result.error(), 422, "supplier_rejected", false);
  EXPECT_EQ(finalizes().size(), 1U);
  EXPECT_EQ(simulator_->certificates_issued(), 0U);
}

TEST_F(SslciAdapterTest, FaultsOnWritesLeaveTheOutcomeUnknown) {
  // 5xx on a challenge.
  server_->inject({.kind = sim::FaultKind::status, .status = 500});
  auto server_error = run(authority_->order(request_for({"a.example.com"}, DcvMethod::http)));
  ASSERT_FALSE(server_error.ok());
  expect_error(server_error.error(), 502, "upstream_error", true);

  // A reset after the supplier issued: the key is lost with the answer. The certificate comes
  // back still waiting, marked, so that the next finalize deletes what this one issued.
  const Certificate issued = issue({"b.example.com"});
  clock_.advance(1h);
  server_->inject({.kind = sim::FaultKind::reset, .after_handler = true});
  auto reset = run(authority_->reissue(issued, request_for({"b.example.com"}, DcvMethod::http)));
  ASSERT_TRUE(reset.ok()) << reset.error().code;
  EXPECT_EQ(reset->status, CertificateStatus::pending_issuance);
  EXPECT_EQ(reset->issue_requested_at, clock_.now());
  EXPECT_EQ(simulator_->certificates_issued(), 2U);

  // Garbage instead of HTTP on the next finalize: the lost one is deleted, this one is marked.
  server_->inject({.kind = sim::FaultKind::garbage, .method = "POST"});
  auto garbage = run(authority_->verify(*reset));
  ASSERT_TRUE(garbage.ok()) << garbage.error().code;
  EXPECT_EQ(garbage->status, CertificateStatus::pending_issuance);
  EXPECT_TRUE(garbage->issue_requested_at.has_value());

  // Then it is issued, and the account holds the first certificate and this one only.
  auto done = run(authority_->verify(*garbage));
  ASSERT_TRUE(done.ok()) << done.error().code;
  EXPECT_EQ(done->status, CertificateStatus::issued);
  EXPECT_FALSE(done->issue_requested_at.has_value());
  std::size_t live = 0;
  for (const auto& record : simulator_->certificates())
    live += record.deleted ? 0 : 1;
  EXPECT_EQ(live, 2U);

  // An empty body (204) on a DELETE.
  server_->inject({.kind = sim::FaultKind::status, .status = 204});
  auto empty = run(authority_->revoke(issued));
  ASSERT_FALSE(empty.ok());
  expect_error(empty.error(), 502, "upstream_bad_response", true);

  // JSON without a boolean status ({"error":...,"status":200}) on a challenge.
  server_->inject({.kind = sim::FaultKind::status, .status = 200});
  auto no_status = run(authority_->order(request_for({"c.example.com"}, DcvMethod::http)));
  ASSERT_FALSE(no_status.ok());
  expect_error(no_status.error(), 502, "upstream_bad_response", true);
}

TEST_F(SslciAdapterTest, FaultsOnReadsAreJustErrors) {
  auto ordered = run(authority_->order(request_for({"a.example.com"}, DcvMethod::http)));
  ASSERT_TRUE(ordered.ok());

  server_->inject({.kind = sim::FaultKind::status, .status = 503});
  auto unavailable = run(authority_->refresh(*ordered));
  ASSERT_FALSE(unavailable.ok());
  expect_error(unavailable.error(), 502, "upstream_error", false);

  // On a fresh connection: the HTTP client retries a GET once on a pooled one that was reset.
  http_->close_idle();
  server_->inject({.kind = sim::FaultKind::reset});
  auto reset = run(authority_->refresh(*ordered));
  ASSERT_FALSE(reset.ok());
  expect_error(reset.error(), 502, "upstream_connection_lost", false);

  // A confirmation is safe to repeat: no outcome to reconcile.
  server_->inject({.kind = sim::FaultKind::reset});
  auto confirm_reset = run(authority_->verify(*ordered));
  ASSERT_FALSE(confirm_reset.ok());
  expect_error(confirm_reset.error(), 502, "upstream_connection_lost", false);

  server_->inject({.kind = sim::FaultKind::garbage});
  auto garbage = run(authority_->refresh(*ordered));
  ASSERT_FALSE(garbage.ok());
  expect_error(garbage.error(), 502, "upstream_bad_response", false);

  server_->inject({.kind = sim::FaultKind::status, .status = 204});
  auto empty = run(authority_->refresh(*ordered));
  ASSERT_FALSE(empty.ok());
  expect_error(empty.error(), 502, "upstream_bad_response", false);

  // No call is retried.
  EXPECT_EQ(requests("GET").size(), 4U);
  EXPECT_EQ(requests("PUT").size(), 1U);
}

TEST_F(SslciAdapterTest, TheListAndConfirmationsAreRetriedOrdersNever) {
  auto http = make_http(3s, 3);
  auto authority = make_authority(*http, kToken);
  auto ordered = run(authority->order(request_for({"a.example.com"}, DcvMethod::http)));
  ASSERT_TRUE(ordered.ok()) << ordered.error().code;
  const std::size_t posts = requests("POST").size();

  server_->inject({.kind = sim::FaultKind::status, .status = 503});
  const std::size_t gets = requests("GET").size();
  ASSERT_TRUE(run(authority->refresh(*ordered)).ok());
  EXPECT_EQ(requests("GET").size(), gets + 2);

  // The confirmation only checks the challenge: a reset after the check is asked again.
  server_->inject({.kind = sim::FaultKind::reset, .after_handler = true});
  auto verified = run(authority->verify(*ordered));
  ASSERT_TRUE(verified.ok()) << verified.error().code;
  EXPECT_EQ(requests("PUT").size(), 2U);

  // A new order (a POST challenge) goes once.
  server_->inject({.kind = sim::FaultKind::status, .status = 503});
  EXPECT_FALSE(run(authority->order(request_for({"b.example.com"}, DcvMethod::http))).ok());
  EXPECT_EQ(requests("POST").size(), posts + 1);
}

// ---- find_order: what an order with an unknown outcome did ----------------------------------

class SslciFindOrderTest : public SslciAdapterTest {
 protected:
  void SetUp() override {
    SslciAdapterTest::SetUp();
    authority_.reset();
    http_ = make_http(400ms);  // a timeout fault gives up quickly
    authority_ = make_authority(*http_, kToken);
  }

  // The next `n` requests pass untouched (faults apply first come, first served).
  void pass(int n) { server_->inject({.kind = sim::FaultKind::latency, .count = n}); }

  // order() of `names` with an answer lost, after the supplier acted unless `acted` is false.
  void lose(const std::vector<std::string>& names, sim::FaultKind kind = sim::FaultKind::timeout,
            bool acted = true) {
    server_->inject({.kind = kind, .after_handler = acted});
    auto lost = run(authority_->order(request_for(names, DcvMethod::http)));
    ASSERT_FALSE(lost.ok());
    EXPECT_TRUE(lost.error().outcome_unknown) << lost.error().code;
  }

  std::optional<Certificate> find(const std::vector<std::string>& names,
                                  const std::vector<std::string>& known = {}) {
    auto found =
        run(authority_->find_order(request_for(names, DcvMethod::http), clock_.now(), known));
    EXPECT_TRUE(found.ok()) << found.error().code << ": " << found.error().message;
    return found.ok() ? std::move(found).value() : std::nullopt;
  }

  // The partner cannot learn the challenge any more; the test reads it from the simulator.
  void publish_from_supplier(const core::CertificateValidation& validation) {
    const auto order = simulator_->order(order_id(validation));
    ASSERT_TRUE(order.has_value());
    world_.publish_file("http://" + order->domain + "/.well-known/acme-challenge/" + order->token,
                        order->key_authorization);
  }
};

TEST_F(SslciFindOrderTest, FindsTheOrderATimeoutLeftUnknown) {
  lose({"a.example.com"});
  ASSERT_EQ(simulator_->orders_created(), 1U);
  const auto posts = requests("POST").size();

  const auto found = find({"a.example.com"});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, CertificateStatus::pending_validation);
  EXPECT_EQ(found->supplier_status, "pending");
  ASSERT_EQ(found->validations.size(), 1U);
  const auto& validation = found->validations[0];
  EXPECT_EQ(found->supplier_ref, validation.supplier_ref);
  EXPECT_EQ(simulator_->order(order_id(validation))->domain, "a.example.com");
  EXPECT_EQ(validation.name, "a.example.com");
  EXPECT_EQ(validation.method, DcvMethod::http);
  EXPECT_EQ(validation.status, DcvStatus::pending);
  // Only the challenge's answer carried what to publish: nothing of it comes back, in words.
  EXPECT_TRUE(validation.instructions.url.empty());
  EXPECT_TRUE(validation.instructions.content.empty());
  EXPECT_FALSE(validation.detail.empty());
  EXPECT_EQ(validation.detail.find("SSLCI"), std::string::npos);
  // One list read; nothing ordered again.
  EXPECT_EQ(requests("GET").size(), 1U);
  EXPECT_EQ(requests("POST").size(), posts);

  // The handles work: once the challenge is served, verify issues.
  publish_from_supplier(validation);
  auto verified = run(authority_->verify(*found));
  ASSERT_TRUE(verified.ok()) << verified.error().code;
  EXPECT_EQ(verified->status, CertificateStatus::issued);
  expect_real_certificate(*verified, {"a.example.com"});
}

TEST_F(SslciFindOrderTest, FindsNothingWhenTheSupplierDidNotAct) {
  lose({"a.example.com"}, sim::FaultKind::timeout, false);
  lose({"a.example.com"}, sim::FaultKind::reset, false);
  EXPECT_EQ(simulator_->orders_created(), 0U);
  EXPECT_FALSE(find({"a.example.com"}).has_value());
  // What order() refuses before any call was never placed, and the list is not read for it.
  const auto reads = requests("GET").size();
  auto refused = run(
      authority_->find_order(request_for({"*.example.com"}, DcvMethod::http), clock_.now(), {}));
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->has_value());
  EXPECT_EQ(requests("GET").size(), reads);
}

TEST_F(SslciFindOrderTest, OrdersTheGatewayHoldsAreNotFound) {
  const Certificate held = *run(authority_->order(request_for({"a.example.com"}, DcvMethod::http)));
  EXPECT_FALSE(find({"a.example.com"}, {held.supplier_ref}).has_value());
  // A known certificate's ref lists every order id of it.
  EXPECT_FALSE(find({"a.example.com"}, {"7," + held.supplier_ref}).has_value());
  EXPECT_EQ(find({"a.example.com"}, {"7"})->supplier_ref, held.supplier_ref);
}

TEST_F(SslciFindOrderTest, FindsTheNewerOfTwoOrdersWhenTheOlderIsKnown) {
  const Certificate older =
      *run(authority_->order(request_for({"a.example.com"}, DcvMethod::http)));
  lose({"a.example.com"});
  const auto found = find({"a.example.com"}, {older.supplier_ref});
  ASSERT_TRUE(found.has_value());
  EXPECT_NE(found->supplier_ref, older.supplier_ref);
  EXPECT_EQ(find({"a.example.com"})->supplier_ref, found->supplier_ref);  // the higher id
  EXPECT_FALSE(find({"a.example.com"}, {older.supplier_ref, found->supplier_ref}).has_value());
}

TEST_F(SslciFindOrderTest, OrdersForOtherNamesDoNotMatch) {
  lose({"b.example.com"});
  ASSERT_TRUE(run(authority_->order(request_for({"www.a.example.com"}, DcvMethod::http))).ok());
  EXPECT_FALSE(find({"a.example.com"}).has_value());
  // Another account's orders are not in this account's list.
  auto other = make_authority(*http_, kOtherToken);
  ASSERT_TRUE(run(other->order(request_for({"a.example.com"}, DcvMethod::http))).ok());
  EXPECT_FALSE(find({"a.example.com"}).has_value());
}

TEST_F(SslciFindOrderTest, SomeNamesOnlyIsAFailedCertificateThatCancels) {
  // The first challenge's answer is lost: the second name was never asked for.
  lose({"a.example.com", "b.example.com"});
  ASSERT_EQ(simulator_->orders_created(), 1U);
  const auto found = find({"a.example.com", "b.example.com"});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, CertificateStatus::failed);
  EXPECT_FALSE(found->detail.empty());
  ASSERT_EQ(found->validations.size(), 2U);
  const auto& made = found->validations[0];
  EXPECT_EQ(made.name, "a.example.com");
  EXPECT_EQ(made.status, DcvStatus::pending);
  EXPECT_EQ(found->supplier_ref, made.supplier_ref);
  EXPECT_EQ(found->validations[1].name, "b.example.com");
  EXPECT_TRUE(found->validations[1].supplier_ref.empty());
  EXPECT_EQ(found->validations[1].status, DcvStatus::invalid);

  // Settled: refresh and verify leave it so, cancel deletes what was made.
  auto refreshed = run(authority_->refresh(*found));
  ASSERT_TRUE(refreshed.ok());
  EXPECT_EQ(refreshed->status, CertificateStatus::failed);
  ASSERT_TRUE(run(authority_->cancel(*found)).ok());
  EXPECT_EQ(simulator_->order(order_id(made))->status, "deleted");
  EXPECT_FALSE(find({"a.example.com", "b.example.com"}).has_value());
  EXPECT_EQ(simulator_->orders_created(), 1U);
}

TEST_F(SslciFindOrderTest, ALaterLostChallengeLeavesOnlyItsName) {
  // a's order is made, b's answer is lost, and order() deletes a's again.
  pass(1);
  lose({"a.example.com", "b.example.com"});
  ASSERT_EQ(simulator_->orders_created(), 2U);
  EXPECT_EQ(requests("DELETE").size(), 1U);
  const auto found = find({"a.example.com", "b.example.com"});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, CertificateStatus::failed);
  EXPECT_TRUE(found->validations[0].supplier_ref.empty());
  EXPECT_EQ(simulator_->order(order_id(found->validations[1]))->domain, "b.example.com");
  EXPECT_EQ(found->supplier_ref, found->validations[1].supplier_ref);
}

TEST_F(SslciFindOrderTest, EveryNameFoundIsTheWholeOrder) {
  // b's answer is lost and a's order could not be deleted: the supplier holds both.
  pass(1);
  server_->inject({.kind = sim::FaultKind::timeout, .after_handler = true});
  server_->inject({.kind = sim::FaultKind::status, .status = 500});
  auto lost =
      run(authority_->order(request_for({"a.example.com", "b.example.com"}, DcvMethod::http)));
  ASSERT_FALSE(lost.ok());
  const auto found = find({"a.example.com", "b.example.com"});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, CertificateStatus::pending_validation);
  ASSERT_EQ(found->validations.size(), 2U);
  EXPECT_EQ(found->supplier_ref,
            found->validations[0].supplier_ref + "," + found->validations[1].supplier_ref);
  for (const auto& validation : found->validations) {
    EXPECT_EQ(validation.status, DcvStatus::pending);
    publish_from_supplier(validation);
  }
  auto verified = run(authority_->verify(*found));
  ASSERT_TRUE(verified.ok()) << verified.error().code;
  expect_real_certificate(*verified, {"a.example.com", "b.example.com"});
}

TEST_F(SslciFindOrderTest, AnUnreachableSupplierCannotTell) {
  server_->inject({.kind = sim::FaultKind::timeout});
  auto timed_out = run(
      authority_->find_order(request_for({"a.example.com"}, DcvMethod::http), clock_.now(), {}));
  ASSERT_FALSE(timed_out.ok());
  expect_error(timed_out.error(), 504, "upstream_timeout", false);
  server_->inject({.kind = sim::FaultKind::garbage});
  auto garbage = run(
      authority_->find_order(request_for({"a.example.com"}, DcvMethod::http), clock_.now(), {}));
  ASSERT_FALSE(garbage.ok());
  expect_error(garbage.error(), 502, "upstream_bad_response", false);
  server_->stop();
  auto unreachable = run(
      authority_->find_order(request_for({"a.example.com"}, DcvMethod::http), clock_.now(), {}));
  ASSERT_FALSE(unreachable.ok());
  expect_error(unreachable.error(), 503, "upstream_unavailable", false);
}

// ---- the wire -------------------------------------------------------------------------------

TEST_F(SslciAdapterTest, SendsTheTokenOnlyAsBearerAndABodyOnEveryDelete) {
  const Certificate issued = issue({"wire.example.com", "www.wire.example.com"}, DcvMethod::dns);
  ASSERT_TRUE(run(authority_->refresh(issued)).ok());
  auto pending = run(authority_->order(request_for({"p.example.com"}, DcvMethod::http)));
  ASSERT_TRUE(pending.ok());
  ASSERT_TRUE(run(authority_->verify(*pending)).ok());
  ASSERT_TRUE(run(authority_->cancel(*pending)).ok());
  ASSERT_TRUE(run(authority_->revoke(issued)).ok());

  const auto journal = server_->journal();
  std::set<std::string> methods;
  for (const auto& request : journal) {
    methods.insert(request.method);
    EXPECT_EQ(request.target, kPath);  // no query: nothing in the URL
    EXPECT_EQ(request.header("Authorization"), std::string("Bearer ") + kToken);
    EXPECT_EQ(request.body.find(kToken), std::string::npos) << request.body;
    EXPECT_EQ(request.body.find("token\""), std::string::npos) << request.body;
    std::size_t carrying = 0;
    for (const auto& header : request.headers)
      if (header.value.find(kToken) != std::string::npos) ++carrying;
    EXPECT_EQ(carrying, 1U);
    if (request.method == "GET") {
      EXPECT_TRUE(request.body.empty());
    } else {
      EXPECT_EQ(request.header("Content-Type"), "application/json");
      EXPECT_TRUE(core::json::parse(request.body).ok()) << request.body;
    }
    if (request.method == "DELETE") {
      auto body = core::json::parse(request.body);
      ASSERT_TRUE(body.ok());
      EXPECT_TRUE(body->HasMember("type"));
      EXPECT_TRUE(body->HasMember("id"));
    }
  }
  EXPECT_EQ(methods, (std::set<std::string>{"GET", "POST", "PUT", "DELETE"}));

  // The wire log never holds the token, and holds what it masked.
  std::lock_guard lock(exchanges_mutex_);
  ASSERT_EQ(exchanges_.size(), journal.size());
  for (const auto& exchange : exchanges_) {
    EXPECT_EQ(exchange.request_text.find(kToken), std::string::npos);
    EXPECT_EQ(exchange.response_text.find(kToken), std::string::npos);
  }
}

TEST_F(SslciAdapterTest, FactoryBuildsAnInstanceFromConfig) {
  Registry registry;
  register_type(registry);
  const ProviderType* type = registry.find("sslci");
  ASSERT_NE(type, nullptr);
  ASSERT_EQ(type->schema.fields.size(), 1U);
  EXPECT_EQ(type->schema.fields[0].name, "token");
  EXPECT_EQ(type->schema.fields[0].kind, config::FieldKind::secret);

  config::ProviderConfig provider;
  provider.name = "sslci-main";
  provider.type = "sslci";
  provider.endpoint = {"https", "127.0.0.1", server_->port(), kPath};
  provider.settings.emplace("token", core::Secret(kToken));
  core::SeededRandom random(7);
  const Dependencies dependencies{io_.get_executor(), clock_, random, {}};
  auto instance =
      type->create(provider, make_http(3s), std::make_shared<Health>(clock_), dependencies);
  ASSERT_NE(instance->certificate_authority(), nullptr);
  EXPECT_EQ(instance->registrar(), nullptr);
  auto ordered = run(instance->certificate_authority()->order(
      request_for({"factory.example.com"}, DcvMethod::http)));
  ASSERT_TRUE(ordered.ok()) << ordered.error().code;
  EXPECT_EQ(ordered->validations.size(), 1U);
}

}  // namespace
}  // namespace portico::adapters::sslci
