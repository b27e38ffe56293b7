#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/random.hpp"
#include "portico/sim/dcv_world.hpp"
#include "portico/sim/server.hpp"
#include "portico/sim/test_ca.hpp"

#include "digicert/sim/simulator.hpp"
#include "e2e/gateway_fixture.hpp"
#include "sslci/sim/simulator.hpp"

namespace portico::testing {

// The organization the `digicert` instance is configured with, validated in its account.
inline constexpr std::int64_t kConfiguredOrganization = 112233;

// What differs between the gateways one test starts; empty fields keep the fixture's value.
struct CertificateGatewayOptions {
  std::string jobs_yaml;          // more `jobs:` keys, indented two spaces, one a line
  std::string sslci_endpoint;     // e.g. another server's URL
  std::string digicert_endpoint;  // the same for DigiCert
};

// The gateway (plain HTTP on loopback) in front of both certificate suppliers, each simulated
// over HTTPS (TLS by a test CA the gateway trusts through `ca_file`), one DcvWorld both look at,
// and one ManualClock shared by the gateway and the simulators. Routing: dv -> sslci; ov, ev,
// wildcard and multi -> digicert. Jobs do not run by themselves: tests run them with the admin
// endpoint. A partner with a live key and a customer.
class CertificateTest : public ::testing::Test {
 protected:
  CertificateTest();
  ~CertificateTest() override;

  // Stops the running gateway (if any) and starts another on the same database directory.
  void restart_gateway(const CertificateGatewayOptions& options = {});
  void stop_gateway();

  HttpReply api(const std::string& method, const std::string& target,
                const std::string& body = {}) {
    return api_as(key_.secret, method, target, body);
  }
  HttpReply api_as(const std::string& key, const std::string& method, const std::string& target,
                   const std::string& body = {}) {
    return gateway_->api(method, target, key, body, {{"Content-Type", "application/json"}});
  }

  // POST /api/v1/ssl with the customer and `fields` (a JSON object's members, without braces);
  // returns the certificate object of the 201 answer (Null after a failed assertion).
  rapidjson::Document order(const std::string& fields);
  // The certificate object of GET /api/v1/ssl/{id}, or of another call answering one.
  rapidjson::Document certificate(const std::string& id);
  rapidjson::Document call(const std::string& method, const std::string& target,
                           int expected_status, const std::string& body = {});

  // Publishes every validation's instructions of a certificate object into the world: the file
  // for http, the record for dns.
  void publish(const rapidjson::Value& certificate);
  // One pass of the certificate job over everything (`all`) or only what is due; the report.
  rapidjson::Document run_job(bool all = true);

  // Checks an issued certificate object: status, names, dates and serial as the PEM says, a
  // chain that parses and ends at `root_pem`, and the names it was ordered for.
  void expect_issued(const rapidjson::Value& certificate, const std::vector<std::string>& names,
                     const std::string& root_pem) const;

  // Event types recorded for an object, oldest first, read from the database file.
  std::vector<std::string> event_types(const std::string& object_id) const;
  // Certificate events (ssl.*) recorded, whatever their object.
  std::size_t certificate_event_count() const;
  // The object's next scheduled check, read from the database file.
  std::optional<core::TimePoint> next_check_at(const std::string& object_id) const;

  // Requests each simulator received under its API (control calls excluded).
  std::size_t sslci_calls() const { return sslci_server_->journal().size(); }
  std::size_t digicert_calls() const { return digicert_server_->journal().size(); }
  // The simulator's order behind a certificate, found by its names (the API does not show
  // supplier ids): the newest SSLCI order of `domain`, the newest DigiCert order whose common
  // name is `common_name`.
  std::optional<sim::sslci::OrderRecord> sslci_order(const std::string& domain) const;
  std::optional<sim::digicert::OrderView> digicert_order(const std::string& common_name) const;

  // Starts one more partner with a live key; returns the key's secret.
  std::string other_partner_key();

  TempDir files_;     // secrets, the CA file
  TempDir data_dir_;  // the database and its key file, kept across restarts
  std::shared_ptr<core::ManualClock> clock_;
  core::SeededRandom sim_random_{20260513};
  sim::DcvWorld world_;
  std::unique_ptr<sim::sslci::Simulator> sslci_;
  std::unique_ptr<sim::Server> sslci_server_;
  std::unique_ptr<sim::digicert::Simulator> digicert_;
  std::unique_ptr<sim::Server> digicert_server_;
  std::string ca_file_;
  std::unique_ptr<RunningGateway> gateway_;
  std::string partner_;
  RunningGateway::Key key_;
  std::string customer_;
};

// The TLS authority of every simulator in these tests.
const sim::TestCa& simulator_tls_ca();

// A JSON string literal for `text` (quotes and escapes), for building bodies.
std::string json_string(const std::string& text);

}  // namespace portico::testing
