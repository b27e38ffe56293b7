#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/gateway_fixture.hpp"
#include "hostraha/sim/simulator.hpp"

namespace portico::testing {

// A "contacts" object with a valid registrant.
inline const std::string kContacts =
    R"({"registrant":{"first_name":"Wanjiru","last_name":"Kamau",)"
    R"("email":"wanjiru@example.co.ke","phone":"+254.712345678","address1":"1 Moi Avenue",)"
    R"("city":"Nairobi","state":"Nairobi","postcode":"00100","country":"KE"}})";

// One Hostraha account simulated on loopback (plain HTTP; the adapter tests cover TLS).
struct SimulatedAccount {
  std::string instance;
  std::unique_ptr<sim::hostraha::Simulator> simulator;
  std::unique_ptr<sim::Server> server;

  SimulatedAccount(std::string name, std::int64_t credit_minor);
  // The provider block for the gateway's config, with its key in a file under `dir`.
  std::string provider_yaml(const TempDir& dir) const;
  // Requests the simulator received under its API path (control calls excluded).
  std::size_t calls() const { return server->journal().size(); }
};

// The gateway with two Hostraha accounts: ".co.ke" served by `kenya`, ".com" by `primary`
// first and `kenya` second, ".net" by `primary`; nothing else. A partner with a live key and
// a customer.
class DomainTest : public ::testing::Test {
 protected:
  DomainTest();

  HttpReply api(const std::string& method, const std::string& target,
                const std::string& body = {}) {
    return gateway_->api(method, target, key_.secret, body, {{"Content-Type", "application/json"}});
  }
  // A registration body for `name` with the customer, two name servers and a registrant.
  std::string registration(const std::string& name, const std::string& extra = "") const;
  // Registers `name` and returns its id (asserting a 201).
  std::string register_domain(const std::string& name);
  // Event types recorded for an object, oldest first, read from the database file.
  std::vector<std::string> event_types(const std::string& object_id) const;
  std::string event_data(const std::string& event_type, const std::string& object_id) const;

  TempDir keys_dir_;
  SimulatedAccount primary_{"primary", 1'000'000};
  SimulatedAccount kenya_{"kenya", 1'000'000};
  std::unique_ptr<RunningGateway> gateway_;
  std::string partner_;
  RunningGateway::Key key_;
  std::string customer_;
};

}  // namespace portico::testing
