#include "e2e/certificate_fixture.hpp"

#include "portico/core/json.hpp"
#include "portico/core/pki.hpp"

namespace portico::testing {

namespace {

constexpr const char* kSslciToken = "sslci-token-7f3a9c21e4b8d605";
constexpr const char* kDigicertKey = "dc-devkey-9e07c2a8f54b1d36";
constexpr const char* kSslciPath = "/api";

std::string string_of(const rapidjson::Value& object, const char* field) {
  if (!object.IsObject() || !object.HasMember(field) || !object[field].IsString()) return {};
  return object[field].GetString();
}

// A clock at a whole second of today: certificates carry whole seconds.
core::TimePoint start_of_test() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace

const sim::TestCa& simulator_tls_ca() {
  static const sim::TestCa ca = sim::TestCa::generate("Portico certificate e2e CA");
  return ca;
}

std::string json_string(const std::string& text) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  core::json::string(out, text);
  return {buffer.GetString(), buffer.GetSize()};
}

CertificateTest::CertificateTest() : clock_(std::make_shared<core::ManualClock>(start_of_test())) {
  sslci_ = std::make_unique<sim::sslci::Simulator>(sim::sslci::SimulatorOptions{
      .tokens = {kSslciToken}, .clock = clock_.get(), .random = &sim_random_, .world = &world_});
  sslci_server_ = std::make_unique<sim::Server>(
      sim::ServerOptions{.name = "sslci", .tls = true, .ca = &simulator_tls_ca()});
  sslci_->install(*sslci_server_, kSslciPath);
  sslci_server_->start();

  digicert_ = std::make_unique<sim::digicert::Simulator>(
      sim::digicert::SimulatorOptions{.api_key = kDigicertKey,
                                      .clock = clock_.get(),
                                      .random = &sim_random_,
                                      .world = &world_,
                                      .validated_organizations = {kConfiguredOrganization}});
  digicert_server_ = std::make_unique<sim::Server>(
      sim::ServerOptions{.name = "digicert", .tls = true, .ca = &simulator_tls_ca()});
  digicert_->install(*digicert_server_);
  digicert_server_->start();

  ca_file_ = simulator_tls_ca().write_ca_file(files_.path().string());
  files_.write("sslci.token", kSslciToken);
  files_.write("digicert.key", kDigicertKey);

  restart_gateway();
  partner_ = gateway_->create_partner("acme-hosting");
  key_ = gateway_->create_key(partner_);
  const HttpReply customer = api("POST", "/api/v1/customers",
                                 R"({"name":"Wanjiru Kamau","email":"wanjiru@example.co.ke"})");
  EXPECT_EQ(customer.status, 201) << customer.body;
  customer_ = customer.json()["data"]["id"].GetString();
}

CertificateTest::~CertificateTest() {
  // The gateway first: its clients talk to the simulators until it stops.
  stop_gateway();
}

void CertificateTest::stop_gateway() {
  gateway_.reset();
}

void CertificateTest::restart_gateway(const CertificateGatewayOptions& options) {
  stop_gateway();
  const std::string sslci_endpoint = options.sslci_endpoint.empty()
                                         ? sslci_server_->base_url() + kSslciPath
                                         : options.sslci_endpoint;
  const std::string digicert_endpoint =
      options.digicert_endpoint.empty()
          ? digicert_server_->base_url() + std::string(sim::digicert::kDefaultBasePath)
          : options.digicert_endpoint;
  const std::string yaml =
      "jobs:\n  enabled: false\n" + options.jobs_yaml +
      "providers:\n"
      "  sslci:\n    type: sslci\n    endpoint: " +
      sslci_endpoint + "\n    token_file: " + files_.file("sslci.token") +
      "\n    ca_file: " + ca_file_ +
      "\n    timeout_ms: 2000\n"
      "  digicert:\n    type: digicert\n    endpoint: " +
      digicert_endpoint + "\n    api_key_file: " + files_.file("digicert.key") +
      "\n    organization_id: " + std::to_string(kConfiguredOrganization) +
      "\n    ca_file: " + ca_file_ +
      "\n    timeout_ms: 2000\n"
      "routing:\n  ssl:\n    dv: [sslci]\n    ov: [digicert]\n    ev: [digicert]\n"
      "    wildcard: [digicert]\n    multi: [digicert]\n";
  gateway_ = std::make_unique<RunningGateway>("", yaml, data_dir_.path().string(), clock_);
}

rapidjson::Document CertificateTest::call(const std::string& method, const std::string& target,
                                          int expected_status, const std::string& body) {
  const HttpReply reply = api(method, target, body);
  EXPECT_EQ(reply.status, expected_status) << method << " " << target << ": " << reply.body;
  rapidjson::Document document = reply.json();
  rapidjson::Document data;
  if (reply.status == expected_status && document.IsObject() && document.HasMember("data")) {
    data.CopyFrom(document["data"], data.GetAllocator());
  }
  return data;
}

rapidjson::Document CertificateTest::order(const std::string& fields) {
  return call(
      "POST", "/api/v1/ssl", 201,
      R"({"customer_id":")" + customer_ + "\"" + (fields.empty() ? "" : "," + fields) + "}");
}

rapidjson::Document CertificateTest::certificate(const std::string& id) {
  return call("GET", "/api/v1/ssl/" + id, 200);
}

void CertificateTest::publish(const rapidjson::Value& certificate) {
  ASSERT_TRUE(certificate.IsObject());
  ASSERT_TRUE(certificate["validations"].IsArray());
  for (const auto& validation : certificate["validations"].GetArray()) {
    const std::string method = string_of(validation, "method");
    const rapidjson::Value& instructions = validation["instructions"];
    if (method == "http") {
      world_.publish_file(string_of(instructions, "url"), string_of(instructions, "content"));
    } else if (method == "dns") {
      world_.publish_record(string_of(instructions, "record_name"),
                            string_of(instructions, "record_type"),
                            string_of(instructions, "record_value"));
    } else {
      ADD_FAILURE() << "nothing to publish for " << method;
    }
  }
}

rapidjson::Document CertificateTest::run_job(bool all) {
  const HttpReply reply = gateway_->admin(
      "POST", std::string("/admin/jobs/certificate-sync") + (all ? "?all=true" : ""));
  if (reply.status != 200) {
    std::string log;
    for (const auto& line : gateway_->log_lines())
      log += line + "\n";
    ADD_FAILURE() << "certificate job: " << reply.body << "\n" << log;
  }
  rapidjson::Document document = reply.json();
  rapidjson::Document data;
  if (document.IsObject() && document.HasMember("data")) {
    data.CopyFrom(document["data"], data.GetAllocator());
  }
  return data;
}

void CertificateTest::expect_issued(const rapidjson::Value& certificate,
                                    const std::vector<std::string>& names,
                                    const std::string& root_pem) const {
  ASSERT_TRUE(certificate.IsObject());
  EXPECT_EQ(string_of(certificate, "status"), "issued") << core::json::to_string(certificate);
  const std::string pem = string_of(certificate, "certificate_pem");
  auto info = core::pki::parse_certificate(pem);
  ASSERT_TRUE(info.ok()) << core::json::to_string(certificate);

  // What the API reports is what the certificate itself says...
  ASSERT_TRUE(certificate["dns_names"].IsArray());
  std::vector<std::string> reported;
  for (const auto& name : certificate["dns_names"].GetArray())
    reported.emplace_back(name.GetString());
  EXPECT_EQ(reported, info->dns_names);
  EXPECT_EQ(string_of(certificate, "not_before"), core::format_rfc3339(info->not_before));
  EXPECT_EQ(string_of(certificate, "not_after"), core::format_rfc3339(info->not_after));
  EXPECT_EQ(string_of(certificate, "serial_number"), info->serial_hex);
  EXPECT_EQ(string_of(certificate, "issuer"), info->issuer_common_name);
  EXPECT_EQ(string_of(certificate, "fingerprint_sha256"), info->sha256_fingerprint);
  // ... and what was ordered.
  EXPECT_EQ(info->dns_names, names);
  EXPECT_EQ(info->subject_common_name, names.front());
  EXPECT_LE(info->not_before, clock_->now());
  EXPECT_GT(info->not_after, clock_->now());

  // The chain: the leaf's issuer first, the simulated supplier's root last.
  auto chain = core::pki::split_pem_chain(string_of(certificate, "chain_pem"));
  ASSERT_TRUE(chain.ok()) << string_of(certificate, "chain_pem");
  ASSERT_FALSE(chain->empty());
  auto issuer = core::pki::parse_certificate(chain->front());
  ASSERT_TRUE(issuer.ok());
  EXPECT_EQ(issuer->subject_common_name, info->issuer_common_name);
  auto root = core::pki::parse_certificate(root_pem);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(core::pki::parse_certificate(chain->back())->sha256_fingerprint,
            root->sha256_fingerprint);
  for (const auto& validation : certificate["validations"].GetArray())
    EXPECT_EQ(string_of(validation, "status"), "valid") << string_of(validation, "name");
}

std::vector<std::string> CertificateTest::event_types(const std::string& object_id) const {
  return query_texts(gateway_->database_path(),
                     "SELECT type FROM events WHERE object_id = ? ORDER BY seq", {object_id});
}

std::size_t CertificateTest::certificate_event_count() const {
  return query_texts(gateway_->database_path(), "SELECT type FROM events WHERE type LIKE ?",
                     {"ssl.%"})
      .size();
}

std::optional<core::TimePoint> CertificateTest::next_check_at(const std::string& object_id) const {
  const auto rows = query_texts(gateway_->database_path(),
                                "SELECT next_check_at FROM objects WHERE id = ?", {object_id});
  if (rows.empty() || rows.front().empty()) return std::nullopt;
  return core::TimePoint(std::chrono::milliseconds(std::stoll(rows.front())));
}

std::optional<sim::sslci::OrderRecord> CertificateTest::sslci_order(
    const std::string& domain) const {
  for (auto id = static_cast<std::int64_t>(sslci_->orders_created()); id > 0; --id) {
    auto found = sslci_->order(id);
    if (found && found->domain == domain) return found;
  }
  return std::nullopt;
}

std::optional<sim::digicert::OrderView> CertificateTest::digicert_order(
    const std::string& common_name) const {
  // The simulator numbers orders from 10000001.
  constexpr std::int64_t kFirstOrder = 10000001;
  const auto count = static_cast<std::int64_t>(digicert_->orders_created());
  for (std::int64_t id = kFirstOrder + count - 1; id >= kFirstOrder; --id) {
    auto found = digicert_->order(id);
    if (found && found->common_name == common_name) return found;
  }
  return std::nullopt;
}

std::string CertificateTest::other_partner_key() {
  const std::string partner = gateway_->create_partner("other-hosting");
  return gateway_->create_key(partner).secret;
}

}  // namespace portico::testing
