#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace portico::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  bool keep_alive = true;

  rapidjson::Document json() const;
  std::string header(const std::string& lowercase_name) const;
};

// A small blocking HTTP/1.1 client for tests: one keep-alive connection, optionally TLS
// verified against a CA file.
class HttpConnection {
 public:
  HttpConnection(std::uint16_t port, std::string ca_file = {});
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  HttpReply request(const std::string& method, const std::string& target,
                    const std::vector<std::pair<std::string, std::string>>& headers = {},
                    const std::string& body = {});

 private:
  struct Impl;
  Impl* impl_;
};

// Called after every request the clients above complete, with what was sent and answered:
// the end-to-end tests check each against the API's contract (e2e/openapi_watch.cpp).
using HttpObserver = void (*)(std::uint16_t port, const std::string& method,
                              const std::string& target,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              const std::string& body, const HttpReply& reply);
void set_http_observer(HttpObserver observer);

// One request on a fresh connection.
HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       const std::string& body = {}, const std::string& ca_file = {});

// A raw TCP connection to 127.0.0.1 for tests of what clients can do wrong.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  void send(const std::string& bytes);
  // Reads until the peer closes or `timeout` passes; returns what arrived.
  std::string read_until_close(std::chrono::milliseconds timeout);
  // Reads until `bytes` bytes or `needle` arrived, or timeout.
  std::string read_some(std::chrono::milliseconds timeout, const std::string& needle = {});
  // True when the peer closed the connection within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

}  // namespace portico::testing
