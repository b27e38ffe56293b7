#include "portico/server/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <limits>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace portico::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
using SteadyClock = std::chrono::steady_clock;
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

std::int64_t steady_now() {
  return SteadyClock::now().time_since_epoch().count();
}

// State shared between a connection's coroutine and the server. Everything but `id` and
// `deadline` is only touched on the connection's strand.
struct HttpServer::Connection {
  std::uint64_t id = 0;
  net::strand<net::io_context::executor_type> strand;
  beast::tcp_stream* socket = nullptr;  // the lowest layer; null once the coroutine ended
  bool idle = true;                     // waiting for a request, nothing in flight
  bool draining = false;                // the server is shutting down
  bool timed_out = false;               // closed by the sweep
  // Until when the current wait (for a request, for the rest of one, for a write) may last,
  // in steady_clock ticks; kNever while a handler runs. Set by the coroutine, read by the
  // server's sweep, which closes the connection once it has passed. A deadline is one atomic
  // store per wait, where a Beast timeout was a timer armed and cancelled per operation.
  std::atomic<std::int64_t> deadline{kNever};

  void expire_after(std::chrono::milliseconds timeout) {
    deadline.store((SteadyClock::now() + timeout).time_since_epoch().count(),
                   std::memory_order_relaxed);
  }
  void expire_never() { deadline.store(kNever, std::memory_order_relaxed); }

  explicit Connection(net::strand<net::io_context::executor_type> s) : strand(std::move(s)) {}

  // Closing the socket completes the pending operation with an error, ending the coroutine.
  void close() {
    if (socket != nullptr) {
      beast::error_code ignored;
      socket->socket().shutdown(tcp::socket::shutdown_both, ignored);
      socket->close();
    }
  }
};

namespace {

beast::tcp_stream& lowest(beast::tcp_stream& stream) {
  return stream;
}
beast::tcp_stream& lowest(beast::ssl_stream<beast::tcp_stream>& stream) {
  return stream.next_layer();
}

template <typename Stream>
net::awaitable<void> shutdown_stream(Stream& stream) {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  } else {
    // A TLS close_notify; a peer that vanished (stream_truncated, timeout) is not an error.
    stream.next_layer().expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(kNoThrow);
  }
  co_return;
}

// Serves the requests of one connection, in order, until it closes, times out or the server
// drains it.
template <typename Stream>
net::awaitable<void> serve(Stream stream, std::shared_ptr<HttpServer::Connection> connection,
                           Limits limits, Handler handler, Rejecter rejecter, Peer peer) {
  connection->socket = &lowest(stream);
  beast::flat_buffer buffer;

  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    lowest(stream).expires_after(limits.read_timeout);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kNoThrow);
    lowest(stream).expires_never();  // from here the connection's deadline governs
    if (ec) {
      connection->socket = nullptr;
      co_return;
    }
  }

  for (;;) {
    // Between requests the connection is idle: it may wait idle_timeout for the first byte of
    // the next one, and a shutdown may close it at once.
    if (buffer.size() == 0) {
      if (connection->draining) break;
      connection->idle = true;
      connection->expire_after(limits.idle_timeout);
      auto [ec, bytes] = co_await stream.async_read_some(buffer.prepare(4096), kNoThrow);
      connection->idle = false;
      if (ec) break;
      buffer.commit(bytes);
    }
    connection->idle = false;

    // From its first byte, the whole request must arrive within read_timeout: a client that
    // trickles bytes is cut off.
    connection->expire_after(limits.read_timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    // Most requests came whole in the read that ended the idle wait: parse them here, since
    // http::async_read would finish through a post, a second trip through the scheduler.
    beast::error_code read_error;
    while (buffer.size() > 0 && !parser.is_done()) {
      const std::size_t used = parser.put(buffer.data(), read_error);
      buffer.consume(used);
      if (read_error || used == 0) break;
    }
    if (read_error == http::error::need_more) read_error = {};
    if (!read_error && !parser.is_done()) {
      auto [error, bytes] = co_await http::async_read(stream, buffer, parser, kNoThrow);
      read_error = error;
    }

    Response response;
    bool keep_alive = false;
    if (read_error == http::error::header_limit) {
      response = rejecter(431, "header_too_large",
                          "The request headers are larger than this server accepts.", 11);
    } else if (read_error == http::error::body_limit) {
      response = rejecter(
          413, "body_too_large",
          "The request body is larger than " + std::to_string(limits.max_body_bytes) + " bytes.",
          11);
    } else if (connection->timed_out || read_error == http::error::end_of_stream ||
               read_error == net::error::eof || read_error == net::error::operation_aborted ||
               read_error == net::error::connection_reset ||
               read_error == ssl::error::stream_truncated) {
      break;  // the client went away or was too slow: nobody is left to answer
    } else if (read_error) {
      response = rejecter(400, "invalid_http", "The request is not valid HTTP/1.1.", 11);
    } else {
      Request request = parser.release();
      connection->expire_never();  // the handler's own deadlines govern from here
      response = co_await handler(request, peer);
      keep_alive = request.keep_alive() && !connection->draining;
      response.version(request.version());
    }
    response.keep_alive(keep_alive);
    response.prepare_payload();

    connection->expire_after(limits.write_timeout);
    auto [write_error, written] = co_await http::async_write(stream, response, kNoThrow);
    if (write_error || !keep_alive) break;
  }

  connection->expire_never();
  if (lowest(stream).socket().is_open()) co_await shutdown_stream(stream);
  connection->socket = nullptr;
}

}  // namespace

HttpServer::HttpServer(net::io_context& io, Limits limits, std::shared_ptr<ssl::context> tls,
                       Handler handler, Rejecter rejecter, ConnectionExecutor connection_executor)
    : io_(io),
      limits_(limits),
      tls_(std::move(tls)),
      handler_(std::move(handler)),
      rejecter_(std::move(rejecter)),
      connection_executor_(std::move(connection_executor)),
      acceptor_(net::make_strand(io)),
      // A timeout fires at most one sweep late: an eighth of the shortest.
      sweep_every_(
          std::clamp(std::min({limits.read_timeout, limits.idle_timeout, limits.write_timeout}) / 8,
                     std::chrono::milliseconds(5), std::chrono::milliseconds(250))),
      sweep_timer_(acceptor_.get_executor()) {}

HttpServer::~HttpServer() = default;

void HttpServer::listen(const std::string& host, std::uint16_t port) {
  const tcp::endpoint endpoint(net::ip::make_address(host), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

void HttpServer::start() {
  net::co_spawn(acceptor_.get_executor(), accept_loop(), net::detached);
  schedule_sweep();
}

void HttpServer::schedule_sweep() {
  sweep_timer_.expires_after(sweep_every_);
  sweep_timer_.async_wait([this](beast::error_code ec) {
    if (ec) return;
    sweep();
    schedule_sweep();
  });
}

void HttpServer::sweep() {
  const std::int64_t now = steady_now();
  std::lock_guard lock(mutex_);
  for (auto& [id, weak] : connections_) {
    auto connection = weak.lock();
    if (!connection || connection->deadline.load(std::memory_order_relaxed) > now) continue;
    net::post(connection->strand, [connection] {
      // Again on the strand: the connection may have moved on to its next step since.
      if (connection->deadline.load(std::memory_order_relaxed) > steady_now()) return;
      connection->expire_never();
      connection->timed_out = true;
      connection->close();
    });
  }
}

net::awaitable<void> HttpServer::accept_loop() {
  for (;;) {
    auto strand = net::make_strand(io_);
    auto [ec, socket] = co_await acceptor_.async_accept(strand, kNoThrow);
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE: the next accept may succeed once sockets free up

    auto connection = std::make_shared<Connection>(strand);
    track(connection);
    beast::error_code peer_error;
    const auto remote = socket.remote_endpoint(peer_error);
    Peer peer{peer_error ? std::string() : remote.address().to_string(), tls_ != nullptr};
    auto on_end = [this, id = connection->id](const std::exception_ptr&) { forget(id); };
    const net::any_io_executor executor = connection_executor_(strand);
    if (tls_) {
      net::co_spawn(executor,
                    serve(beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls_),
                          connection, limits_, handler_, rejecter_, peer),
                    on_end);
    } else {
      net::co_spawn(executor,
                    serve(beast::tcp_stream(std::move(socket)), connection, limits_, handler_,
                          rejecter_, peer),
                    on_end);
    }
  }
}

void HttpServer::track(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mutex_);
  connection->id = ++next_id_;
  connection->draining = stopping_;
  connections_.emplace(connection->id, connection);
}

void HttpServer::forget(std::uint64_t id) {
  std::function<void()> done;
  {
    std::lock_guard lock(mutex_);
    connections_.erase(id);
    if (stopping_ && connections_.empty() && done_) {
      done = std::move(done_);
      done_ = nullptr;
      if (grace_timer_) grace_timer_->cancel();
    }
  }
  if (done) done();
}

std::size_t HttpServer::open_connections() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

void HttpServer::close_all(bool only_idle) {
  std::lock_guard lock(mutex_);
  for (auto& [id, weak] : connections_) {
    if (auto connection = weak.lock()) {
      net::post(connection->strand, [connection, only_idle] {
        connection->draining = true;
        if (!only_idle || connection->idle) connection->close();
      });
    }
  }
}

void HttpServer::shutdown(std::chrono::milliseconds grace, std::function<void()> done) {
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
  std::function<void()> done_now;  // nothing is open: done at once
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (connections_.empty()) {
      done_now = std::move(done);
    } else {
      done_ = std::move(done);
      grace_timer_ = std::make_unique<net::steady_timer>(io_, grace);
      grace_timer_->async_wait([this](beast::error_code ec) {
        if (ec) return;
        // The grace period is over: cut what is left and report done without waiting for
        // handlers that are still stuck (stopping the io_context ends them).
        close_all(false);
        std::function<void()> late;
        {
          std::lock_guard timer_lock(mutex_);
          late = std::move(done_);
          done_ = nullptr;
        }
        if (late) late();
      });
    }
  }
  if (done_now) {
    done_now();
    return;
  }
  close_all(true);
}

std::shared_ptr<ssl::context> make_server_tls(const std::string& cert_file,
                                              const std::string& key_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  context->use_certificate_chain_file(cert_file);
  context->use_private_key_file(key_file, ssl::context::pem);
  return context;
}

}  // namespace portico::server
