// The outbox survives SIGKILL: the real `portico` binary is killed while thousands of
// deliveries wait, restarted on the same database, and every recorded event reaches the
// receiver at least once.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <signal.h>
#include <thread>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "portico/sim/server.hpp"

#include "e2e/binary_fixture.hpp"
#include "e2e/gateway_fixture.hpp"
#include "support/http.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kCustomers = 3000;
constexpr int kClientThreads = 4;

std::string write_config(const TempDir& dir) {
  const std::string path = dir.file("portico.yaml");
  write_file(dir.file("admin-token"), "crash-admin-token-0123456789\n");
  write_file(
      path,
      "server: { listen: 127.0.0.1:0, threads: 2, shutdown_grace_ms: 2000 }\n"
      "admin:\n  listen: 127.0.0.1:0\n  token_file: admin-token\n"
      "storage: { sqlite: ./data/portico.db }\n"
      "jobs: { enabled: false }\n"
      "keys: { requests_per_second: 0 }\n"  // thousands of calls, as fast as they go
      "webhooks: { allow_private_targets: true, allow_http: true, poll_interval_ms: 200 }\n");
  return path;
}

// What the receiver saw: every delivery id with the event it carried.
class Receipts {
 public:
  void add(const std::string& delivery_id, const std::string& event_id) {
    const std::lock_guard lock(mutex_);
    ++requests_;
    events_.insert(event_id);
    deliveries_[delivery_id] = event_id;
  }
  int requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }
  std::set<std::string> events() const {
    const std::lock_guard lock(mutex_);
    return events_;
  }
  std::size_t distinct_deliveries() const {
    const std::lock_guard lock(mutex_);
    return deliveries_.size();
  }

 private:
  mutable std::mutex mutex_;
  int requests_ = 0;
  std::set<std::string> events_;
  std::map<std::string, std::string> deliveries_;
};

// The event id a delivery carried (its body is the event object).
std::string event_id_of(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.c_str());
  if (document.HasParseError() || !document.IsObject() || !document.HasMember("id") ||
      !document["id"].IsString()) {
    return {};
  }
  return document["id"].GetString();
}

TEST(WebhookCrashTest, SigkillWithThousandsPendingLosesNoEvent) {
  TempDir dir;
  const std::string config = write_config(dir);
  const std::string database = dir.file("data/portico.db");

  Receipts receipts;
  sim::Server receiver({.name = "receiver"});
  receiver.route("POST", "/hook", [&receipts](const sim::SimRequest& request) {
    receipts.add(request.header("X-Portico-Delivery").value_or(""), event_id_of(request.body));
    return sim::SimResponse{.status = 204, .content_type = ""};
  });
  receiver.start();
  // A slow receiver while events pile up, so that thousands wait when the gateway dies.
  receiver.inject(
      {.kind = sim::FaultKind::latency, .path_prefix = "/hook", .count = -1, .delay = 40ms});

  const std::string key = create_key_with_cli(config, "crash");
  ASSERT_FALSE(key.empty());
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer " + key}};

  const std::string log = dir.file("serve.log");
  std::uint16_t port = 0;
  auto gateway = start_gateway_binary(config, log, port);
  ASSERT_NE(port, 0) << read_file(log);

  const HttpReply endpoint =
      http_request(port, "POST", "/api/v1/webhooks", auth,
                   R"({"url":"http://127.0.0.1:)" + std::to_string(receiver.port()) +
                       R"(/hook","events":["*"]})");
  ASSERT_EQ(endpoint.status / 100, 2) << endpoint.body;

  // Thousands of state changes, each recording an event and its delivery.
  const auto creating = std::chrono::steady_clock::now();
  std::atomic<int> accepted{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClientThreads; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < kCustomers / kClientThreads; ++i) {
        const std::string n = std::to_string(t) + "-" + std::to_string(i);
        const HttpReply reply =
            http_request(port, "POST", "/api/v1/customers", auth,
                         R"({"name":"Customer )" + n + R"(","email":"c)" + n + R"(@example.com"})");
        if (reply.status / 100 == 2) ++accepted;
      }
    });
  }
  for (auto& client : clients)
    client.join();
  ASSERT_EQ(accepted.load(), kCustomers);
  std::cout << "[ crash    ] " << kCustomers << " customers created in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - creating).count()
            << " s\n";

  gateway->signal(SIGKILL);
  gateway->wait(10s);
  gateway.reset();

  const std::vector<std::string> events_recorded =
      query_texts(database, "SELECT id FROM events", {});
  const std::vector<std::string> pending =
      query_texts(database, "SELECT id FROM webhook_deliveries WHERE status = 'pending'", {});
  std::cout << "[ crash    ] killed with " << pending.size() << " of " << events_recorded.size()
            << " deliveries pending; receiver had " << receipts.requests() << " requests\n";
  ASSERT_GE(static_cast<int>(events_recorded.size()), kCustomers);
  ASSERT_GE(pending.size(), 1000U) << "the kill came too late to prove anything";

  // Restarted with a fast receiver: every recorded event arrives.
  receiver.clear_faults();
  gateway = start_gateway_binary(config, log, port);
  ASSERT_NE(port, 0) << read_file(log);

  const std::set<std::string> expected(events_recorded.begin(), events_recorded.end());
  std::set<std::string> missing;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  do {
    std::this_thread::sleep_for(200ms);
    const std::set<std::string> received = receipts.events();
    missing.clear();
    for (const std::string& id : expected)
      if (received.count(id) == 0) missing.insert(id);
  } while (!missing.empty() && std::chrono::steady_clock::now() < deadline);
  EXPECT_TRUE(missing.empty()) << missing.size() << " recorded events never delivered, e.g. "
                               << (missing.empty() ? "" : *missing.begin());

  // Every delivery settled, none left behind; duplicates only from attempts cut by the kill.
  std::vector<std::string> unsettled;
  for (int i = 0; i < 50; ++i) {
    unsettled =
        query_texts(database, "SELECT id FROM webhook_deliveries WHERE status != 'succeeded'", {});
    if (unsettled.empty()) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(unsettled.empty()) << unsettled.size() << " deliveries not succeeded";
  const int duplicates = receipts.requests() - static_cast<int>(receipts.distinct_deliveries());
  std::cout << "[ crash    ] all " << expected.size() << " events delivered after restart; "
            << duplicates << " duplicate requests (attempts in flight at the kill)\n";
  EXPECT_LE(duplicates, 64);

  gateway->signal(SIGTERM);
  EXPECT_EQ(gateway->wait(10s), 0) << read_file(log);
}

}  // namespace
}  // namespace portico::testing
