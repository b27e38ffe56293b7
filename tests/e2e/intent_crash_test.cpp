// A crash between the supplier's success and the local commit: the real `portico` binary is
// killed (SIGKILL) while a registration it sent has been carried out by the supplier but not
// answered yet. Restarted on the same database, it asks the supplier, records the domain once,
// and the retry with the same Idempotency-Key gets it: registered and charged once.
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

TEST(IntentCrashTest, ARegistrationCutOffByAKillIsRecordedOnceAfterTheRestart) {
  SimulatedAccount account("primary", 1'000'000);
  TempDir dir;
  write_file(dir.file("admin-token"), "crash-admin-token-0123456789\n");
  const std::string config = dir.file("portico.yaml");
  // A deadline longer than the supplier's delay: the kill, not a timeout, cuts the call.
  std::string provider = account.provider_yaml(dir);
  provider.replace(provider.find("timeout_ms: 2000"), 16, "timeout_ms: 20000");
  write_file(config,
             "server: { listen: 127.0.0.1:0, threads: 2, shutdown_grace_ms: 2000 }\n"
             "admin:\n  listen: 127.0.0.1:0\n  token_file: admin-token\n"
             "storage: { sqlite: ./data/portico.db }\n"
             "jobs: { enabled: false }\n"
             "providers:\n" +
                 provider + "routing:\n  domains: { \"*\": [primary] }\n");
  const std::string key = create_key_with_cli(config, "crash");
  ASSERT_FALSE(key.empty());
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Authorization", "Bearer " + key},
      {"Content-Type", "application/json"},
      {"Idempotency-Key", "register-before-the-crash"}};
  const std::string body =
      R"({"name":"crash-test.com","years":1,"nameservers":["ns1.hostco.net","ns2.hostco.net"],)"
      R"("contacts":)" +
      kContacts + "}";

  const std::string log = dir.file("serve.log");
  std::uint16_t port = 0;
  auto gateway = start_gateway_binary(config, log, port);
  ASSERT_NE(port, 0) << read_file(log);

  // The supplier registers at once but answers only after 10 s: the gateway dies first.
  account.server->inject({.kind = sim::FaultKind::latency,
                          .path_prefix = kRegisterPath,
                          .count = 1,
                          .delay = 10s,
                          .after_handler = true});
  auto cut_off = std::async(std::launch::async, [&] {
    try {
      return http_request(port, "POST", "/api/v1/domains", headers, body).status;
    } catch (const std::exception&) {
      return 0;  // the connection died with the gateway
    }
  });
  for (int i = 0; i < 200 && !account.simulator->domain("crash-test.com"); ++i)
    std::this_thread::sleep_for(25ms);
  ASSERT_TRUE(account.simulator->domain("crash-test.com").has_value());
  gateway->signal(SIGKILL);
  gateway->wait(10s);
  gateway.reset();
  EXPECT_EQ(cut_off.get(), 0);  // the client never got an answer

  const std::string database = dir.file("data/portico.db");
  EXPECT_TRUE(
      query_texts(database, "SELECT id FROM objects WHERE name = ?", {"crash-test.com"}).empty());
  EXPECT_EQ(query_texts(database, "SELECT state FROM supplier_intents", {}),
            std::vector<std::string>{"open"});

  // Restarted: before serving it holds the key for the intent; its first reconciler pass asks
  // the supplier and records the domain.
  gateway = start_gateway_binary(config, log, port);
  ASSERT_NE(port, 0) << read_file(log);
  std::vector<std::string> ids;
  for (int i = 0; i < 200 && ids.empty(); ++i) {
    ids = query_texts(database, "SELECT id FROM objects WHERE name = ?", {"crash-test.com"});
    if (ids.empty()) std::this_thread::sleep_for(25ms);
  }
  ASSERT_EQ(ids.size(), 1U) << read_file(log);
  EXPECT_EQ(query_texts(database, "SELECT type FROM events WHERE object_id = ?", {ids.front()}),
            std::vector<std::string>{"domain.registered"});
  EXPECT_EQ(query_texts(database, "SELECT action FROM orders WHERE object_id = ?", {ids.front()}),
            std::vector<std::string>{"domain.register"});

  const HttpReply retry = http_request(port, "POST", "/api/v1/domains", headers, body);
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_NE(retry.body.find(ids.front()), std::string::npos) << retry.body;
  EXPECT_EQ(account.simulator->charges(), 1U);
  std::size_t registrations = 0;
  for (const auto& request : account.server->journal())
    registrations += request.path == kRegisterPath ? 1 : 0;
  EXPECT_EQ(registrations, 1U);

  gateway->signal(SIGTERM);
  EXPECT_EQ(gateway->wait(10s), 0) << read_file(log);
}

}  // namespace
}  // namespace portico::testing
