// The HTTP client's resilience against a real simulator on loopback: retries of safe calls
// only, Retry-After, the circuit breaker, the outgoing rate limiter, the bounded queue, and one
// hanging supplier leaving another's calls alone. Durations are short and real: the client
// waits on the steady clock.
#include <chrono>
#include <ctime>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "portico/http/client.hpp"
#include "portico/sim/server.hpp"

#include "adapters/adapter_test_support.hpp"
#include "adapters/http_test_support.hpp"

namespace portico {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using http::Client;
using http::ClientOptions;
using http::Request;
using http::Response;
using sim::FaultKind;
using test::expect_error;
using test::get;
using test::make_server;
using test::options_for;
using SteadyClock = std::chrono::steady_clock;

Request post(std::string body, std::optional<bool> retry_safe = std::nullopt) {
  Request request{"POST", "/echo", {}, std::move(body)};
  request.retry_safe = retry_safe;
  return request;
}

// A Retry-After HTTP-date (RFC 9110 5.6.7).
std::string http_date(std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[64];
  const std::size_t length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return {text, length};
}

class HttpResilienceTest : public ::testing::Test {
 protected:
  // Options with fast retries, every exchange recorded.
  ClientOptions options(const sim::Server& server) {
    ClientOptions options = options_for(server);
    options.retry = {.max_attempts = 3, .base_delay = 20ms, .max_delay = 80ms};
    options.random = &random_;
    options.on_exchange = [this](const http::Exchange& exchange) {
      std::lock_guard lock(mutex_);
      exchanges_.push_back(exchange);
    };
    return options;
  }

  core::Result<Response> call(Client& client, Request request,
                              std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    return test::run(io_, client.send(std::move(request), timeout));
  }

  http::Exchange last_exchange() {
    std::lock_guard lock(mutex_);
    return exchanges_.back();
  }
  const http::Exchange* exchange_for(const std::string& target) {
    std::lock_guard lock(mutex_);
    for (const http::Exchange& exchange : exchanges_) {
      if (exchange.target == target) return &exchange;
    }
    return nullptr;
  }

  asio::io_context io_;
  core::SeededRandom random_{7};
  std::mutex mutex_;
  std::vector<http::Exchange> exchanges_;
};

// ---- retries -------------------------------------------------------------------------------

TEST_F(HttpResilienceTest, AGetIsRetriedAfterA503AndSucceeds) {
  auto server = make_server();
  server->inject({.kind = FaultKind::status, .status = 503});
  server->start();
  Client client(io_.get_executor(), options(*server));

  auto result = call(client, get("/hello/ann"));

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, R"({"hello":"ann"})");
  EXPECT_EQ(server->journal().size(), 2U);
  EXPECT_EQ(last_exchange().attempts, 2);
  EXPECT_EQ(last_exchange().status, 200);
}

TEST_F(HttpResilienceTest, AGetIsRetriedAfterAResetAndAfter502And504) {
  auto server = make_server();
  server->inject({.kind = FaultKind::reset});
  server->inject({.kind = FaultKind::status, .status = 502});
  server->start();
  ClientOptions settings = options(*server);
  settings.retry.max_attempts = 4;
  Client client(io_.get_executor(), settings);

  ASSERT_TRUE(call(client, get("/hello/a")).ok());
  EXPECT_EQ(server->journal().size(), 3U);  // reset, 502, answered
  server->inject({.kind = FaultKind::status, .status = 504});
  ASSERT_TRUE(call(client, get("/hello/b")).ok());
  EXPECT_EQ(server->journal().size(), 5U);
}

TEST_F(HttpResilienceTest, RetriesStopAtMaxAttemptsWithTheLastAnswer) {
  auto server = make_server();
  server->inject({.kind = FaultKind::status, .count = -1, .status = 503});
  server->start();
  Client client(io_.get_executor(), options(*server));

  auto result = call(client, get("/hello/a"));

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->status, 503);  // an answer: the adapter interprets it
  EXPECT_EQ(server->journal().size(), 3U);
  EXPECT_EQ(last_exchange().attempts, 3);
}

TEST_F(HttpResilienceTest, OtherStatusesAreNotRetried) {
  auto server = make_server();
  server->inject({.kind = FaultKind::status, .status = 500});
  server->start();
  Client client(io_.get_executor(), options(*server));

  auto result = call(client, get("/hello/a"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, 500);  // may be the supplier's answer to this request
  auto missing = call(client, get("/nowhere"));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(server->journal().size(), 2U);
}

TEST_F(HttpResilienceTest, APostIsNotRetriedAfterAResetAfterWriting) {
  auto server = make_server();
  server->inject({.kind = FaultKind::reset, .after_handler = true});
  server->start();
  Client client(io_.get_executor(), options(*server));

  auto result = call(client, post("charge=100"));

  expect_error(result, "upstream_connection_lost", 502, true);
  EXPECT_EQ(server->journal().size(), 1U);  // the supplier saw it once, never twice
  EXPECT_EQ(last_exchange().attempts, 1);
}

TEST_F(HttpResilienceTest, APostIsNotRetriedAfterA503) {
  auto server = make_server();
  server->inject({.kind = FaultKind::status, .status = 503});
  server->start();
  Client client(io_.get_executor(), options(*server));

  auto result = call(client, post("charge=100"));

  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(server->journal().size(), 1U);
}

TEST_F(HttpResilienceTest, APostMarkedSafeIsRetried) {
  auto server = make_server();
  server->inject({.kind = FaultKind::reset});
  server->inject({.kind = FaultKind::status, .status = 503});
  server->start();
  Client client(io_.get_executor(), options(*server));

  auto result = call(client, post("lookup=example.com", true));

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "lookup=example.com");
  EXPECT_EQ(server->journal().size(), 3U);
}

TEST_F(HttpResilienceTest, AGetMarkedUnsafeIsNotRetried) {
  auto server = make_server();
  server->inject({.kind = FaultKind::status, .status = 503});
  server->start();
  Client client(io_.get_executor(), options(*server));

  Request request = get("/hello/a");
  request.retry_safe = false;
  auto result = call(client, request);

  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(server->journal().size(), 1U);
}

TEST_F(HttpResilienceTest, AnUnsafeCallIsRetriedWhenItNeverLeft) {
  // Nobody listens on the port: every connect is refused before a byte is written.
  std::uint16_t port = 0;
  {
    auto gone = make_server();
    gone->start();
    port = gone->port();
  }
  ClientOptions settings;
  settings.scheme = "http";
  settings.host = "127.0.0.1";
  settings.port = port;
  settings.timeout = 2s;
  settings.retry = {.max_attempts = 3, .base_delay = 20ms, .max_delay = 80ms};
  settings.random = &random_;
  settings.on_exchange = [this](const http::Exchange& exchange) {
    std::lock_guard lock(mutex_);
    exchanges_.push_back(exchange);
  };
  Client client(io_.get_executor(), settings);

  expect_error(call(client, post("charge=100")), "upstream_unavailable", 503, false);
  EXPECT_EQ(last_exchange().attempts, 3);

  // The supplier comes back between two attempts: the order arrives exactly once.
  settings.retry = {.max_attempts = 20, .base_delay = 100ms, .max_delay = 100ms};
  Client patient(io_.get_executor(), settings);
  auto answer = test::spawn(io_, patient.send(post("charge=100")));
  std::unique_ptr<sim::Server> back;
  std::thread starter([&] {
    std::this_thread::sleep_for(150ms);
    back = make_server({.port = port});
    back->start();
  });
  io_.restart();
  io_.run();
  starter.join();
  auto result = *answer.get();
  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->body, "charge=100");
  EXPECT_EQ(back->journal().size(), 1U);
}

TEST_F(HttpResilienceTest, ATimeoutIsNeverRetried) {
  auto server = make_server();
  server->inject({.kind = FaultKind::timeout});
  server->start();
  Client client(io_.get_executor(), options(*server));

  expect_error(call(client, get("/hello/a"), 200ms), "upstream_timeout", 504, true);
  EXPECT_EQ(server->journal().size(), 1U);
}

TEST_F(HttpResilienceTest, RetriesHonourRetryAfterSeconds) {
  auto server = make_server();
  server->inject({.kind = FaultKind::rate_limit, .retry_after_seconds = 1});
  server->start();
  Client client(io_.get_executor(), options(*server));

  const auto started = SteadyClock::now();
  auto result = call(client, get("/hello/a"), 3s);

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->status, 200);
  EXPECT_GE(SteadyClock::now() - started, 1s);  // not the 20 ms backoff
  EXPECT_EQ(server->journal().size(), 2U);
}

TEST_F(HttpResilienceTest, RetriesHonourRetryAfterAsAnHttpDate) {
  auto server = std::make_unique<sim::Server>(sim::ServerOptions{});
  int calls = 0;
  server->route("GET", "/limited", [&calls](const sim::SimRequest&) {
    if (++calls > 1) return test::json(R"({"ok":true})");
    sim::SimResponse limited = test::json(R"({"error":"slow down"})", 429);
    // Two seconds ahead in whole seconds: between one and two seconds from now.
    limited.headers.push_back({"Retry-After", http_date(std::chrono::system_clock::now() + 2s)});
    return limited;
  });
  server->start();
  Client client(io_.get_executor(), options(*server));

  const auto started = SteadyClock::now();
  auto result = call(client, get("/limited"), 4s);

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->status, 200);
  EXPECT_GE(SteadyClock::now() - started, 900ms);
  EXPECT_EQ(server->journal().size(), 2U);
}

TEST_F(HttpResilienceTest, ARetryAfterPastTheDeadlineReturnsThe429AtOnce) {
  auto server = make_server();
  server->inject({.kind = FaultKind::rate_limit, .retry_after_seconds = 5});
  server->start();
  Client client(io_.get_executor(), options(*server));

  const auto started = SteadyClock::now();
  auto result = call(client, get("/hello/a"), 1s);

  ASSERT_TRUE(result.ok()) << result.error().code;
  EXPECT_EQ(result->status, 429);
  EXPECT_EQ(result->header("Retry-After"), "5");
  EXPECT_LT(SteadyClock::now() - started, 900ms);  // well before the deadline
  EXPECT_EQ(server->journal().size(), 1U);
}

TEST_F(HttpResilienceTest, BackoffStaysInsideTheDeadline) {
  auto server = make_server();
  server->inject({.kind = FaultKind::status, .count = -1, .status = 503});
  server->start();
  ClientOptions settings = options(*server);
  settings.retry = {.max_attempts = 10, .base_delay = 100ms, .max_delay = 100ms};
  Client client(io_.get_executor(), settings);

  const auto started = SteadyClock::now();
  auto result = call(client, get("/hello/a"), 300ms);

  // The last answer, or the deadline cutting the last attempt short: never a wait past it.
  if (result.ok()) {
    EXPECT_EQ(result->status, 503);
  } else {
    expect_error(result, "upstream_timeout", 504, true);
  }
  EXPECT_LT(SteadyClock::now() - started, 400ms);
  EXPECT_GE(server->journal().size(), 2U);
}

// ---- circuit breaker -----------------------------------------------------------------------

class CircuitTest : public HttpResilienceTest {
 protected:
  ClientOptions breaker_options(const sim::Server& server) {
    ClientOptions settings = options(server);
    settings.retry.max_attempts = 1;
    settings.circuit_breaker = core::CircuitBreakerPolicy{.failure_rate_percent = 50,
                                                          .min_calls = 3,
                                                          .window = 10s,
                                                          .open_for = 300ms,
                                                          .half_open_probes = 1};
    settings.on_circuit_change = [this](core::CircuitState state) {
      std::lock_guard lock(mutex_);
      changes_.push_back(state);
    };
    return settings;
  }
  std::vector<core::CircuitState> changes() {
    std::lock_guard lock(mutex_);
    return changes_;
  }

  std::vector<core::CircuitState> changes_;
};

TEST_F(CircuitTest, OpensAfterFailuresFailsFastThenProbesAndCloses) {
  auto server = make_server();
  server->inject({.kind = FaultKind::status, .count = 3, .status = 500});
  server->start();
  Client client(io_.get_executor(), breaker_options(*server));

  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(call(client, get("/hello/a"))->status, 500);
  EXPECT_EQ(changes(), std::vector<core::CircuitState>{core::CircuitState::open});

  // Open: refused without touching the network, certainly not acted on.
  const auto started = SteadyClock::now();
  auto refused = call(client, get("/hello/b"));
  expect_error(refused, "upstream_circuit_open", 503, false);
  EXPECT_EQ(refused.error().retry_after_seconds, 1);
  EXPECT_EQ(refused.error().message.find("127.0.0.1"), std::string::npos);
  EXPECT_LT(SteadyClock::now() - started, 100ms);
  EXPECT_EQ(server->journal().size(), 3U);
  EXPECT_EQ(last_exchange().attempts, 0);
  expect_error(call(client, post("x=1")), "upstream_circuit_open", 503, false);
  EXPECT_EQ(server->journal().size(), 3U);

  // After open_for one probe goes through; its success closes the circuit.
  std::this_thread::sleep_for(350ms);
  auto probe = call(client, get("/hello/c"));
  ASSERT_TRUE(probe.ok()) << probe.error().code;
  EXPECT_EQ(probe->status, 200);
  EXPECT_EQ(changes(), (std::vector<core::CircuitState>{core::CircuitState::open,
                                                        core::CircuitState::half_open,
                                                        core::CircuitState::closed}));
  EXPECT_TRUE(call(client, get("/hello/d")).ok());
  EXPECT_EQ(server->journal().size(), 5U);
}

TEST_F(CircuitTest, AFailedProbeReopensIt) {
  auto server = make_server();
  server->inject({.kind = FaultKind::reset, .count = 4});
  server->start();
  Client client(io_.get_executor(), breaker_options(*server));

  for (int i = 0; i < 3; ++i)
    expect_error(call(client, get("/hello/a")), "upstream_connection_lost", 502, true);
  std::this_thread::sleep_for(350ms);
  expect_error(call(client, get("/hello/probe")), "upstream_connection_lost", 502, true);
  expect_error(call(client, get("/hello/b")), "upstream_circuit_open", 503, false);
  EXPECT_EQ(server->journal().size(), 4U);
  EXPECT_EQ(changes(), (std::vector<core::CircuitState>{core::CircuitState::open,
                                                        core::CircuitState::half_open,
                                                        core::CircuitState::open}));
}

TEST_F(CircuitTest, ClientErrorsAndRateLimitsAreTheSupplierWorking) {
  auto server = make_server();
  server->inject({.kind = FaultKind::rate_limit, .count = 5, .retry_after_seconds = 1});
  server->start();
  Client client(io_.get_executor(), breaker_options(*server));

  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(call(client, get("/hello/a"))->status, 429);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(call(client, get("/nowhere"))->status, 404);
  EXPECT_TRUE(changes().empty());
  EXPECT_EQ(call(client, get("/hello/a"))->status, 200);
}

TEST_F(CircuitTest, RetriesStopWhenTheCircuitOpens) {
  auto server = make_server();
  server->inject({.kind = FaultKind::status, .count = -1, .status = 503});
  server->start();
  ClientOptions settings = breaker_options(*server);
  settings.retry.max_attempts = 10;
  Client client(io_.get_executor(), settings);

  // The third failed attempt opens the circuit: the fourth is refused, the call ends.
  expect_error(call(client, get("/hello/a")), "upstream_circuit_open", 503, false);
  EXPECT_EQ(server->journal().size(), 3U);
  EXPECT_EQ(last_exchange().attempts, 3);
}

// ---- outgoing rate limit -------------------------------------------------------------------

TEST_F(HttpResilienceTest, TheFourthOfThreePerWindowWaitsForASlot) {
  auto server = make_server();
  server->start();
  ClientOptions settings = options(*server);
  settings.rate_limits = {{.requests = 3, .per = 400ms}};
  Client client(io_.get_executor(), settings);

  const auto started = SteadyClock::now();
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(call(client, get("/hello/" + std::to_string(i))).ok());
  EXPECT_LT(SteadyClock::now() - started, 300ms);
  EXPECT_FALSE(last_exchange().rate_limit_waited);

  ASSERT_TRUE(call(client, get("/hello/4")).ok());
  EXPECT_GE(SteadyClock::now() - started, 400ms);  // when the first left the window
  EXPECT_TRUE(last_exchange().rate_limit_waited);
  EXPECT_EQ(server->journal().size(), 4U);
}

TEST_F(HttpResilienceTest, ARateLimitSlotPastTheDeadlineIsRefusedAtOnce) {
  auto server = make_server();
  server->start();
  ClientOptions settings = options(*server);
  settings.rate_limits = {{.requests = 3, .per = 2s}};
  Client client(io_.get_executor(), settings);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(call(client, get("/hello/" + std::to_string(i))).ok());

  const auto started = SteadyClock::now();
  auto refused = call(client, post("charge=100"), 500ms);

  expect_error(refused, "upstream_rate_limited", 503, false);
  EXPECT_EQ(refused.error().retry_after_seconds, 2);
  EXPECT_LT(SteadyClock::now() - started, 250ms);  // at once, not at the deadline
  EXPECT_EQ(server->journal().size(), 3U);         // nothing sent
  EXPECT_EQ(last_exchange().attempts, 0);
}

// ---- bulkhead ------------------------------------------------------------------------------

TEST_F(HttpResilienceTest, CallersPastTheQueueBoundFailFast) {
  auto server = make_server();
  server->inject({.kind = FaultKind::latency, .count = -1, .delay = 400ms});
  server->start();
  ClientOptions settings = options(*server);
  settings.max_connections = 1;
  settings.max_queue = 1;
  Client client(io_.get_executor(), settings);

  auto holder = test::spawn(io_, client.send(get("/hello/holder")));
  auto queued = test::spawn(io_, client.send(get("/hello/queued")));
  auto turned_away = test::spawn(io_, client.send(get("/hello/away")));
  io_.run();

  EXPECT_TRUE(holder.get()->ok());
  EXPECT_TRUE(queued.get()->ok());
  expect_error(*turned_away.get(), "upstream_busy", 503, false);
  const http::Exchange* away = exchange_for("/hello/away");
  ASSERT_NE(away, nullptr);
  EXPECT_LT(away->elapsed, 200ms);  // not after the holder's 400 ms
  EXPECT_EQ(away->attempts, 0);
  EXPECT_EQ(server->journal().size(), 2U);
}

TEST_F(HttpResilienceTest, AHangingSupplierLeavesAnotherClientsCallsAlone) {
  auto hanging = make_server();
  hanging->inject({.kind = FaultKind::timeout, .count = -1});
  hanging->start();
  auto healthy = make_server();
  healthy->start();
  Client stuck(io_.get_executor(), options(*hanging));
  Client fine(io_.get_executor(), options(*healthy));

  // One thread runs both clients: nothing of the stuck one may block it.
  std::vector<std::future<std::optional<core::Result<Response>>>> hung;
  for (int i = 0; i < 8; ++i)
    hung.push_back(test::spawn(io_, stuck.send(get("/hello/" + std::to_string(i)), 1500ms)));
  std::chrono::nanoseconds slowest{0};
  auto sequence = [&]() -> asio::awaitable<int> {
    int answered = 0;
    for (int i = 0; i < 10; ++i) {
      const auto started = SteadyClock::now();
      auto result = co_await fine.send(get("/hello/fine"));
      slowest = std::max(slowest, SteadyClock::now() - started);
      answered += result.ok() && result->status == 200 ? 1 : 0;
    }
    co_return answered;
  };
  const auto started = SteadyClock::now();
  auto answered = test::spawn(io_, sequence());
  io_.run();

  EXPECT_EQ(*answered.get(), 10);
  EXPECT_LT(slowest, 500ms);  // well before the 1.5 s hang
  for (auto& result : hung)
    expect_error(*result.get(), "upstream_timeout", 504, true);
  EXPECT_GE(SteadyClock::now() - started, 1500ms);
}

}  // namespace
}  // namespace portico
