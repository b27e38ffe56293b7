#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace portico::server {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct Limits {
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds read_timeout{10000};  // from a request's first byte to its last
  std::chrono::milliseconds idle_timeout{30000};  // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{10000};
};

struct Peer {
  std::string address;
  bool tls = false;
};

// The application: turns one request into one response. It must not throw.
using Handler = std::function<boost::asio::awaitable<Response>(Request&, const Peer&)>;
// Shapes the responses the transport itself decides (413, 431, 400 for broken HTTP), so they
// carry the same error envelope as everything else.
using Rejecter = std::function<Response(unsigned status, std::string_view code,
                                        std::string_view message, unsigned version)>;

// The executor a connection's coroutine runs on, made from the connection's strand (the
// gateway wraps it in a RequestScope). It must run what it is given on that strand.
using ConnectionExecutor =
    std::function<boost::asio::any_io_executor(boost::asio::any_io_executor strand)>;

// An asynchronous HTTP/1.1 server on a multi-threaded io_context: one strand per connection,
// requests on a connection served in order (so pipelining is safe), header and body limits,
// read/idle/write timeouts, optional TLS, and graceful shutdown.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, Limits limits,
             std::shared_ptr<boost::asio::ssl::context> tls, Handler handler, Rejecter rejecter,
             ConnectionExecutor connection_executor);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; throws std::system_error at start-up when the address is unusable.
  void listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const { return port_; }
  void start();

  // Stops accepting, closes idle connections at once, lets requests in flight finish (their
  // responses say Connection: close) and calls `done` when every connection is gone, or
  // when `grace` has passed, after closing what is left. Thread-safe; call once.
  void shutdown(std::chrono::milliseconds grace, std::function<void()> done);

  std::size_t open_connections() const;

  struct Connection;  // one accepted socket's shared state (defined in the .cpp)

 private:
  boost::asio::awaitable<void> accept_loop();
  void track(const std::shared_ptr<Connection>& connection);
  void forget(std::uint64_t id);
  void close_all(bool only_idle);
  // Closes the connections whose wait has passed its deadline, every sweep_every_.
  void schedule_sweep();
  void sweep();

  boost::asio::io_context& io_;
  Limits limits_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  Handler handler_;
  Rejecter rejecter_;
  ConnectionExecutor connection_executor_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;

  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections_;
  std::uint64_t next_id_ = 0;
  bool stopping_ = false;
  std::function<void()> done_;
  std::unique_ptr<boost::asio::steady_timer> grace_timer_;
  std::chrono::milliseconds sweep_every_;
  boost::asio::steady_timer sweep_timer_;
};

// A server TLS context from PEM files; throws at start-up when they cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> make_server_tls(const std::string& cert_file,
                                                           const std::string& key_file);

}  // namespace portico::server
