// Supplier resilience through the whole gateway: the circuit breaker as /admin/health and
// /admin/metrics report it, failover past an open circuit, and one hanging supplier leaving
// another's calls fast. Two Hostraha accounts on loopback; the HTTP client waits on the steady
// clock, so the durations are short and real.
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/domain_fixture.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kApiPath = "/modules/addons/DomainsReseller/api/index.php/";

// `primary` serves ".net" alone and ".com" first with `kenya` second; `kenya` serves ".co.ke".
// The primary's breaker opens on 3 calls at 50% failures and stays open one second.
class ResilienceTest : public ::testing::Test {
 protected:
  ResilienceTest() {
    const std::string yaml =
        "jobs:\n  enabled: false\nproviders:\n" + primary_.provider_yaml(keys_dir_) +
        "    circuit_breaker: {min_calls: 3, failure_rate_percent: 50, window_ms: 10000, "
        "open_ms: 1000}\n" +
        kenya_.provider_yaml(keys_dir_) +
        "routing:\n  domains:\n    \".co.ke\": [kenya]\n"
        "    \".com\": [primary, kenya]\n    \".net\": [primary]\n";
    gateway_ = std::make_unique<RunningGateway>("", yaml);
    key_ = gateway_->create_key(gateway_->create_partner("acme-hosting"));
  }

  HttpReply availability(const std::string& name) {
    return gateway_->api("GET", "/api/v1/domains/" + name + "/availability", key_.secret);
  }

  // The health document's entry for one instance.
  static const rapidjson::Value& provider(const rapidjson::Document& health,
                                          const std::string& name) {
    for (const auto& entry : health["data"]["providers"].GetArray()) {
      if (entry["name"].GetString() == name) return entry;
    }
    ADD_FAILURE() << "no provider " << name;
    return health["data"];
  }

  static bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
  }

  TempDir keys_dir_;
  SimulatedAccount primary_{"primary", 1'000'000};
  SimulatedAccount kenya_{"kenya", 1'000'000};
  std::unique_ptr<RunningGateway> gateway_;
  RunningGateway::Key key_;
};

TEST_F(ResilienceTest, TheBreakerOpensOnFailuresShowsInHealthAndMetricsAndCloses) {
  HttpReply health = gateway_->admin("GET", "/admin/health");
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_STREQ(health.json()["data"]["status"].GetString(), "ok");
  EXPECT_STREQ(provider(health.json(), "primary")["circuit"]["state"].GetString(), "closed");

  // The supplier fails every call: the lookup is a read, so each check is tried three times
  // (the default retries), and the third failure opens the circuit.
  primary_.server->inject({.kind = sim::FaultKind::status, .count = -1, .status = 503});
  HttpReply failed = availability("first.net");
  EXPECT_GE(failed.status, 500) << failed.body;
  EXPECT_EQ(primary_.calls(), 3U);

  // Open: refused at once, without a call, with a hint of when to come back.
  HttpReply refused = availability("second.net");
  expect_error(refused, 503, "upstream_error", "upstream_circuit_open");
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_EQ(refused.body.find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(refused.body.find("ostraha"), std::string::npos);  // no supplier name
  EXPECT_EQ(primary_.calls(), 3U);

  health = gateway_->admin("GET", "/admin/health");
  ASSERT_EQ(health.status, 200) << health.body;  // degraded, still serving
  auto document = health.json();
  EXPECT_STREQ(document["data"]["status"].GetString(), "degraded");
  const auto& open = provider(document, "primary");
  EXPECT_STREQ(open["circuit"]["state"].GetString(), "open");
  EXPECT_TRUE(open["circuit"]["since"].IsString());
  EXPECT_STREQ(open["state"].GetString(), "failing");
  EXPECT_EQ(open["calls"].GetInt(), 1);  // one call of three attempts
  EXPECT_EQ(open["failures"].GetInt(), 1);
  EXPECT_EQ(open["retries"].GetInt(), 2);
  EXPECT_EQ(open["refused"]["circuit_open"].GetInt(), 1);
  EXPECT_DOUBLE_EQ(open["error_rate"].GetDouble(), 1.0);
  EXPECT_TRUE(open["latency_ms"]["p50"].IsInt64());
  EXPECT_TRUE(open["latency_ms"]["p99"].IsInt64());
  EXPECT_STREQ(open["last_error"].GetString(), "http_503");
  EXPECT_STREQ(provider(document, "kenya")["circuit"]["state"].GetString(), "closed");
  EXPECT_TRUE(provider(document, "kenya")["latency_ms"]["p50"].IsNull());  // no call yet

  HttpReply metrics = gateway_->admin("GET", "/admin/metrics");
  ASSERT_EQ(metrics.status, 200);
  const std::string& text = metrics.body;
  EXPECT_TRUE(
      has_line(text, "portico_upstream_circuit_state{instance=\"primary\",state=\"open\"} 1"))
      << text;
  EXPECT_TRUE(
      has_line(text, "portico_upstream_circuit_state{instance=\"primary\",state=\"closed\"} 0"));
  EXPECT_TRUE(
      has_line(text, "portico_upstream_circuit_state{instance=\"kenya\",state=\"closed\"} 1"));
  EXPECT_TRUE(
      has_line(text, "portico_upstream_calls_total{instance=\"primary\",outcome=\"failure\"} 1"));
  EXPECT_TRUE(has_line(
      text, "portico_upstream_calls_total{instance=\"primary\",outcome=\"circuit_open\"} 1"));
  EXPECT_TRUE(has_line(text, "portico_upstream_retries_total{instance=\"primary\"} 2"));
  EXPECT_TRUE(has_line(text, "portico_upstream_error_rate{instance=\"primary\"} 1"));
  EXPECT_TRUE(has_line(text, "portico_upstream_latency_seconds_count{instance=\"primary\"} 1"));
  EXPECT_NE(text.find("portico_upstream_latency_seconds{instance=\"primary\",quantile=\"0.99\"} "),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE portico_http_requests_total counter"), std::string::npos);

  // The supplier recovers; after open_ms the next call probes, succeeds and closes the circuit.
  primary_.server->clear_faults();
  std::this_thread::sleep_for(1100ms);
  HttpReply probe = availability("third.net");
  ASSERT_EQ(probe.status, 200) << probe.body;
  EXPECT_EQ(primary_.calls(), 5U);  // the lookup (the probe), then the price list it reads

  health = gateway_->admin("GET", "/admin/health");
  document = health.json();
  EXPECT_STREQ(document["data"]["status"].GetString(), "ok");
  EXPECT_STREQ(provider(document, "primary")["circuit"]["state"].GetString(), "closed");
  EXPECT_STREQ(provider(document, "primary")["state"].GetString(), "ok");
  metrics = gateway_->admin("GET", "/admin/metrics");
  EXPECT_TRUE(has_line(metrics.body,
                       "portico_upstream_circuit_state{instance=\"primary\",state=\"closed\"} 1"));
}

TEST_F(ResilienceTest, ARouteFailsOverToItsSecondInstanceWhileTheFirstsCircuitIsOpen) {
  primary_.server->inject({.kind = sim::FaultKind::reset, .count = -1});
  // Resets on a read: three attempts, the circuit opens, the ".net" check fails.
  EXPECT_GE(availability("first.net").status, 500);
  ASSERT_EQ(primary_.calls(), 3U);
  ASSERT_STREQ(
      provider(gateway_->admin("GET", "/admin/health").json(), "primary")["circuit"]["state"]
          .GetString(),
      "open");

  // ".com" lists kenya second: the open circuit did nothing, so the check moves on at once.
  const std::size_t kenya_before = kenya_.calls();
  const auto started = SteadyClock::now();
  HttpReply answered = availability("moved.com");
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_LT(SteadyClock::now() - started, 1s);
  EXPECT_STREQ(answered.json()["data"]["name"].GetString(), "moved.com");
  EXPECT_GT(kenya_.calls(), kenya_before);
  EXPECT_EQ(primary_.calls(), 3U);  // the primary was not asked

  // A registration fails over the same way: it certainly never reached the primary.
  const HttpReply customer =
      gateway_->api("POST", "/api/v1/customers", key_.secret,
                    R"({"name":"Wanjiru Kamau","email":"wanjiru@example.co.ke"})",
                    {{"Content-Type", "application/json"}});
  ASSERT_EQ(customer.status, 201) << customer.body;
  const std::string body =
      R"({"name":"moved.com","customer_id":")" +
      std::string(customer.json()["data"]["id"].GetString()) +
      R"(","years":1,"nameservers":["ns1.hostco.net","ns2.hostco.net"],"contacts":)" + kContacts +
      "}";
  const HttpReply registered = gateway_->api("POST", "/api/v1/domains", key_.secret, body,
                                             {{"Content-Type", "application/json"}});
  ASSERT_EQ(registered.status, 201) << registered.body;
  EXPECT_TRUE(kenya_.simulator->domain("moved.com").has_value());
  EXPECT_FALSE(primary_.simulator->domain("moved.com").has_value());
  EXPECT_EQ(primary_.calls(), 3U);
}

TEST_F(ResilienceTest, CallsToOneSupplierStayFastWhileAnotherHangs) {
  // The primary takes every request and never answers (timeout_ms is 2000 for both).
  primary_.server->inject({.kind = sim::FaultKind::timeout, .count = -1});
  std::vector<std::future<HttpReply>> hung;
  for (int i = 0; i < 6; ++i) {
    hung.push_back(std::async(std::launch::async, [this, i] {
      return availability("hung" + std::to_string(i) + ".net");
    }));
  }
  const auto until = SteadyClock::now() + 1500ms;
  while (primary_.calls() < 6 && SteadyClock::now() < until)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(primary_.calls(), 6U);  // all six in flight at the supplier

  std::chrono::nanoseconds slowest{0};
  for (int i = 0; i < 5; ++i) {
    const auto started = SteadyClock::now();
    const HttpReply answered = availability("fast" + std::to_string(i) + ".co.ke");
    slowest = std::max(slowest, SteadyClock::now() - started);
    EXPECT_EQ(answered.status, 200) << answered.body;
  }
  EXPECT_LT(slowest, 1s);  // well before the 2 s hang
  // And the admin listener answers meanwhile too.
  EXPECT_EQ(gateway_->admin("GET", "/admin/health").status, 200);

  for (auto& reply : hung)
    expect_error(reply.get(), 504, "upstream_error", "upstream_timeout");
  EXPECT_EQ(primary_.calls(), 6U);  // a timeout is never retried
}

TEST(ResilienceConfig, TheExampleConfigurationGivesDigicertItsPublishedLimits) {
  const config::Config config = load_example_config();
  EXPECT_EQ(config.providers.at("digicert").rate_limits,
            (std::vector<core::RateLimit>{{.requests = 100, .per = 5s},
                                          {.requests = 1000, .per = 180s}}));
  EXPECT_TRUE(config.providers.at("sslci").rate_limits.empty());
  const config::ProviderConfig& hostraha = config.providers.at("hostraha-main");
  EXPECT_EQ(hostraha.retries.max_attempts, 3);
  EXPECT_EQ(hostraha.circuit_breaker.open_for, 30s);
  EXPECT_EQ(hostraha.max_queue, 64);
}

}  // namespace
}  // namespace portico::testing
