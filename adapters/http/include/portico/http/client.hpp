#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "portico/core/backoff.hpp"
#include "portico/core/circuit_breaker.hpp"
#include "portico/core/random.hpp"
#include "portico/core/rate_limiter.hpp"
#include "portico/core/result.hpp"

namespace portico::http {

namespace detail {
struct ClientState;
}

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;  // "GET", "POST", "PUT", "DELETE", ...
  std::string target;  // path + query, e.g. "/api/index.php/domains/x.com/dns?a=b"
  // Sent exactly as spelled: some suppliers treat header names case-sensitively.
  std::vector<Header> headers;
  std::string body;
  // Values masked in this call's Exchange texts (as the client's secrets are), e.g. an
  // encrypted password in a form body.
  std::vector<std::string> redact;
  // Whether the call may be sent again after a failure that may have reached the supplier (a
  // reset after writing, a 502/503/504, a 429). Unset: GET and HEAD are, nothing else is. Set
  // it for a read sent as POST or PUT and for a write the supplier applies idempotently; never
  // for orders, registrations, renewals or anything else that acts twice when sent twice.
  std::optional<bool> retry_safe;
};

struct Response {
  int status = 0;
  std::vector<Header> headers;
  std::string body;

  // The first header with this name, compared case-insensitively.
  std::optional<std::string> header(std::string_view name) const;
};

// One call as the wire log and health see it, already redacted.
struct Exchange {
  std::string request_id;  // of the API request the call was made for (request_scope.hpp)
  std::string method;
  std::string target;
  int status = 0;  // 0 when no response was read
  std::chrono::milliseconds elapsed{0};
  bool ok = false;         // a complete response was read (whatever its status)
  std::string error_code;  // the core::Error code when !ok
  // Start line + headers + body, redacted, each body cut at 4 KiB. When no response was read,
  // response_text names the transport failure (never a host or a secret).
  std::string request_text;
  std::string response_text;
  int attempts = 0;  // requests sent, retries included; 0 when refused before sending anything
  bool rate_limit_waited = false;  // an attempt waited for the outgoing rate limiter
};

struct ClientOptions {
  std::string scheme = "https";  // "https" or "http"
  std::string host;
  std::uint16_t port = 443;
  std::string ca_file;         // trust exactly this CA bundle; empty = the system store
  std::string source_address;  // bind outgoing sockets to this local IP; empty = any
  std::chrono::milliseconds timeout{30000};  // default deadline for one call, queueing included
  std::size_t max_connections = 8;           // concurrent connections (and so calls) to the origin
  std::size_t max_response_bytes = 8 << 20;
  std::chrono::milliseconds idle_keepalive{5000};  // older idle pooled connections are closed
  std::vector<std::string> secrets;                // values masked anywhere in Exchange texts
  std::vector<std::string> redact_headers;  // header names whose values are masked (any case);
                                            // Authorization always is
  std::function<void(const Exchange&)> on_exchange;  // called once per call, success or failure
  std::string user_agent = "portico/0.1";
  // When set, every address the host resolves to is passed (as text) before connecting: a
  // non-empty answer is why it is skipped. When every address is skipped the call fails with
  // 502 upstream_target_refused naming that reason, and nothing is connected to. Checking
  // the resolved addresses, not the name, holds however DNS answers (webhook targets).
  std::function<std::string(std::string_view ip)> refuse_address;

  // Resilience, every wait inside the call's one deadline; off unless set (the registry sets
  // them from the provider's config). Retries of calls that are safe to repeat, with backoff
  // and jitter drawn from `random` (must outlive the client; null: the system's generator).
  core::RetryPolicy retry{.max_attempts = 1};
  core::Random* random = nullptr;
  std::optional<core::CircuitBreakerPolicy> circuit_breaker;
  std::function<void(core::CircuitState)> on_circuit_change;  // each change, in order
  // Rolling windows every request must fit (the supplier's published limits).
  std::vector<core::RateLimit> rate_limits;
  // Callers that may wait for one of the max_connections; the next one is refused at once.
  std::size_t max_queue = 64;
};

// An HTTP/1.1 client for one supplier origin with a keep-alive connection pool.
//
// Errors are core::Error values of type upstream (never exceptions out of send()):
//   503 upstream_unavailable      connect refused, unreachable, name resolution failed
//   503 upstream_circuit_open     the circuit breaker is open; nothing was sent
//                                 (retry_after_seconds: until it lets a probe through)
//   503 upstream_busy             max_queue callers already wait for a connection; nothing sent
//                                 (retry_after_seconds: 1)
//   503 upstream_rate_limited     no slot of the outgoing rate limits before the deadline;
//                                 nothing sent (retry_after_seconds: until the next slot)
//   504 upstream_timeout          the call's deadline passed (outcome_unknown once the request
//                                 was fully written)
//   502 upstream_tls_error        TLS handshake or certificate verification failed
//   502 upstream_connection_lost  reset or EOF after the request was written (outcome_unknown)
//   502 upstream_bad_response     unparsable, truncated or oversized response (outcome_unknown)
//   502 upstream_target_refused   every resolved address was refused (options.refuse_address)
// HTTP error statuses are responses, not errors: adapters interpret them.
//
// A call is at most retry.max_attempts attempts. A retry-safe call is repeated after a lost
// connection or a 502/503/504/429 (waiting at least its Retry-After); any call is repeated
// when the request certainly never left (refused connect, a write that failed). A timeout is
// never retried: the deadline is spent. Attempts go through, in order: the circuit breaker
// (transport failures and 5xx count as failures; 4xx, 429 included, are the supplier
// answering), a connection slot (the bulkhead, its queue bounded by max_queue), the rate
// limiter (waits for a slot that fits the deadline), then the supplier.
//
// Thread safety: send() may be called concurrently from coroutines running on any thread of
// the io_context that owns `executor`. The client must outlive every call in flight.
class Client {
 public:
  // Throws std::runtime_error at start-up when the options are unusable: unknown scheme, empty
  // host, zero max_connections, a ca_file that cannot be loaded, a source_address that is not
  // an IP literal.
  Client(boost::asio::any_io_executor executor, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One request with one overall deadline (`timeout`, else options.timeout) that covers waiting
  // for a connection slot, resolve, connect, TLS handshake, write and read.
  boost::asio::awaitable<core::Result<Response>> send(
      Request request, std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  // Closes the pooled idle connections (shutdown); calls in flight are not affected.
  void close_idle();

  const ClientOptions& options() const;

 private:
  // Shared with timer handlers of queued callers, which may outlive a call.
  std::shared_ptr<detail::ClientState> state_;
};

}  // namespace portico::http
