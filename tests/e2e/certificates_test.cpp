// Certificates end to end: the gateway over HTTP, SSLCI (dv) and DigiCert (ov, ev, wildcard,
// multi) simulated over HTTPS, a real SQLite file. What the suppliers hold is read from the
// simulators themselves; names and dates are read from the issued PEM.
#include <algorithm>

#include "portico/core/crypto.hpp"
#include "portico/core/json.hpp"
#include "portico/core/pki.hpp"

#include "e2e/certificate_fixture.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;
using sim::Fault;
using sim::FaultKind;

const std::string kOrganization =
    R"("organization":{"name":"Acme Bank Ltd","address1":"1 Moi Avenue","city":"Nairobi",)"
    R"("state":"Nairobi","postcode":"00100","country":"KE","phone":"+254.712345678",)"
    R"("contact":{"first_name":"Ann","last_name":"Wanjiru","email":"ann@acme.co.ke",)"
    R"("phone":"+254.712345679","job_title":"CTO"}})";

std::string text(const rapidjson::Value& object, const char* field) {
  if (!object.IsObject() || !object.HasMember(field) || !object[field].IsString()) return {};
  return object[field].GetString();
}

std::string id_of(const rapidjson::Value& certificate) {
  return text(certificate, "id");
}

std::int64_t number(const rapidjson::Value& object, const char* field) {
  if (!object.IsObject() || !object.HasMember(field) || !object[field].IsInt64()) return -1;
  return object[field].GetInt64();
}

std::chrono::seconds lifetime(const rapidjson::Value& certificate) {
  const auto from = core::parse_rfc3339(text(certificate, "not_before"));
  const auto till = core::parse_rfc3339(text(certificate, "not_after"));
  if (!from || !till) return {};
  return std::chrono::duration_cast<std::chrono::seconds>(*till - *from);
}

// The value of an ACME dns-01 TXT record for a key authorization (RFC 8555 section 8.4).
std::string acme_txt_value(const std::string& key_authorization) {
  return core::crypto::base64url(core::crypto::sha256(key_authorization));
}

std::string fingerprint(const std::string& pem) {
  auto info = core::pki::parse_certificate(pem);
  return info.ok() ? info->sha256_fingerprint : std::string();
}

class CertificatesE2e : public CertificateTest {
 protected:
  std::string path(const std::string& id, const std::string& action = {}) const {
    return "/api/v1/ssl/" + id + (action.empty() ? "" : "/" + action);
  }

  rapidjson::Document verify(const std::string& id) {
    return call("POST", path(id, "verify"), 200, "{}");
  }

  // Orders, publishes the instructions and verifies: the issued certificate object.
  rapidjson::Document issue(const std::string& fields) {
    rapidjson::Document placed = order(fields);
    if (!placed.IsObject()) return placed;
    publish(placed);
    rapidjson::Document issued = verify(id_of(placed));
    EXPECT_EQ(text(issued, "status"), "issued") << core::json::to_string(issued);
    return issued;
  }

  rapidjson::Document issue_dv(const std::string& name) {
    return issue(R"("common_name":")" + name + R"(","cert_type":"dv","dcv_method":"http")");
  }
  rapidjson::Document issue_ov(const std::string& name) {
    return issue(R"("common_name":")" + name + R"(","cert_type":"ov")");
  }

  std::string private_key(const std::string& id) {
    const rapidjson::Document key = call("GET", path(id, "private_key"), 200);
    EXPECT_EQ(text(key, "object"), "private_key");
    EXPECT_EQ(text(key, "certificate_id"), id);
    return text(key, "private_key_pem");
  }

  // Certificates the partner holds, as the list reports.
  std::int64_t listed() {
    const HttpReply reply = api("GET", "/api/v1/ssl");
    EXPECT_EQ(reply.status, 200) << reply.body;
    return number(reply.json(), "total");
  }

  // Requests to one DigiCert path with one method in the simulator's journal.
  std::size_t digicert_requests(const std::string& method, const std::string& request_path) {
    const auto journal = digicert_server_->journal();
    return static_cast<std::size_t>(
        std::count_if(journal.begin(), journal.end(), [&](const sim::SimRequest& request) {
          return request.method == method && request.path == request_path;
        }));
  }
};

// ---- from request to issued --------------------------------------------------------------

TEST_F(CertificatesE2e, DvSingleNameIsIssuedBySslciAfterHttpValidation) {
  const auto placed =
      order(R"("common_name":"Shop.Example.com","cert_type":"dv","dcv_method":"http")");
  ASSERT_TRUE(placed.IsObject());
  const std::string id = id_of(placed);
  EXPECT_EQ(id.rfind("ssl_", 0), 0U);
  EXPECT_EQ(text(placed, "object"), "certificate");
  EXPECT_EQ(text(placed, "status"), "pending_validation");
  EXPECT_EQ(text(placed, "common_name"), "shop.example.com");
  EXPECT_EQ(text(placed, "customer_id"), customer_);
  EXPECT_TRUE(placed["certificate_pem"].IsNull());

  // The exact challenge SSLCI made for the name.
  const auto upstream = sslci_order("shop.example.com");
  ASSERT_TRUE(upstream.has_value());
  EXPECT_EQ(upstream->method, "http");
  EXPECT_EQ(sslci_->orders_created(), 1U);
  ASSERT_EQ(placed["validations"].Size(), 1U);
  const auto& validation = placed["validations"][0];
  EXPECT_EQ(text(validation, "name"), "shop.example.com");
  EXPECT_EQ(text(validation, "method"), "http");
  EXPECT_EQ(text(validation, "status"), "pending");
  EXPECT_EQ(text(validation["instructions"], "url"),
            "http://shop.example.com/.well-known/acme-challenge/" + upstream->token);
  EXPECT_EQ(text(validation["instructions"], "content"), upstream->key_authorization);
  EXPECT_EQ(event_types(id), std::vector<std::string>{"ssl.dcv_required"});

  // Nothing published yet: still pending, with the reason on the name.
  const auto early = verify(id);
  EXPECT_EQ(text(early, "status"), "pending_validation");
  EXPECT_TRUE(early["validations"][0]["detail"].IsString());
  EXPECT_EQ(sslci_->certificates_issued(), 0U);

  publish(placed);
  const auto issued = verify(id);
  expect_issued(issued, {"shop.example.com"}, sslci_->ca().root_pem());
  EXPECT_EQ(text(issued, "key_source"), "supplier");
  EXPECT_FALSE(issued.HasMember("private_key_pem"));
  EXPECT_EQ(lifetime(issued), std::chrono::hours(24 * 90));
  // The certificate is the one SSLCI issued.
  const auto records = sslci_->certificates();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(fingerprint(records[0].crt_pem), fingerprint(text(issued, "certificate_pem")));
  EXPECT_EQ(event_types(id), (std::vector<std::string>{"ssl.dcv_required", "ssl.issued"}));

  const auto read = certificate(id);
  EXPECT_EQ(text(read, "certificate_pem"), text(issued, "certificate_pem"));
  EXPECT_EQ(text(read, "status"), "issued");
}

TEST_F(CertificatesE2e, DvMultiNameIsIssuedBySslciAfterDnsValidationByTheJob) {
  const std::vector<std::string> names = {"example.org", "www.example.org", "shop.example.org"};
  const auto placed =
      order(R"("common_name":"example.org","san_names":["www.example.org","shop.example.org"],)"
            R"("cert_type":"dv","dcv_method":"dns")");
  ASSERT_TRUE(placed.IsObject());
  const std::string id = id_of(placed);
  EXPECT_EQ(text(placed, "status"), "pending_validation");
  ASSERT_EQ(placed["validations"].Size(), names.size());
  EXPECT_EQ(sslci_->orders_created(), names.size());
  for (rapidjson::SizeType i = 0; i < names.size(); ++i) {
    const auto& validation = placed["validations"][i];
    const auto upstream = sslci_order(names[i]);
    ASSERT_TRUE(upstream.has_value()) << names[i];
    EXPECT_EQ(upstream->method, "dns");
    EXPECT_EQ(text(validation, "name"), names[i]);
    EXPECT_EQ(text(validation, "method"), "dns");
    EXPECT_EQ(text(validation["instructions"], "record_name"), "_acme-challenge." + names[i]);
    EXPECT_EQ(text(validation["instructions"], "record_type"), "TXT");
    EXPECT_EQ(text(validation["instructions"], "record_value"),
              acme_txt_value(upstream->key_authorization));
  }

  // The job checks and finds nothing.
  auto report = run_job();
  EXPECT_EQ(number(report, "checked"), 1);
  EXPECT_EQ(number(report, "changed"), 0);
  EXPECT_EQ(text(certificate(id), "status"), "pending_validation");

  // Two of three names: those pass, the certificate waits for the third.
  world_.publish_record(text(placed["validations"][0]["instructions"], "record_name"), "TXT",
                        text(placed["validations"][0]["instructions"], "record_value"));
  world_.publish_record(text(placed["validations"][1]["instructions"], "record_name"), "TXT",
                        text(placed["validations"][1]["instructions"], "record_value"));
  run_job();
  const auto partial = certificate(id);
  EXPECT_EQ(text(partial, "status"), "pending_validation");
  EXPECT_EQ(text(partial["validations"][0], "status"), "valid");
  EXPECT_EQ(text(partial["validations"][1], "status"), "valid");
  EXPECT_EQ(text(partial["validations"][2], "status"), "pending");
  EXPECT_EQ(sslci_->certificates_issued(), 0U);

  publish(placed);
  report = run_job();
  EXPECT_EQ(number(report, "changed"), 1);
  const auto issued = certificate(id);
  expect_issued(issued, names, sslci_->ca().root_pem());
  EXPECT_EQ(sslci_->certificates_issued(), 1U);
  EXPECT_EQ(event_types(id), (std::vector<std::string>{"ssl.dcv_required", "ssl.issued"}));
}

TEST_F(CertificatesE2e, OvIsIssuedByDigicertForTheConfiguredOrganization) {
  const auto placed = order(R"("common_name":"acme.co.ke","cert_type":"ov")");
  ASSERT_TRUE(placed.IsObject());
  const std::string id = id_of(placed);
  EXPECT_EQ(text(placed, "status"), "pending_validation");
  EXPECT_EQ(text(placed, "dcv_method"), "dns");
  EXPECT_EQ(text(placed, "key_source"), "gateway");

  const auto upstream = digicert_order("acme.co.ke");
  ASSERT_TRUE(upstream.has_value());
  EXPECT_EQ(upstream->product, "ssl_basic");
  EXPECT_EQ(upstream->validation_type, "ov");
  EXPECT_EQ(upstream->organization_id, kConfiguredOrganization);
  EXPECT_EQ(upstream->dcv_method, "dns-txt-token");
  EXPECT_TRUE(upstream->skip_approval);
  EXPECT_EQ(upstream->dns_names, std::vector<std::string>{"acme.co.ke"});
  ASSERT_EQ(placed["validations"].Size(), 1U);
  const auto& instructions = placed["validations"][0]["instructions"];
  EXPECT_EQ(text(instructions, "record_name"), "_dnsauth.acme.co.ke");
  EXPECT_EQ(text(instructions, "record_type"), "TXT");
  EXPECT_EQ(text(instructions, "record_value"), upstream->dcv_random_value);
  EXPECT_FALSE(upstream->dcv_random_value.empty());

  EXPECT_EQ(text(verify(id), "status"), "pending_validation");
  EXPECT_EQ(digicert_order("acme.co.ke")->status, "pending");

  publish(placed);
  const auto issued = verify(id);
  expect_issued(issued, {"acme.co.ke"}, digicert_->ca().root_pem());
  EXPECT_EQ(digicert_order("acme.co.ke")->status, "issued");
  EXPECT_EQ(lifetime(issued), std::chrono::hours(24 * 199));
  EXPECT_EQ(event_types(id), (std::vector<std::string>{"ssl.dcv_required", "ssl.issued"}));
}

TEST_F(CertificatesE2e, EvWaitsForTheOrganizationToBeValidated) {
  const auto placed =
      order(R"("common_name":"bank.example.com","cert_type":"ev",)" + kOrganization);
  ASSERT_TRUE(placed.IsObject());
  const std::string id = id_of(placed);
  EXPECT_EQ(text(placed, "status"), "pending_validation");
  EXPECT_EQ(text(placed["organization"], "name"), "Acme Bank Ltd");
  const auto upstream = digicert_order("bank.example.com");
  ASSERT_TRUE(upstream.has_value());
  EXPECT_EQ(upstream->product, "ssl_ev_basic");
  EXPECT_EQ(upstream->validation_type, "ev");
  // The request's organization, created at DigiCert: not the configured one.
  EXPECT_NE(upstream->organization_id, kConfiguredOrganization);
  EXPECT_GT(upstream->organization_id, 0);
  EXPECT_EQ(text(placed["validations"][0]["instructions"], "record_value"),
            upstream->dcv_random_value);

  // DCV passes; the organization is not validated yet: nothing is issued.
  publish(placed);
  const auto waiting = verify(id);
  EXPECT_EQ(text(waiting, "status"), "pending_issuance");
  EXPECT_EQ(text(waiting["validations"][0], "status"), "valid");
  run_job();
  EXPECT_EQ(text(certificate(id), "status"), "pending_issuance");
  EXPECT_EQ(digicert_order("bank.example.com")->status, "pending");
  EXPECT_EQ(event_types(id), std::vector<std::string>{"ssl.dcv_required"});

  digicert_->validate_organization(upstream->organization_id);
  const auto issued = verify(id);
  expect_issued(issued, {"bank.example.com"}, digicert_->ca().root_pem());
  EXPECT_EQ(event_types(id), (std::vector<std::string>{"ssl.dcv_required", "ssl.issued"}));
}

TEST_F(CertificatesE2e, WildcardIsValidatedThroughDnsOnly) {
  for (const std::string fields :
       {R"("common_name":"*.example.net","cert_type":"ov","dcv_method":"http")",
        R"("common_name":"example.net","wildcard":true,"cert_type":"dv","dcv_method":"http")"}) {
    expect_error(api("POST", "/api/v1/ssl", "{" + fields + "}"), 422, "invalid_request_error",
                 "dcv_method_unsupported", "dcv_method");
  }
  EXPECT_EQ(digicert_calls(), 0U);
  EXPECT_EQ(sslci_calls(), 0U);

  const std::vector<std::string> names = {"*.example.net", "example.net"};
  const auto placed =
      order(R"("common_name":"example.net","wildcard":true,"san_names":["example.net"],)"
            R"("cert_type":"ov")");
  ASSERT_TRUE(placed.IsObject());
  const std::string id = id_of(placed);
  EXPECT_EQ(text(placed, "common_name"), "*.example.net");
  EXPECT_TRUE(placed["wildcard"].GetBool());
  const auto upstream = digicert_order("*.example.net");
  ASSERT_TRUE(upstream.has_value());
  EXPECT_EQ(upstream->product, "ssl_wildcard");
  EXPECT_EQ(upstream->dns_names, names);
  ASSERT_EQ(placed["validations"].Size(), 2U);
  for (const auto& validation : placed["validations"].GetArray()) {
    EXPECT_EQ(text(validation, "method"), "dns");
    EXPECT_EQ(text(validation["instructions"], "record_name"), "_dnsauth.example.net");
    EXPECT_EQ(text(validation["instructions"], "record_value"), upstream->dcv_random_value);
  }
  EXPECT_EQ(sslci_calls(), 0U);

  publish(placed);
  run_job();
  const auto issued = certificate(id);
  expect_issued(issued, names, digicert_->ca().root_pem());
  EXPECT_TRUE(issued["wildcard"].GetBool());
  EXPECT_EQ(event_types(id), (std::vector<std::string>{"ssl.dcv_required", "ssl.issued"}));
}

TEST_F(CertificatesE2e, MultiDomainOvIsIssuedByDigicertAfterHttpValidation) {
  const std::vector<std::string> names = {"example.co.ke", "www.example.co.ke", "shop.example.io"};
  const auto placed =
      order(R"("common_name":"example.co.ke","san_names":["www.example.co.ke","shop.example.io"],)"
            R"("cert_type":"ov","dcv_method":"http")");
  ASSERT_TRUE(placed.IsObject());
  const std::string id = id_of(placed);
  const auto upstream = digicert_order("example.co.ke");
  ASSERT_TRUE(upstream.has_value());
  EXPECT_EQ(upstream->product, "ssl_multi_domain");
  EXPECT_EQ(upstream->dcv_method, "http-token");
  EXPECT_EQ(upstream->dns_names, names);
  EXPECT_EQ(upstream->organization_id, kConfiguredOrganization);
  ASSERT_EQ(placed["validations"].Size(), names.size());
  for (rapidjson::SizeType i = 0; i < names.size(); ++i) {
    const auto& validation = placed["validations"][i];
    EXPECT_EQ(text(validation, "name"), names[i]);
    EXPECT_EQ(text(validation, "method"), "http");
    EXPECT_EQ(text(validation["instructions"], "url"),
              "http://" + names[i] + "/.well-known/pki-validation/fileauth.txt");
    EXPECT_EQ(text(validation["instructions"], "content"), upstream->dcv_random_value);
  }

  EXPECT_EQ(text(verify(id), "status"), "pending_validation");
  publish(placed);
  const auto issued = verify(id);
  expect_issued(issued, names, digicert_->ca().root_pem());
  EXPECT_EQ(event_types(id), (std::vector<std::string>{"ssl.dcv_required", "ssl.issued"}));
}

// ---- lifecycle ---------------------------------------------------------------------------

TEST_F(CertificatesE2e, ARestartInTheMiddleOfValidationLosesNothing) {
  const auto ov = order(R"("common_name":"restart.example.com","cert_type":"ov")");
  const auto dv =
      order(R"("common_name":"restart.example.org","cert_type":"dv","dcv_method":"http")");
  ASSERT_TRUE(ov.IsObject());
  ASSERT_TRUE(dv.IsObject());
  const std::string key_file = gateway_->database_path() + ".key";
  const std::string sealing_key = read_file(key_file);
  ASSERT_EQ(sealing_key.size(), 32U);

  stop_gateway();
  publish(ov);
  publish(dv);
  restart_gateway();
  EXPECT_EQ(read_file(key_file), sealing_key);

  const auto report = run_job();
  EXPECT_EQ(number(report, "checked"), 2);
  EXPECT_EQ(number(report, "changed"), 2);
  const auto issued_ov = certificate(id_of(ov));
  const auto issued_dv = certificate(id_of(dv));
  expect_issued(issued_ov, {"restart.example.com"}, digicert_->ca().root_pem());
  expect_issued(issued_dv, {"restart.example.org"}, sslci_->ca().root_pem());
  // The key generated (and sealed) before the restart still opens, and is the certificate's.
  EXPECT_TRUE(core::pki::key_matches_certificate(private_key(id_of(ov)),
                                                 text(issued_ov, "certificate_pem")));
  EXPECT_TRUE(core::pki::key_matches_certificate(private_key(id_of(dv)),
                                                 text(issued_dv, "certificate_pem")));
  EXPECT_EQ(event_types(id_of(ov)), (std::vector<std::string>{"ssl.dcv_required", "ssl.issued"}));
}

TEST_F(CertificatesE2e, DeletingAPendingOrderCancelsItAtTheSupplier) {
  const auto dv =
      order(R"("common_name":"cancel.example.org","cert_type":"dv","dcv_method":"http")");
  const auto ov = order(R"("common_name":"cancel.example.com","cert_type":"ov")");
  ASSERT_TRUE(dv.IsObject());
  ASSERT_TRUE(ov.IsObject());

  const auto canceled_dv = call("DELETE", path(id_of(dv)), 200);
  EXPECT_EQ(text(canceled_dv, "status"), "canceled");
  EXPECT_EQ(sslci_order("cancel.example.org")->status, "deleted");
  const auto canceled_ov = call("DELETE", path(id_of(ov)), 200);
  EXPECT_EQ(text(canceled_ov, "status"), "canceled");
  EXPECT_EQ(digicert_order("cancel.example.com")->status, "canceled");
  for (const auto* id : {&dv, &ov}) {
    EXPECT_EQ(event_types(id_of(*id)),
              (std::vector<std::string>{"ssl.dcv_required", "ssl.canceled"}));
    expect_error(api("DELETE", path(id_of(*id))), 409, "invalid_request_error",
                 "certificate_not_active");
    expect_error(api("POST", path(id_of(*id), "verify"), "{}"), 409, "invalid_request_error",
                 "certificate_not_pending");
  }
  // Nothing is scheduled for them any more.
  EXPECT_EQ(number(run_job(), "checked"), 0);
}

TEST_F(CertificatesE2e, DeletingAnIssuedCertificateRevokesIt) {
  const auto dv = issue_dv("revoke.example.org");
  const auto ov = issue_ov("revoke.example.com");
  ASSERT_EQ(text(dv, "status"), "issued");
  ASSERT_EQ(text(ov, "status"), "issued");

  EXPECT_EQ(text(call("DELETE", path(id_of(dv)), 200), "status"), "revoked");
  const auto records = sslci_->certificates();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_TRUE(records[0].deleted);
  EXPECT_EQ(text(call("DELETE", path(id_of(ov)), 200), "status"), "revoked");
  EXPECT_EQ(digicert_order("revoke.example.com")->status, "revoked");
  for (const auto* certificate : {&dv, &ov}) {
    EXPECT_EQ(event_types(id_of(*certificate)),
              (std::vector<std::string>{"ssl.dcv_required", "ssl.issued", "ssl.revoked"}));
  }
  expect_error(api("DELETE", path(id_of(ov))), 409, "invalid_request_error",
               "certificate_not_active");
}

TEST_F(CertificatesE2e, ReissueGivesANewCertificateWithANewSerial) {
  for (const bool digicert : {true, false}) {
    SCOPED_TRACE(digicert ? "digicert" : "sslci");
    const std::string name = digicert ? "reissue.example.com" : "reissue.example.org";
    const auto before = digicert ? issue_ov(name) : issue_dv(name);
    ASSERT_EQ(text(before, "status"), "issued");
    const std::string id = id_of(before);

    const auto after = call("POST", path(id, "reissue"), 200, "{}");
    expect_issued(after, {name}, digicert ? digicert_->ca().root_pem() : sslci_->ca().root_pem());
    EXPECT_EQ(id_of(after), id);
    EXPECT_NE(text(after, "certificate_pem"), text(before, "certificate_pem"));
    EXPECT_NE(text(after, "serial_number"), text(before, "serial_number"));
    // The key handed out is the new certificate's.
    EXPECT_TRUE(
        core::pki::key_matches_certificate(private_key(id), text(after, "certificate_pem")));
    EXPECT_EQ(event_types(id),
              (std::vector<std::string>{"ssl.dcv_required", "ssl.issued", "ssl.issued"}));
    if (digicert) {
      EXPECT_EQ(digicert_order(name)->certificate_ids.size(), 2U);
    } else {
      EXPECT_EQ(sslci_->certificates_issued(), 2U);
    }
  }
}

TEST_F(CertificatesE2e, AReissueWithANewNameWaitsForItsValidation) {
  const auto before =
      issue(R"("common_name":"reissue.example.com","san_names":["www.reissue.example.com"],)"
            R"("cert_type":"ov")");
  ASSERT_EQ(text(before, "status"), "issued");
  const std::string id = id_of(before);

  const auto pending = call("POST", path(id, "reissue"), 200,
                            R"({"san_names":["www.reissue.example.com","reissue.example.net"]})");
  EXPECT_EQ(text(pending, "status"), "pending_validation") << core::json::to_string(pending);
  const auto upstream = digicert_order("reissue.example.com");
  ASSERT_TRUE(upstream.has_value());
  EXPECT_EQ(upstream->status, "reissue_pending");
  ASSERT_TRUE(pending["validations"].IsArray());
  ASSERT_EQ(pending["validations"].Size(), 3U);
  const auto& added = pending["validations"][2];
  EXPECT_EQ(text(added, "name"), "reissue.example.net");
  EXPECT_EQ(text(added, "status"), "pending");
  EXPECT_EQ(text(added["instructions"], "record_name"), "_dnsauth.reissue.example.net");
  EXPECT_EQ(text(added["instructions"], "record_value"), upstream->dcv_random_value);
  // Until the new one is issued, the certificate in hand is the old one, and so is the key.
  EXPECT_EQ(text(pending, "certificate_pem"), text(before, "certificate_pem"));
  EXPECT_TRUE(core::pki::key_matches_certificate(private_key(id), text(before, "certificate_pem")));

  publish(pending);
  const auto after = verify(id);
  expect_issued(after, {"reissue.example.com", "www.reissue.example.com", "reissue.example.net"},
                digicert_->ca().root_pem());
  EXPECT_NE(text(after, "serial_number"), text(before, "serial_number"));
  EXPECT_TRUE(core::pki::key_matches_certificate(private_key(id), text(after, "certificate_pem")));
  EXPECT_EQ(event_types(id), (std::vector<std::string>{"ssl.dcv_required", "ssl.issued",
                                                       "ssl.dcv_required", "ssl.issued"}));
}

TEST_F(CertificatesE2e, RenewalIsANewCertificateLinkedToTheOld) {
  const auto old = issue_ov("renew.example.com");
  ASSERT_EQ(text(old, "status"), "issued");
  const auto old_order = digicert_order("renew.example.com");
  ASSERT_TRUE(old_order.has_value());

  const auto renewal = call("POST", path(id_of(old), "renew"), 201, "{}");
  ASSERT_TRUE(renewal.IsObject());
  const std::string renewal_id = id_of(renewal);
  EXPECT_EQ(renewal_id.rfind("ssl_", 0), 0U);
  EXPECT_NE(renewal_id, id_of(old));
  EXPECT_EQ(text(renewal, "renewal_of"), id_of(old));
  EXPECT_EQ(text(certificate(id_of(old)), "renewed_by"), renewal_id);
  EXPECT_EQ(text(certificate(id_of(old)), "status"), "issued");

  // At DigiCert: a second order that names the first; its domain is still validated there.
  EXPECT_EQ(digicert_->orders_created(), 2U);
  const auto new_order = digicert_order("renew.example.com");
  ASSERT_TRUE(new_order.has_value());
  EXPECT_NE(new_order->id, old_order->id);
  EXPECT_EQ(new_order->renewal_of_order_id, old_order->id);
  expect_issued(renewal, {"renew.example.com"}, digicert_->ca().root_pem());
  EXPECT_NE(text(renewal, "serial_number"), text(old, "serial_number"));
  EXPECT_TRUE(core::pki::key_matches_certificate(private_key(renewal_id),
                                                 text(renewal, "certificate_pem")));
  EXPECT_EQ(event_types(renewal_id), std::vector<std::string>{"ssl.issued"});

  expect_error(api("POST", path(id_of(old), "renew"), "{}"), 409, "invalid_request_error",
               "already_renewed");
  EXPECT_EQ(digicert_->orders_created(), 2U);
}

// ---- answers lost on the way back -----------------------------------------------------------

TEST_F(CertificatesE2e, AnOrderWhoseAnswerTimedOutIsFoundWithItsKeyAndInstructions) {
  digicert_server_->inject(Fault{.kind = FaultKind::timeout,
                                 .path_prefix = "/services/v2/order/certificate/ssl_basic",
                                 .after_handler = true});
  const std::vector<std::pair<std::string, std::string>> headers{
      {"Content-Type", "application/json"}, {"Idempotency-Key", "ov-lost"}};
  const std::string body = R"({"common_name":"lost.example.com","cert_type":"ov"})";
  const HttpReply placed = gateway_->api("POST", "/api/v1/ssl", key_.secret, body, headers);
  ASSERT_EQ(placed.status, 201) << placed.body;
  const auto json = placed.json();
  const auto& data = json["data"];
  const std::string id = id_of(data);
  EXPECT_EQ(text(data, "status"), "pending_validation");
  EXPECT_EQ(text(data, "key_source"), "gateway");
  const auto upstream = digicert_order("lost.example.com");
  ASSERT_TRUE(upstream.has_value());
  EXPECT_EQ(digicert_->orders_created(), 1U);
  // The instructions are the supplier's, read back from it.
  EXPECT_EQ(text(data["validations"][0]["instructions"], "record_value"),
            upstream->dcv_random_value);
  EXPECT_EQ(event_types(id), std::vector<std::string>{"ssl.dcv_required"});
  const HttpReply retry = gateway_->api("POST", "/api/v1/ssl", key_.secret, body, headers);
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(retry.body, placed.body);
  EXPECT_EQ(digicert_->orders_created(), 1U);
  // The key the gateway generated before the call is the certificate's.
  publish(data);
  const auto issued = verify(id);
  expect_issued(issued, {"lost.example.com"}, digicert_->ca().root_pem());
  EXPECT_TRUE(core::pki::key_matches_certificate(private_key(id), text(issued, "certificate_pem")));
}

TEST_F(CertificatesE2e, ARenewalWhoseConnectionWasResetIsFoundAndLinked) {
  const auto old = issue_ov("renew-reset.example.com");
  ASSERT_EQ(text(old, "status"), "issued");
  digicert_server_->inject(Fault{.kind = FaultKind::reset,
                                 .path_prefix = "/services/v2/order/certificate/ssl_basic",
                                 .after_handler = true});
  const auto renewal = call("POST", path(id_of(old), "renew"), 201, "{}");
  ASSERT_TRUE(renewal.IsObject());
  EXPECT_EQ(text(renewal, "renewal_of"), id_of(old));
  EXPECT_EQ(text(certificate(id_of(old)), "renewed_by"), id_of(renewal));
  EXPECT_EQ(digicert_->orders_created(), 2U);
  expect_error(api("POST", path(id_of(old), "renew"), "{}"), 409, "invalid_request_error",
               "already_renewed");
  EXPECT_EQ(digicert_->orders_created(), 2U);
}

TEST_F(CertificatesE2e, AnIssuanceWhoseAnswerWasLostLeavesOneCertificateAtTheSupplier) {
  const auto placed =
      order(R"("common_name":"finalize-lost.example.com","cert_type":"dv","dcv_method":"http")");
  ASSERT_TRUE(placed.IsObject());
  const std::string id = id_of(placed);
  publish(placed);
  // SSLCI issues on finalize and sends the key in that answer only: the answer is lost.
  sslci_server_->inject(Fault{
      .kind = FaultKind::reset, .path_prefix = "/api", .after_handler = true, .method = "POST"});
  const auto waiting = verify(id);
  EXPECT_EQ(text(waiting, "status"), "pending_issuance");
  EXPECT_EQ(sslci_->certificates_issued(), 1U);

  // The next attempt deletes the certificate nobody has the key of, and issues again.
  const auto issued = verify(id);
  expect_issued(issued, {"finalize-lost.example.com"}, sslci_->ca().root_pem());
  EXPECT_EQ(sslci_->certificates_issued(), 2U);
  std::vector<std::string> live;
  for (const auto& record : sslci_->certificates()) {
    if (!record.deleted) live.push_back(fingerprint(record.crt_pem));
  }
  EXPECT_EQ(live, std::vector<std::string>{fingerprint(text(issued, "certificate_pem"))});
  EXPECT_EQ(event_types(id), (std::vector<std::string>{"ssl.dcv_required", "ssl.issued"}));
}

TEST_F(CertificatesE2e, AnOrderTheSupplierNeverSawIsNotFoundAndNothingIsBilled) {
  digicert_server_->inject(
      Fault{.kind = FaultKind::timeout, .path_prefix = "/services/v2/order/certificate/ssl_basic"});
  const HttpReply placed =
      api("POST", "/api/v1/ssl", R"({"common_name":"unseen.example.com","cert_type":"ov"})");
  // No trace yet: the supplier may still be acting, so the gateway keeps asking.
  expect_error(placed, 504, "upstream_error", "upstream_outcome_unknown");
  EXPECT_EQ(digicert_->orders_created(), 0U);
  EXPECT_EQ(listed(), 0);
  // Past the settle time, still nothing: certainly not placed.
  clock_->advance(6min);
  const HttpReply job = gateway_->admin("POST", "/admin/jobs/reconcile");
  ASSERT_EQ(job.status, 200) << job.body;
  EXPECT_EQ(number(job.json()["data"], "changed"), 1);
  EXPECT_EQ(gateway_->admin("GET", "/admin/intents").json()["data"].Size(), 0U);
  EXPECT_EQ(listed(), 0);
  EXPECT_EQ(certificate_event_count(), 0U);
}

TEST_F(CertificatesE2e, ValidationThatNeverPassesFailsAfterTheTimeout) {
  restart_gateway({.jobs_yaml = "  certificate_validation_timeout_ms: 3600000\n"});
  const auto dv =
      order(R"("common_name":"never.example.org","cert_type":"dv","dcv_method":"http")");
  const auto ov = order(R"("common_name":"never.example.com","cert_type":"ov")");
  ASSERT_TRUE(dv.IsObject());
  ASSERT_TRUE(ov.IsObject());

  // Within the timeout: checked, still pending.
  clock_->advance(30min);
  auto report = run_job();
  EXPECT_EQ(number(report, "checked"), 2);
  EXPECT_EQ(number(report, "changed"), 0);

  clock_->advance(31min);
  report = run_job();
  EXPECT_EQ(number(report, "changed"), 2);
  for (const auto* placed : {&dv, &ov}) {
    const auto failed = certificate(id_of(*placed));
    EXPECT_EQ(text(failed, "status"), "failed");
    EXPECT_TRUE(failed["failure_reason"].IsString());
    EXPECT_EQ(event_types(id_of(*placed)),
              (std::vector<std::string>{"ssl.dcv_required", "ssl.failed"}));
  }
  // Given up at the suppliers too.
  EXPECT_EQ(sslci_order("never.example.org")->status, "deleted");
  EXPECT_EQ(digicert_order("never.example.com")->status, "canceled");
  // And never looked at again.
  EXPECT_EQ(number(run_job(), "checked"), 0);
}

// ---- suppliers misbehaving ---------------------------------------------------------------

TEST_F(CertificatesE2e, RateLimitedDigicertGetsOneOrderAndTheJobBacksOff) {
  const std::string order_path = "/services/v2/order/certificate/ssl_basic";
  digicert_server_->inject(
      Fault{.kind = FaultKind::rate_limit, .path_prefix = "/services/v2/", .count = -1});
  const std::string body =
      R"({"common_name":"storm.example.com","cert_type":"ov","customer_id":")" + customer_ + "\"}";
  expect_error(api("POST", "/api/v1/ssl", body), 503, "upstream_error", "upstream_rate_limited");
  EXPECT_EQ(digicert_requests("POST", order_path), 1U);
  EXPECT_EQ(digicert_->orders_created(), 0U);
  // Asked again at once: refused without adding to the storm.
  expect_error(api("POST", "/api/v1/ssl", body), 503, "upstream_error", "upstream_rate_limited");
  EXPECT_EQ(digicert_calls(), 1U);
  EXPECT_EQ(listed(), 0);
  EXPECT_EQ(certificate_event_count(), 0U);

  // The storm passes; two orders wait for validation when it starts again.
  digicert_server_->clear_faults();
  clock_->advance(10s);
  const auto first = order(R"("common_name":"storm-a.example.com","cert_type":"ov")");
  const auto second = order(R"("common_name":"storm-b.example.com","cert_type":"ov")");
  ASSERT_TRUE(first.IsObject());
  ASSERT_TRUE(second.IsObject());
  EXPECT_EQ(digicert_->orders_created(), 2U);
  digicert_server_->inject(
      Fault{.kind = FaultKind::rate_limit, .path_prefix = "/services/v2/", .count = -1});
  const std::size_t calls = digicert_calls();
  auto report = run_job();
  EXPECT_EQ(number(report, "checked"), 2);
  EXPECT_EQ(number(report, "failed"), 2);
  // The first check is a read: asked again once after the supplier's Retry-After (1 s fits its
  // 2 s deadline, a second wait would not), then refused; the second did not reach DigiCert.
  EXPECT_EQ(digicert_calls(), calls + 2);
  const core::TimePoint now = clock_->now();
  core::TimePoint latest = now;
  for (const auto* placed : {&first, &second}) {
    EXPECT_EQ(text(certificate(id_of(*placed)), "status"), "pending_validation");
    const auto next = next_check_at(id_of(*placed));
    ASSERT_TRUE(next.has_value());
    EXPECT_GE(*next, now + 5s);
    latest = std::max(latest, *next);
  }
  // Nothing is due yet: a pass asks nothing.
  report = run_job(false);
  EXPECT_EQ(number(report, "checked"), 0);
  EXPECT_EQ(digicert_calls(), calls + 2);

  // Later, with the storm over and the records published: issued.
  digicert_server_->clear_faults();
  publish(first);
  publish(second);
  clock_->set(latest + 1s);
  report = run_job(false);
  EXPECT_EQ(number(report, "checked"), 2);
  EXPECT_EQ(number(report, "changed"), 2);
  EXPECT_EQ(text(certificate(id_of(first)), "status"), "issued");
  EXPECT_EQ(text(certificate(id_of(second)), "status"), "issued");
  EXPECT_EQ(digicert_->orders_created(), 2U);
}

TEST_F(CertificatesE2e, GarbageAndEmptySupplierBodiesAreClearErrorsAndNothingIsRecorded) {
  const std::string dv = R"({"common_name":"garbage.example.org","cert_type":"dv",)"
                         R"("dcv_method":"http"})";
  const std::string ov = R"({"common_name":"garbage.example.com","cert_type":"ov"})";

  // A truncated, non-JSON answer.
  sslci_server_->inject(Fault{.kind = FaultKind::garbage, .path_prefix = "/api"});
  expect_error(api("POST", "/api/v1/ssl", dv), 502, "upstream_error", "upstream_bad_response");
  digicert_server_->inject(Fault{.kind = FaultKind::garbage, .path_prefix = "/services/v2/"});
  expect_error(api("POST", "/api/v1/ssl", ov), 502, "upstream_error", "upstream_bad_response");
  EXPECT_EQ(sslci_->orders_created(), 0U);
  EXPECT_EQ(digicert_->orders_created(), 0U);

  // A 200 with an empty body, from both suppliers' addresses.
  sim::Server hollow(sim::ServerOptions{.name = "hollow", .tls = true, .ca = &simulator_tls_ca()});
  hollow.fallback([](const sim::SimRequest&) {
    return sim::SimResponse{.status = 200, .body = "", .content_type = ""};
  });
  hollow.start();
  restart_gateway({.sslci_endpoint = hollow.base_url() + "/api",
                   .digicert_endpoint = hollow.base_url() + "/services/v2"});
  // An empty 200 may be an order that was placed: asked, the supplier's list is empty as well,
  // so the outcome stays to be learned and nothing is ordered twice.
  expect_error(api("POST", "/api/v1/ssl", dv), 504, "upstream_error", "upstream_outcome_unknown");
  expect_error(api("POST", "/api/v1/ssl", ov), 504, "upstream_error", "upstream_outcome_unknown");
  std::size_t posts = 0;
  for (const auto& request : hollow.journal())
    posts += request.method == "POST" ? 1 : 0;
  EXPECT_EQ(posts, 2U);

  EXPECT_EQ(listed(), 0);
  EXPECT_EQ(certificate_event_count(), 0U);
  stop_gateway();  // before `hollow` goes
}

// ---- refused before any supplier call ----------------------------------------------------

TEST_F(CertificatesE2e, ACsrForOtherNamesIsRefused) {
  auto made = core::pki::generate_key_and_csr({"other.example.com"}, core::pki::KeyType::ec_p256);
  ASSERT_TRUE(made.ok());
  const HttpReply reply = api("POST", "/api/v1/ssl",
                              R"({"common_name":"shop.example.com","cert_type":"ov","csr":)" +
                                  json_string(made->csr_pem) + "}");
  expect_error(reply, 422, "invalid_request_error", "csr_name_mismatch", "csr");
  EXPECT_EQ(sslci_calls(), 0U);
  EXPECT_EQ(digicert_calls(), 0U);
  EXPECT_EQ(listed(), 0);
  EXPECT_EQ(certificate_event_count(), 0U);
}

TEST_F(CertificatesE2e, APartnerCsrIsRefusedOnTheSslciRoute) {
  auto made = core::pki::generate_key_and_csr({"dv.example.com"}, core::pki::KeyType::ec_p256);
  ASSERT_TRUE(made.ok());
  expect_error(api("POST", "/api/v1/ssl",
                   R"({"common_name":"dv.example.com","cert_type":"dv","csr":)" +
                       json_string(made->csr_pem) + "}"),
               422, "invalid_request_error", "csr_not_supported", "csr");
  EXPECT_EQ(sslci_calls(), 0U);
  EXPECT_EQ(digicert_calls(), 0U);
}

TEST_F(CertificatesE2e, EvWildcardsAreRefused) {
  expect_error(
      api("POST", "/api/v1/ssl",
          R"({"common_name":"*.bank.example.com","cert_type":"ev",)" + kOrganization + "}"),
      422, "invalid_request_error", "wildcard_not_allowed", "wildcard");
  expect_error(api("POST", "/api/v1/ssl",
                   R"({"common_name":"bank.example.com","wildcard":true,"cert_type":"ev"})"),
               422, "invalid_request_error", "wildcard_not_allowed", "wildcard");
  EXPECT_EQ(sslci_calls(), 0U);
  EXPECT_EQ(digicert_calls(), 0U);
}

TEST_F(CertificatesE2e, BadInputIsRefusedWithoutAnUpstreamCall) {
  struct Case {
    std::string body;
    std::string code;
    std::string param;
  };
  const std::vector<Case> cases = {
      {R"({"common_name":"a.example.com","cert_type":)", "invalid_json", ""},
      {R"(["a.example.com"])", "invalid_type", ""},
      {R"({"common_name":"a.example.com","cert_type":"dv","colour":"blue"})", "parameter_unknown",
       "colour"},
      {R"({"cert_type":"dv"})", "parameter_missing", "common_name"},
      {R"({"common_name":7,"cert_type":"dv"})", "invalid_type", "common_name"},
      {R"({"common_name":"a.example.com","cert_type":"dv","san_names":"b.example.com"})",
       "invalid_type", "san_names"},
      {R"({"common_name":"a.example.com","cert_type":"dv","san_names":[7]})", "invalid_type",
       "san_names[0]"},
      {R"({"common_name":"a.example.com","cert_type":"dv","wildcard":"yes"})", "invalid_type",
       "wildcard"},
      {R"({"common_name":"a.example.com","cert_type":"dv","validity_days":"90"})", "invalid_type",
       "validity_days"},
      {R"({"common_name":"a.example.com","cert_type":"xv"})", "invalid_cert_type", "cert_type"},
      {R"({"common_name":"a.example.com","cert_type":"dv","dcv_method":"fax"})",
       "invalid_dcv_method", "dcv_method"},
      {R"({"common_name":"not a name","cert_type":"dv"})", "", "common_name"},
      {R"({"common_name":"a.example.com","cert_type":"ov","csr":"not a csr"})", "invalid_csr",
       "csr"},
      {R"({"common_name":"a.example.com","cert_type":"ov","customer_id":"cus_nobody"})",
       "resource_missing", "customer_id"},
      {R"({"common_name":"a.example.com","cert_type":"dv",)" + kOrganization + "}",
       "organization_not_allowed", "organization"},
  };
  for (const Case& bad : cases) {
    SCOPED_TRACE(bad.body);
    const HttpReply reply = api("POST", "/api/v1/ssl", bad.body);
    EXPECT_EQ(reply.status, 400) << reply.body;
    const auto json = reply.json();
    ASSERT_TRUE(json.IsObject() && json.HasMember("error")) << reply.body;
    EXPECT_EQ(text(json["error"], "type"), "invalid_request_error");
    if (!bad.code.empty()) {
      EXPECT_EQ(text(json["error"], "code"), bad.code);
    }
    EXPECT_EQ(text(json["error"], "param"), bad.param);
  }
  EXPECT_EQ(sslci_calls(), 0U);
  EXPECT_EQ(digicert_calls(), 0U);
  EXPECT_EQ(listed(), 0);
  EXPECT_EQ(certificate_event_count(), 0U);
}

// ---- ownership and keys ------------------------------------------------------------------

TEST_F(CertificatesE2e, AnotherPartnersCertificateIsNotFound) {
  const auto placed = order(R"("common_name":"mine.example.com","cert_type":"ov")");
  ASSERT_TRUE(placed.IsObject());
  const std::string id = id_of(placed);
  const std::string other = other_partner_key();
  const std::size_t calls = digicert_calls();
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", path(id)},
                                                        {"POST", path(id, "verify")},
                                                        {"POST", path(id, "renew")},
                                                        {"POST", path(id, "reissue")},
                                                        {"GET", path(id, "private_key")},
                                                        {"DELETE", path(id)}}) {
    SCOPED_TRACE(method + " " + target);
    expect_error(api_as(other, method, target, method == "POST" ? "{}" : ""), 404,
                 "invalid_request_error", "not_found", "id");
  }
  const HttpReply list = api_as(other, "GET", "/api/v1/ssl");
  EXPECT_EQ(number(list.json(), "total"), 0);
  EXPECT_EQ(digicert_calls(), calls);
  // Still the owner's, still pending at DigiCert.
  EXPECT_EQ(text(certificate(id), "status"), "pending_validation");
  EXPECT_EQ(digicert_order("mine.example.com")->status, "pending");
}

TEST_F(CertificatesE2e, ThePrivateKeyIsTheCertificatesOrNoneForAPartnerCsr) {
  // Generated by the gateway (DigiCert takes a CSR).
  const auto ov = issue_ov("key.example.com");
  EXPECT_EQ(text(ov, "key_source"), "gateway");
  const std::string gateway_key = private_key(id_of(ov));
  EXPECT_TRUE(core::pki::key_matches_certificate(gateway_key, text(ov, "certificate_pem")));

  // Generated by the supplier (SSLCI returns it with the certificate).
  const auto dv = issue_dv("key.example.org");
  EXPECT_EQ(text(dv, "key_source"), "supplier");
  const std::string supplier_key = private_key(id_of(dv));
  EXPECT_TRUE(core::pki::key_matches_certificate(supplier_key, text(dv, "certificate_pem")));
  EXPECT_FALSE(core::pki::key_matches_certificate(supplier_key, text(ov, "certificate_pem")));

  // The partner's own CSR: the key never came here.
  auto made = core::pki::generate_key_and_csr({"partner.example.com"}, core::pki::KeyType::rsa2048);
  ASSERT_TRUE(made.ok());
  const auto partner = issue(R"("common_name":"partner.example.com","cert_type":"ov","csr":)" +
                             json_string(made->csr_pem));
  ASSERT_EQ(text(partner, "status"), "issued");
  EXPECT_EQ(text(partner, "key_source"), "partner");
  EXPECT_TRUE(
      core::pki::key_matches_certificate(made->private_key_pem, text(partner, "certificate_pem")));
  expect_error(api("GET", path(id_of(partner), "private_key")), 404, "invalid_request_error",
               "not_found");
}

}  // namespace
}  // namespace portico::testing
