#include "e2e/domain_fixture.hpp"

namespace portico::testing {

SimulatedAccount::SimulatedAccount(std::string name, std::int64_t credit_minor)
    : instance(std::move(name)) {
  simulator = std::make_unique<sim::hostraha::Simulator>(
      sim::hostraha::SimulatorOptions{.email = instance + "@reseller.example",
                                      .api_key = instance + "-key-0123456789",
                                      .credit_minor = credit_minor});
  server = std::make_unique<sim::Server>(sim::ServerOptions{.name = instance});
  simulator->install(*server);
  server->start();
}

std::string SimulatedAccount::provider_yaml(const TempDir& dir) const {
  dir.write(instance + ".key", instance + "-key-0123456789");
  return "  " + instance + ":\n    type: hostraha\n    endpoint: " + server->base_url() +
         std::string(sim::hostraha::kDefaultBasePath) + "\n    username: " + instance +
         "@reseller.example\n    api_key_file: " + dir.file(instance + ".key") +
         "\n    timeout_ms: 2000\n";
}

DomainTest::DomainTest() {
  const std::string yaml = "jobs:\n  enabled: false\nproviders:\n" +
                           primary_.provider_yaml(keys_dir_) + kenya_.provider_yaml(keys_dir_) +
                           "routing:\n  domains:\n    \".co.ke\": [kenya]\n"
                           "    \".com\": [primary, kenya]\n    \".net\": [primary]\n";
  gateway_ = std::make_unique<RunningGateway>("", yaml);
  partner_ = gateway_->create_partner("acme-hosting");
  key_ = gateway_->create_key(partner_);
  const HttpReply customer = api("POST", "/api/v1/customers",
                                 R"({"name":"Wanjiru Kamau","email":"wanjiru@example.co.ke"})");
  EXPECT_EQ(customer.status, 201) << customer.body;
  customer_ = customer.json()["data"]["id"].GetString();
}

std::string DomainTest::registration(const std::string& name, const std::string& extra) const {
  return R"({"name":")" + name + R"(","customer_id":")" + customer_ +
         R"(","years":2,"nameservers":["ns1.hostco.net","ns2.hostco.net"],"contacts":)" +
         kContacts + (extra.empty() ? "" : "," + extra) + "}";
}

std::string DomainTest::register_domain(const std::string& name) {
  const HttpReply reply = api("POST", "/api/v1/domains", registration(name));
  EXPECT_EQ(reply.status, 201) << reply.body;
  if (reply.status != 201) return {};
  return reply.json()["data"]["id"].GetString();
}

std::vector<std::string> DomainTest::event_types(const std::string& object_id) const {
  return query_texts(gateway_->database_path(),
                     "SELECT type FROM events WHERE object_id = ? ORDER BY seq", {object_id});
}

std::string DomainTest::event_data(const std::string& event_type,
                                   const std::string& object_id) const {
  const auto rows = query_texts(gateway_->database_path(),
                                "SELECT data FROM events WHERE object_id = ? AND type = ? "
                                "ORDER BY seq DESC LIMIT 1",
                                {object_id, event_type});
  return rows.empty() ? std::string() : rows.front();
}

}  // namespace portico::testing
