// The transport: limits, timeouts, pipelining, TLS and graceful shutdown, over real sockets.
#include <future>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "portico/sim/test_ca.hpp"

#include "e2e/gateway_fixture.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;

const std::string kLimits =
    "max_body_bytes: 1024\n  max_header_bytes: 2048\n  read_timeout_ms: 400\n"
    "  idle_timeout_ms: 700\n  shutdown_grace_ms: 3000";

class ServerTest : public ::testing::Test {
 protected:
  RunningGateway gateway_{kLimits};
  RunningGateway::Key key_ = gateway_.create_key(gateway_.create_partner("limits"));
};

std::string me_request(const std::string& key, const std::string& extra_headers = "") {
  return "GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key + "\r\n" +
         extra_headers + "\r\n";
}

TEST_F(ServerTest, BodyOverTheLimitIs413WithTheEnvelope) {
  const HttpReply reply =
      gateway_.api("POST", "/api/v1/customers", key_.secret,
                   R"({"name":")" + std::string(2000, 'x') + R"(","email":"a@b.co"})");
  EXPECT_EQ(reply.status, 413);
  const auto json = reply.json();
  EXPECT_STREQ(json["error"]["type"].GetString(), "invalid_request_error");
  EXPECT_STREQ(json["error"]["code"].GetString(), "body_too_large");
  EXPECT_EQ(reply.header("x-request-id"), json["meta"]["request_id"].GetString());
  EXPECT_FALSE(reply.keep_alive);
  EXPECT_EQ(gateway_.api("GET", "/api/v1/customers", key_.secret).json()["total"].GetInt(), 0);
}

TEST_F(ServerTest, HeadersOverTheLimitAre431) {
  const HttpReply reply =
      gateway_.api("GET", "/api/v1/me", key_.secret, "", {{"X-Padding", std::string(4000, 'p')}});
  EXPECT_EQ(reply.status, 431);
  EXPECT_STREQ(reply.json()["error"]["code"].GetString(), "header_too_large");
}

TEST_F(ServerTest, BrokenHttpIs400) {
  RawConnection raw(gateway_.api_port());
  raw.send("GARBAGE\r\n\r\n");
  const std::string reply = raw.read_until_close(2s);
  EXPECT_NE(reply.find("400 Bad Request"), std::string::npos) << reply;
  EXPECT_NE(reply.find("invalid_http"), std::string::npos) << reply;
}

TEST_F(ServerTest, SlowClientIsCutOffAfterTheReadTimeout) {
  RawConnection raw(gateway_.api_port());
  const auto started = std::chrono::steady_clock::now();
  raw.send("GET /api/v1/me HTTP/1.1\r\n");
  // Trickle one header byte at a time: the whole request never arrives in time.
  bool closed = false;
  for (int i = 0; i < 30 && !closed; ++i) {
    raw.send("X");
    closed = raw.closed_within(100ms);
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed, 350ms);
  EXPECT_LT(elapsed, 2500ms);
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  RawConnection raw(gateway_.api_port());
  raw.send(me_request(key_.secret));
  const std::string first = raw.read_some(2s, "}}");
  ASSERT_NE(first.find("200 OK"), std::string::npos) << first;
  EXPECT_TRUE(raw.closed_within(2s));
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConnection raw(gateway_.api_port());
  raw.send(me_request(key_.secret) + "GET /api/v1/nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" +
           me_request(key_.secret, "Connection: close\r\n"));
  const std::string replies = raw.read_until_close(3s);
  const std::size_t first = replies.find("HTTP/1.1 200");
  const std::size_t second = replies.find("HTTP/1.1 404");
  const std::size_t third = replies.find("HTTP/1.1 200", first + 1);
  ASSERT_NE(first, std::string::npos) << replies;
  ASSERT_NE(second, std::string::npos) << replies;
  ASSERT_NE(third, std::string::npos) << replies;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
}

TEST_F(ServerTest, HostileHeadersAndTargetsGetNormalizedErrors) {
  const HttpReply nul = gateway_.api("GET", "/api/v1/customers?x=%00", key_.secret);
  EXPECT_EQ(nul.status, 400);
  EXPECT_STREQ(nul.json()["error"]["code"].GetString(), "invalid_url");
  const HttpReply dup = gateway_.api("GET", "/api/v1/customers?limit=1&limit=2", key_.secret);
  EXPECT_EQ(dup.status, 400);
  const HttpReply long_bearer = gateway_.api("GET", "/api/v1/me", std::string(1500, 'k'));
  EXPECT_EQ(long_bearer.status, 401);
  RawConnection raw(gateway_.api_port());
  raw.send(
      "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nBad Header: v\r\n\r\n");
  EXPECT_NE(raw.read_until_close(2s).find("400"), std::string::npos);
}

// Holds SQLite's write lock from outside, so that a write through the gateway stays in flight.
class WriteLock {
 public:
  explicit WriteLock(const std::string& path) {
    sqlite3_open(path.c_str(), &db_);
    sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  }
  void release() {
    if (db_ != nullptr) {
      sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
      sqlite3_close(db_);
      db_ = nullptr;
    }
  }
  ~WriteLock() { release(); }

 private:
  sqlite3* db_ = nullptr;
};

TEST_F(ServerTest, GracefulShutdownFinishesTheRequestInFlightAndRefusesNewOnes) {
  RawConnection idle(gateway_.api_port());  // an idle keep-alive connection
  RawConnection busy(gateway_.api_port());
  WriteLock lock(gateway_.database_path());
  const std::string body = R"({"name":"In Flight","email":"f@example.com"})";
  busy.send("POST /api/v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key_.secret +
            "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n\r\n" + body);
  std::this_thread::sleep_for(200ms);  // the write now waits on the lock

  gateway_.app().request_stop();
  EXPECT_TRUE(idle.closed_within(1s));  // idle connections go at once
  std::this_thread::sleep_for(100ms);
  EXPECT_THROW(RawConnection fresh(gateway_.api_port()), std::runtime_error);

  lock.release();
  const std::string reply = busy.read_until_close(4s);
  EXPECT_NE(reply.find("HTTP/1.1 201"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
  gateway_.stop();

  // The customer really was committed.
  sqlite3* db = nullptr;
  sqlite3_open(gateway_.database_path().c_str(), &db);
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM customers WHERE name = 'In Flight'", -1, &statement,
                     nullptr);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(statement, 0), 1);
  sqlite3_finalize(statement);
  sqlite3_close(db);
}

TEST(ServerTlsTest, ServesHttpsWithTheConfiguredCertificate) {
  TempDir certificates;
  const auto ca = sim::TestCa::generate();
  const auto leaf = ca.issue({"127.0.0.1", "localhost"});
  write_file(certificates.file("cert.pem"), leaf.cert_pem);
  write_file(certificates.file("key.pem"), leaf.key_pem);
  const std::string ca_file = ca.write_ca_file(certificates.path().string());

  RunningGateway gateway("tls:\n    cert_file: " + certificates.file("cert.pem") +
                         "\n    key_file: " + certificates.file("key.pem"));
  // Keys are made on the admin listener (plain), then used over TLS.
  const auto key = gateway.create_key(gateway.create_partner("tls-partner"));
  const HttpReply reply = http_request(gateway.api_port(), "GET", "/api/v1/me",
                                       {{"Authorization", "Bearer " + key.secret}}, "", ca_file);
  EXPECT_EQ(reply.status, 200) << reply.body;
  // A plain-HTTP request to the TLS port gets nothing useful.
  RawConnection raw(gateway.api_port());
  raw.send(me_request(key.secret));
  EXPECT_EQ(raw.read_until_close(2s).find("200 OK"), std::string::npos);
}

}  // namespace
}  // namespace portico::testing
