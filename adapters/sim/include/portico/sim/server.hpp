#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/sim/test_ca.hpp"

namespace portico::sim {

struct Header {
  std::string name;
  std::string value;
};

struct SimRequest {
  std::string method;
  std::string target;  // as received: path + "?" + query
  std::string path;
  std::string query;            // without the "?", still encoded (see parse_form)
  std::vector<Header> headers;  // names as the client spelled them
  std::string body;
  std::string remote_address;
  std::map<std::string, std::string> params;  // {name} segments of the matched route, decoded

  // The first header with this name, compared case-insensitively.
  std::optional<std::string> header(std::string_view name) const;
};

struct SimResponse {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
  std::string content_type = "application/json";  // not sent when empty
  bool close = false;                             // answer with Connection: close, then close
};

using Handler = std::function<SimResponse(const SimRequest&)>;

enum class FaultKind { latency, timeout, reset, status, rate_limit, garbage };

struct Fault {
  FaultKind kind = FaultKind::status;
  std::string path_prefix{};           // matched against the request path; empty = any path
  int count = 1;                       // how many requests it hits; -1 = until cleared
  std::chrono::milliseconds delay{0};  // latency: wait this long before answering
  int status = 503;                    // status: answer this status with a JSON error body
  int retry_after_seconds = 1;         // rate_limit: 429 with Retry-After
  bool after_handler = false;          // run the handler first (the supplier acted), then misbehave
  std::string method{};                // only requests with this method ("POST"); empty = any
};

struct ServerOptions {
  std::string name = "sim";
  bool tls = false;
  // Required when tls: the server certificate is issued by it for `tls_names`.
  const TestCa* ca = nullptr;
  std::vector<std::string> tls_names = {"localhost", "127.0.0.1"};
  std::string listen_host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = any free port
  // The journal keeps the most recent requests, at most this many: with their bodies, a
  // simulator under load (scripts/bench, a long scripts/run) would otherwise grow without end.
  std::size_t journal_limit = 10000;
};

// Decodes "%XX" escapes (and "+" as a space when `plus_is_space`, as forms and PHP's
// urldecode do); a malformed escape stays literal.
std::string percent_decode(std::string_view text, bool plus_is_space);

// Decodes an application/x-www-form-urlencoded text or a query string ("a=1&b=x%20y"; "+" is
// a space). A repeated name keeps its last value.
std::map<std::string, std::string> parse_form(std::string_view text);

// A small HTTP/1.1 server for supplier simulators: routes with {name} segments, fault
// injection, a journal of requests, and a control API under /__sim/:
//   POST /__sim/faults   {"kind":"latency|timeout|reset|status|rate_limit|garbage",
//                         "path_prefix":"...","count":N,"delay_ms":N,"status":N,
//                         "retry_after":N,"after_handler":bool,"method":"POST"}
//   DELETE /__sim/faults  clears every fault
//   GET /__sim/journal    [{"method","target","remote_address"}, ...]
// Control requests are neither journaled nor hit by faults. A control path the server does not
// know goes to the routes registered under /__sim/ (e.g. DcvWorld::install), and only to them.
//
// The server runs its own io_context on its own thread; handlers run there, one at a time, so
// a simulator's state needs no locking. inject(), clear_faults(), journal() and the counters
// are thread-safe. Keep-alive connections are served in order; bodies are limited to 8 MiB.
class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Before start(). Pattern segments "{name}" match one non-empty segment; method "*" matches
  // any method. The first matching route wins.
  void route(std::string method, std::string pattern, Handler handler);
  // When no route matches (default: 404 {"error":"not found"}).
  void fallback(Handler handler);

  // Binds and starts serving; throws std::runtime_error when it cannot (or when tls without ca).
  void start();
  // Closes the listener and every connection, and joins the thread. Idempotent; no restart.
  void stop();

  std::uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT"
  const std::string& name() const;

  void inject(Fault fault);
  void clear_faults();
  // The requests received, in order: every one, or the newest journal_limit of them.
  std::vector<SimRequest> journal() const;
  void clear_journal();

  std::size_t connections_accepted() const;
  std::size_t connections_open() const;
  std::size_t peak_connections() const;  // the most connections open at once

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace portico::sim
