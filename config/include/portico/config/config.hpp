#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "portico/config/schema.hpp"
#include "portico/core/backoff.hpp"
#include "portico/core/circuit_breaker.hpp"
#include "portico/core/rate_limiter.hpp"
#include "portico/core/secret.hpp"

// The gateway's configuration: one YAML file loaded into these typed, validated structs at
// start-up. Everything here has passed validation; nothing downstream re-checks it.
namespace portico::config {

struct ListenAddress {
  std::string host;  // an IPv4 or IPv6 literal, without brackets
  std::uint16_t port = 0;

  std::string text() const;  // "127.0.0.1:8080" or "[::1]:8080"
  bool operator==(const ListenAddress&) const = default;
};

struct TlsFiles {
  std::string cert_file;  // absolute paths
  std::string key_file;
  bool operator==(const TlsFiles&) const = default;
};

struct ServerConfig {
  ListenAddress listen;
  int threads = 2;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16384;
  std::chrono::milliseconds read_timeout{10000};  // for a whole request
  std::chrono::milliseconds idle_timeout{30000};  // keep-alive, between requests
  std::chrono::milliseconds write_timeout{10000};
  std::chrono::milliseconds shutdown_grace{10000};  // in-flight requests on SIGTERM
  std::optional<TlsFiles> tls;
  bool operator==(const ServerConfig&) const = default;
};

struct AdminConfig {
  ListenAddress listen;
  core::Secret token;
  std::optional<TlsFiles> tls;
};

struct StorageConfig {
  std::string sqlite_path;  // resolved against the config file's directory
  // 32 bytes (base64 in the file) sealing private keys at rest. Absent: a key file beside the
  // database (<sqlite>.key, mode 0600) is created on first start and used from then on.
  std::optional<core::Secret> encryption_key;
  bool operator==(const StorageConfig&) const = default;
};

struct KeysConfig {
  std::string brand = "pt";  // API keys look like <brand>_live_pk_...
  // Each key's requests are a token bucket: `burst` at once, refilled at requests_per_second.
  // Over it: 429 rate_limited with Retry-After. 0 turns the limit off.
  int requests_per_second = 100;
  int burst = 200;
};

// Idempotency-Key (any POST or PATCH) and costly supplier calls whose answer was lost.
struct IdempotencyConfig {
  // A key's response is replayed this long; after it the key may name a new request.
  std::chrono::milliseconds retention{24LL * 3600 * 1000};
  // When a costly call's outcome is unknown and the supplier shows no trace of it, it is asked
  // again until this long after the call before the gateway concludes it did nothing: a slow
  // supplier may still be acting on a request whose answer timed out.
  std::chrono::milliseconds settle{5LL * 60 * 1000};
  // Outcomes still unknown are asked about after this, then twice as late each time (at most
  // hourly); the job that asks runs this often.
  std::chrono::milliseconds reconcile_interval{30LL * 1000};
};

// Background work (gateway/jobs): how often each domain is re-read from its supplier.
struct JobsConfig {
  bool enabled = true;  // false: jobs run only when the admin asks (POST /admin/jobs/...)
  std::chrono::milliseconds domain_refresh_interval{6 * 3600 * 1000};
  std::chrono::milliseconds transfer_poll_interval{15 * 60 * 1000};
  // Certificate orders: the first poll comes after certificate_poll_interval, each later one
  // twice as late, up to certificate_poll_max_interval. An order still failing DCV after
  // certificate_validation_timeout is canceled (ssl.failed); ssl.expiring is sent
  // certificate_expiry_notice before a certificate expires.
  std::chrono::milliseconds certificate_poll_interval{60 * 1000};
  std::chrono::milliseconds certificate_poll_max_interval{60 * 60 * 1000};
  std::chrono::milliseconds certificate_validation_timeout{30LL * 86400 * 1000};
  std::chrono::milliseconds certificate_expiry_notice{30LL * 86400 * 1000};
  // Each supplier's prepaid balance is read this often (and at start) for /admin/health.
  std::chrono::milliseconds balance_check_interval{15 * 60 * 1000};
  // API call counts (GET /api/v1/usage) are kept in memory and written this often (and at
  // shutdown).
  std::chrono::milliseconds usage_flush_interval{10 * 1000};
};

// Outgoing webhooks (gateway/events): who may be a target, how deliveries are sent and when an
// endpoint gives up. The retry ladder itself is fixed (core/webhook.hpp): partners write their
// receivers against it.
struct WebhooksConfig {
  bool enabled = true;  // false: events still queue in the outbox, nothing is sent
  // Header names: X-<brand>-Signature, X-<brand>-Event, X-<brand>-Delivery.
  std::string header_brand = "Portico";
  // Targets resolving to loopback, private, link-local or metadata addresses are refused
  // unless this is true (a test bench, or receivers inside the operator's own network).
  bool allow_private_targets = false;
  // Live-mode endpoints must be https unless this is true; test-mode endpoints may use http.
  bool allow_http = false;
  std::string ca_file;  // trust exactly this CA bundle for https targets; empty = system store
  std::chrono::milliseconds timeout{10 * 1000};  // one attempt, connect to last byte
  int max_concurrency_per_endpoint = 4;          // attempts in flight to one endpoint
  int max_in_flight = 64;                        // attempts in flight in all
  int disable_after_failures = 100;              // consecutive failed attempts, then disabled
  int max_endpoints_per_partner = 16;            // per mode
  // A rotated secret keeps signing beside the new one this long, unless the request says.
  std::chrono::milliseconds rotation_window{24LL * 3600 * 1000};
  // The dispatcher looks for due deliveries at least this often; new events wake it at once.
  std::chrono::milliseconds poll_interval{1000};
};

struct Endpoint {
  std::string scheme;      // "http" or "https"
  std::string host;        // lowercase; an IPv6 literal without brackets
  std::uint16_t port = 0;  // 80 or 443 when the URL gives none
  std::string base_path;   // "" or e.g. "/api/v1" (no trailing slash)

  bool tls() const { return scheme == "https"; }
  std::string origin() const;  // scheme://host, plus :port when it is not the default
  std::string url() const;     // origin() + base_path
  bool operator==(const Endpoint&) const = default;
};

using SettingValue = std::variant<std::string, std::int64_t, bool, core::Secret>;

struct ProviderConfig {
  std::string name;
  std::string type;
  Endpoint endpoint;
  std::chrono::milliseconds timeout{30000};
  std::string ca_file;  // absolute path, or empty for the system trust store
  bool sandbox = false;
  int max_concurrency = 8;
  std::string source_address;  // IP literal to bind outgoing connections to, or empty
  // /admin/health warns when the supplier's prepaid balance falls under this, in minor units
  // of the supplier's currency (`credit_floor: 50.00` in the file).
  std::optional<std::int64_t> credit_floor;
  // Resilience, all inside the one `timeout` of each call (adapters/http/client.hpp): retries
  // of calls that are safe to repeat, the circuit breaker, the outgoing rate limits (the type's
  // published ones unless the block gives its own) and how many callers may wait for one of
  // the max_concurrency connections before the next is refused at once.
  core::RetryPolicy retries;
  core::CircuitBreakerPolicy circuit_breaker;
  std::vector<core::RateLimit> rate_limits;
  int max_queue = 64;
  std::map<std::string, SettingValue, std::less<>> settings;  // the type's own fields

  // Typed access to the type's fields. They assume validation passed: a missing key or another
  // kind is a programming error (std::logic_error).
  const std::string& string(std::string_view key) const;
  std::int64_t integer(std::string_view key) const;
  bool boolean(std::string_view key) const;
  const core::Secret& secret(std::string_view key) const;
  bool has(std::string_view key) const;
  // Every secret's plaintext, for the wire-log redactor.
  std::vector<std::string> secret_values() const;

  // Field by field: a reload keeps an instance whose block did not change (its connections,
  // circuit, rate windows and health go on).
  bool operator==(const ProviderConfig&) const = default;
};

struct RoutingConfig {
  std::vector<std::pair<std::string, std::vector<std::string>>> domains;  // ".co.ke" or "*"
  std::map<std::string, std::vector<std::string>, std::less<>> ssl;       // dv ov ev wildcard multi
  std::map<std::string, std::vector<std::string>, std::less<>> hosting;

  // The instances for a domain: the longest suffix matching on a label boundary (".co.ke"
  // before ".ke"), then "*"; nullptr when none. Case-insensitive; a trailing dot is ignored.
  const std::vector<std::string>* route_domain(std::string_view domain_name) const;
  const std::string* domain_route_key(std::string_view domain_name) const;  // ".co.ke" or "*"
  const std::vector<std::string>* route_ssl(std::string_view product) const;
  const std::vector<std::string>* route_hosting(std::string_view product) const;
};

// What partners are charged for each billable action, in minor units of `currency`.
// Amounts are decimals in the file ("12.50"), read exactly (never through floating point).
struct DomainPrices {
  std::int64_t register_per_year = 0;
  std::int64_t transfer = 0;  // a transfer in (it adds one year at most registries)
  std::int64_t renew_per_year = 0;
};

struct PricingConfig {
  bool configured = false;       // false: no `pricing:` section, every action costs 0
  std::string currency = "USD";  // ISO 4217
  std::vector<std::pair<std::string, DomainPrices>> domains;  // ".co.ke" or "*", as routing
  std::map<std::string, std::int64_t, std::less<>> ssl;       // by product: per order
  std::map<std::string, std::int64_t, std::less<>> hosting;   // by plan: per period (provision
                                                              // or renewal)

  // The longest suffix on a label boundary, then "*"; nullptr when none.
  const DomainPrices* domain(std::string_view domain_name) const;
  const std::string* domain_key(std::string_view domain_name) const;  // the suffix matched
  std::optional<std::int64_t> certificate(std::string_view product) const;
  std::optional<std::int64_t> hosting_plan(std::string_view plan) const;
};

// Digits after the decimal point of an ISO 4217 currency's minor unit (2 for most, 0 for JPY,
// 3 for BHD...).
int currency_exponent(std::string_view currency);

struct Config {
  std::string source_file;  // absolute path of the file (or the label given to parse_config)
  std::string base_dir;     // relative paths in the file were resolved against this
  ServerConfig server;
  AdminConfig admin;
  StorageConfig storage;
  KeysConfig keys;
  IdempotencyConfig idempotency;
  JobsConfig jobs;
  WebhooksConfig webhooks;
  std::map<std::string, ProviderConfig, std::less<>> providers;
  RoutingConfig routing;
  PricingConfig pricing;
};

// Looks up an environment variable; injected so that tests do not depend on the process.
using Environment = std::function<std::optional<std::string>(std::string_view)>;
Environment process_environment();  // getenv

// A refused configuration: "<file>:<line>:<column>: <yaml.path>: <what is wrong>". It never
// contains a secret's value.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Loads and validates `path`; relative paths in it resolve against its directory. Throws
// ConfigError on any problem.
Config load_config(const std::string& path, const ProviderSchemas& schemas,
                   const Environment& env = process_environment());

// The same from text: `label` names the file in messages, `base_dir` resolves relative paths.
Config parse_config(std::string_view yaml_text, std::string_view label, std::string_view base_dir,
                    const ProviderSchemas& schemas, const Environment& env = process_environment());

// The candidate closest to `word` by edit distance (case-insensitive, a transposition counts
// as one edit) when it is close enough to be a likely typo; empty otherwise.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace portico::config
