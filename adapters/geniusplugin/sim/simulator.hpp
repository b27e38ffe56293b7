#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/core/random.hpp"
#include "portico/sim/server.hpp"

// A stateful simulator of GeniusPlugin's reseller API (GP Website Firewall packages): the
// contract is docs/upstreams/geniusplugin.md. Test and demo code; never linked into `portico`.
namespace portico::sim::geniusplugin {

struct SimulatorOptions {
  std::string api_key;  // required; as the reseller profile shows it
  // The one peer address calls are accepted from (the key's authorized IP).
  std::string allowed_address = "127.0.0.1";
  // The prepaid balance at start, in cents.
  std::int64_t credit_cents = 100000;
  // "api_key" (gpfPassEncrypt keyed with the API key as configured) or "api_key_sha1" (with
  // the hex sha1 of the trimmed key).
  std::string password_key = "api_key";
  // `list` answers the package's plan in "package" (the vendor's page shows only status and
  // exist).
  bool list_includes_package = true;
  // The timestamp's digits must be a permutation of a Unix time within ±300 s of the clock.
  bool check_timestamp_digits = false;
  // A hash already used is refused ("Request already used").
  bool reject_replays = false;
  // Must outlive the simulator. nullptr: the system clock.
  const core::Clock* clock = nullptr;
  // License tokens. Must outlive the simulator. nullptr: SecureRandom.
  core::Random* random = nullptr;
};

// A package as the simulator keeps it, for tests.
struct PackageRecord {
  std::string domain;
  std::string package;  // the plan
  std::string status;   // "active" or "suspended"
  std::string email;
  std::string password;  // decrypted from the last autoregister or passwordreset
  std::string token;
  core::TimePoint expires_at;  // a year after creation, plus a year per renewal
  int renewals = 0;
};

// Serves the API from memory. Handlers run on the harness server's thread; the inspection and
// control methods may be called from any thread (the state is guarded by a mutex). The routes
// installed on a server share the simulator's state and keep it alive.
class Simulator {
 public:
  // Throws std::invalid_argument without an api_key.
  explicit Simulator(SimulatorOptions options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Before server.start(): POST <base_path>/<endpoint>/ for every endpoint (and the 301/405
  // answers around them), plus the control routes under /__sim/geniusplugin/.
  void install(Server& server, std::string base_path = "/api/v1");

  // Packages that exist now (deleted ones are gone), by domain.
  std::vector<PackageRecord> packages() const;
  std::optional<PackageRecord> package(const std::string& domain) const;
  std::int64_t credit_cents() const;
  void set_credit_cents(std::int64_t cents);
  void set_allowed_address(std::string address);
  // Calls that reached an endpoint's logic (authenticated), by endpoint name.
  std::size_t calls(const std::string& endpoint) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace portico::sim::geniusplugin
