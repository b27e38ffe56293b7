#include "support/http.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace portico::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

rapidjson::Document HttpReply::json() const {
  rapidjson::Document document;
  document.Parse(body.c_str(), body.size());
  return document;
}

std::string HttpReply::header(const std::string& lowercase_name) const {
  const auto found = headers.find(lowercase_name);
  return found == headers.end() ? std::string() : found->second;
}

namespace {
std::atomic<HttpObserver> observer{nullptr};
}  // namespace

void set_http_observer(HttpObserver new_observer) {
  observer.store(new_observer);
}

struct HttpConnection::Impl {
  std::uint16_t port = 0;
  net::io_context io;
  std::unique_ptr<net::ssl::context> tls;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
};

HttpConnection::HttpConnection(std::uint16_t port, std::string ca_file) : impl_(new Impl) {
  impl_->port = port;
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  if (ca_file.empty()) {
    impl_->plain = std::make_unique<beast::tcp_stream>(impl_->io);
    impl_->plain->connect(endpoint);
  } else {
    impl_->tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
    impl_->tls->load_verify_file(ca_file);
    impl_->tls->set_verify_mode(net::ssl::verify_peer);
    impl_->secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(impl_->io, *impl_->tls);
    impl_->secure->set_verify_callback(net::ssl::host_name_verification("127.0.0.1"));
    beast::get_lowest_layer(*impl_->secure).connect(endpoint);
    impl_->secure->handshake(net::ssl::stream_base::client);
  }
}

HttpConnection::~HttpConnection() {
  delete impl_;
}

HttpReply HttpConnection::request(const std::string& method, const std::string& target,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const std::string& body) {
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers)
    request.set(name, value);
  if (!body.empty() && request.find(http::field::content_type) == request.end()) {
    request.set(http::field::content_type, "application/json");
  }
  request.body() = body;
  request.prepare_payload();

  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  parser.header_limit(1 << 20);
  if (impl_->plain) {
    impl_->plain->expires_after(std::chrono::seconds(20));
    http::write(*impl_->plain, request);
    http::read(*impl_->plain, impl_->buffer, parser);
  } else {
    beast::get_lowest_layer(*impl_->secure).expires_after(std::chrono::seconds(20));
    http::write(*impl_->secure, request);
    http::read(*impl_->secure, impl_->buffer, parser);
  }
  const auto& response = parser.get();
  HttpReply reply;
  reply.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    std::string name(field.name_string());
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  reply.body = response.body();
  reply.keep_alive = response.keep_alive();
  if (const HttpObserver watching = observer.load()) {
    watching(impl_->port, method, target, headers, body, reply);
  }
  return reply;
}

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body, const std::string& ca_file) {
  HttpConnection connection(port, ca_file);
  return connection.request(method, target, headers, body);
}

RawConnection::RawConnection(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("connect failed");
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void RawConnection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

std::string RawConnection::read_some(std::chrono::milliseconds timeout, const std::string& needle) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd waiting{fd_, POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(std::max<long>(left.count(), 1))) <= 0) break;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    out.append(chunk, static_cast<std::size_t>(n));
    if (!needle.empty() && out.find(needle) != std::string::npos) break;
  }
  return out;
}

std::string RawConnection::read_until_close(std::chrono::milliseconds timeout) {
  return read_some(timeout);
}

bool RawConnection::closed_within(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd waiting{fd_, POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(std::max<long>(left.count(), 1))) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return true;  // EOF or reset
  }
  return false;
}

}  // namespace portico::testing
