#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "portico/core/json.hpp"
#include "portico/http/client.hpp"
#include "portico/sim/server.hpp"
#include "portico/sim/test_ca.hpp"

#include "adapters/adapter_test_support.hpp"
#include "support/temp_dir.hpp"

namespace portico {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using http::Client;
using http::Request;
using http::Response;
using sim::SimRequest;
using sim::SimResponse;
using tcp = asio::ip::tcp;

SimResponse json(std::string body, int status = 200) {
  SimResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

class SimServerTest : public ::testing::Test {
 protected:
  Client& client_for(const sim::Server& server) {
    http::ClientOptions options;
    options.scheme = "http";
    options.host = "127.0.0.1";
    options.port = server.port();
    options.timeout = 2s;
    client_.emplace(io_.get_executor(), options);
    return *client_;
  }

  core::Result<Response> call(Request request,
                              std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    return test::run(io_, client_->send(std::move(request), timeout));
  }

  // Sends raw bytes on a fresh blocking socket and reads until the server closes it.
  static std::pair<std::string, boost::system::error_code> raw_exchange(std::uint16_t port,
                                                                        const std::string& bytes) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::write(socket, asio::buffer(bytes));
    std::string received;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(received), ec);
    return {received, ec};
  }

  asio::io_context io_;
  std::optional<Client> client_;
};

TEST_F(SimServerTest, RoutesMatchSegmentsAndDecodeParams) {
  sim::Server server({});
  server.route("GET", "/domains/{domain}/dns", [](const SimRequest& request) {
    return json(R"({"domain":")" + request.params.at("domain") + "\"}");
  });
  server.route("*", "/any/{a}/{b}", [](const SimRequest& request) {
    return json("{\"method\":\"" + request.method + "\",\"ab\":\"" + request.params.at("a") +
                request.params.at("b") + "\"}");
  });
  server.start();
  client_for(server);

  auto found = call({"GET", "/domains/exa%6Dple.com/dns?x=1", {}, {}});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->body, R"({"domain":"example.com"})");
  EXPECT_EQ(server.journal().back().params.at("domain"), "example.com");
  EXPECT_EQ(server.journal().back().query, "x=1");

  EXPECT_EQ(call({"POST", "/domains/example.com/dns", {}, {}})->status, 404);  // method
  EXPECT_EQ(call({"GET", "/domains/example.com/dns/", {}, {}})->status, 404);  // trailing slash
  EXPECT_EQ(call({"GET", "/domains//dns", {}, {}})->status, 404);              // empty segment
  auto any = call({"DELETE", "/any/1/2", {}, {}});
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->body, R"({"method":"DELETE","ab":"12"})");
  EXPECT_EQ(server.journal().size(), 5U);
}

TEST_F(SimServerTest, FallbackAndHandlerFailures) {
  sim::Server server({});
  server.route("GET", "/boom", [](const SimRequest&) -> SimResponse {
    throw std::runtime_error("state machine broke");
  });
  server.start();
  client_for(server);

  auto missing = call({"GET", "/nothing", {}, {}});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, R"({"error":"not found"})");
  auto boom = call({"GET", "/boom", {}, {}});
  ASSERT_TRUE(boom.ok());
  EXPECT_EQ(boom->status, 500);
  EXPECT_NE(boom->body.find("state machine broke"), std::string::npos);
}

TEST_F(SimServerTest, CustomFallbackAndResponseShape) {
  sim::Server server({});
  server.fallback([](const SimRequest& request) {
    SimResponse response;
    response.status = 418;
    response.content_type = "text/plain";
    response.headers.push_back({"X-Path", request.path});
    response.body = "teapot";
    return response;
  });
  server.route("DELETE", "/thing", [](const SimRequest&) {
    SimResponse response;
    response.status = 204;
    response.body = "ignored for 204";
    return response;
  });
  server.start();
  client_for(server);

  auto teapot = call({"GET", "/x/y", {}, {}});
  ASSERT_TRUE(teapot.ok());
  EXPECT_EQ(teapot->status, 418);
  EXPECT_EQ(teapot->body, "teapot");
  EXPECT_EQ(teapot->header("Content-Type"), "text/plain");
  EXPECT_EQ(teapot->header("X-Path"), "/x/y");
  auto empty = call({"DELETE", "/thing", {}, {}});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->status, 204);
  EXPECT_TRUE(empty->body.empty());
  EXPECT_FALSE(empty->header("Content-Type").has_value());
}

TEST_F(SimServerTest, ControlApiInjectsAndClearsFaults) {
  sim::Server server({});
  server.route("GET", "/x", [](const SimRequest&) { return json("{}"); });
  server.start();
  client_for(server);

  auto injected = call({"POST",
                        "/__sim/faults",
                        {},
                        R"({"kind":"status","status":500,"path_prefix":"/x","count":-1})"});
  ASSERT_TRUE(injected.ok());
  EXPECT_EQ(injected->status, 201);
  EXPECT_EQ(call({"GET", "/x", {}, {}})->status, 500);
  EXPECT_EQ(call({"GET", "/x", {}, {}})->status, 500);
  EXPECT_EQ(call({"DELETE", "/__sim/faults", {}, {}})->status, 200);
  EXPECT_EQ(call({"GET", "/x", {}, {}})->status, 200);

  auto limited = call({"POST", "/__sim/faults", {}, R"({"kind":"rate_limit","retry_after":9})"});
  EXPECT_EQ(limited->status, 201);
  auto hit = call({"GET", "/x", {}, {}});
  EXPECT_EQ(hit->status, 429);
  EXPECT_EQ(hit->header("Retry-After"), "9");

  auto slow = call(
      {"POST", "/__sim/faults", {}, R"({"kind":"latency","delay_ms":300,"after_handler":true})"});
  EXPECT_EQ(slow->status, 201);
  auto timed_out = call({"GET", "/x", {}, {}}, 100ms);
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error().code, "upstream_timeout");
}

TEST_F(SimServerTest, AFaultMayHitOneMethodOnly) {
  sim::Server server({});
  server.route("*", "/zone", [](const sim::SimRequest&) { return sim::SimResponse{}; });
  server.start();
  client_for(server);
  server.inject(
      {.kind = sim::FaultKind::status, .path_prefix = "/zone", .status = 502, .method = "POST"});
  EXPECT_EQ(call({"GET", "/zone", {}, {}})->status, 200);  // passes by
  EXPECT_EQ(call({"POST", "/zone", {}, "{}"})->status, 502);
  EXPECT_EQ(call({"POST", "/zone", {}, "{}"})->status, 200);  // it was for one request
  EXPECT_EQ(call({"POST",
                  "/__sim/faults",
                  {},
                  R"({"kind":"status","status":503,"method":"GET","path_prefix":"/zone"})"})
                ->status,
            201);
  EXPECT_EQ(call({"POST", "/zone", {}, "{}"})->status, 200);
  EXPECT_EQ(call({"GET", "/zone", {}, {}})->status, 503);
}

TEST_F(SimServerTest, ControlApiRefusesBadFaults) {
  sim::Server server({});
  server.start();
  client_for(server);

  for (std::string body : {R"({"kind":"meteor"})", R"({"kind":"status","color":"red"})",
                           R"({"count":1})", "not json", R"({"kind":"status","status":42})"}) {
    auto refused = call({"POST", "/__sim/faults", {}, body});
    ASSERT_TRUE(refused.ok());
    EXPECT_EQ(refused->status, 400) << body;
    EXPECT_NE(refused->body.find("\"error\""), std::string::npos) << body;
  }
  EXPECT_EQ(call({"GET", "/__sim/nothing", {}, {}})->status, 404);
}

TEST_F(SimServerTest, JournalListsRequestsButNotControlCalls) {
  sim::Server server({});
  server.route("POST", "/a", [](const SimRequest&) { return json("{}"); });
  server.start();
  client_for(server);

  ASSERT_TRUE(call({"POST", "/a?z=1", {}, "payload"}).ok());
  ASSERT_TRUE(call({"GET", "/b", {}, {}}).ok());
  auto listed = call({"GET", "/__sim/journal", {}, {}});

  ASSERT_TRUE(listed.ok());
  auto document = core::json::parse(listed->body);
  ASSERT_TRUE(document.ok());
  ASSERT_TRUE(document->IsArray());
  ASSERT_EQ(document->Size(), 2U);
  EXPECT_STREQ((*document)[0]["method"].GetString(), "POST");
  EXPECT_STREQ((*document)[0]["target"].GetString(), "/a?z=1");
  EXPECT_STREQ((*document)[0]["remote_address"].GetString(), "127.0.0.1");
  EXPECT_STREQ((*document)[1]["target"].GetString(), "/b");
  const auto journal = server.journal();
  ASSERT_EQ(journal.size(), 2U);
  EXPECT_EQ(journal[0].body, "payload");

  server.clear_journal();
  EXPECT_TRUE(server.journal().empty());
}

TEST_F(SimServerTest, JournalKeepsOnlyTheNewestRequests) {
  sim::Server server({.journal_limit = 3});
  server.route("GET", "/{n}", [](const SimRequest&) { return json("{}"); });
  server.start();
  client_for(server);
  for (int i = 1; i <= 5; ++i)
    ASSERT_TRUE(call({"GET", "/" + std::to_string(i), {}, {}}).ok());
  const auto journal = server.journal();
  ASSERT_EQ(journal.size(), 3U);
  EXPECT_EQ(journal.front().target, "/3");
  EXPECT_EQ(journal.back().target, "/5");
}

TEST_F(SimServerTest, ResetFaultAbortsWithRst) {
  sim::Server server({});
  server.inject({.kind = sim::FaultKind::reset});
  server.start();

  auto [received, ec] = raw_exchange(server.port(), "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

  EXPECT_TRUE(received.empty());
  EXPECT_EQ(ec, asio::error::connection_reset) << ec.message();
  EXPECT_EQ(server.journal().size(), 1U);
}

TEST_F(SimServerTest, GarbageFaultSendsATruncatedNonJsonAnswer) {
  sim::Server server({});
  server.inject({.kind = sim::FaultKind::garbage});
  server.start();

  auto [received, ec] = raw_exchange(server.port(), "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  EXPECT_EQ(received.rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
  const std::string body = received.substr(received.find("\r\n\r\n") + 4);
  EXPECT_LT(body.size(), 64U);  // fewer bytes than its Content-Length promised
  EXPECT_FALSE(core::json::parse(body).ok());
}

TEST_F(SimServerTest, TimeoutFaultHoldsTheConnectionUntilStop) {
  sim::Server server({});
  server.inject({.kind = sim::FaultKind::timeout});
  server.start();

  std::thread stopper([&] {
    ASSERT_TRUE(test::eventually([&] { return server.journal().size() == 1; }));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(server.connections_open(), 1U);  // still held, no answer
    server.stop();
  });
  const auto started = std::chrono::steady_clock::now();
  auto [received, ec] = raw_exchange(server.port(), "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  stopper.join();

  EXPECT_TRUE(received.empty());
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_GE(std::chrono::steady_clock::now() - started, 50ms);
}

TEST_F(SimServerTest, OversizedBodyIsRefused) {
  sim::Server server({});
  server.route("POST", "/upload", [](const SimRequest&) { return json("{}"); });
  server.start();

  auto [received, ec] = raw_exchange(
      server.port(), "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 9000000\r\n\r\n");

  EXPECT_EQ(received.rfind("HTTP/1.1 413", 0), 0U) << received;
  EXPECT_TRUE(server.journal().empty());
}

TEST_F(SimServerTest, KeepAliveServesRequestsInOrder) {
  sim::Server server({});
  server.route("GET", "/n/{n}",
               [](const SimRequest& request) { return json(request.params.at("n")); });
  server.start();

  auto [received, ec] = raw_exchange(server.port(),
                                     "GET /n/1 HTTP/1.1\r\nHost: a\r\n\r\n"
                                     "GET /n/2 HTTP/1.1\r\nHost: a\r\n\r\n"
                                     "GET /n/3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

  const auto first = received.find("\r\n\r\n1");
  const auto second = received.find("\r\n\r\n2");
  const auto third = received.find("\r\n\r\n3");
  ASSERT_NE(first, std::string::npos) << received;
  ASSERT_NE(second, std::string::npos);
  ASSERT_NE(third, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_EQ(server.connections_accepted(), 1U);
}

TEST_F(SimServerTest, TlsNeedsACa) {
  sim::Server server({.tls = true});
  EXPECT_THROW(server.start(), std::runtime_error);
}

TEST_F(SimServerTest, BaseUrlNamesSchemeHostAndPort) {
  const auto ca = sim::TestCa::generate();
  sim::Server plain({});
  sim::Server secure({.tls = true, .ca = &ca});
  plain.start();
  secure.start();
  EXPECT_EQ(plain.base_url(), "http://127.0.0.1:" + std::to_string(plain.port()));
  EXPECT_EQ(secure.base_url(), "https://127.0.0.1:" + std::to_string(secure.port()));
  EXPECT_NE(plain.port(), 0);
}

TEST(TestCaTest, WritesItsCertificateToAFile) {
  testing::TempDir dir;
  const auto ca = sim::TestCa::generate();
  const std::string path = ca.write_ca_file(dir.path().string());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), ca.ca_pem());
  EXPECT_EQ(ca.ca_pem().rfind("-----BEGIN CERTIFICATE-----", 0), 0U);
  const auto leaf = ca.issue({"localhost", "127.0.0.1"});
  EXPECT_EQ(leaf.cert_pem.rfind("-----BEGIN CERTIFICATE-----", 0), 0U);
  EXPECT_EQ(leaf.key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0U);
  EXPECT_THROW(ca.issue({}), std::invalid_argument);
}

TEST(ParseFormTest, DecodesPairs) {
  const auto fields = sim::parse_form("a=1&b=x+y%21&empty=&flag&a=2&=skip");
  EXPECT_EQ(fields.at("a"), "2");
  EXPECT_EQ(fields.at("b"), "x y!");
  EXPECT_EQ(fields.at("empty"), "");
  EXPECT_EQ(fields.at("flag"), "");
  EXPECT_TRUE(sim::parse_form("").empty());
}

}  // namespace
}  // namespace portico
