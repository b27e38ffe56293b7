#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/random.hpp"
#include "portico/sim/server.hpp"

#include "e2e/gateway_fixture.hpp"
#include "geniusplugin/sim/simulator.hpp"

namespace portico::testing {

// The provider instance and hosting product every gateway of these tests routes to.
inline constexpr const char* kFirewall = "firewall";

// Prices per period in the gateway's `pricing:` section, in cents: amounts binary floating
// point cannot sum exactly (0.10 + 0.20 != 0.30 in a double).
inline constexpr std::int64_t kPrice10k = 10;
inline constexpr std::int64_t kPrice20k = 20;
inline constexpr std::int64_t kPrice40k = 70;
inline constexpr std::int64_t kPrice100k = 130;
inline constexpr std::int64_t kPrice200k = 250;

// What the supplier (the simulator) debits per year, in cents (docs/upstreams/geniusplugin.md).
inline constexpr std::int64_t kSupplierPrice10k = 500;
inline constexpr std::int64_t kSupplierPrice20k = 900;

// What differs between the gateways one test starts.
struct HostingGatewayOptions {
  std::string source_address = "127.0.0.1";  // the address the gateway's calls leave from
  std::string credit_floor = "50.00";        // empty: no floor configured
};

// The gateway (plain HTTP on loopback) in front of the GeniusPlugin simulator (plain HTTP on
// 127.0.0.1, accepting calls from 127.0.0.1 only), both on one ManualClock. The instance
// "firewall" serves the hosting product "firewall"; pricing covers every plan; jobs do not run
// by themselves. A partner with a live key and a customer.
class HostingTest : public ::testing::Test {
 protected:
  HostingTest();
  ~HostingTest() override;

  // Stops the running gateway (if any) and starts another on the same database directory.
  void restart_gateway(const HostingGatewayOptions& options = {});
  void stop_gateway();

  HttpReply api(const std::string& method, const std::string& target,
                const std::string& body = {}) {
    return api_as(key_.secret, method, target, body);
  }
  HttpReply api_as(const std::string& key, const std::string& method, const std::string& target,
                   const std::string& body = {}) {
    return gateway_->api(method, target, key, body, {{"Content-Type", "application/json"}});
  }
  // The `data` of an answer with `expected_status` (Null, after a failed expectation, when the
  // status differs).
  rapidjson::Document call(const std::string& method, const std::string& target,
                           int expected_status, const std::string& body = {});

  // POST /api/v1/hosting with `fields` (a JSON object's members, without braces); the 201's
  // hosting object, password included.
  rapidjson::Document provision(const std::string& fields);
  // A package for the fixture's customer: `domain` on `plan`, a generated password.
  rapidjson::Document provision(const std::string& domain, const std::string& plan);
  // The hosting object of GET /api/v1/hosting/{id}.
  rapidjson::Document package(const std::string& id);
  static std::string path(const std::string& id, const std::string& action = {}) {
    return "/api/v1/hosting/" + id + (action.empty() ? "" : "/" + action);
  }

  // Event types recorded for an object, oldest first, and their data (JSON text), read from
  // the database file.
  std::vector<std::string> event_types(const std::string& object_id) const;
  std::vector<std::string> event_data(const std::string& object_id) const;
  // Hosting events (hosting.*) recorded, whatever their object.
  std::size_t hosting_event_count() const;
  // Orders recorded (any partner, any action), read from the database file.
  std::size_t order_count() const;
  // The database file and its write-ahead log, byte for byte.
  std::string database_bytes() const;
  // Every line the gateway logged, one a line.
  std::string log_text() const;

  // Acts at the supplier directly, as the reseller's own panel would (the simulator's API with
  // its authentication): e.g. "suspended", "active" or "delete" for `domain`. Returns the
  // answer's `status`.
  std::string supplier_call(const std::string& endpoint, const std::string& domain);

  // One more customer of the fixture's partner; its id.
  std::string create_customer(const std::string& name, const std::string& email);
  // Starts one more partner with a live key; returns the key's secret.
  std::string other_partner_key();

  TempDir files_;     // the API key file
  TempDir data_dir_;  // the database and its key file, kept across restarts
  std::shared_ptr<core::ManualClock> clock_;
  core::SeededRandom sim_random_{20260310};
  std::unique_ptr<sim::geniusplugin::Simulator> supplier_;
  std::unique_ptr<sim::Server> supplier_server_;
  std::unique_ptr<RunningGateway> gateway_;
  std::string partner_;
  RunningGateway::Key key_;
  std::string customer_;
};

// A string member of a JSON object; empty when absent or not a string.
std::string text_of(const rapidjson::Value& object, const char* field);
// An integer member of a JSON object; -1 when absent or not an integer.
std::int64_t integer_of(const rapidjson::Value& object, const char* field);

}  // namespace portico::testing
