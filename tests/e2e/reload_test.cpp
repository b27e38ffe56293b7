// SIGHUP reloads the configuration of the real `portico` binary without dropping anything: a
// request in flight finishes on the configuration it started with, a kept-alive connection
// goes on, new requests follow the new routes and instances, and an instance whose block did
// not change keeps its state. A file that does not validate, or that changes what only a
// restart can, is refused and the running configuration stays.
#include <future>
#include <signal.h>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/binary_fixture.hpp"
#include "e2e/domain_fixture.hpp"
#include "support/http.hpp"
#include "support/temp_dir.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kRegisterPath =
    "/modules/addons/DomainsReseller/api/index.php/order/domains/register";

class ReloadTest : public ::testing::Test {
 protected:
  ReloadTest() {
    write_file(dir_.file("admin-token"), "reload-admin-token-0123456789\n");
    write_config(false);
    key_ = create_key_with_cli(config_, "reload");
  }
  ~ReloadTest() override {
    if (gateway_) {
      gateway_->signal(SIGTERM);
      gateway_->wait(10s);
    }
  }

  // The base configuration (listeners on port 0, or `listen_port`); with `secondary`, a second
  // account serving .net.
  void write_config(bool secondary, const std::string& extra = {}) {
    std::string providers = primary_.provider_yaml(dir_);
    std::string routes = "    \"*\": [primary]\n";
    if (secondary) {
      providers += secondary_.provider_yaml(dir_);
      routes += "    \".net\": [secondary]\n";
    }
    write_file(config_, "server: { listen: 127.0.0.1:" + std::to_string(listen_port_) +
                            ", threads: 2, shutdown_grace_ms: 2000 }\n"
                            "admin:\n  listen: 127.0.0.1:0\n  token_file: admin-token\n"
                            "storage: { sqlite: ./data/portico.db }\n"
                            "jobs: { enabled: false }\n" +
                            extra + "providers:\n" + providers + "routing:\n  domains:\n" + routes);
  }

  void start() {
    gateway_ = start_gateway_binary(config_, log_, port_);
    ASSERT_NE(port_, 0) << read_file(log_);
    const std::string ready = read_file(log_);
    const std::string field = "admin=127.0.0.1:";
    const std::size_t at = ready.rfind(field);
    ASSERT_NE(at, std::string::npos);
    admin_port_ = static_cast<std::uint16_t>(std::stoi(ready.substr(at + field.size())));
  }

  // Sends SIGHUP and waits for the gateway to log the outcome; returns that line.
  std::string hang_up() {
    const std::size_t seen = read_file(log_).size();
    gateway_->signal(SIGHUP);
    std::string line = wait_for_file_line(log_, seen, "configuration reload", 10s);
    return line;
  }

  HttpReply register_domain(const std::string& name) {
    return http_request(port_, "POST", "/api/v1/domains", auth(), body(name));
  }
  std::vector<std::pair<std::string, std::string>> auth() const {
    return {{"Authorization", "Bearer " + key_}, {"Content-Type", "application/json"}};
  }
  static std::string body(const std::string& name) {
    return R"({"name":")" + name +
           R"(","years":1,"nameservers":["ns1.hostco.net","ns2.hostco.net"],"contacts":)" +
           kContacts + "}";
  }
  static std::size_t registrations(const SimulatedAccount& account) {
    std::size_t count = 0;
    for (const auto& request : account.server->journal())
      count += request.path == kRegisterPath ? 1 : 0;
    return count;
  }

  SimulatedAccount primary_{"primary", 1'000'000};
  SimulatedAccount secondary_{"secondary", 1'000'000};
  TempDir dir_;
  const std::string config_ = dir_.file("portico.yaml");
  const std::string log_ = dir_.file("serve.log");
  std::uint16_t listen_port_ = 0;
  std::uint16_t admin_port_ = 0;
  std::uint16_t port_ = 0;
  std::string key_;
  std::unique_ptr<BackgroundProcess> gateway_;
};

TEST_F(ReloadTest, SighupAppliesNewRoutesWithoutDroppingAnything) {
  ASSERT_FALSE(key_.empty());
  start();
  ASSERT_EQ(register_domain("first.com").status, 201);

  // A registration the supplier answers slowly, in flight across the reload.
  primary_.server->inject({.kind = sim::FaultKind::latency,
                           .path_prefix = kRegisterPath,
                           .count = 1,
                           .delay = 1500ms,
                           .after_handler = true});
  auto in_flight = std::async(std::launch::async, [this] { return register_domain("slow.com"); });
  for (int i = 0; i < 200 && registrations(primary_) < 2; ++i)
    std::this_thread::sleep_for(10ms);
  HttpConnection kept_alive(port_);
  ASSERT_EQ(kept_alive.request("GET", "/api/v1/me", auth()).status, 200);

  write_config(true);
  const std::string reloaded = hang_up();
  EXPECT_NE(reloaded.find("configuration reloaded"), std::string::npos) << reloaded;
  EXPECT_NE(reloaded.find("providers_kept=1"), std::string::npos) << reloaded;

  const HttpReply slow = in_flight.get();
  EXPECT_EQ(slow.status, 201) << slow.body;
  EXPECT_EQ(kept_alive.request("GET", "/api/v1/me", auth()).status, 200);
  // Once its last request and its jobs are done, the previous configuration is let go.
  EXPECT_NE(wait_for_file_line(log_, 0, "previous configuration released", 10s), "")
      << read_file(log_);

  // The new route serves .net; .com stays where it was.
  ASSERT_EQ(register_domain("second.net").status, 201);
  EXPECT_EQ(registrations(secondary_), 1U);
  EXPECT_EQ(registrations(primary_), 2U);
  const HttpReply health =
      http_request(admin_port_, "GET", "/admin/health",
                   {{"Authorization", "Bearer reload-admin-token-0123456789"}});
  ASSERT_EQ(health.status, 200) << health.body;
  const auto json = health.json();
  ASSERT_EQ(json["data"]["providers"].Size(), 2U) << health.body;
  // The kept instance kept its counts: the calls made before the reload are still there.
  for (const auto& provider : json["data"]["providers"].GetArray()) {
    if (std::string(provider["name"].GetString()) == "primary") {
      EXPECT_GE(provider["calls"].GetInt64(), 4) << health.body;
    }
  }
}

TEST_F(ReloadTest, AFileThatDoesNotValidateIsRefusedAndTheRunningOneStays) {
  ASSERT_FALSE(key_.empty());
  start();
  write_config(true);
  ASSERT_NE(hang_up().find("configuration reloaded"), std::string::npos);

  write_file(config_, read_file(config_) + "routng: {}\n");
  const std::string refused = hang_up();
  EXPECT_NE(refused.find("configuration reload refused"), std::string::npos) << refused;
  EXPECT_NE(refused.find("routng"), std::string::npos) << refused;
  EXPECT_NE(refused.find("did you mean 'routing'"), std::string::npos) << refused;
  ASSERT_EQ(register_domain("still.net").status, 201);
  EXPECT_EQ(registrations(secondary_), 1U);

  // Another listener needs a restart: refused as a whole.
  listen_port_ = 1;
  write_config(false);
  const std::string restart = hang_up();
  EXPECT_NE(restart.find("restart_required"), std::string::npos) << restart;
  ASSERT_EQ(register_domain("again.net").status, 201);
  EXPECT_EQ(registrations(secondary_), 2U);
}

}  // namespace
}  // namespace portico::testing
