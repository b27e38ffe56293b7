#include "e2e/hosting_fixture.hpp"

#include "portico/core/crypto.hpp"
#include "portico/core/json.hpp"

namespace portico::testing {

namespace {

// Longer than 16 bytes: gpfPassEncrypt's AES key is its first 16, the HMAC key all of it.
constexpr const char* kApiKey = "gp-reseller-key-4c1d9e27a8b3f650";
constexpr const char* kApiPath = "/api/v1";

// 2026-03-10T09:00:00Z: early in a month, so a test can stay in it or move to the next.
constexpr std::int64_t kStart = 1773133200;

}  // namespace

std::string text_of(const rapidjson::Value& object, const char* field) {
  if (!object.IsObject() || !object.HasMember(field) || !object[field].IsString()) return {};
  return object[field].GetString();
}

std::int64_t integer_of(const rapidjson::Value& object, const char* field) {
  if (!object.IsObject() || !object.HasMember(field) || !object[field].IsInt64()) return -1;
  return object[field].GetInt64();
}

HostingTest::HostingTest()
    : clock_(std::make_shared<core::ManualClock>(core::from_unix_seconds(kStart))) {
  supplier_ = std::make_unique<sim::geniusplugin::Simulator>(sim::geniusplugin::SimulatorOptions{
      .api_key = kApiKey, .clock = clock_.get(), .random = &sim_random_});
  supplier_server_ = std::make_unique<sim::Server>(sim::ServerOptions{.name = "geniusplugin"});
  supplier_->install(*supplier_server_, kApiPath);
  supplier_server_->start();
  files_.write("geniusplugin.key", kApiKey);

  restart_gateway();
  partner_ = gateway_->create_partner("acme-hosting");
  key_ = gateway_->create_key(partner_);
  customer_ = create_customer("Wanjiru Kamau", "wanjiru@example.co.ke");
}

HostingTest::~HostingTest() {
  // The gateway first: its client talks to the simulator until it stops.
  stop_gateway();
}

void HostingTest::stop_gateway() {
  gateway_.reset();
}

void HostingTest::restart_gateway(const HostingGatewayOptions& options) {
  stop_gateway();
  std::string yaml = "jobs:\n  enabled: false\n";
  yaml += "providers:\n  firewall:\n    type: geniusplugin\n    endpoint: " +
          supplier_server_->base_url() + kApiPath +
          "\n    api_key_file: " + files_.file("geniusplugin.key") +
          "\n    source_address: " + options.source_address + "\n    timeout_ms: 2000\n";
  if (!options.credit_floor.empty()) yaml += "    credit_floor: " + options.credit_floor + "\n";
  yaml += "routing:\n  hosting:\n    firewall: [firewall]\n";
  yaml +=
      "pricing:\n  currency: USD\n  hosting: { Free: 0, 10k: 0.10, 20k: 0.20, 40k: 0.70, "
      "100k: 1.30, 200k: 2.50 }\n";
  gateway_ = std::make_unique<RunningGateway>("", yaml, data_dir_.path().string(), clock_);
}

rapidjson::Document HostingTest::call(const std::string& method, const std::string& target,
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

rapidjson::Document HostingTest::provision(const std::string& fields) {
  return call("POST", "/api/v1/hosting", 201, "{" + fields + "}");
}

rapidjson::Document HostingTest::provision(const std::string& domain, const std::string& plan) {
  return provision(R"("customer_id":")" + customer_ + R"(","domain":")" + domain + R"(","plan":")" +
                   plan + R"(","email":"owner@)" + domain + "\"");
}

rapidjson::Document HostingTest::package(const std::string& id) {
  return call("GET", path(id), 200);
}

std::vector<std::string> HostingTest::event_types(const std::string& object_id) const {
  return query_texts(gateway_->database_path(),
                     "SELECT type FROM events WHERE object_id = ? ORDER BY seq", {object_id});
}

std::vector<std::string> HostingTest::event_data(const std::string& object_id) const {
  return query_texts(gateway_->database_path(),
                     "SELECT data FROM events WHERE object_id = ? ORDER BY seq", {object_id});
}

std::size_t HostingTest::hosting_event_count() const {
  return query_texts(gateway_->database_path(), "SELECT type FROM events WHERE type LIKE ?",
                     {"hosting.%"})
      .size();
}

std::size_t HostingTest::order_count() const {
  return query_texts(gateway_->database_path(), "SELECT id FROM orders", {}).size();
}

std::string HostingTest::database_bytes() const {
  return read_file(gateway_->database_path()) + read_file(gateway_->database_path() + "-wal");
}

std::string HostingTest::log_text() const {
  std::string text;
  for (const auto& line : gateway_->log_lines())
    text += line + "\n";
  return text;
}

std::string HostingTest::supplier_call(const std::string& endpoint, const std::string& domain) {
  // The digits of the time in order are one of str_shuffle's permutations.
  const std::string timestamp = std::to_string(core::unix_seconds(clock_->now()));
  const std::string hash = core::crypto::hex(
      core::crypto::sha1(core::crypto::hex(core::crypto::sha1(kApiKey)) + domain + timestamp));
  const HttpReply reply =
      http_request(supplier_server_->port(), "POST", std::string(kApiPath) + "/" + endpoint + "/",
                   {{"Content-Type", "application/x-www-form-urlencoded"}},
                   "domain=" + domain + "&timestamp=" + timestamp + "&hash=" + hash);
  EXPECT_EQ(reply.status, 200) << endpoint << ": " << reply.body;
  return text_of(reply.json(), "status");
}

std::string HostingTest::create_customer(const std::string& name, const std::string& email) {
  const HttpReply customer =
      api("POST", "/api/v1/customers", R"({"name":")" + name + R"(","email":")" + email + "\"}");
  EXPECT_EQ(customer.status, 201) << customer.body;
  return text_of(customer.json()["data"], "id");
}

std::string HostingTest::other_partner_key() {
  const std::string partner = gateway_->create_partner("other-hosting");
  return gateway_->create_key(partner).secret;
}

}  // namespace portico::testing
