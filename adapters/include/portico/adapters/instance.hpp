#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "portico/config/config.hpp"
#include "portico/core/circuit_breaker.hpp"
#include "portico/core/clock.hpp"
#include "portico/core/ports/ports.hpp"
#include "portico/core/recent_calls.hpp"
#include "portico/http/client.hpp"

namespace portico::adapters {

// What is known of one instance's health, from the calls it made: the admin endpoint's view.
struct HealthSnapshot {
  // Calls that reached the supplier (or waited for it until their deadline), since start.
  std::int64_t calls = 0;
  std::int64_t failures = 0;  // transport failures and 5xx answers
  double latency_total_ms = 0;
  std::optional<core::TimePoint> last_success;
  std::optional<core::TimePoint> last_failure;
  std::string last_error_code;
  // Over the latest kRecentCalls calls.
  double error_rate = 0;
  std::optional<std::chrono::milliseconds> latency_p50;
  std::optional<std::chrono::milliseconds> latency_p99;
  // Since start: attempts after the first, calls refused without touching the network (by the
  // open circuit, the full queue, the rate limiter) and calls that waited for the rate limiter.
  std::int64_t retries = 0;
  std::int64_t circuit_refusals = 0;
  std::int64_t busy_refusals = 0;
  std::int64_t rate_limit_refusals = 0;
  std::int64_t rate_limit_waits = 0;
  core::CircuitState circuit = core::CircuitState::closed;
  std::optional<core::TimePoint> circuit_since;  // the last change; none while never changed
  // The prepaid balance as last read (the balance job), and the error of the last failed read.
  std::optional<core::Money> balance;
  std::optional<core::TimePoint> balance_checked_at;
  std::string balance_error_code;
};

// Counts a provider instance's calls; thread-safe.
class Health {
 public:
  static constexpr std::size_t kRecentCalls = 256;

  explicit Health(const core::Clock& clock) : clock_(clock) {}
  void record(const http::Exchange& exchange);
  // The circuit breaker changed state (http::ClientOptions::on_circuit_change).
  void record_circuit(core::CircuitState state);
  // A balance read: the amount, or why it failed (the last known amount stays).
  void record_balance(const core::Result<core::Money>& balance);
  HealthSnapshot snapshot() const;

 private:
  const core::Clock& clock_;
  mutable std::mutex mutex_;
  HealthSnapshot state_;
  core::RecentCalls recent_{kRecentCalls};
};

// One configured provider instance: its config, its HTTP client to the supplier, its health,
// and the category ports its type implements (null where it serves no such category).
class ProviderInstance {
 public:
  ProviderInstance(const config::ProviderConfig& config, std::unique_ptr<http::Client> client,
                   std::shared_ptr<Health> health)
      : config_(config), client_(std::move(client)), health_(std::move(health)) {}
  virtual ~ProviderInstance() = default;

  // The instance keeps the config block it was built from (the one `config` refers to), so it
  // may outlive the Config it came from: a reload hands an unchanged instance to the next.
  void keep_config(std::shared_ptr<const config::ProviderConfig> owned) {
    owned_config_ = std::move(owned);
  }

  const config::ProviderConfig& config() const { return config_; }
  http::Client& client() { return *client_; }
  const Health& health() const { return *health_; }
  Health& health() { return *health_; }

  virtual core::Registrar* registrar() { return nullptr; }
  virtual core::DnsHost* dns() { return nullptr; }
  virtual core::CertificateAuthority* certificate_authority() { return nullptr; }
  virtual core::HostingProvisioner* hosting() { return nullptr; }

  // The supplier's prepaid balance, from whichever port reads it; nullopt when its type has
  // none. Call it from a coroutine on the gateway's executor.
  std::optional<core::Async<core::Money>> read_balance() {
    if (core::Registrar* port = registrar()) return port->balance();
    if (core::HostingProvisioner* port = hosting()) return port->balance();
    return std::nullopt;
  }

 private:
  const config::ProviderConfig& config_;
  std::shared_ptr<const config::ProviderConfig> owned_config_;
  std::unique_ptr<http::Client> client_;
  std::shared_ptr<Health> health_;
};

}  // namespace portico::adapters
