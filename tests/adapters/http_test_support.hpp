#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "portico/http/client.hpp"
#include "portico/sim/server.hpp"

// What the HTTP client's tests share: a plain simulator with a few routes, client options for
// it, and error checks.
namespace portico::test {

inline sim::SimResponse json(std::string body, int status = 200) {
  sim::SimResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// A plain HTTP simulator with the routes most tests need, not started yet.
inline std::unique_ptr<sim::Server> make_server(sim::ServerOptions options = {}) {
  auto server = std::make_unique<sim::Server>(std::move(options));
  server->route("GET", "/hello/{name}", [](const sim::SimRequest& request) {
    return json(R"({"hello":")" + request.params.at("name") + R"("})");
  });
  server->route("HEAD", "/hello/{name}", [](const sim::SimRequest&) { return json("{\"x\":1}"); });
  server->route("POST", "/echo", [](const sim::SimRequest& request) {
    sim::SimResponse response = json(request.body);
    if (auto key = request.header("X-DC-DEVKEY")) response.headers.push_back({"X-DC-DEVKEY", *key});
    return response;
  });
  server->route("GET", "/bye", [](const sim::SimRequest&) {
    sim::SimResponse response = json("{}");
    response.close = true;
    return response;
  });
  server->route("GET", "/big", [](const sim::SimRequest&) { return json(std::string(5000, 'x')); });
  return server;
}

inline http::ClientOptions options_for(const sim::Server& server) {
  http::ClientOptions options;
  options.scheme = "http";
  options.host = "127.0.0.1";
  options.port = server.port();
  options.timeout = std::chrono::seconds(2);
  return options;
}

inline http::Request get(std::string target) {
  return http::Request{"GET", std::move(target), {}, {}};
}

inline void expect_error(const core::Result<http::Response>& result, std::string_view code,
                         int status, bool outcome_unknown) {
  ASSERT_FALSE(result.ok()) << "status " << result->status;
  EXPECT_EQ(result.error().code, code);
  EXPECT_EQ(result.error().status, status);
  EXPECT_EQ(result.error().type, core::ErrorType::upstream);
  EXPECT_EQ(result.error().outcome_unknown, outcome_unknown);
}

}  // namespace portico::test
