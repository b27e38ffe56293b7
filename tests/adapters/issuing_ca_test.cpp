// sim::IssuingCa checked by OpenSSL's own chain verification, and sim::DcvWorld directly and
// through its control routes on a real sim::Server.
#include "portico/sim/issuing_ca.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "portico/core/clock.hpp"
#include "portico/core/pki.hpp"
#include "portico/sim/dcv_world.hpp"
#include "portico/sim/server.hpp"

#include "support/http.hpp"

namespace portico {
namespace {

using namespace std::chrono_literals;
using core::TimePoint;
using sim::IssuingCa;

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

X509Ptr read_certificate(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
}

// X509_verify_cert over leaf -> intermediate -> root, at `at`, as a TLS server for `host`;
// returns the verification error (X509_V_OK) and the length of the chain it built.
std::pair<int, int> verify(const std::string& leaf_pem, const std::string& intermediate_pem,
                           const std::string& root_pem, TimePoint at, const std::string& host) {
  X509Ptr leaf = read_certificate(leaf_pem);
  X509Ptr intermediate = read_certificate(intermediate_pem);
  X509Ptr root = read_certificate(root_pem);
  EXPECT_TRUE(leaf && intermediate && root);
  if (!leaf || !intermediate || !root) return {-1, 0};
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(store.get(), root.get());
  // A stack that does not own its certificates: `intermediate` does.
  struct StackFree {
    void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
  };
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  sk_X509_push(untrusted.get(), intermediate.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> context(X509_STORE_CTX_new(),
                                                                          X509_STORE_CTX_free);
  X509_STORE_CTX_init(context.get(), store.get(), leaf.get(), untrusted.get());
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(core::unix_seconds(at)));
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  const int verified = X509_verify_cert(context.get());
  const int error = X509_STORE_CTX_get_error(context.get());
  const int depth = sk_X509_num(X509_STORE_CTX_get0_chain(context.get()));
  if (verified == 1) {
    EXPECT_EQ(error, X509_V_OK);
  }
  return {verified == 1 ? X509_V_OK : error, depth};
}

class IssuingCaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ca_ = new IssuingCa(IssuingCa::generate("Portico Test")); }
  static void TearDownTestSuite() {
    delete ca_;
    ca_ = nullptr;
  }
  static IssuingCa* ca_;

  const std::vector<std::string> names_ = {"www.example.com", "example.com", "*.example.com"};
  const TimePoint not_before_ = core::parse_rfc3339("2026-11-22T08:15:00Z").value();
  const TimePoint not_after_ = core::parse_rfc3339("2027-11-22T08:14:59Z").value();
};
IssuingCa* IssuingCaTest::ca_ = nullptr;

TEST_F(IssuingCaTest, IssuedChainVerifiesAndSaysWhatWasAsked) {
  const auto key = core::pki::generate_key_and_csr(names_, core::pki::KeyType::ec_p256);
  ASSERT_TRUE(key.ok());
  const auto issued = ca_->issue(key->csr_pem, names_, not_before_, not_after_, 0x1234abcdULL);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->intermediate_pem, ca_->intermediate_pem());
  EXPECT_EQ(issued->root_pem, ca_->root_pem());
  EXPECT_TRUE(issued->private_key_pem.empty());

  const TimePoint midway = not_before_ + 24h * 100;
  for (const std::string host : {"www.example.com", "example.com", "shop.example.com"}) {
    const auto [error, depth] =
        verify(issued->leaf_pem, issued->intermediate_pem, issued->root_pem, midway, host);
    EXPECT_EQ(error, X509_V_OK) << host << ": " << X509_verify_cert_error_string(error);
    EXPECT_EQ(depth, 3) << host;
  }
  EXPECT_EQ(
      verify(issued->leaf_pem, issued->intermediate_pem, issued->root_pem, midway, "example.org")
          .first,
      X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(verify(issued->leaf_pem, issued->intermediate_pem, issued->root_pem, not_after_ + 1s,
                   "example.com")
                .first,
            X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_EQ(verify(issued->leaf_pem, issued->intermediate_pem, issued->root_pem, not_before_ - 1s,
                   "example.com")
                .first,
            X509_V_ERR_CERT_NOT_YET_VALID);
  // Another CA's root does not anchor this chain.
  const IssuingCa stranger = IssuingCa::generate("Stranger");
  EXPECT_NE(
      verify(issued->leaf_pem, issued->intermediate_pem, stranger.root_pem(), midway, "example.com")
          .first,
      X509_V_OK);

  const auto info = core::pki::parse_certificate(issued->leaf_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->subject_common_name, "www.example.com");
  EXPECT_EQ(info->dns_names, names_);
  EXPECT_EQ(info->not_before, not_before_);
  EXPECT_EQ(info->not_after, not_after_);
  EXPECT_EQ(info->serial_hex, "1234abcd");
  EXPECT_EQ(info->issuer_common_name, "Portico Test Issuing CA");
  EXPECT_TRUE(core::pki::key_matches_certificate(key->private_key_pem, issued->leaf_pem));
  const auto chain =
      core::pki::split_pem_chain(issued->leaf_pem + issued->intermediate_pem + issued->root_pem);
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(chain->size(), 3U);
}

TEST_F(IssuingCaTest, CertificatesCarryTheExpectedExtensions) {
  const auto ec = core::pki::generate_key_and_csr({"ec.example.com"}, core::pki::KeyType::ec_p256);
  const auto rsa =
      core::pki::generate_key_and_csr({"rsa.example.com"}, core::pki::KeyType::rsa2048);
  ASSERT_TRUE(ec.ok() && rsa.ok());
  const auto ec_issued = ca_->issue(ec->csr_pem, {"ec.example.com"}, not_before_, not_after_, 1);
  const auto rsa_issued = ca_->issue(rsa->csr_pem, {"rsa.example.com"}, not_before_, not_after_, 2);
  ASSERT_TRUE(ec_issued.ok() && rsa_issued.ok());

  X509Ptr root = read_certificate(ca_->root_pem());
  X509Ptr intermediate = read_certificate(ca_->intermediate_pem());
  X509Ptr ec_leaf = read_certificate(ec_issued->leaf_pem);
  X509Ptr rsa_leaf = read_certificate(rsa_issued->leaf_pem);
  ASSERT_TRUE(root && intermediate && ec_leaf && rsa_leaf);

  EXPECT_EQ(X509_check_ca(root.get()), 1);
  EXPECT_EQ(X509_check_ca(intermediate.get()), 1);
  EXPECT_EQ(X509_get_pathlen(intermediate.get()), 0);
  EXPECT_NE(X509_get_key_usage(intermediate.get()) & KU_KEY_CERT_SIGN, 0U);
  EXPECT_EQ(X509_check_issued(root.get(), intermediate.get()), X509_V_OK);
  EXPECT_EQ(X509_check_issued(intermediate.get(), ec_leaf.get()), X509_V_OK);

  for (X509* leaf : {ec_leaf.get(), rsa_leaf.get()}) {
    EXPECT_EQ(X509_check_ca(leaf), 0);
    EXPECT_NE(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE, 0U);
    EXPECT_EQ(X509_get_key_usage(leaf) & KU_KEY_CERT_SIGN, 0U);
    EXPECT_EQ(X509_get_extended_key_usage(leaf), static_cast<std::uint32_t>(XKU_SSL_SERVER));
    ASSERT_NE(X509_get0_subject_key_id(leaf), nullptr);
    ASSERT_NE(X509_get0_authority_key_id(leaf), nullptr);
    EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(leaf),
                                    X509_get0_subject_key_id(intermediate.get())),
              0);
  }
  EXPECT_EQ(X509_get_key_usage(ec_leaf.get()) & KU_KEY_ENCIPHERMENT, 0U);
  EXPECT_NE(X509_get_key_usage(rsa_leaf.get()) & KU_KEY_ENCIPHERMENT, 0U);
  EXPECT_TRUE(core::pki::key_matches_certificate(rsa->private_key_pem, rsa_issued->leaf_pem));
}

TEST_F(IssuingCaTest, IssueWithNewKeyReturnsTheMatchingKey) {
  const auto issued =
      ca_->issue_with_new_key({"api.example.net"}, not_before_, not_after_, 0xffffffffffffffffULL);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_TRUE(issued->private_key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_TRUE(core::pki::key_matches_certificate(issued->private_key_pem, issued->leaf_pem));
  const auto other = ca_->issue_with_new_key({"api.example.net"}, not_before_, not_after_, 5);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(core::pki::key_matches_certificate(other->private_key_pem, issued->leaf_pem));
  const auto info = core::pki::parse_certificate(issued->leaf_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->serial_hex, "ffffffffffffffff");
  EXPECT_EQ(verify(issued->leaf_pem, issued->intermediate_pem, issued->root_pem, not_before_ + 1h,
                   "api.example.net")
                .first,
            X509_V_OK);
}

TEST_F(IssuingCaTest, DatesPast2049AreGeneralizedTime) {
  const TimePoint from = core::parse_rfc3339("2051-03-01T00:00:00Z").value();
  const TimePoint until = core::parse_rfc3339("2052-03-01T12:30:05Z").value();
  const auto issued = ca_->issue_with_new_key({"future.example.com"}, from, until, 9);
  ASSERT_TRUE(issued.ok());
  const auto info = core::pki::parse_certificate(issued->leaf_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(core::format_rfc3339(info->not_before), "2051-03-01T00:00:00Z");
  EXPECT_EQ(core::format_rfc3339(info->not_after), "2052-03-01T12:30:05Z");
}

TEST_F(IssuingCaTest, RefusesBadCsrsAndOrders) {
  auto expect_refused = [](const core::Result<IssuingCa::Issued>& issued, const char* code) {
    ASSERT_FALSE(issued.ok());
    EXPECT_EQ(issued.error().code, code);
  };
  expect_refused(ca_->issue("", names_, not_before_, not_after_, 1), "invalid_csr");
  expect_refused(ca_->issue("garbage", names_, not_before_, not_after_, 1), "invalid_csr");
  expect_refused(ca_->issue(ca_->root_pem(), names_, not_before_, not_after_, 1), "invalid_csr");

  const auto key =
      core::pki::generate_key_and_csr({"www.example.com"}, core::pki::KeyType::ec_p256);
  ASSERT_TRUE(key.ok());
  // One changed character of the signed subject: the self-signature no longer holds.
  std::string tampered = key->csr_pem;
  const std::size_t body = tampered.find('\n') + 40;
  tampered[body] = tampered[body] == 'A' ? 'B' : 'A';
  expect_refused(ca_->issue(tampered, names_, not_before_, not_after_, 1), "invalid_csr");

  expect_refused(ca_->issue(key->csr_pem, {}, not_before_, not_after_, 1), "invalid_names");
  expect_refused(ca_->issue(key->csr_pem, {"bad name"}, not_before_, not_after_, 1),
                 "invalid_names");
  expect_refused(ca_->issue(key->csr_pem, names_, not_after_, not_before_, 1), "invalid_validity");
  expect_refused(ca_->issue(key->csr_pem, names_, not_before_, not_after_, 0), "invalid_serial");
  // The same CSR with a sound order is issued: the refusals above are about what was wrong.
  EXPECT_TRUE(ca_->issue(key->csr_pem, names_, not_before_, not_after_, 1).ok());
}

TEST_F(IssuingCaTest, AcceptsTheCsrTextsParseCsrAccepts) {
  const auto key =
      core::pki::generate_key_and_csr({"www.example.com"}, core::pki::KeyType::ec_p256);
  ASSERT_TRUE(key.ok());
  std::string crlf_indented = "\r\n";
  for (std::size_t at = 0, end; at < key->csr_pem.size(); at = end + 1) {
    end = key->csr_pem.find('\n', at);
    crlf_indented += "  " + key->csr_pem.substr(at, end - at) + " \r\n";
  }
  ASSERT_TRUE(core::pki::parse_csr(crlf_indented).ok());
  const auto issued = ca_->issue(crlf_indented, {"www.example.com"}, not_before_, not_after_, 3);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_TRUE(core::pki::key_matches_certificate(key->private_key_pem, issued->leaf_pem));
}

TEST(DcvWorldTest, PublishesAndLooksUp) {
  sim::DcvWorld world;
  world.publish_record("_acme-challenge.Example.COM.", "TXT", "token-one");
  world.publish_record("_acme-challenge.example.com", "txt", "token-two");
  world.publish_record("_acme-challenge.example.com", "TXT", "token-one");  // already there
  EXPECT_EQ(world.records("_ACME-challenge.example.com", "TXT"),
            (std::vector<std::string>{"token-one", "token-two"}));
  EXPECT_EQ(world.records("_acme-challenge.example.com.", "txt"),
            (std::vector<std::string>{"token-one", "token-two"}));
  EXPECT_TRUE(world.records("_acme-challenge.example.com", "CNAME").empty());
  EXPECT_TRUE(world.records("example.com", "TXT").empty());

  world.publish_record("_dnsauth.example.com", "CNAME", "a.dcv.example.net");
  world.publish_record("_dnsauth.example.com", "CNAME", "b.dcv.example.net");
  EXPECT_EQ(world.records("_DNSAUTH.example.com", "CNAME"),
            std::vector<std::string>{"b.dcv.example.net"});
  EXPECT_THROW(world.publish_record("example.com", "A", "192.0.2.1"), std::invalid_argument);

  world.publish_file("http://Example.COM/.well-known/pki-validation/ABC.txt", "content\n");
  EXPECT_EQ(world.file("http://example.com/.well-known/pki-validation/ABC.txt"), "content\n");
  EXPECT_EQ(world.file("HTTP://EXAMPLE.COM/.well-known/pki-validation/ABC.txt"), "content\n");
  EXPECT_FALSE(world.file("http://example.com/.well-known/pki-validation/abc.txt"));  // path case
  EXPECT_FALSE(world.file("https://example.com/.well-known/pki-validation/ABC.txt"));
  EXPECT_FALSE(world.file("http://www.example.com/.well-known/pki-validation/ABC.txt"));

  world.clear();
  EXPECT_TRUE(world.records("_acme-challenge.example.com", "TXT").empty());
  EXPECT_FALSE(world.file("http://example.com/.well-known/pki-validation/ABC.txt"));
}

TEST(DcvWorldTest, ControlRoutesOverHttp) {
  sim::DcvWorld world;
  sim::Server server({});
  world.install(server);
  server.route("GET", "/api/ping", [](const sim::SimRequest&) {
    sim::SimResponse response;
    response.body = R"({"ok":true})";
    return response;
  });
  // A fault on every path hits the supplier's routes, never the control API.
  server.inject({.kind = sim::FaultKind::status, .count = -1, .status = 503});
  server.start();
  const std::vector<std::pair<std::string, std::string>> json = {
      {"Content-Type", "application/json"}};

  auto reply =
      testing::http_request(server.port(), "POST", "/__sim/dcv/files", json,
                            R"({"url":"http://example.com/.well-known/x","content":"t1"})");
  EXPECT_EQ(reply.status, 204) << reply.body;
  EXPECT_EQ(world.file("http://example.com/.well-known/x"), "t1");

  for (const char* value : {"v1", "v2"}) {
    reply = testing::http_request(
        server.port(), "POST", "/__sim/dcv/records", json,
        std::string(R"({"name":"_dnsauth.Example.com","type":"TXT","value":")") + value + "\"}");
    EXPECT_EQ(reply.status, 204) << reply.body;
  }
  EXPECT_EQ(world.records("_dnsauth.example.com", "TXT"), (std::vector<std::string>{"v1", "v2"}));

  reply = testing::http_request(server.port(), "POST", "/__sim/dcv/records", json,
                                R"({"name":"example.com","type":"A","value":"192.0.2.1"})");
  EXPECT_EQ(reply.status, 400);
  reply = testing::http_request(server.port(), "POST", "/__sim/dcv/records", json,
                                R"({"name":"example.com","type":"TXT"})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("value"), std::string::npos) << reply.body;
  reply = testing::http_request(server.port(), "POST", "/__sim/dcv/files", json, "{not json");
  EXPECT_EQ(reply.status, 400);
  reply = testing::http_request(server.port(), "GET", "/__sim/dcv/files");
  EXPECT_EQ(reply.status, 404);  // only the methods it installed
  reply = testing::http_request(server.port(), "GET", "/__sim/unknown");
  EXPECT_EQ(reply.status, 404);

  reply = testing::http_request(server.port(), "DELETE", "/__sim/dcv");
  EXPECT_EQ(reply.status, 204);
  EXPECT_FALSE(world.file("http://example.com/.well-known/x"));
  EXPECT_TRUE(world.records("_dnsauth.example.com", "TXT").empty());

  // Control calls are not journaled; the supplier's route is (and gets the fault).
  EXPECT_TRUE(server.journal().empty());
  reply = testing::http_request(server.port(), "GET", "/api/ping");
  EXPECT_EQ(reply.status, 503);
  ASSERT_EQ(server.journal().size(), 1U);
  EXPECT_EQ(server.journal().front().path, "/api/ping");
  server.stop();
}

}  // namespace
}  // namespace portico
