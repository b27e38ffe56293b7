#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/core/random.hpp"
#include "portico/sim/dcv_world.hpp"
#include "portico/sim/issuing_ca.hpp"
#include "portico/sim/server.hpp"

// A stateful simulator of SSLCI's REST API (DV certificates over ACME): the contract is
// docs/upstreams/sslci.md. Test and demo code; never linked into `portico`.
namespace portico::sim::sslci {

struct SimulatorOptions {
  // One account per token; the records of one account are 403 to the others.
  std::vector<std::string> tokens;
  // Must outlive the simulator. nullptr: the system clock.
  const core::Clock* clock = nullptr;
  // ACME tokens and certificate serials. Must outlive the simulator. nullptr: SecureRandom.
  core::Random* random = nullptr;
  // Required: where confirm looks for the challenge files and TXT records. Must outlive it.
  DcvWorld* world = nullptr;
  // The CA that signs the certificates. Must outlive it. nullptr: one generated at construction.
  const IssuingCa* ca = nullptr;
  // The key of the text in error bodies: "message" or "error".
  std::string error_key = "message";
  // A dns challenge's answer carries record/type/value; false leaves them out (the vendor's page
  // documents none of them).
  bool dns_record_fields = true;
  // Finalize answers "ca" as an array of PEM strings instead of one string.
  bool ca_as_array = false;
  // Finalize answers the new certificate's "crt_id" too (the vendor's example has none).
  bool finalize_includes_crt_id = false;
  // Added to every id the simulator hands out, so ids from a restarted simulator do not
  // repeat ones an earlier run gave (a real account's ids never do).
  std::int64_t id_offset = 0;
};

// A certificate as the simulator keeps it, for tests.
struct CertificateRecord {
  std::int64_t crt_id = 0;
  std::size_t account = 0;  // index into SimulatorOptions::tokens
  std::vector<std::string> domains;
  core::TimePoint add_time;
  core::TimePoint end_time;
  bool deleted = false;
  std::string crt_pem;
};

// An order (one ACME authorization of one domain) as the simulator keeps it, for tests.
struct OrderRecord {
  std::int64_t order_id = 0;
  std::size_t account = 0;
  std::string domain;
  std::string method;  // "http" or "dns"
  // As of now: "pending", "verified", "expired" (pending for 7 days, or verified 29 days ago)
  // or "deleted".
  std::string status;
  bool finalized = false;  // a certificate was issued with it (it left pending_orders)
  std::string token;       // the ACME token
  std::string key_authorization;
  core::TimePoint created_at;
  std::optional<core::TimePoint> verified_at;
};

// Serves the API from memory. Handlers run on the harness server's thread; the inspection
// methods may be called from any thread (the state is guarded by a mutex). The route installed
// on a server shares the simulator's state and keeps it alive.
class Simulator {
 public:
  // Throws std::invalid_argument without a world or without tokens.
  explicit Simulator(SimulatorOptions options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Before server.start(): the one route of the API at `path`, every method (the ones the API
  // does not know get 405). Other paths stay the server's.
  void install(Server& server, std::string path = "/api");

  std::size_t orders_created() const;
  std::size_t certificates_issued() const;
  // Every certificate issued, deleted ones too, by crt_id.
  std::vector<CertificateRecord> certificates() const;
  std::optional<OrderRecord> order(std::int64_t order_id) const;
  const IssuingCa& ca() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace portico::sim::sslci
