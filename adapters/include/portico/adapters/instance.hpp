#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "portico/config/config.hpp"
#include "portico/core/clock.hpp"
#include "portico/core/ports/ports.hpp"
#include "portico/http/client.hpp"

namespace portico::adapters {

// What is known of one instance's health, from the calls it made: the admin endpoint's view.
struct HealthSnapshot {
  std::int64_t calls = 0;
  std::int64_t failures = 0;
  std::optional<core::TimePoint> last_success;
  std::optional<core::TimePoint> last_failure;
  std::string last_error_code;
  double mean_latency_ms = 0;
  // The prepaid balance as last read (the balance job), and the error of the last failed read.
  std::optional<core::Money> balance;
  std::optional<core::TimePoint> balance_checked_at;
  std::string balance_error_code;
};

// Counts a provider instance's calls; thread-safe.
class Health {
 public:
  explicit Health(const core::Clock& clock) : clock_(clock) {}
  void record(const http::Exchange& exchange);
  // A balance read: the amount, or why it failed (the last known amount stays).
  void record_balance(const core::Result<core::Money>& balance);
  HealthSnapshot snapshot() const;

 private:
  const core::Clock& clock_;
  mutable std::mutex mutex_;
  HealthSnapshot state_;
  double latency_total_ms_ = 0;
};

// One configured provider instance: its config, its HTTP client to the supplier, its health,
// and the category ports its type implements (null where it serves no such category).
class ProviderInstance {
 public:
  ProviderInstance(const config::ProviderConfig& config, std::unique_ptr<http::Client> client,
                   std::shared_ptr<Health> health)
      : config_(config), client_(std::move(client)), health_(std::move(health)) {}
  virtual ~ProviderInstance() = default;

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
  std::unique_ptr<http::Client> client_;
  std::shared_ptr<Health> health_;
};

}  // namespace portico::adapters
