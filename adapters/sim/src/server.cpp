#include "portico/sim/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "portico/core/json.hpp"

namespace portico::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace wire = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

constexpr std::size_t kBodyLimit = 8U << 20U;
constexpr auto kIdleTimeout = std::chrono::seconds(120);
constexpr auto kIoTimeout = std::chrono::seconds(10);
constexpr std::string_view kControlPrefix = "/__sim/";
// Headers that promise more body than follows, then the connection closes: a truncated,
// non-JSON 200.
constexpr std::string_view kGarbage =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n"
    "<html><body>Service Unavail";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    segments.push_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return segments;
    start = slash + 1;
  }
}

struct Route {
  std::string method;
  std::vector<std::string> segments;
  Handler handler;
  bool control = false;  // the pattern is under /__sim/ (e.g. DcvWorld's routes)
};

bool match(const Route& route, const SimRequest& request,
           std::map<std::string, std::string>& params) {
  if (route.method != "*" && route.method != request.method) return false;
  const std::vector<std::string_view> segments = split_path(request.path);
  if (segments.size() != route.segments.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
      if (segments[i].empty()) return false;
      found[expected.substr(1, expected.size() - 2)] = percent_decode(segments[i], false);
    } else if (expected != segments[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

SimResponse json_response(int status, std::string body) {
  SimResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::optional<FaultKind> fault_kind(std::string_view name) {
  if (name == "latency") return FaultKind::latency;
  if (name == "timeout") return FaultKind::timeout;
  if (name == "reset") return FaultKind::reset;
  if (name == "status") return FaultKind::status;
  if (name == "rate_limit") return FaultKind::rate_limit;
  if (name == "garbage") return FaultKind::garbage;
  return std::nullopt;
}

template <typename Stream>
beast::tcp_stream& lowest(Stream& stream) {
  return beast::get_lowest_layer(stream);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> parse_form(std::string_view text) {
  std::map<std::string, std::string> fields;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view pair = text.substr(start, end - start);
    if (!pair.empty()) {
      const std::size_t equals = pair.find('=');
      const std::string_view name = pair.substr(0, equals);
      const std::string_view value =
          equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
      fields[percent_decode(name, true)] = percent_decode(value, true);
    }
    start = end + 1;
  }
  return fields;
}

std::optional<std::string> SimRequest::header(std::string_view name) const {
  for (const Header& field : headers) {
    if (iequals(field.name, name)) return field.value;
  }
  return std::nullopt;
}

struct Server::Impl {
  explicit Impl(ServerOptions from) : options(std::move(from)) {}

  // Counts a session's connection while it is open.
  class OpenConnection {
   public:
    explicit OpenConnection(Impl& impl) : impl_(impl) {
      const std::size_t now = ++impl_.open;
      std::size_t peak = impl_.peak.load();
      while (now > peak && !impl_.peak.compare_exchange_weak(peak, now)) {
      }
    }
    ~OpenConnection() { --impl_.open; }
    OpenConnection(const OpenConnection&) = delete;
    OpenConnection& operator=(const OpenConnection&) = delete;

   private:
    Impl& impl_;
  };

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (!acceptor->is_open()) co_return;
        continue;
      }
      ++accepted;
      asio::co_spawn(*io, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    OpenConnection counted(*this);
    error_code ec;
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    const std::string remote_address = ec ? std::string() : remote.address().to_string();
    PlainStream stream(std::move(socket));
    try {
      if (!tls) {
        co_await serve(stream, remote_address);
        co_return;
      }
      TlsStream secure(std::move(stream), *tls);
      lowest(secure).expires_after(kIoTimeout);
      auto [handshake_error] = co_await secure.async_handshake(ssl::stream_base::server,
                                                               asio::as_tuple(asio::use_awaitable));
      if (handshake_error) co_return;  // e.g. the client refused our certificate
      co_await serve(secure, remote_address);
    } catch (const std::exception&) {
      // A broken connection ends its session only.
    }
  }

  template <typename Stream>
  asio::awaitable<void> serve(Stream& stream, const std::string& remote_address) {
    beast::flat_buffer buffer;
    for (;;) {
      wire::request_parser<wire::string_body> parser;
      parser.body_limit(kBodyLimit);
      lowest(stream).expires_after(kIdleTimeout);
      auto [read_error, read_bytes] =
          co_await wire::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      (void)read_bytes;
      if (read_error == wire::error::body_limit) {
        SimResponse too_large = json_response(413, R"({"error":"body too large"})");
        too_large.close = true;
        co_await write(stream, too_large, false, false);
        co_return;
      }
      if (read_error) co_return;  // closed, idle too long, or not HTTP
      lowest(stream).expires_never();
      const auto& message = parser.get();
      const bool keep_alive = message.keep_alive();
      const bool head = message.method() == wire::verb::head;

      if (std::string_view(message.target()).starts_with(kControlPrefix)) {
        if (!co_await write(stream, control(message, remote_address), keep_alive, head) ||
            !keep_alive) {
          co_return;
        }
        continue;
      }

      SimRequest request = to_sim(message, remote_address);
      const Route* route = find_route(request);
      {
        std::lock_guard lock(mutex);
        journal.push_back(request);
        while (journal.size() > options.journal_limit)
          journal.pop_front();
      }
      const std::optional<Fault> fault = take_fault(request.method, request.path);
      std::optional<SimResponse> answer;
      if (!fault || fault->after_handler) answer = dispatch(route, request);
      if (fault && fault->kind != FaultKind::latency) {
        if (!co_await misbehave(stream, *fault, keep_alive, head)) co_return;
        continue;
      }
      if (fault) {
        asio::steady_timer delay(stream.get_executor());
        delay.expires_after(fault->delay);
        co_await delay.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!answer) answer = dispatch(route, request);
      }
      if (!co_await write(stream, *answer, keep_alive, head) || !keep_alive || answer->close) {
        co_return;
      }
    }
  }

  // Returns whether the connection stays usable.
  template <typename Stream>
  asio::awaitable<bool> misbehave(Stream& stream, const Fault& fault, bool keep_alive, bool head) {
    switch (fault.kind) {
      case FaultKind::status: {
        const std::string body =
            R"({"error":"simulated failure","status":)" + std::to_string(fault.status) + "}";
        co_return co_await write(stream, json_response(fault.status, body), keep_alive, head) &&
            keep_alive;
      }
      case FaultKind::rate_limit: {
        SimResponse limited = json_response(429, R"({"error":"rate limit exceeded"})");
        limited.headers.push_back({"Retry-After", std::to_string(fault.retry_after_seconds)});
        co_return co_await write(stream, limited, keep_alive, head) && keep_alive;
      }
      case FaultKind::timeout: {
        // Never answer; hold the connection until the client gives up or the server stops.
        lowest(stream).expires_never();
        std::array<char, 512> scratch{};
        for (;;) {
          auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch),
                                                         asio::as_tuple(asio::use_awaitable));
          (void)n;
          if (ec) co_return false;
        }
      }
      case FaultKind::reset: {
        // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        error_code ec;
        lowest(stream).socket().set_option(tcp::socket::linger(true, 0), ec);
        lowest(stream).socket().close(ec);
        co_return false;
      }
      case FaultKind::garbage: {
        lowest(stream).expires_after(kIoTimeout);
        co_await asio::async_write(stream, asio::buffer(kGarbage.data(), kGarbage.size()),
                                   asio::as_tuple(asio::use_awaitable));
        error_code ec;
        lowest(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
        lowest(stream).socket().close(ec);
        co_return false;
      }
      case FaultKind::latency:
        break;
    }
    co_return keep_alive;
  }

  // Returns whether the response was written. A HEAD answer carries the Content-Length of the
  // body it leaves out.
  template <typename Stream>
  asio::awaitable<bool> write(Stream& stream, const SimResponse& answer, bool keep_alive,
                              bool head) {
    wire::response<wire::string_body> message;
    message.version(11);
    message.result(static_cast<unsigned>(std::clamp(answer.status, 100, 999)));
    const bool bodiless = answer.status < 200 || answer.status == 204 || answer.status == 304;
    const bool has_content_type =
        std::any_of(answer.headers.begin(), answer.headers.end(),
                    [](const Header& header) { return iequals(header.name, "Content-Type"); });
    if (!answer.content_type.empty() && !has_content_type && !bodiless) {
      message.set(wire::field::content_type, answer.content_type);
    }
    for (const Header& header : answer.headers)
      message.insert(header.name, header.value);
    if (!bodiless) message.body() = answer.body;
    message.keep_alive(keep_alive && !answer.close);
    message.prepare_payload();
    lowest(stream).expires_after(kIoTimeout);
    wire::response_serializer<wire::string_body> serializer(message);
    auto [ec, n] =
        head ? co_await wire::async_write_header(stream, serializer,
                                                 asio::as_tuple(asio::use_awaitable))
             : co_await wire::async_write(stream, serializer, asio::as_tuple(asio::use_awaitable));
    (void)n;
    if (ec) co_return false;
    if (!message.keep_alive()) co_await close_gracefully(stream);
    co_return true;
  }

  template <typename Stream>
  asio::awaitable<void> close_gracefully(Stream& stream) {
    error_code ec;
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      lowest(stream).expires_after(std::chrono::seconds(1));
      co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
    }
    lowest(stream).socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  SimRequest to_sim(const wire::request<wire::string_body>& message,
                    const std::string& remote_address) const {
    SimRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    const std::size_t question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string::npos) request.query = request.target.substr(question + 1);
    for (const auto& field : message) {
      request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    request.body = message.body();
    request.remote_address = remote_address;
    return request;
  }

  // Fills request.params from the first route that matches.
  const Route* find_route(SimRequest& request) const {
    for (const Route& candidate : routes) {
      if (match(candidate, request, request.params)) return &candidate;
    }
    return nullptr;
  }

  SimResponse dispatch(const Route* route, const SimRequest& request) const {
    const Handler& handler = route ? route->handler : fallback;
    try {
      return handler(request);
    } catch (const std::exception& error) {
      std::string body;
      {
        rapidjson::StringBuffer text;
        core::json::Writer out(text);
        out.StartObject();
        const std::string message = std::string("simulator handler failed: ") + error.what();
        core::json::write(out, "error", std::string_view(message));
        out.EndObject();
        body = text.GetString();
      }
      return json_response(500, std::move(body));
    }
  }

  std::optional<Fault> take_fault(const std::string& method, const std::string& path) {
    std::lock_guard lock(mutex);
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (!path.starts_with(it->path_prefix)) continue;
      if (!it->method.empty() && it->method != method) continue;
      Fault hit = *it;
      if (it->count > 0 && --it->count == 0) faults.erase(it);
      return hit;
    }
    return std::nullopt;
  }

  SimResponse control(const wire::request<wire::string_body>& message,
                      const std::string& remote_address) {
    const std::string target(message.target());
    const std::string path = target.substr(0, target.find('?'));
    const std::string_view method = message.method_string();
    if (path == "/__sim/faults" && method == "POST") return control_inject(message.body());
    if (path == "/__sim/faults" && method == "DELETE") {
      clear_faults();
      return json_response(200, R"({"ok":true})");
    }
    if (path == "/__sim/journal" && method == "GET") {
      rapidjson::StringBuffer text;
      core::json::Writer out(text);
      out.StartArray();
      for (const SimRequest& request : snapshot()) {
        out.StartObject();
        core::json::write(out, "method", std::string_view(request.method));
        core::json::write(out, "target", std::string_view(request.target));
        core::json::write(out, "remote_address", std::string_view(request.remote_address));
        out.EndObject();
      }
      out.EndArray();
      return json_response(200, text.GetString());
    }
    // Control routes a simulator installed itself: served like the built-in ones, never
    // journaled and never hit by faults; only routes registered under /__sim/ are eligible.
    SimRequest request = to_sim(message, remote_address);
    for (const Route& candidate : routes) {
      if (candidate.control && match(candidate, request, request.params)) {
        return dispatch(&candidate, request);
      }
    }
    return json_response(404, R"({"error":"unknown simulator control endpoint"})");
  }

  SimResponse control_inject(const std::string& body) {
    auto refuse = [](const std::string& why) {
      rapidjson::StringBuffer text;
      core::json::Writer out(text);
      out.StartObject();
      core::json::write(out, "error", std::string_view(why));
      out.EndObject();
      return json_response(400, text.GetString());
    };
    auto document = core::json::parse(body);
    if (!document.ok()) return refuse(document.error().message);
    core::json::ObjectReader reader(*document);
    const auto kind = reader.string("kind", {.required = true, .max_length = 32});
    const auto prefix = reader.string("path_prefix");
    const auto count = reader.integer("count", {.min = -1, .max = 1'000'000});
    const auto delay_ms = reader.integer("delay_ms", {.min = 0, .max = 3'600'000});
    const auto status = reader.integer("status", {.min = 100, .max = 599});
    const auto retry_after = reader.integer("retry_after", {.min = 0, .max = 86'400});
    const auto after_handler = reader.boolean("after_handler");
    const auto method = reader.string("method", {.max_length = 16});
    if (auto error = reader.finish()) return refuse(error->message);
    const std::optional<FaultKind> parsed = fault_kind(*kind);
    if (!parsed) {
      return refuse("kind must be latency, timeout, reset, status, rate_limit or garbage");
    }
    Fault fault;
    fault.kind = *parsed;
    fault.path_prefix = prefix.value_or("");
    fault.count = static_cast<int>(count.value_or(1));
    fault.delay = std::chrono::milliseconds(delay_ms.value_or(0));
    fault.status = static_cast<int>(status.value_or(503));
    fault.retry_after_seconds = static_cast<int>(retry_after.value_or(1));
    fault.after_handler = after_handler.value_or(false);
    fault.method = method.value_or("");
    inject(std::move(fault));
    return json_response(201, R"({"ok":true})");
  }

  void inject(Fault fault) {
    if (fault.count == 0) return;
    if (fault.count < 0) fault.count = -1;
    std::lock_guard lock(mutex);
    faults.push_back(std::move(fault));
  }

  void clear_faults() {
    std::lock_guard lock(mutex);
    faults.clear();
  }

  std::vector<SimRequest> snapshot() const {
    std::lock_guard lock(mutex);
    return {journal.begin(), journal.end()};
  }

  ServerOptions options;
  std::vector<Route> routes;
  Handler fallback = [](const SimRequest&) {
    return json_response(404, R"({"error":"not found"})");
  };
  bool started = false;
  std::uint16_t port = 0;
  std::optional<ssl::context> tls;
  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>(1);
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;

  mutable std::mutex mutex;  // guards faults and journal
  std::vector<Fault> faults;
  std::deque<SimRequest> journal;  // the newest options.journal_limit requests
  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> peak{0};
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() {
  stop();
}

void Server::route(std::string method, std::string pattern, Handler handler) {
  if (impl_->started) throw std::logic_error("sim server: route() after start()");
  Route route;
  route.method = std::move(method);
  for (std::string_view segment : split_path(pattern))
    route.segments.emplace_back(segment);
  route.handler = std::move(handler);
  route.control = pattern.starts_with(kControlPrefix);
  impl_->routes.push_back(std::move(route));
}

void Server::fallback(Handler handler) {
  if (impl_->started) throw std::logic_error("sim server: fallback() after start()");
  impl_->fallback = std::move(handler);
}

void Server::start() {
  Impl& impl = *impl_;
  if (impl.started) throw std::logic_error("sim server: start() twice");
  impl.started = true;
  if (impl.options.tls) {
    if (impl.options.ca == nullptr) throw std::runtime_error("sim server: tls needs a ca");
    const KeyPair leaf = impl.options.ca->issue(impl.options.tls_names);
    auto& context = impl.tls.emplace(ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    context.use_certificate_chain(asio::buffer(leaf.cert_pem));
    context.use_private_key(asio::buffer(leaf.key_pem), ssl::context::pem);
  }
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(impl.options.listen_host, ec);
  if (ec) throw std::runtime_error("sim server: listen_host is not an IP address");
  const tcp::endpoint endpoint(address, impl.options.port);
  auto& acceptor = impl.acceptor.emplace(*impl.io);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("sim server " + impl.options.name + ": cannot listen on " +
                             impl.options.listen_host + ":" + std::to_string(impl.options.port) +
                             ": " + ec.message());
  }
  impl.port = acceptor.local_endpoint().port();
  asio::co_spawn(*impl.io, impl.accept_loop(), asio::detached);
  impl.thread = std::thread([&impl] {
    for (;;) {
      try {
        impl.io->run();
        return;
      } catch (const std::exception&) {
        // A handler escaped its own guard; keep serving the others.
      }
    }
  });
}

void Server::stop() {
  Impl& impl = *impl_;
  if (!impl.thread.joinable()) return;
  asio::post(*impl.io, [&impl] {
    error_code ec;
    impl.acceptor->close(ec);
    impl.io->stop();
  });
  impl.thread.join();
  // Destroying the io_context destroys the sessions still suspended, closing their sockets;
  // the acceptor, bound to it, goes first.
  impl.acceptor.reset();
  impl.io.reset();
}

std::uint16_t Server::port() const {
  return impl_->port;
}

std::string Server::base_url() const {
  const std::string& host = impl_->options.listen_host;
  const bool ipv6 = host.find(':') != std::string::npos;
  return std::string(impl_->options.tls ? "https://" : "http://") +
         (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(impl_->port);
}

const std::string& Server::name() const {
  return impl_->options.name;
}

void Server::inject(Fault fault) {
  impl_->inject(std::move(fault));
}

void Server::clear_faults() {
  impl_->clear_faults();
}

std::vector<SimRequest> Server::journal() const {
  return impl_->snapshot();
}

void Server::clear_journal() {
  std::lock_guard lock(impl_->mutex);
  impl_->journal.clear();
}

std::size_t Server::connections_accepted() const {
  return impl_->accepted.load();
}
std::size_t Server::connections_open() const {
  return impl_->open.load();
}
std::size_t Server::peak_connections() const {
  return impl_->peak.load();
}

}  // namespace portico::sim
