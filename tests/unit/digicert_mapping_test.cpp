#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "portico/core/clock.hpp"
#include "portico/core/json.hpp"
#include "portico/core/pki.hpp"

#include "digicert/mapping.hpp"

namespace portico::adapters::digicert {
namespace {

using core::CertificateStatus;
using core::CertificateType;
using core::DcvMethod;
using core::DcvStatus;

rapidjson::Document parse(std::string_view text) {
  auto document = core::json::parse(text);
  EXPECT_TRUE(document.ok()) << text;
  return std::move(document).value();
}

core::TimePoint at(std::string_view rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

std::string text(const rapidjson::Value& value) {
  return value.IsString() ? std::string(value.GetString(), value.GetStringLength())
                          : core::json::to_string(value);
}

// A self-signed certificate named `common_name`, made with OpenSSL directly: splitting only
// needs certificates that parse.
std::string certificate_named(const std::string& common_name) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(X509_new(), X509_free);
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 7);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 86400);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(certificate.get(), name);
  X509_set_pubkey(certificate.get(), key.get());
  EXPECT_GT(X509_sign(certificate.get(), key.get(), EVP_sha256()), 0);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), certificate.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string with_crlf(std::string_view lf) {
  std::string out;
  for (const char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

std::string subject_of(const std::string& pem) {
  auto info = core::pki::parse_certificate(pem);
  EXPECT_TRUE(info.ok());
  return info.ok() ? info->subject_common_name : std::string();
}

// The leaf, intermediate and root of one chain, LF line ends.
struct Chain {
  std::string leaf = certificate_named("*.ribosetest.com");
  std::string intermediate = certificate_named("DigiCert SHA2 Secure Server CA");
  std::string root = certificate_named("DigiCert Global Root CA");
};

const Chain& chain() {
  static const Chain once;
  return once;
}

core::CertificateRequest request(CertificateType type, std::string common_name,
                                 std::vector<std::string> san_names = {},
                                 DcvMethod method = DcvMethod::dns) {
  core::CertificateRequest out;
  out.type = type;
  out.common_name = std::move(common_name);
  out.san_names = std::move(san_names);
  out.dcv_method = method;
  out.csr = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
  return out;
}

void expect_bad_response(const core::Error& error) {
  EXPECT_EQ(error.status, 502);
  EXPECT_EQ(error.code, "upstream_bad_response");
  EXPECT_FALSE(error.outcome_unknown);
}

// ---- errors ---------------------------------------------------------------------------------

TEST(DigicertMappingTest, ReadsTheFirstErrorCodeAsArrayOrObject) {
  EXPECT_EQ(supplier_error_code(R"({"errors":[{"code":"invalid_dns_txt","message":"x"},)"
                                R"({"code":"second","message":"y"}]})"),
            "invalid_dns_txt");
  // riboseinc's spec/fixtures/errors.json writes one object.
  EXPECT_EQ(supplier_error_code(R"({"errors":{"code":"not_found|route",)"
                                R"("message":"The specified route was not found."}})"),
            "not_found|route");
  EXPECT_EQ(supplier_error_code(R"({"errors":[]})"), "");
  EXPECT_EQ(supplier_error_code(R"({"errors":[{"code":7}]})"), "");
  EXPECT_EQ(supplier_error_code(R"({"error":"simulated failure"})"), "");
  EXPECT_EQ(supplier_error_code("<html>Bad gateway</html>"), "");
  EXPECT_EQ(supplier_error_code(""), "");
}

struct ReplyRow {
  int status;
  const char* body;
  bool write;
  int expected_status;
  const char* code;
  bool outcome_unknown;
};

TEST(DigicertMappingTest, MapsSupplierStatusesByTheContractTable) {
  const ReplyRow rows[] = {
      {401, R"({"errors":[{"code":"invalid_api_key","message":"m"}]})", false, 502,
       "upstream_authentication_failed", false},
      {403, R"({"errors":[{"code":"access_denied|missing_permission"}]})", true, 502,
       "upstream_authentication_failed", false},
      {404, R"({"errors":[{"code":"not_found|order","message":"m"}]})", false, 404,
       "not_found_at_supplier", false},
      {404, R"({"errors":[{"code":"not_found|product","message":"m"}]})", true, 502,
       "upstream_error", false},
      {400, R"({"errors":[{"code":"invalid_csr","message":"DigiCert could not parse"}]})", true,
       422, "supplier_rejected", false},
      {429, R"({"errors":[{"code":"request_limit_exceeded"}]})", true, 503, "upstream_rate_limited",
       false},
      {500, R"({"errors":[{"code":"internal_error"}]})", true, 502, "upstream_error", true},
      {503, "", false, 502, "upstream_error", false},
      {302, "", true, 502, "upstream_error", true},
  };
  for (const ReplyRow& row : rows) {
    const core::Error error = error_from_reply(row.status, row.body, row.write);
    EXPECT_EQ(error.status, row.expected_status) << row.status << " " << row.body;
    EXPECT_EQ(error.code, row.code) << row.status << " " << row.body;
    EXPECT_EQ(error.outcome_unknown, row.outcome_unknown) << row.status << " " << row.body;
    EXPECT_EQ(error.message.find("DigiCert"), std::string::npos) << error.message;
  }
}

TEST(DigicertMappingTest, NamesTheSupplierCodeButNeverItsWords) {
  const core::Error rejected = error_from_reply(
      400, R"({"errors":[{"code":"invalid_validity","message":"DigiCert says no"}]})", true);
  EXPECT_EQ(rejected.message, "The supplier rejected the request (invalid_validity).");
  // A code that is not a plain code is left out.
  const core::Error odd = error_from_reply(
      400, R"({"errors":[{"code":"<script>alert(1)</script>","message":"m"}]})", true);
  EXPECT_EQ(odd.message, "The supplier rejected the request.");
  const core::Error limited = error_from_reply(429, "{}", false);
  EXPECT_EQ(limited.retry_after_seconds, 5);
  EXPECT_EQ(limited.type, core::ErrorType::upstream);
}

// ---- ordering -------------------------------------------------------------------------------

TEST(DigicertMappingTest, ChoosesTheProductFromTypeNamesAndWildcard) {
  EXPECT_EQ(product_for(request(CertificateType::dv, "example.com")), "ssl_dv_geotrust");
  EXPECT_EQ(product_for(request(CertificateType::dv, "example.com", {"www.example.com"})),
            "ssl_dv_geotrust");
  EXPECT_EQ(product_for(request(CertificateType::dv, "*.example.com")), "wildcard_dv_geotrust");
  EXPECT_EQ(product_for(request(CertificateType::ov, "example.com")), "ssl_basic");
  EXPECT_EQ(product_for(request(CertificateType::ov, "example.com", {"example.net"})),
            "ssl_multi_domain");
  EXPECT_EQ(product_for(request(CertificateType::ov, "*.example.com", {"example.com"})),
            "ssl_wildcard");
  EXPECT_EQ(product_for(request(CertificateType::ev, "example.com")), "ssl_ev_basic");
  EXPECT_EQ(product_for(request(CertificateType::ev, "example.com", {"www.example.com"})),
            "ssl_ev_multi_domain");
  EXPECT_EQ(product_for(request(CertificateType::ev, "*.example.com")), std::nullopt);
  // A wildcard among the SANs makes a wildcard order too.
  EXPECT_EQ(product_for(request(CertificateType::ov, "example.com", {"*.example.com"})),
            "ssl_wildcard");
  EXPECT_EQ(product_for(request(CertificateType::ev, "example.com", {"*.example.com"})),
            std::nullopt);
  EXPECT_TRUE(has_wildcard(request(CertificateType::dv, "example.com", {"*.example.com"})));
  EXPECT_FALSE(has_wildcard(request(CertificateType::dv, "example.com", {"www.example.com"})));
  // The common name repeated among the SANs is still one name.
  EXPECT_EQ(product_for(request(CertificateType::ov, "example.com", {"example.com"})), "ssl_basic");
}

TEST(DigicertMappingTest, NamesDcvMethodsBothWays) {
  EXPECT_EQ(dcv_method_name(DcvMethod::dns), "dns-txt-token");
  EXPECT_EQ(dcv_method_name(DcvMethod::http), "http-token");
  EXPECT_EQ(dcv_method_name(DcvMethod::email), "email");
  EXPECT_EQ(dcv_method_from_name("dns-txt-token"), DcvMethod::dns);
  EXPECT_EQ(dcv_method_from_name("dns-cname-token"), DcvMethod::dns);
  EXPECT_EQ(dcv_method_from_name("HTTP-TOKEN"), DcvMethod::http);
  EXPECT_EQ(dcv_method_from_name("email"), DcvMethod::email);
  EXPECT_EQ(dcv_method_from_name("carrier-pigeon"), std::nullopt);
  EXPECT_EQ(domain_of("*.Example.com"), "example.com");
  EXPECT_EQ(domain_of("www.example.com"), "www.example.com");
}

TEST(DigicertMappingTest, WritesTheOrderRequestOfTheContract) {
  auto ov = request(CertificateType::ov, "example.com", {"www.example.com", "example.com"});
  ov.validity_days = 90;
  ov.renewal_of = "123";
  const auto body = parse(order_body(ov, 112233));
  const auto& certificate = body["certificate"];
  EXPECT_EQ(text(certificate["common_name"]), "example.com");
  EXPECT_EQ(text(certificate["dns_names"]), R"(["example.com","www.example.com"])");
  EXPECT_EQ(text(certificate["csr"]), ov.csr);
  EXPECT_EQ(text(certificate["signature_hash"]), "sha256");
  EXPECT_EQ(certificate["server_platform"]["id"].GetInt(), -1);
  EXPECT_EQ(body["organization"]["id"].GetInt64(), 112233);
  EXPECT_EQ(body["order_validity"]["days"].GetInt(), 90);
  EXPECT_EQ(text(body["dcv_method"]), "dns-txt-token");
  EXPECT_TRUE(body["skip_approval"].GetBool());
  EXPECT_EQ(text(body["payment_method"]), "balance");
  EXPECT_EQ(body["renewal_of_order_id"].GetInt64(), 123);
  EXPECT_TRUE(body.HasMember("comments"));

  // DV: no organization; the supplier's longest validity by default; no renewal of a
  // reference that is not DigiCert's.
  auto dv = request(CertificateType::dv, "*.example.com", {}, DcvMethod::email);
  dv.renewal_of = "ssl_7f3a";
  const auto plain = parse(order_body(dv, std::nullopt));
  EXPECT_FALSE(plain.HasMember("organization"));
  EXPECT_EQ(plain["order_validity"]["days"].GetInt(), 199);
  EXPECT_EQ(text(plain["dcv_method"]), "email");
  EXPECT_FALSE(plain.HasMember("renewal_of_order_id"));
  EXPECT_EQ(text(plain["certificate"]["dns_names"]), R"(["*.example.com"])");
}

TEST(DigicertMappingTest, WritesReissueCancelAndRevokeBodies) {
  const auto reissue = parse(reissue_body(
      request(CertificateType::ov, "example.com", {"api.example.com"}, DcvMethod::http)));
  EXPECT_EQ(text(reissue["certificate"]["dns_names"]), R"(["example.com","api.example.com"])");
  EXPECT_EQ(text(reissue["dcv_method"]), "http-token");
  EXPECT_TRUE(reissue["skip_approval"].GetBool());
  EXPECT_FALSE(reissue.HasMember("order_validity"));

  const auto cancel = parse(cancel_body());
  EXPECT_EQ(text(cancel["status"]), "canceled");  // lowercase, as documented
  EXPECT_TRUE(cancel.HasMember("note"));
  const auto revoke = parse(revoke_body());
  EXPECT_TRUE(revoke["skip_approval"].GetBool());
  EXPECT_TRUE(revoke.HasMember("comments"));  // the examples' spelling, not the table's
}

TEST(DigicertMappingTest, WritesTheOrganizationRequest) {
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
  organization.contact_job_title = "CTO";
  const auto body = parse(organization_body(organization));
  EXPECT_EQ(text(body["name"]), "Acme Ltd");
  EXPECT_EQ(text(body["address"]), "1 Moi Avenue");
  EXPECT_FALSE(body.HasMember("address2"));
  EXPECT_EQ(text(body["zip"]), "00100");
  EXPECT_EQ(text(body["city"]), "Nairobi");
  EXPECT_EQ(text(body["state"]), "Nairobi");
  EXPECT_EQ(text(body["country"]), "ke");
  EXPECT_EQ(text(body["telephone"]), "+254.712345678");
  const auto& contact = body["organization_contact"];
  EXPECT_EQ(text(contact["first_name"]), "Ann");
  EXPECT_EQ(text(contact["last_name"]), "Wanjiru");
  EXPECT_EQ(text(contact["email"]), "ann@acme.co.ke");
  EXPECT_EQ(text(contact["telephone"]), "+254.712345678");  // the organization's, none given
  EXPECT_EQ(text(contact["job_title"]), "CTO");

  EXPECT_EQ(*organization_id_from_answer(parse(R"({"id":112234})")), 112234);
  EXPECT_EQ(*organization_id_from_answer(parse(R"({"id":"112234"})")), 112234);
  expect_bad_response(organization_id_from_answer(parse(R"({})")).error());
  expect_bad_response(organization_id_from_answer(parse(R"({"id":-4})")).error());
  expect_bad_response(organization_id_from_answer(parse(R"([1])")).error());
}

// ---- answers --------------------------------------------------------------------------------

TEST(DigicertMappingTest, ReadsAPendingOrderAnswer) {
  // riboseinc spec/fixtures/ssl_plus_order_created.json: no random value.
  const auto bare = order_from_answer(parse(R"({"id":542772,"requests":[{"id":922432,)"
                                            R"("status":"pending"}]})"));
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->order_id, "542772");
  EXPECT_EQ(bare->dcv_random_value, "");
  EXPECT_FALSE(bare->issued());

  const auto with_token = order_from_answer(
      parse(R"({"id":1,"requests":[{"id":5,"status":"pending"}],"dcv_random_value":"x1y2z3"})"));
  ASSERT_TRUE(with_token.ok());
  EXPECT_EQ(with_token->dcv_random_value, "x1y2z3");
  EXPECT_FALSE(with_token->issued());
}

TEST(DigicertMappingTest, ReadsImmediateIssuanceWithCrlfPems) {
  // The shape of riboseinc's order_created_with_immediate_issuance.json: requests "approved",
  // certificate_chain of leaf, intermediate and root with "\r\n" line ends.
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  core::json::write(out, "id", std::int64_t{123456789});
  core::json::key(out, "requests");
  out.StartArray();
  out.StartObject();
  core::json::write(out, "id", std::int64_t{987654321});
  core::json::write(out, "status", "approved");
  out.EndObject();
  out.EndArray();
  core::json::write(out, "certificate_id", std::int64_t{456789123});
  core::json::key(out, "certificate_chain");
  out.StartArray();
  for (const auto& [name, pem] :
       {std::pair{"*.ribosetest.com", &chain().leaf},
        std::pair{"DigiCert SHA2 Secure Server CA", &chain().intermediate},
        std::pair{"DigiCert Global Root CA", &chain().root}}) {
    out.StartObject();
    core::json::write(out, "subject_common_name", name);
    core::json::write(out, "pem", with_crlf(*pem));
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();

  const auto placed = order_from_answer(parse(buffer.GetString()));
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  EXPECT_EQ(placed->order_id, "123456789");
  EXPECT_EQ(placed->certificate_id, "456789123");
  ASSERT_TRUE(placed->issued());
  EXPECT_EQ(placed->certificate_pem, chain().leaf);
  EXPECT_EQ(placed->chain_pem, chain().intermediate + chain().root);
  EXPECT_EQ(placed->certificate_pem.find('\r'), std::string::npos);
  EXPECT_EQ(placed->chain_pem.find('\r'), std::string::npos);
  EXPECT_EQ(subject_of(placed->certificate_pem), "*.ribosetest.com");
}

TEST(DigicertMappingTest, RefusesOrderAnswersThatCannotBeRead) {
  const char* answers[] = {
      R"({})",
      R"({"id":0})",
      R"({"id":"abc"})",
      R"({"id":true})",
      R"([{"id":1}])",
      R"("created")",
      R"({"id":1,"certificate_chain":{}})",
      R"({"id":1,"certificate_chain":[]})",
      R"({"id":1,"certificate_chain":[{"subject_common_name":"x"}]})",
      R"({"id":1,"certificate_chain":[{"pem":"not a certificate"}]})",
      R"({"id":1,"certificate_chain":[{"pem":)"
      R"("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}]})",
  };
  for (const char* answer : answers) {
    const auto placed = order_from_answer(parse(answer));
    ASSERT_FALSE(placed.ok()) << answer;
    expect_bad_response(placed.error());
  }
  // A null document (an empty 201) is not an order answer either.
  expect_bad_response(order_from_answer(rapidjson::Document()).error());
}

TEST(DigicertMappingTest, ReadsTheRandomValue) {
  const auto token = random_value_from_answer(
      parse(R"({"dcv_random_value":"abc123","expiration_date":"2026-12-22T10:00:00+00:00"})"));
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->value, "abc123");
  EXPECT_EQ(token->expires_at, at("2026-12-22T10:00:00Z"));
  const auto undated = random_value_from_answer(parse(R"({"dcv_random_value":"abc123"})"));
  ASSERT_TRUE(undated.ok());
  EXPECT_EQ(undated->expires_at, std::nullopt);
  expect_bad_response(random_value_from_answer(parse(R"({"dcv_random_value":""})")).error());
  expect_bad_response(random_value_from_answer(parse(R"({"token":"abc"})")).error());
}

TEST(DigicertMappingTest, ReadsOrderInfoOfTheContractAndOfRiboseinc) {
  const auto info = order_info_from_answer(parse(R"({
      "id":1,"status":"pending","date_created":"2026-11-22T10:00:00+00:00",
      "certificate":{"id":11,"common_name":"Example.com",
                     "dns_names":["example.com","www.example.com"],
                     "valid_from":"2026-11-22","valid_till":"2027-06-09","csr":"...",
                     "signature_hash":"sha256","serial_number":"0a1b"},
      "organization":{"id":112233},
      "product":{"name_id":"ssl_basic","type":"ssl_certificate","validation_type":"ov"},
      "dcv_method":"dns-txt-token","requests":[{"id":5,"status":"approved"}]})"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->order_id, "1");
  EXPECT_EQ(info->status, "pending");
  EXPECT_EQ(info->certificate_id, "11");
  EXPECT_EQ(info->common_name, "example.com");
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"example.com", "www.example.com"}));
  EXPECT_EQ(info->dcv_method, DcvMethod::dns);

  // riboseinc spec/fixtures/order.json (abridged): "approved", which no page documents.
  const auto ribose = order_info_from_answer(parse(R"({
      "id":123456789,"certificate":{"id":112358,"common_name":"digicert.com",
      "dns_names":["digicert.com"],"organization":{"id":117483}},"status":"approved",
      "is_renewal":true,"product":{"name_id":"ssl_plus","validation_type":"ov"},
      "requests":[{"id":1,"type":"new_request","status":"approved"}],
      "payment_method":"balance"})"));
  ASSERT_TRUE(ribose.ok());
  EXPECT_EQ(ribose->status, "approved");
  EXPECT_EQ(ribose->certificate_id, "112358");
  EXPECT_EQ(ribose->dcv_method, std::nullopt);
  EXPECT_EQ(status_from_order(ribose->status, false), CertificateStatus::pending_issuance);

  expect_bad_response(order_info_from_answer(parse(R"({"id":1})")).error());
  expect_bad_response(order_info_from_answer(parse(R"({"status":"issued"})")).error());
  expect_bad_response(order_info_from_answer(parse(R"([])")).error());
}

TEST(DigicertMappingTest, AsksForTheListOfOneCommonNameNewestFirst) {
  EXPECT_EQ(order_list_target("example.com", 0, 1000),
            "/order/certificate?filters%5Bcommon_name%5D=example.com&sort=-date_created"
            "&offset=0&limit=1000");
  EXPECT_EQ(order_list_target("*.shop-1.example.com", 2000, 1000),
            "/order/certificate?filters%5Bcommon_name%5D=%2A.shop-1.example.com"
            "&sort=-date_created&offset=2000&limit=1000");
}

TEST(DigicertMappingTest, ReadsAListPageOfRiboseincsShape) {
  // riboseinc spec/fixtures/orders.json (abridged), one row with a "Z" time and no product.
  const auto page = order_page_from_answer(parse(R"({"orders":[
      {"id":556729,"certificate":{"common_name":"DigiCert.com",
                                  "dns_names":["digicert.com","www.digicert.com"],
                                  "valid_till":"2017-08-19","signature_hash":"sha256"},
       "status":"issued","date_created":"2014-08-19T18:16:07+00:00",
       "organization":{"id":117483,"name":"DigiCert, Inc."},"validity_years":3,
       "product":{"name_id":"ssl_plus","name":"SSL Plus","type":"ssl_certificate"},"price":293},
      {"id":"556730","certificate":{"common_name":"digicert.com"},"status":"needs_approval",
       "date_created":"2014-08-20T17:20:59Z"},
      {"id":556731,"status":"pending","date_created":"20 Aug 2014"}],
      "page":{"total":31,"limit":1000,"offset":0}})"));
  ASSERT_TRUE(page.ok()) << page.error().code;
  EXPECT_EQ(page->total, 31);
  ASSERT_EQ(page->orders.size(), 3U);
  const ListedOrder& first = page->orders[0];
  EXPECT_EQ(first.order_id, "556729");
  EXPECT_EQ(first.common_name, "digicert.com");
  EXPECT_EQ(first.dns_names, (std::vector<std::string>{"digicert.com", "www.digicert.com"}));
  EXPECT_EQ(first.product, "ssl_plus");
  EXPECT_EQ(first.created_at, at("2014-08-19T18:16:07Z"));
  EXPECT_EQ(page->orders[1].order_id, "556730");
  EXPECT_TRUE(page->orders[1].product.empty());
  EXPECT_EQ(page->orders[1].created_at, at("2014-08-20T17:20:59Z"));
  // A date that cannot be read is left for the caller to judge.
  EXPECT_TRUE(page->orders[2].common_name.empty());
  EXPECT_FALSE(page->orders[2].created_at.has_value());

  // Without a page block the rows are all there is.
  const auto bare = order_page_from_answer(parse(R"({"orders":[{"id":1}]})"));
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->total, 1);

  for (const char* text :
       {R"({"page":{"total":0}})", R"({"orders":{}})", R"([])", R"({"orders":[{"id":0}]})",
        R"({"orders":[{"certificate":{}}]})", R"({"orders":[],"page":{"total":-1}})",
        R"({"orders":[],"page":{"total":"31"}})"}) {
    const auto refused = order_page_from_answer(parse(text));
    ASSERT_FALSE(refused.ok()) << text;
    expect_bad_response(refused.error());
  }
}

TEST(DigicertMappingTest, MapsOrderStatusesAndToleratesUnknownOnes) {
  struct Row {
    const char* status;
    bool validated;
    CertificateStatus expected;
  };
  const Row rows[] = {
      {"needs_approval", false, CertificateStatus::pending_validation},
      {"needs_approval", true, CertificateStatus::pending_issuance},
      {"pending", false, CertificateStatus::pending_validation},
      {"pending", true, CertificateStatus::pending_issuance},
      {"reissue_pending", false, CertificateStatus::pending_validation},
      {"reissue_pending", true, CertificateStatus::pending_issuance},
      {"waiting_pickup", false, CertificateStatus::pending_issuance},
      {"processing", false, CertificateStatus::pending_issuance},
      {"approved", false, CertificateStatus::pending_issuance},
      {"issued", false, CertificateStatus::issued},
      {"ISSUED", false, CertificateStatus::issued},
      {"rejected", true, CertificateStatus::failed},
      {"revoked", true, CertificateStatus::revoked},
      {"canceled", true, CertificateStatus::canceled},
      {"expired", true, CertificateStatus::expired},
      {"on_fire", false, CertificateStatus::pending_issuance},
      {"", false, CertificateStatus::pending_issuance},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(status_from_order(row.status, row.validated), row.expected) << row.status;
  }
}

// ---- check-dcv ------------------------------------------------------------------------------

std::vector<core::CertificateValidation> validations_for(std::vector<std::string> names,
                                                         DcvMethod method) {
  return pending_validations(names, method, {"tok3n", at("2026-12-22T10:00:00Z")});
}

TEST(DigicertMappingTest, ReadsThePerNameCheckAnswer) {
  const auto check = dcv_check_from_answer(
      parse(R"({"order_status":"pending","dcv_status":"pending","dns_name_validations":[)"
            R"({"dns_name":"example.com","status":"approved"},)"
            R"({"dns_name":"WWW.example.com","status":"pending"}]})"));
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->order_status, "pending");
  EXPECT_EQ(check->dcv_status, "pending");
  EXPECT_EQ(check->name_statuses.at("www.example.com"), "pending");

  auto validations = validations_for({"example.com", "www.example.com"}, DcvMethod::dns);
  const auto now = at("2026-11-22T10:05:00Z");
  apply_dcv_check(*check, validations, now);
  EXPECT_EQ(validations[0].status, DcvStatus::valid);
  EXPECT_EQ(validations[0].validated_at, now);
  EXPECT_EQ(validations[0].detail, "");
  EXPECT_EQ(validations[1].status, DcvStatus::pending);
  EXPECT_EQ(validations[1].detail,
            "No TXT record holding the token was found at _dnsauth.www.example.com yet.");

  // Issued inside the call.
  const auto issued = dcv_check_from_answer(
      parse(R"({"order_status":"issued","dcv_status":"valid","certificate_id":11,)"
            R"("dns_name_validations":[{"dns_name":"example.com","status":"approved"},)"
            R"({"dns_name":"www.example.com","status":"approved"}]})"));
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->certificate_id, "11");
  apply_dcv_check(*issued, validations, at("2026-11-22T10:10:00Z"));
  EXPECT_EQ(validations[1].status, DcvStatus::valid);
  EXPECT_EQ(validations[0].validated_at, now);  // a validation keeps its first time
}

TEST(DigicertMappingTest, ReadsTheAllOrErrorCheckAnswers) {
  // All names pass: 200 without per-name statuses.
  const auto passed = dcv_check_from_answer(
      parse(R"({"order_status":"issued","certificate_id":123456,"dcv_status":"valid"})"));
  ASSERT_TRUE(passed.ok());
  EXPECT_TRUE(passed->name_statuses.empty());
  auto validations = validations_for({"*.example.com", "example.com"}, DcvMethod::dns);
  apply_dcv_check(*passed, validations, at("2026-11-22T10:05:00Z"));
  EXPECT_EQ(validations[0].status, DcvStatus::valid);
  EXPECT_EQ(validations[1].status, DcvStatus::valid);

  // Not yet: a 400 whose code says the token was not found is a check, not a failure.
  const auto dns = dcv_check_from_error("invalid_dns_txt");
  ASSERT_TRUE(dns.has_value());
  auto pending = validations_for({"*.example.com"}, DcvMethod::dns);
  apply_dcv_check(*dns, pending, at("2026-11-22T10:05:00Z"));
  EXPECT_EQ(pending[0].status, DcvStatus::pending);
  EXPECT_EQ(pending[0].detail,
            "No TXT record holding the token was found at _dnsauth.example.com yet.");

  const auto http = dcv_check_from_error("file_random_value_not_found");
  ASSERT_TRUE(http.has_value());
  auto files = validations_for({"www.example.com"}, DcvMethod::http);
  apply_dcv_check(*http, files, at("2026-11-22T10:05:00Z"));
  EXPECT_EQ(files[0].status, DcvStatus::pending);
  EXPECT_EQ(files[0].detail,
            "The token was not found at "
            "http://www.example.com/.well-known/pki-validation/fileauth.txt yet.");

  EXPECT_FALSE(dcv_check_from_error("invalid_status").has_value());
  EXPECT_FALSE(dcv_check_from_error("").has_value());
}

TEST(DigicertMappingTest, MatchesAWildcardLineByItsDomainAndKeepsEmailPendingInWords) {
  const auto check = dcv_check_from_answer(
      parse(R"({"order_status":"pending","dcv_status":"pending","dns_name_validations":[)"
            R"({"dns_name":"example.com","status":"approved"},)"
            R"({"dns_name":"other.net","status":"rejected"}]})"));
  ASSERT_TRUE(check.ok());
  auto validations = validations_for({"*.example.com", "other.net"}, DcvMethod::dns);
  apply_dcv_check(*check, validations, at("2026-11-22T10:05:00Z"));
  EXPECT_EQ(validations[0].status, DcvStatus::valid);
  EXPECT_EQ(validations[1].status, DcvStatus::invalid);

  const auto quiet =
      dcv_check_from_answer(parse(R"({"order_status":"pending","dcv_status":"pending"})"));
  ASSERT_TRUE(quiet.ok());
  auto mail = validations_for({"shop.example.org"}, DcvMethod::email);
  apply_dcv_check(*quiet, mail, at("2026-11-22T10:05:00Z"));
  EXPECT_EQ(mail[0].status, DcvStatus::pending);
  EXPECT_EQ(mail[0].detail, "The approval e-mail for shop.example.org has not been answered yet.");
}

TEST(DigicertMappingTest, RefusesCheckAnswersThatCannotBeRead) {
  const char* answers[] = {
      R"({})",
      R"([])",
      R"("valid")",
      R"({"order_status":"pending","dns_name_validations":{"dns_name":"example.com"}})",
      R"({"order_status":"pending","dns_name_validations":[{"dns_name":"example.com"}]})",
      R"({"order_status":"pending","dns_name_validations":[{"status":"approved"}]})",
  };
  for (const char* answer : answers) {
    const auto check = dcv_check_from_answer(parse(answer));
    ASSERT_FALSE(check.ok()) << answer;
    expect_bad_response(check.error());
  }
}

// ---- validations ----------------------------------------------------------------------------

TEST(DigicertMappingTest, InstructsEachMethodPerName) {
  const auto dns = instructions_for("*.Example.com", DcvMethod::dns, "tok3n");
  EXPECT_EQ(dns.record_name, "_dnsauth.example.com");
  EXPECT_EQ(dns.record_type, core::DnsRecordType::txt);
  EXPECT_EQ(dns.record_value, "tok3n");
  EXPECT_EQ(dns.url, "");

  const auto http = instructions_for("www.example.com", DcvMethod::http, "tok3n");
  EXPECT_EQ(http.url, "http://www.example.com/.well-known/pki-validation/fileauth.txt");
  EXPECT_EQ(http.content, "tok3n");
  EXPECT_EQ(http.record_name, "");

  const auto email = instructions_for("*.example.com", DcvMethod::email, "ignored");
  EXPECT_EQ(email.emails,
            (std::vector<std::string>{"admin@example.com", "administrator@example.com",
                                      "hostmaster@example.com", "postmaster@example.com",
                                      "webmaster@example.com"}));
  EXPECT_EQ(email.record_value, "");
  EXPECT_EQ(email.content, "");

  const auto validations =
      validations_for({"example.com", "www.example.com", "example.com"}, DcvMethod::http);
  ASSERT_EQ(validations.size(), 2U);  // one per distinct name, in order
  EXPECT_EQ(validations[1].name, "www.example.com");
  EXPECT_EQ(validations[1].method, DcvMethod::http);
  EXPECT_EQ(validations[1].status, DcvStatus::pending);
  EXPECT_EQ(validations[1].expires_at, at("2026-12-22T10:00:00Z"));
  EXPECT_EQ(validations_for({"example.com"}, DcvMethod::email)[0].expires_at, std::nullopt);
}

// ---- certificates ---------------------------------------------------------------------------

TEST(DigicertMappingTest, SplitsPemAllIntoLeafAndChain) {
  const std::string pem_all = with_crlf(chain().leaf + chain().intermediate + chain().root);
  const auto pems = split_pem_all(pem_all);
  ASSERT_TRUE(pems.ok());
  EXPECT_EQ(pems->certificate_pem, chain().leaf);
  EXPECT_EQ(pems->chain_pem, chain().intermediate + chain().root);
  EXPECT_EQ(subject_of(pems->chain_pem), "DigiCert SHA2 Secure Server CA");

  const auto leaf_only = split_pem_all(chain().leaf);
  ASSERT_TRUE(leaf_only.ok());
  EXPECT_EQ(leaf_only->chain_pem, "");

  for (const std::string& garbage :
       {std::string(), std::string("<html>502</html>"), chain().leaf + "trailing words",
        std::string(R"({"errors":[{"code":"not_found|certificate"}]})"),
        chain().leaf.substr(0, chain().leaf.size() / 2)}) {
    const auto split = split_pem_all(garbage);
    ASSERT_FALSE(split.ok()) << garbage;
    expect_bad_response(split.error());
  }
}

}  // namespace
}  // namespace portico::adapters::digicert
