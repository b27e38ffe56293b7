#include "portico/http/client.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <sys/socket.h>
#include <utility>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include "portico/core/redact.hpp"
#include "portico/core/webhook.hpp"
#include "portico/http/request_scope.hpp"

namespace portico::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace wire = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kLoggedBodyBytes = 4096;
constexpr std::string_view kRedacted = "[redacted]";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// Messages are shown to partners: generic, never the supplier's host, never a secret.
core::Error unavailable() {
  return core::Error::upstream(503, "upstream_unavailable", "The supplier could not be reached.");
}
core::Error timed_out(bool outcome_unknown) {
  core::Error error =
      core::Error::upstream(504, "upstream_timeout", "The supplier did not answer in time.");
  error.outcome_unknown = outcome_unknown;
  return error;
}
core::Error tls_failed() {
  return core::Error::upstream(502, "upstream_tls_error",
                               "A secure connection to the supplier could not be established.");
}
core::Error connection_lost(bool outcome_unknown) {
  core::Error error = core::Error::upstream(502, "upstream_connection_lost",
                                            "The connection to the supplier was lost.");
  error.outcome_unknown = outcome_unknown;
  return error;
}
core::Error bad_response() {
  core::Error error = core::Error::upstream(502, "upstream_bad_response",
                                            "The supplier sent a response that could not be read.");
  error.outcome_unknown = true;
  return error;
}

// Refusals before anything was sent, with when to come back (whole seconds, at least one).
core::Error refusal(std::string code, std::string message, std::chrono::nanoseconds wait = {}) {
  core::Error error = core::Error::upstream(503, std::move(code), std::move(message));
  error.retry_after_seconds =
      std::max(1, static_cast<int>(std::chrono::ceil<std::chrono::seconds>(wait).count()));
  return error;
}
core::Error circuit_open(std::chrono::nanoseconds until_probe) {
  return refusal("upstream_circuit_open", "The supplier is unavailable; try again shortly.",
                 until_probe);
}
core::Error busy() {
  return refusal("upstream_busy", "Too many calls to the supplier are waiting; try again shortly.");
}
core::Error rate_limited(std::chrono::nanoseconds until_slot) {
  return refusal("upstream_rate_limited", "The supplier is limiting requests; try again shortly.",
                 until_slot);
}

// The reason comes from the caller's policy (e.g. "loopback"): it names a kind of address,
// never the address itself.
core::Error target_refused(const std::string& reason) {
  return core::Error::upstream(502, "upstream_target_refused",
                               "The target resolves only to refused addresses (" + reason + ").");
}

// One pooled connection. All I/O on it runs on its own strand, so Beast's timeout handlers
// and the coroutine that drives the exchange never run at the same time.
struct Connection {
  explicit Connection(asio::any_io_executor on) : strand(std::move(on)) {}

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  bool open() const { return plain.has_value() || tls.has_value(); }

  asio::any_io_executor strand;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  SteadyClock::time_point idle_since{};
};
using ConnectionPtr = std::unique_ptr<Connection>;

// Destroys a connection on its strand, after any timer handler Beast still has queued there.
void dispose(ConnectionPtr connection) {
  if (!connection) return;
  asio::any_io_executor strand = connection->strand;
  asio::post(strand, [doomed = std::move(connection)]() mutable { doomed.reset(); });
}

// A caller waiting for a connection slot. Its timer is only started and cancelled under the
// pool mutex, so a release can never slip between the check and the wait. The handler is only
// ever move-constructed: Boost 1.81's any_completion_handler move-assignment copies itself
// into endless recursion (fixed in 1.82).
struct SlotWaiter {
  SlotWaiter(const asio::any_io_executor& executor,
             asio::any_completion_handler<void(error_code)> wake)
      : timer(executor), handler(std::move(wake)) {}
  asio::steady_timer timer;
  asio::any_completion_handler<void(error_code)> handler;
  bool settled = false;
};

// Never completes inline (the caller is inside an initiation or a release), and resumes the
// waiter on its own executor, which may be a strand.
void complete(asio::any_completion_handler<void(error_code)> handler, error_code ec,
              const asio::any_io_executor& via) {
  asio::post(via, [handler = std::move(handler), ec]() mutable {
    const auto target = asio::get_associated_executor(handler);
    asio::dispatch(target,
                   [handler = std::move(handler), ec]() mutable { std::move(handler)(ec); });
  });
}

// What one attempt on one connection produced.
struct Attempt {
  std::optional<Response> response;
  bool keep_alive = false;
  std::optional<core::Error> error;
  std::string log_text;  // the redacted response, or the transport failure, for the wire log
  bool written = false;  // the whole request reached the socket
  bool stale = false;    // a reused connection failed before a single response byte
};

std::string cut_body(const std::string& body) {
  if (body.size() <= kLoggedBodyBytes) return body;
  return body.substr(0, kLoggedBodyBytes) + "\n[cut: " + std::to_string(body.size()) +
         " bytes in total]";
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

}  // namespace

std::optional<std::string> Response::header(std::string_view name) const {
  for (const Header& field : headers) {
    if (iequals(field.name, name)) return field.value;
  }
  return std::nullopt;
}

namespace detail {

struct ClientState {
  ClientState(asio::any_io_executor on, ClientOptions from)
      : executor(std::move(on)), options(std::move(from)), limiter(options.rate_limits) {
    if (options.circuit_breaker) breaker.emplace(*options.circuit_breaker);
  }

  core::Random& random() { return options.random != nullptr ? *options.random : own_random; }

  bool redacts(std::string_view header_name) const {
    if (iequals(header_name, "Authorization")) return true;
    return std::any_of(options.redact_headers.begin(), options.redact_headers.end(),
                       [&](const std::string& name) { return iequals(name, header_name); });
  }

  template <typename Fields>
  std::string render_fields(const Fields& fields) const {
    std::string text;
    for (const auto& field : fields) {
      text.append(field.name_string()).append(": ");
      if (redacts(field.name_string())) {
        text.append(kRedacted);
      } else {
        text.append(field.value());
      }
      text.append("\r\n");
    }
    return text;
  }

  std::string render(const wire::request<wire::string_body>& request) const {
    std::string head = std::string(request.method_string()) + " " + std::string(request.target()) +
                       " HTTP/1.1\r\n" + render_fields(request);
    return redactor.apply(head) + "\r\n" + cut_body(redactor.apply(request.body()));
  }

  std::string render(const wire::response<wire::string_body>& response) const {
    std::string head = "HTTP/1.1 " + std::to_string(response.result_int()) + " " +
                       std::string(response.reason()) + "\r\n" + render_fields(response);
    return redactor.apply(head) + "\r\n" + cut_body(redactor.apply(response.body()));
  }

  asio::any_io_executor executor;
  ClientOptions options;
  bool tls = false;
  std::optional<ssl::context> tls_context;
  std::optional<asio::ip::address> source;
  std::string host_header;
  core::Redactor redactor;

  std::mutex mutex;  // guards the pool: in_use, waiters, idle
  std::size_t in_use = 0;
  std::deque<std::shared_ptr<SlotWaiter>> waiters;
  std::vector<ConnectionPtr> idle;  // oldest first; reuse takes the newest (LIFO)

  std::mutex resilience_mutex;  // guards breaker and limiter; never held across a wait
  std::optional<core::CircuitBreaker> breaker;
  core::RollingWindowLimiter limiter;
  core::SecureRandom own_random;
};

}  // namespace detail

namespace {

using State = detail::ClientState;

bool try_take_slot(State& state) {
  std::lock_guard lock(state.mutex);
  if (state.in_use >= state.options.max_connections) return false;
  ++state.in_use;
  return true;
}

// Completes with success once a slot is handed over, timed_out at the deadline, or
// no_buffer_space at once when max_queue callers already wait.
template <typename Token>
auto async_wait_for_slot(std::shared_ptr<State> state, SteadyClock::time_point deadline,
                         Token&& token) {
  return asio::async_initiate<Token, void(error_code)>(
      [](auto handler, const std::shared_ptr<State>& pool, SteadyClock::time_point until) {
        std::unique_lock lock(pool->mutex);
        if (pool->in_use < pool->options.max_connections) {
          ++pool->in_use;
          lock.unlock();
          complete(std::move(handler), {}, pool->executor);
          return;
        }
        // The bulkhead: when the supplier hangs, callers past the bound fail now instead of
        // piling up until their deadlines.
        if (pool->waiters.size() >= pool->options.max_queue) {
          lock.unlock();
          complete(std::move(handler), asio::error::no_buffer_space, pool->executor);
          return;
        }
        auto waiter = std::make_shared<SlotWaiter>(
            pool->executor, asio::any_completion_handler<void(error_code)>(std::move(handler)));
        waiter->timer.expires_at(until);
        waiter->timer.async_wait([pool, waiter](error_code) {
          std::unique_lock expired(pool->mutex);
          if (waiter->settled) return;
          waiter->settled = true;
          std::erase(pool->waiters, waiter);
          auto late = std::move(waiter->handler);
          expired.unlock();
          complete(std::move(late), asio::error::timed_out, pool->executor);
        });
        pool->waiters.push_back(std::move(waiter));
      },
      token, std::move(state), deadline);
}

// Hands the slot to the first waiter, or frees it.
void release_slot(State& state) {
  std::unique_lock lock(state.mutex);
  while (!state.waiters.empty()) {
    std::shared_ptr<SlotWaiter> waiter = std::move(state.waiters.front());
    state.waiters.pop_front();
    if (waiter->settled) continue;
    waiter->settled = true;
    waiter->timer.cancel();
    auto handler = std::move(waiter->handler);
    lock.unlock();
    complete(std::move(handler), {}, state.executor);
    return;
  }
  --state.in_use;
}

struct SlotLease {
  explicit SlotLease(std::shared_ptr<State> pool) : state(std::move(pool)) {}
  ~SlotLease() { release_slot(*state); }
  SlotLease(const SlotLease&) = delete;
  SlotLease& operator=(const SlotLease&) = delete;
  std::shared_ptr<State> state;
};

// Moves idle connections past their keep-alive age out of the pool (caller holds the mutex).
void take_expired(State& state, std::vector<ConnectionPtr>& expired) {
  const auto cutoff = SteadyClock::now() - state.options.idle_keepalive;
  auto first_fresh = std::find_if(state.idle.begin(), state.idle.end(),
                                  [&](const ConnectionPtr& c) { return c->idle_since > cutoff; });
  std::move(state.idle.begin(), first_fresh, std::back_inserter(expired));
  state.idle.erase(state.idle.begin(), first_fresh);
}

// An idle keep-alive connection has nothing to read. A FIN, a TLS close_notify or stray bytes
// mean the server is done with it; finding that out before writing keeps a POST from failing
// with an unknown outcome on a connection the server had already closed.
bool looks_reusable(Connection& connection) {
  if (connection.buffer.size() != 0) return false;
  char byte = 0;
  const ssize_t peeked =
      ::recv(connection.lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

ConnectionPtr take_idle(State& state) {
  std::vector<ConnectionPtr> unusable;
  ConnectionPtr newest;
  for (;;) {
    {
      std::lock_guard lock(state.mutex);
      take_expired(state, unusable);
      if (state.idle.empty()) break;
      newest = std::move(state.idle.back());
      state.idle.pop_back();
    }
    if (looks_reusable(*newest)) break;
    unusable.push_back(std::move(newest));
  }
  for (ConnectionPtr& connection : unusable)
    dispose(std::move(connection));
  return newest;
}

void put_idle(State& state, ConnectionPtr connection) {
  std::vector<ConnectionPtr> expired;
  {
    std::lock_guard lock(state.mutex);
    connection->idle_since = SteadyClock::now();
    state.idle.push_back(std::move(connection));
    take_expired(state, expired);
  }
  for (ConnectionPtr& old : expired)
    dispose(std::move(old));
}

bool past(SteadyClock::time_point deadline) {
  return SteadyClock::now() >= deadline;
}

Attempt failed(core::Error error, std::string failure) {
  Attempt attempt;
  attempt.error = std::move(error);
  attempt.log_text = std::move(failure);
  return attempt;
}

// Resolve, connect (bound to the source address when configured) and, for https, handshake.
asio::awaitable<std::optional<Attempt>> open_connection(State& state, Connection& connection,
                                                        SteadyClock::time_point deadline) {
  const ClientOptions& options = state.options;
  auto resolver = std::make_shared<tcp::resolver>(connection.strand);
  asio::steady_timer resolve_deadline(connection.strand);
  resolve_deadline.expires_at(deadline);
  resolve_deadline.async_wait([weak = std::weak_ptr<tcp::resolver>(resolver)](error_code ec) {
    if (ec) return;
    if (auto live = weak.lock()) live->cancel();
  });
  auto [resolve_error, endpoints] = co_await resolver->async_resolve(
      options.host, std::to_string(options.port), tcp::resolver::numeric_service,
      asio::as_tuple(asio::use_awaitable));
  resolve_deadline.cancel();
  if (resolve_error) {
    if (past(deadline)) co_return failed(timed_out(false), "resolve: deadline passed");
    co_return failed(unavailable(), "resolve: " + resolve_error.message());
  }

  error_code last_error = asio::error::address_family_not_supported;
  std::string refused_reason;
  bool tried = false;
  for (const auto& entry : endpoints) {
    const tcp::endpoint endpoint = entry.endpoint();
    if (state.source && state.source->is_v4() != endpoint.address().is_v4()) continue;
    if (options.refuse_address) {
      std::string reason = options.refuse_address(endpoint.address().to_string());
      if (!reason.empty()) {
        refused_reason = std::move(reason);
        continue;
      }
    }
    tried = true;
    beast::tcp_stream stream(connection.strand);
    if (state.source) {
      error_code ec;
      stream.socket().open(endpoint.protocol(), ec);
      if (!ec) stream.socket().bind(tcp::endpoint(*state.source, 0), ec);
      if (ec) {
        last_error = ec;
        continue;
      }
    }
    stream.expires_at(deadline);
    auto [connect_error] =
        co_await stream.async_connect(endpoint, asio::as_tuple(asio::use_awaitable));
    if (!connect_error) {
      connection.plain.emplace(std::move(stream));
      break;
    }
    last_error = connect_error;
    if (connect_error == beast::error::timeout || past(deadline)) {
      co_return failed(timed_out(false), "connect: deadline passed");
    }
  }
  if (!connection.plain && !tried && !refused_reason.empty()) {
    co_return failed(target_refused(refused_reason),
                     "connect: target refused (" + refused_reason + ")");
  }
  if (!connection.plain) co_return failed(unavailable(), "connect: " + last_error.message());

  if (!state.tls) co_return std::nullopt;
  connection.tls.emplace(std::move(*connection.plain), *state.tls_context);
  connection.plain.reset();
  auto& stream = *connection.tls;
  // SNI carries host names only (RFC 6066 section 3), never IP literals.
  // SSL_set_tlsext_host_name() is a macro with a C cast; this is its expansion.
  if (!is_ip_literal(options.host) &&
      SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(options.host.c_str())) != 1) {
    co_return failed(tls_failed(), "tls: cannot set the server name");
  }
  stream.set_verify_mode(ssl::verify_peer);
  stream.set_verify_callback(ssl::host_name_verification(options.host));
  beast::get_lowest_layer(stream).expires_at(deadline);
  auto [handshake_error] = co_await stream.async_handshake(ssl::stream_base::client,
                                                           asio::as_tuple(asio::use_awaitable));
  if (handshake_error) {
    if (handshake_error == beast::error::timeout) {
      co_return failed(timed_out(false), "tls handshake: deadline passed");
    }
    co_return failed(tls_failed(), "tls handshake: " + handshake_error.message());
  }
  co_return std::nullopt;
}

template <typename Stream>
asio::awaitable<Attempt> write_and_read(State& state, Stream& stream, Connection& connection,
                                        bool reused,
                                        const wire::request<wire::string_body>& request,
                                        SteadyClock::time_point deadline) {
  connection.lowest().expires_at(deadline);
  auto [write_error, written_bytes] =
      co_await wire::async_write(stream, request, asio::as_tuple(asio::use_awaitable));
  (void)written_bytes;
  if (write_error) {
    if (write_error == beast::error::timeout) {
      co_return failed(timed_out(false), "write: deadline passed");
    }
    // An incomplete request cannot have been acted on, whatever the method.
    Attempt attempt = failed(connection_lost(false), "write: " + write_error.message());
    attempt.stale = reused;
    co_return attempt;
  }

  wire::response_parser<wire::string_body> parser;
  parser.body_limit(state.options.max_response_bytes);
  if (request.method() == wire::verb::head) parser.skip(true);
  connection.lowest().expires_at(deadline);
  auto [read_error, read_bytes] = co_await wire::async_read(stream, connection.buffer, parser,
                                                            asio::as_tuple(asio::use_awaitable));
  (void)read_bytes;
  if (read_error) {
    Attempt attempt;
    attempt.written = true;
    const bool nothing_read = !parser.got_some() && connection.buffer.size() == 0;
    if (read_error == beast::error::timeout) {
      attempt.error = timed_out(true);
      attempt.log_text = "read: deadline passed";
    } else if (read_error.category() ==
                   wire::make_error_code(wire::error::end_of_stream).category() &&
               read_error != wire::error::end_of_stream) {
      // Malformed, truncated (partial_message) or over body_limit.
      attempt.error = bad_response();
      attempt.log_text = "read: " + read_error.message();
    } else if (read_error == ssl::error::stream_truncated && !nothing_read) {
      attempt.error = bad_response();  // the TLS twin of partial_message
      attempt.log_text = "read: truncated response";
    } else {
      attempt.error = connection_lost(true);
      attempt.log_text = "read: " + read_error.message();
      attempt.stale = reused && nothing_read;
    }
    co_return attempt;
  }

  Attempt attempt;
  attempt.written = true;
  const auto& message = parser.get();
  Response response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  response.body = message.body();
  attempt.keep_alive = parser.keep_alive();
  attempt.response = std::move(response);
  attempt.log_text = state.render(message);
  co_return attempt;
}

// Runs on the connection's strand.
asio::awaitable<Attempt> run_attempt(State& state, Connection& connection, bool reused,
                                     const wire::request<wire::string_body>& request,
                                     SteadyClock::time_point deadline) {
  if (past(deadline)) co_return failed(timed_out(false), "deadline passed before connecting");
  if (!connection.open()) {
    std::optional<Attempt> failure = co_await open_connection(state, connection, deadline);
    if (failure) co_return std::move(*failure);
  }
  if (connection.tls) {
    co_return co_await write_and_read(state, *connection.tls, connection, reused, request,
                                      deadline);
  }
  co_return co_await write_and_read(state, *connection.plain, connection, reused, request,
                                    deadline);
}

std::optional<core::Error> check_request(const Request& request) {
  bool fine = is_token(request.method) && !request.target.empty() &&
              request.target.find_first_of(" \r\n") == std::string::npos;
  for (const Header& header : request.headers) {
    fine = fine && is_token(header.name) && !has_line_break(header.value);
  }
  if (fine) return std::nullopt;
  return core::Error::internal("An upstream request was malformed.");
}

bool has_header(const Request& request, std::string_view name) {
  return std::any_of(request.headers.begin(), request.headers.end(),
                     [&](const Header& header) { return iequals(header.name, name); });
}

wire::request<wire::string_body> to_wire(const State& state, const Request& request) {
  wire::request<wire::string_body> message;
  message.method_string(request.method);
  message.target(request.target);
  message.version(11);
  if (!has_header(request, "Host")) message.insert("Host", state.host_header);
  if (!has_header(request, "User-Agent")) message.insert("User-Agent", state.options.user_agent);
  for (const Header& header : request.headers)
    message.insert(header.name, header.value);
  if (!has_header(request, "Connection")) message.insert("Connection", "keep-alive");
  message.body() = request.body;
  message.prepare_payload();
  return message;
}

// What one attempt came to.
struct Outcome {
  core::Result<Response> result;
  bool sent = false;     // it got past the queue and the rate limiter and tried the supplier
  bool written = false;  // the whole request reached the socket
  bool rate_limit_waited = false;
  std::string log_text;  // the redacted response, or why there is none
};

Outcome not_sent(core::Error error, std::string why) {
  return Outcome{.result = std::move(error), .log_text = "[no request: " + std::move(why) + "]"};
}

asio::awaitable<void> sleep_until(SteadyClock::time_point until) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_at(until);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// The breaker's view of one attempt, under the resilience mutex. Without a breaker every
// attempt is permitted and nothing is counted.
class BreakerPermit {
 public:
  BreakerPermit(State& state, core::CircuitBreaker::Permit permit)
      : state_(state), permit_(permit) {}
  ~BreakerPermit() {
    // Also when the call ends by an exception: a probe slot must never stay taken.
    if (!settled_ && state_.breaker) {
      std::lock_guard lock(state_.resilience_mutex);
      state_.breaker->release(permit_);
    }
  }
  BreakerPermit(const BreakerPermit&) = delete;
  BreakerPermit& operator=(const BreakerPermit&) = delete;

  static BreakerPermit admit(State& state) {
    if (!state.breaker) return {state, {core::CircuitBreaker::Permit::Kind::call, 0}};
    std::lock_guard lock(state.resilience_mutex);
    const core::CircuitState before = state.breaker->state();
    const auto permit = state.breaker->admit(SteadyClock::now());
    notify(state, before);
    return {state, permit};
  }

  explicit operator bool() const { return static_cast<bool>(permit_); }

  void record(bool failed) {
    settled_ = true;
    if (!state_.breaker) return;
    std::lock_guard lock(state_.resilience_mutex);
    const core::CircuitState before = state_.breaker->state();
    state_.breaker->record(permit_, failed, SteadyClock::now());
    notify(state_, before);
  }

  std::chrono::milliseconds until_probe() const {
    std::lock_guard lock(state_.resilience_mutex);
    return state_.breaker->open_remaining(SteadyClock::now());
  }

 private:
  // Under the mutex, so that changes reach the listener in the order they happened.
  static void notify(State& state, core::CircuitState before) {
    const core::CircuitState now = state.breaker->state();
    if (now != before && state.options.on_circuit_change) state.options.on_circuit_change(now);
  }

  State& state_;
  core::CircuitBreaker::Permit permit_;
  bool settled_ = false;
};

// One attempt: a connection slot (bounded queue), a rate-limit slot, then the exchange, with
// one quiet reconnect when a pooled connection turns out to be closed by the server.
asio::awaitable<Outcome> attempt_once(std::shared_ptr<State> state,
                                      const wire::request<wire::string_body>& message, bool safe,
                                      SteadyClock::time_point deadline) {
  if (!try_take_slot(*state)) {
    auto [wait_error] =
        co_await async_wait_for_slot(state, deadline, asio::as_tuple(asio::use_awaitable));
    if (wait_error == asio::error::no_buffer_space) {
      co_return not_sent(busy(), std::to_string(state->options.max_queue) +
                                     " callers already wait for a connection");
    }
    if (wait_error) {
      co_return Outcome{.result = timed_out(false),
                        .log_text = "[no response: no free connection before the deadline]"};
    }
  }
  SlotLease lease(state);

  // Taken with the connection in hand, right before sending, so the supplier sees requests
  // spaced as the windows allow (queueing for a connection after the slot would bunch them).
  bool waited = false;
  {
    std::unique_lock lock(state->resilience_mutex);
    const auto now = SteadyClock::now();
    const std::optional<SteadyClock::time_point> slot = state->limiter.reserve(now, deadline);
    if (!slot) {
      const auto next = state->limiter.earliest(now);
      lock.unlock();
      co_return not_sent(rate_limited(next - now), "no rate-limit slot before the deadline");
    }
    lock.unlock();
    if (*slot > now) {
      waited = true;
      co_await sleep_until(*slot);
    }
  }

  bool retried = false;
  for (;;) {
    ConnectionPtr connection = take_idle(*state);
    const bool reused = connection != nullptr;
    if (!connection) connection = std::make_unique<Connection>(asio::make_strand(state->executor));
    Attempt attempt = co_await asio::co_spawn(
        connection->strand, run_attempt(*state, *connection, reused, message, deadline),
        asio::use_awaitable);
    if (attempt.response) {
      if (attempt.keep_alive) {
        put_idle(*state, std::move(connection));
      } else {
        dispose(std::move(connection));
      }
      co_return Outcome{.result = std::move(*attempt.response),
                        .sent = true,
                        .written = true,
                        .rate_limit_waited = waited,
                        .log_text = std::move(attempt.log_text)};
    }
    dispose(std::move(connection));
    // The server closed a pooled connection while it sat idle. Retry once on a fresh one when
    // that cannot act twice: a retry-safe call, or a request that never fully left.
    if (attempt.stale && !retried && (safe || !attempt.written)) {
      retried = true;
      continue;
    }
    co_return Outcome{.result = std::move(*attempt.error),
                      .sent = true,
                      .written = attempt.written,
                      .rate_limit_waited = waited,
                      .log_text = "[no response: " + attempt.log_text + "]"};
  }
}

// For the breaker: the supplier failing (transport failures, 5xx), not answering "no" (4xx,
// 429 included: it is pacing us, and the rate limiter and Retry-After deal with that; opening
// the circuit would refuse every caller for open_ms over a pause of a second).
bool supplier_failed(const core::Result<Response>& result) {
  if (result) return result->status >= 500;
  return result.error().code != "upstream_target_refused";  // our policy, nothing was tried
}

bool worth_retrying(const Outcome& outcome, bool safe) {
  if (outcome.result) {
    const int status = outcome.result->status;
    return safe && (status == 429 || status == 502 || status == 503 || status == 504);
  }
  const std::string& code = outcome.result.error().code;
  // A timeout has spent the deadline; TLS and parse failures do not heal by asking again.
  if (code != "upstream_unavailable" && code != "upstream_connection_lost") return false;
  // A request that never fully left cannot have been acted on, whatever its method.
  return safe || !outcome.written;
}

// The wait before the next attempt: backoff with jitter, or the supplier's Retry-After when
// that is longer.
std::chrono::milliseconds retry_delay(State& state, const Outcome& outcome, int retry) {
  std::chrono::milliseconds delay = core::backoff_delay(state.options.retry, retry, state.random());
  if (!outcome.result) return delay;
  const std::optional<std::string> header = outcome.result->header("Retry-After");
  if (!header) return delay;
  const auto asked = core::webhook::parse_retry_after(
      *header, core::unix_seconds(std::chrono::system_clock::now()));
  return asked ? std::max(delay, std::chrono::milliseconds(*asked)) : delay;
}

asio::awaitable<core::Result<Response>> perform(std::shared_ptr<State> state,
                                                const Request& request,
                                                SteadyClock::time_point deadline,
                                                Exchange& exchange) {
  if (auto invalid = check_request(request)) {
    exchange.response_text = "[no request: malformed method, target or header]";
    co_return *invalid;
  }
  const wire::request<wire::string_body> message = to_wire(*state, request);
  exchange.request_text = state->render(message);
  const bool safe = request.retry_safe.value_or(message.method() == wire::verb::get ||
                                                message.method() == wire::verb::head);

  for (int attempt = 1;; ++attempt) {
    BreakerPermit permit = BreakerPermit::admit(*state);
    if (!permit) {
      exchange.response_text = "[no request: the circuit is open]";
      co_return circuit_open(permit.until_probe());
    }
    Outcome outcome = co_await attempt_once(state, message, safe, deadline);
    exchange.rate_limit_waited = exchange.rate_limit_waited || outcome.rate_limit_waited;
    exchange.response_text = std::move(outcome.log_text);
    if (!outcome.sent) co_return std::move(outcome.result);  // the permit goes back unused
    ++exchange.attempts;
    permit.record(supplier_failed(outcome.result));
    if (attempt >= state->options.retry.max_attempts || !worth_retrying(outcome, safe)) {
      co_return std::move(outcome.result);
    }
    const auto delay = retry_delay(*state, outcome, attempt);
    if (SteadyClock::now() + delay >= deadline) co_return std::move(outcome.result);
    co_await sleep_until(SteadyClock::now() + delay);
  }
}

}  // namespace

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : state_(std::make_shared<detail::ClientState>(std::move(executor), std::move(options))) {
  ClientOptions& settings = state_->options;
  if (settings.scheme != "https" && settings.scheme != "http") {
    throw std::runtime_error("http client: scheme must be http or https, not '" + settings.scheme +
                             "'");
  }
  if (settings.host.empty()) throw std::runtime_error("http client: host is empty");
  if (settings.max_connections == 0) {
    throw std::runtime_error("http client: max_connections must be at least 1");
  }
  if (!settings.source_address.empty()) {
    error_code ec;
    state_->source = asio::ip::make_address(settings.source_address, ec);
    if (ec) {
      throw std::runtime_error("http client: source_address '" + settings.source_address +
                               "' is not an IP address");
    }
  }
  state_->tls = settings.scheme == "https";
  if (state_->tls) {
    auto& context = state_->tls_context.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    context.set_verify_mode(ssl::verify_peer);
    error_code ec;
    if (settings.ca_file.empty()) {
      context.set_default_verify_paths(ec);
    } else {
      context.load_verify_file(settings.ca_file, ec);
    }
    if (ec) {
      throw std::runtime_error("http client: cannot load the CA bundle '" +
                               (settings.ca_file.empty() ? "system" : settings.ca_file) +
                               "': " + ec.message());
    }
  }
  const bool default_port =
      (state_->tls && settings.port == 443) || (!state_->tls && settings.port == 80);
  const bool ipv6 = settings.host.find(':') != std::string::npos;
  state_->host_header = ipv6 ? "[" + settings.host + "]" : settings.host;
  if (!default_port) state_->host_header += ":" + std::to_string(settings.port);
  for (const std::string& secret : settings.secrets)
    state_->redactor.add_secret(secret);
}

Client::~Client() {
  close_idle();
}

void Client::close_idle() {
  std::vector<ConnectionPtr> idle;
  {
    std::lock_guard lock(state_->mutex);
    idle.swap(state_->idle);
  }
  for (ConnectionPtr& connection : idle)
    dispose(std::move(connection));
}

const ClientOptions& Client::options() const {
  return state_->options;
}

asio::awaitable<core::Result<Response>> Client::send(
    Request request, std::optional<std::chrono::milliseconds> timeout) {
  std::shared_ptr<State> state = state_;
  const auto started = SteadyClock::now();
  const auto deadline = started + timeout.value_or(state->options.timeout);
  Exchange exchange;
  exchange.request_id = request_id_of(co_await asio::this_coro::executor);
  exchange.method = request.method;
  exchange.target = state->redactor.apply(request.target);
  core::Redactor call_redactor;
  for (const std::string& value : request.redact)
    call_redactor.add_secret(value);
  std::optional<core::Result<Response>> result;
  try {
    result.emplace(co_await perform(state, request, deadline, exchange));
  } catch (const std::exception&) {
    exchange.response_text = "[no response: unexpected failure]";
    result.emplace(core::Error::internal("The upstream call failed unexpectedly."));
  }
  if (result->ok()) {
    exchange.ok = true;
    exchange.status = (*result)->status;
  } else {
    exchange.error_code = result->error().code;
  }
  if (!call_redactor.empty()) {
    exchange.request_text = call_redactor.apply(exchange.request_text);
    exchange.response_text = call_redactor.apply(exchange.response_text);
  }
  exchange.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
  if (state->options.on_exchange) {
    try {
      state->options.on_exchange(exchange);
    } catch (const std::exception&) {
      // A failing wire log must not turn a finished call into a failure.
    }
  }
  co_return std::move(*result);
}

}  // namespace portico::http
