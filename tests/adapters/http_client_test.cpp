#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "portico/core/webhook.hpp"
#include "portico/http/client.hpp"
#include "portico/sim/server.hpp"
#include "portico/sim/test_ca.hpp"

#include "adapters/adapter_test_support.hpp"
#include "adapters/http_test_support.hpp"
#include "support/temp_dir.hpp"

namespace portico {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using http::Client;
using http::ClientOptions;
using http::Request;
using http::Response;
using sim::Fault;
using sim::FaultKind;
using sim::SimRequest;
using sim::SimResponse;

using test::expect_error;
using test::get;
using test::json;
using test::make_server;
using test::options_for;

const sim::Header* find_exact(const SimRequest& request, std::string_view name) {
  auto it = std::find_if(request.headers.begin(), request.headers.end(),
                         [&](const sim::Header& header) { return header.name == name; });
  return it == request.headers.end() ? nullptr : &*it;
}

class HttpClientTest : public ::testing::Test {
 protected:
  core::Result<Response> call(Client& client, Request request,
                              std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    return test::run(io_, client.send(std::move(request), timeout));
  }

  asio::io_context io_;
};

TEST_F(HttpClientTest, GetRoundTripOverPlainHttp) {
  auto server = make_server();
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  auto result = call(client, get("/hello/ann?page=2"));

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, R"({"hello":"ann"})");
  EXPECT_EQ(result->header("content-type"), "application/json");
  const auto journal = server->journal();
  ASSERT_EQ(journal.size(), 1U);
  EXPECT_EQ(journal[0].method, "GET");
  EXPECT_EQ(journal[0].path, "/hello/ann");
  EXPECT_EQ(journal[0].query, "page=2");
  EXPECT_EQ(journal[0].header("Host"), "127.0.0.1:" + std::to_string(server->port()));
  EXPECT_EQ(journal[0].header("User-Agent"), "portico/0.1");
  EXPECT_EQ(journal[0].header("Connection"), "keep-alive");
  EXPECT_FALSE(journal[0].header("Content-Length").has_value());
}

TEST_F(HttpClientTest, PostSendsBodyAndHeaderNamesExactlyAsSpelled) {
  auto server = make_server();
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  Request request{"POST", "/echo", {{"username", "alice"}, {"X-DC-DEVKEY", "key-1"}}, "a=1&b=2"};
  auto result = call(client, request);

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->body, "a=1&b=2");
  const auto journal = server->journal();
  ASSERT_EQ(journal.size(), 1U);
  ASSERT_NE(find_exact(journal[0], "username"), nullptr);
  EXPECT_EQ(find_exact(journal[0], "username")->value, "alice");
  ASSERT_NE(find_exact(journal[0], "X-DC-DEVKEY"), nullptr);
  EXPECT_EQ(journal[0].header("Content-Length"), "7");
  EXPECT_EQ(journal[0].body, "a=1&b=2");
}

TEST_F(HttpClientTest, HeadReadsHeadersWithoutABody) {
  auto server = make_server();
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  auto head = call(client, Request{"HEAD", "/hello/x", {}, {}});
  ASSERT_TRUE(head.ok()) << head.error().code;
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length"), "7");
  EXPECT_TRUE(head->body.empty());
  // The connection is still in step: the next call on it reads its own response.
  auto next = call(client, get("/hello/y"));
  ASSERT_TRUE(next.ok()) << next.error().code;
  EXPECT_EQ(next->body, R"({"hello":"y"})");
  EXPECT_EQ(server->connections_accepted(), 1U);
}

TEST_F(HttpClientTest, HttpsRoundTripTrustsTheGivenCa) {
  testing::TempDir dir;
  const auto ca = sim::TestCa::generate();
  auto server = make_server({.tls = true, .ca = &ca});
  server->start();
  ClientOptions options = options_for(*server);
  options.scheme = "https";
  options.ca_file = ca.write_ca_file(dir.path().string());

  for (std::string host : {"127.0.0.1", "localhost"}) {
    options.host = host;
    Client client(io_.get_executor(), options);
    auto result = call(client, get("/hello/tls"));
    ASSERT_TRUE(result.ok()) << host << ": " << result.error().code;
    EXPECT_EQ(result->body, R"({"hello":"tls"})");
  }
  EXPECT_EQ(server->journal().size(), 2U);
}

TEST_F(HttpClientTest, UntrustedCertificateIsRefused) {
  testing::TempDir dir;
  const auto ca = sim::TestCa::generate();
  const auto other_ca = sim::TestCa::generate("Another CA");
  auto server = make_server({.tls = true, .ca = &ca});
  server->start();
  ClientOptions options = options_for(*server);
  options.scheme = "https";

  Client system_store(io_.get_executor(), options);
  expect_error(call(system_store, get("/hello/x")), "upstream_tls_error", 502, false);

  options.ca_file = other_ca.write_ca_file(dir.path().string());
  Client wrong_ca(io_.get_executor(), options);
  expect_error(call(wrong_ca, get("/hello/x")), "upstream_tls_error", 502, false);
  EXPECT_TRUE(server->journal().empty());
}

TEST_F(HttpClientTest, CertificateForAnotherNameIsRefused) {
  testing::TempDir dir;
  const auto ca = sim::TestCa::generate();
  auto server = make_server({.tls = true, .ca = &ca, .tls_names = {"other.example"}});
  server->start();
  ClientOptions options = options_for(*server);
  options.scheme = "https";
  options.ca_file = ca.write_ca_file(dir.path().string());

  for (std::string host : {"127.0.0.1", "localhost"}) {
    options.host = host;
    Client client(io_.get_executor(), options);
    expect_error(call(client, get("/hello/x")), "upstream_tls_error", 502, false);
  }
  EXPECT_TRUE(server->journal().empty());
}

TEST_F(HttpClientTest, ReusesAKeepAliveConnection) {
  auto server = make_server();
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  ASSERT_TRUE(call(client, get("/hello/a")).ok());
  ASSERT_TRUE(call(client, get("/hello/b")).ok());

  EXPECT_EQ(server->journal().size(), 2U);
  EXPECT_EQ(server->connections_accepted(), 1U);
}

TEST_F(HttpClientTest, HonoursConnectionCloseFromTheServer) {
  auto server = make_server();
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  ASSERT_TRUE(call(client, get("/bye")).ok());
  ASSERT_TRUE(call(client, get("/hello/a")).ok());

  EXPECT_EQ(server->connections_accepted(), 2U);
}

TEST_F(HttpClientTest, ClosesIdleConnectionsPastTheKeepalive) {
  auto server = make_server();
  server->start();
  ClientOptions options = options_for(*server);
  options.idle_keepalive = 40ms;
  Client client(io_.get_executor(), options);

  ASSERT_TRUE(call(client, get("/hello/a")).ok());
  std::this_thread::sleep_for(60ms);
  ASSERT_TRUE(call(client, get("/hello/b")).ok());

  EXPECT_EQ(server->connections_accepted(), 2U);
  // The expired connection was closed, not just forgotten.
  EXPECT_TRUE(test::eventually([&] { return server->connections_open() == 1; }));
}

TEST_F(HttpClientTest, ClosedPooledConnectionIsReplacedForGet) {
  auto first = make_server();
  first->start();
  const std::uint16_t port = first->port();
  Client client(io_.get_executor(), options_for(*first));
  ASSERT_TRUE(call(client, get("/hello/a")).ok());
  first->stop();  // closes the connection the client keeps in its pool

  auto second = make_server({.port = port});
  second->start();
  auto result = call(client, get("/hello/b"));

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->body, R"({"hello":"b"})");
  EXPECT_EQ(second->journal().size(), 1U);
}

TEST_F(HttpClientTest, ClosedPooledConnectionIsNoticedBeforeAPostIsWritten) {
  auto first = make_server();
  first->start();
  const std::uint16_t port = first->port();
  Client client(io_.get_executor(), options_for(*first));
  ASSERT_TRUE(call(client, get("/hello/a")).ok());
  first->stop();
  ASSERT_TRUE(test::eventually([&] { return first->connections_open() == 0; }));

  auto second = make_server({.port = port});
  second->start();
  auto result = call(client, Request{"POST", "/echo", {}, "charge=100"});

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(second->journal().size(), 1U);
  EXPECT_EQ(second->connections_accepted(), 1U);
}

TEST_F(HttpClientTest, PooledConnectionLostAfterWritingIsRetriedForGet) {
  auto server = make_server();
  server->start();
  Client client(io_.get_executor(), options_for(*server));
  ASSERT_TRUE(call(client, get("/hello/a")).ok());

  server->inject({.kind = FaultKind::reset});
  auto result = call(client, get("/hello/b"));

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->body, R"({"hello":"b"})");
  EXPECT_EQ(server->journal().size(), 3U);  // a, b (reset), b again
  EXPECT_EQ(server->connections_accepted(), 2U);
}

TEST_F(HttpClientTest, PooledConnectionLostAfterWritingIsNotResentForPost) {
  auto server = make_server();
  server->start();
  Client client(io_.get_executor(), options_for(*server));
  ASSERT_TRUE(call(client, get("/hello/a")).ok());

  server->inject({.kind = FaultKind::reset});
  auto result = call(client, Request{"POST", "/echo", {}, "charge=100"});

  expect_error(result, "upstream_connection_lost", 502, true);
  EXPECT_EQ(server->journal().size(), 2U);  // the POST arrived once, never twice
  // The failed connection was dropped: the next call opens a fresh one.
  EXPECT_TRUE(call(client, Request{"POST", "/echo", {}, "charge=100"}).ok());
  EXPECT_EQ(server->connections_accepted(), 2U);
}

TEST_F(HttpClientTest, LatencyPastTheDeadlineIsATimeoutWithUnknownOutcome) {
  auto server = make_server();
  server->inject({.kind = FaultKind::latency, .delay = 400ms});
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  const auto started = std::chrono::steady_clock::now();
  auto result = call(client, get("/hello/a"), 100ms);
  const auto elapsed = std::chrono::steady_clock::now() - started;

  expect_error(result, "upstream_timeout", 504, true);
  EXPECT_GE(elapsed, 100ms);
  EXPECT_LT(elapsed, 350ms);
  EXPECT_EQ(server->journal().size(), 1U);
}

TEST_F(HttpClientTest, LatencyWithinTheDeadlineAnswers) {
  auto server = make_server();
  server->inject({.kind = FaultKind::latency, .delay = 60ms});
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  const auto started = std::chrono::steady_clock::now();
  auto result = call(client, get("/hello/a"), 1s);

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_GE(std::chrono::steady_clock::now() - started, 60ms);
}

TEST_F(HttpClientTest, TimeoutFaultTimesOutAfterWriting) {
  auto server = make_server();
  server->inject({.kind = FaultKind::timeout});
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  auto result = call(client, Request{"POST", "/echo", {}, "x"}, 150ms);

  expect_error(result, "upstream_timeout", 504, true);
  EXPECT_EQ(server->journal().size(), 1U);
  // The client dropped the connection, so the server stops holding it.
  EXPECT_TRUE(test::eventually([&] { return server->connections_open() == 0; }));
}

TEST_F(HttpClientTest, ResetIsAConnectionLossAndIsNotRetried) {
  auto server = make_server();
  server->inject({.kind = FaultKind::reset, .count = 2});
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  expect_error(call(client, get("/hello/a")), "upstream_connection_lost", 502, true);
  expect_error(call(client, Request{"POST", "/echo", {}, "x"}), "upstream_connection_lost", 502,
               true);
  EXPECT_EQ(server->journal().size(), 2U);
}

TEST_F(HttpClientTest, StatusAndRateLimitFaultsAreResponses) {
  auto server = make_server();
  server->inject({.kind = FaultKind::status, .status = 503});
  server->inject({.kind = FaultKind::rate_limit, .retry_after_seconds = 7});
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  auto unavailable = call(client, get("/hello/a"));
  ASSERT_TRUE(unavailable.ok()) << unavailable.error().code;
  EXPECT_EQ(unavailable->status, 503);
  EXPECT_NE(unavailable->body.find("\"status\":503"), std::string::npos);

  auto limited = call(client, get("/hello/a"));
  ASSERT_TRUE(limited.ok()) << limited.error().code;
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->header("retry-after"), "7");

  auto fine = call(client, get("/hello/a"));
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine->status, 200);
  EXPECT_EQ(server->connections_accepted(), 1U);  // error statuses keep the connection
}

TEST_F(HttpClientTest, GarbageIsABadResponse) {
  auto server = make_server();
  server->inject({.kind = FaultKind::garbage});
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  expect_error(call(client, get("/hello/a")), "upstream_bad_response", 502, true);
}

TEST_F(HttpClientTest, GarbageOverTlsIsABadResponse) {
  testing::TempDir dir;
  const auto ca = sim::TestCa::generate();
  auto server = make_server({.tls = true, .ca = &ca});
  server->inject({.kind = FaultKind::garbage});
  server->start();
  ClientOptions options = options_for(*server);
  options.scheme = "https";
  options.ca_file = ca.write_ca_file(dir.path().string());
  Client client(io_.get_executor(), options);

  expect_error(call(client, get("/hello/a")), "upstream_bad_response", 502, true);
}

TEST_F(HttpClientTest, OversizedResponseIsABadResponse) {
  auto server = make_server();
  server->start();
  ClientOptions options = options_for(*server);
  options.max_response_bytes = 1024;
  Client client(io_.get_executor(), options);

  expect_error(call(client, get("/big")), "upstream_bad_response", 502, true);
}

TEST_F(HttpClientTest, AfterHandlerFaultsHappenAfterTheSupplierActed) {
  std::atomic<int> orders{0};
  sim::Server server({});
  server.route("POST", "/orders", [&](const SimRequest&) {
    ++orders;
    return json(R"({"order":"o1"})", 201);
  });
  server.inject({.kind = FaultKind::reset, .path_prefix = "/orders", .after_handler = true});
  server.inject(
      {.kind = FaultKind::status, .path_prefix = "/orders", .status = 502, .after_handler = true});
  server.start();
  Client client(io_.get_executor(), options_for(server));

  expect_error(call(client, Request{"POST", "/orders", {}, "{}"}), "upstream_connection_lost", 502,
               true);
  EXPECT_EQ(orders.load(), 1);

  auto failed = call(client, Request{"POST", "/orders", {}, "{}"});
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status, 502);
  EXPECT_EQ(orders.load(), 2);

  auto created = call(client, Request{"POST", "/orders", {}, "{}"});
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->status, 201);
  EXPECT_EQ(orders.load(), 3);
}

TEST_F(HttpClientTest, FaultsHitOnlyTheirPathAndCount) {
  auto server = make_server();
  server->inject({.kind = FaultKind::status, .path_prefix = "/hello/a", .count = 2});
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  EXPECT_EQ(call(client, get("/hello/b"))->status, 200);
  EXPECT_EQ(call(client, get("/hello/a1"))->status, 503);
  EXPECT_EQ(call(client, get("/hello/a2"))->status, 503);
  EXPECT_EQ(call(client, get("/hello/a3"))->status, 200);

  server->inject({.kind = FaultKind::status, .count = -1, .status = 500});
  EXPECT_EQ(call(client, get("/hello/x"))->status, 500);
  EXPECT_EQ(call(client, get("/hello/y"))->status, 500);
  server->clear_faults();
  EXPECT_EQ(call(client, get("/hello/z"))->status, 200);
}

TEST_F(HttpClientTest, RefusedConnectionIsUnavailable) {
  auto server = make_server();
  server->start();
  ClientOptions options = options_for(*server);
  server->stop();  // nothing listens on its port any more
  Client client(io_.get_executor(), options);

  expect_error(call(client, get("/hello/a")), "upstream_unavailable", 503, false);
}

TEST_F(HttpClientTest, UnresolvableHostIsUnavailable) {
  ClientOptions options;
  options.scheme = "http";
  options.host = "no-such-host.invalid";
  options.port = 80;
  options.timeout = 2s;
  Client client(io_.get_executor(), options);

  expect_error(call(client, get("/")), "upstream_unavailable", 503, false);
}

TEST_F(HttpClientTest, RefusedAddressesAreNeverConnectedTo) {
  auto server = make_server();
  server->start();
  ClientOptions options = options_for(*server);
  options.host = "localhost";  // resolves to loopback addresses only
  std::vector<std::string> asked;
  options.refuse_address = [&asked](std::string_view ip) {
    asked.emplace_back(ip);
    return core::webhook::refused_address_reason(ip);
  };
  std::vector<http::Exchange> seen;
  options.on_exchange = [&](const http::Exchange& exchange) { seen.push_back(exchange); };
  Client client(io_.get_executor(), options);

  auto result = call(client, Request{"POST", "/echo", {}, "{}"});

  expect_error(result, "upstream_target_refused", 502, false);
  EXPECT_NE(result.error().message.find("loopback"), std::string::npos) << result.error().message;
  EXPECT_TRUE(server->journal().empty());
  EXPECT_NE(std::find(asked.begin(), asked.end(), "127.0.0.1"), asked.end());
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].error_code, "upstream_target_refused");
  EXPECT_NE(seen[0].response_text.find("target refused (loopback)"), std::string::npos);
}

TEST_F(HttpClientTest, AddressesThePolicyAllowsAreConnectedTo) {
  auto server = make_server();
  server->start();
  ClientOptions options = options_for(*server);
  options.host = "localhost";
  std::vector<std::string> asked;
  options.refuse_address = [&asked](std::string_view ip) {
    asked.emplace_back(ip);
    return std::string();
  };
  Client client(io_.get_executor(), options);

  auto result = call(client, Request{"POST", "/echo", {}, "{}"});

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(server->journal().size(), 1U);
  EXPECT_NE(std::find(asked.begin(), asked.end(), "127.0.0.1"), asked.end());
}

TEST_F(HttpClientTest, AnIpLiteralHostIsCheckedToo) {
  auto server = make_server();
  server->start();
  ClientOptions options = options_for(*server);  // 127.0.0.1
  options.refuse_address = [](std::string_view ip) {
    return ip == "127.0.0.1" ? std::string("private") : std::string();
  };
  Client client(io_.get_executor(), options);

  expect_error(call(client, get("/hello/a")), "upstream_target_refused", 502, false);
  EXPECT_TRUE(server->journal().empty());
}

TEST_F(HttpClientTest, NeverOpensMoreThanMaxConnections) {
  auto server = make_server();
  server->inject({.kind = FaultKind::latency, .count = -1, .delay = 80ms});
  server->start();
  ClientOptions options = options_for(*server);
  options.max_connections = 2;
  Client client(io_.get_executor(), options);

  std::vector<std::future<std::optional<core::Result<Response>>>> calls;
  for (int i = 0; i < 6; ++i) {
    calls.push_back(test::spawn(io_, client.send(get("/hello/" + std::to_string(i)))));
  }
  const auto started = std::chrono::steady_clock::now();
  io_.run();

  for (auto& result : calls) {
    auto response = *result.get();
    ASSERT_TRUE(response.ok()) << response.error().code;
    EXPECT_EQ(response->status, 200);
  }
  EXPECT_GE(std::chrono::steady_clock::now() - started, 240ms);  // three rounds of two
  EXPECT_EQ(server->peak_connections(), 2U);
  EXPECT_EQ(server->connections_accepted(), 2U);
  EXPECT_EQ(server->journal().size(), 6U);
}

TEST_F(HttpClientTest, QueuedCallersTimeOutWithinTheirOwnDeadline) {
  auto server = make_server();
  server->inject({.kind = FaultKind::latency, .count = -1, .delay = 400ms});
  server->start();
  ClientOptions options = options_for(*server);
  options.max_connections = 1;
  std::mutex seen_mutex;
  std::vector<http::Exchange> seen;
  options.on_exchange = [&](const http::Exchange& exchange) {
    std::lock_guard lock(seen_mutex);
    seen.push_back(exchange);
  };
  Client client(io_.get_executor(), options);

  auto holder = test::spawn(io_, client.send(get("/hello/holder"), 250ms));
  auto queued = test::spawn(io_, client.send(get("/hello/queued"), 100ms));
  io_.run();

  expect_error(*holder.get(), "upstream_timeout", 504, true);
  expect_error(*queued.get(), "upstream_timeout", 504, false);  // never sent
  ASSERT_EQ(seen.size(), 2U);
  const auto& queued_exchange = seen[0].target == "/hello/queued" ? seen[0] : seen[1];
  EXPECT_EQ(queued_exchange.target, "/hello/queued");
  EXPECT_GE(queued_exchange.elapsed, 100ms);
  EXPECT_LT(queued_exchange.elapsed, 200ms);
  EXPECT_EQ(server->journal().size(), 1U);
}

TEST_F(HttpClientTest, QueuedCallersGetTheConnectionWhenItFrees) {
  auto server = make_server();
  server->inject({.kind = FaultKind::latency, .delay = 60ms});
  server->start();
  ClientOptions options = options_for(*server);
  options.max_connections = 1;
  Client client(io_.get_executor(), options);

  auto first = test::spawn(io_, client.send(get("/hello/1")));
  auto second = test::spawn(io_, client.send(get("/hello/2")));
  io_.run();

  EXPECT_TRUE(first.get()->ok());
  EXPECT_TRUE(second.get()->ok());
  EXPECT_EQ(server->connections_accepted(), 1U);
}

TEST_F(HttpClientTest, ExchangeTextsAreRedacted) {
  auto server = make_server();
  server->start();
  ClientOptions options = options_for(*server);
  options.secrets = {"s3cr3t-value-123"};
  options.redact_headers = {"x-dc-devkey"};
  std::vector<http::Exchange> seen;
  options.on_exchange = [&](const http::Exchange& exchange) { seen.push_back(exchange); };
  Client client(io_.get_executor(), options);

  Request request{"POST",
                  "/echo?token=s3cr3t-value-123",
                  {{"Authorization", "Bearer tok-abcdef-999"}, {"X-DC-DEVKEY", "devkey-777777"}},
                  R"({"token":"s3cr3t-value-123","name":"visible"})"};
  auto result = call(client, request);

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->body, request.body);  // the real values went out and came back
  ASSERT_EQ(seen.size(), 1U);
  const http::Exchange& exchange = seen[0];
  EXPECT_TRUE(exchange.ok);
  EXPECT_EQ(exchange.status, 200);
  EXPECT_EQ(exchange.method, "POST");
  EXPECT_EQ(exchange.target, "/echo?token=[redacted]");
  EXPECT_EQ(server->journal().back().query, "token=s3cr3t-value-123");
  for (const std::string& text : {exchange.request_text, exchange.response_text}) {
    EXPECT_EQ(text.find("tok-abcdef-999"), std::string::npos) << text;
    EXPECT_EQ(text.find("devkey-777777"), std::string::npos) << text;
    EXPECT_EQ(text.find("s3cr3t-value-123"), std::string::npos) << text;
    EXPECT_NE(text.find("[redacted]"), std::string::npos) << text;
    EXPECT_NE(text.find("visible"), std::string::npos) << text;
  }
  EXPECT_EQ(exchange.request_text.rfind("POST /echo?token=[redacted] HTTP/1.1\r\n", 0), 0U);
  EXPECT_EQ(exchange.response_text.rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
  EXPECT_NE(exchange.request_text.find("Authorization: [redacted]"), std::string::npos);
}

TEST_F(HttpClientTest, ExchangeReportsFailuresAndCutsLongBodies) {
  auto server = make_server();
  server->inject({.kind = FaultKind::reset, .path_prefix = "/echo"});
  server->start();
  ClientOptions options = options_for(*server);
  std::vector<http::Exchange> seen;
  options.on_exchange = [&](const http::Exchange& exchange) { seen.push_back(exchange); };
  Client client(io_.get_executor(), options);

  EXPECT_FALSE(call(client, Request{"POST", "/echo", {}, std::string(10000, 'b')}).ok());
  EXPECT_TRUE(call(client, get("/big")).ok());

  ASSERT_EQ(seen.size(), 2U);
  EXPECT_FALSE(seen[0].ok);
  EXPECT_EQ(seen[0].status, 0);
  EXPECT_EQ(seen[0].error_code, "upstream_connection_lost");
  EXPECT_LT(seen[0].request_text.size(), 4096U + 300U);
  EXPECT_NE(seen[0].request_text.find("[cut: 10000 bytes in total]"), std::string::npos);
  EXPECT_EQ(seen[0].response_text.rfind("[no response: read: ", 0), 0U) << seen[0].response_text;
  EXPECT_TRUE(seen[1].ok);
  EXPECT_TRUE(seen[1].error_code.empty());
  EXPECT_NE(seen[1].response_text.find("[cut: 5000 bytes"), std::string::npos);
}

TEST_F(HttpClientTest, SourceAddressIsTheRemoteAddressTheServerSees) {
  auto server = make_server();
  server->start();
  for (std::string source : {"127.0.0.1", "127.0.0.2"}) {
    ClientOptions options = options_for(*server);
    options.source_address = source;
    Client client(io_.get_executor(), options);
    ASSERT_TRUE(call(client, get("/hello/a")).ok()) << source;
    EXPECT_EQ(server->journal().back().remote_address, source);
  }
}

TEST_F(HttpClientTest, BadOptionsThrowAtStartUp) {
  ClientOptions options;
  options.host = "127.0.0.1";
  options.source_address = "not-an-ip";
  EXPECT_THROW(Client(io_.get_executor(), options), std::runtime_error);
  options.source_address.clear();
  options.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(Client(io_.get_executor(), options), std::runtime_error);
  options.ca_file.clear();
  options.scheme = "ftp";
  EXPECT_THROW(Client(io_.get_executor(), options), std::runtime_error);
}

TEST_F(HttpClientTest, MalformedRequestsAreRefusedBeforeSending) {
  auto server = make_server();
  server->start();
  Client client(io_.get_executor(), options_for(*server));

  auto injected = call(client, Request{"GET", "/hello/a", {{"X-Note", "a\r\nX-Evil: 1"}}, {}});
  ASSERT_FALSE(injected.ok());
  EXPECT_EQ(injected.error().status, 500);
  EXPECT_FALSE(call(client, Request{"GET", "/a b", {}, {}}).ok());
  EXPECT_TRUE(server->journal().empty());
}

TEST_F(HttpClientTest, ConcurrentCallsFromSeveralThreads) {
  auto server = make_server();
  server->inject({.kind = FaultKind::latency, .count = -1, .delay = 10ms});
  server->start();
  ClientOptions options = options_for(*server);
  options.max_connections = 3;
  Client client(io_.get_executor(), options);

  auto guard = asio::make_work_guard(io_);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([this] { io_.run(); });
  std::vector<std::future<std::optional<core::Result<Response>>>> calls;
  for (int i = 0; i < 24; ++i) {
    calls.push_back(test::spawn(io_, client.send(get("/hello/" + std::to_string(i)))));
  }
  int succeeded = 0;
  for (auto& result : calls)
    succeeded += result.get()->ok() ? 1 : 0;
  guard.reset();
  for (auto& thread : threads)
    thread.join();

  EXPECT_EQ(succeeded, 24);
  EXPECT_LE(server->peak_connections(), 3U);
  EXPECT_EQ(server->journal().size(), 24U);
}

}  // namespace
}  // namespace portico
