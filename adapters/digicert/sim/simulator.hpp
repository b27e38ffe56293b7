#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/core/random.hpp"
#include "portico/sim/dcv_world.hpp"
#include "portico/sim/issuing_ca.hpp"
#include "portico/sim/server.hpp"

// A stateful simulator of DigiCert's CertCentral Services API v2: the contract is
// docs/upstreams/digicert.md. Test and demo code; never linked into `portico`.
namespace portico::sim::digicert {

inline constexpr std::string_view kDefaultBasePath = "/services/v2";

// The two answers DigiCert's pages document for PUT .../check-dcv.
enum class CheckDcvStyle {
  per_name,      // 200 with dns_name_validations (the newer page)
  all_or_error,  // 200 only when every name passes, else 400 invalid_dns_txt (the older page)
};

struct SimulatorOptions {
  std::string api_key;  // what X-DC-DEVKEY must hold
  // Must outlive the simulator. nullptr: a SystemClock owned by the simulator.
  const core::Clock* clock = nullptr;
  // DCV random values and certificate serials; must outlive the simulator. nullptr: SecureRandom.
  core::Random* random = nullptr;
  // Where DCV looks for TXT records and files; required, must outlive the simulator.
  DcvWorld* world = nullptr;
  // Signs the certificates; must outlive the simulator. nullptr: IssuingCa::generate().
  const IssuingCa* ca = nullptr;
  int auth_failure_status = 401;  // or 403, as one fake server answers
  bool errors_as_object = false;  // {"errors":{...}} as riboseinc's fixture writes it
  // Two rolling windows per key; a refused (429) request does not count.
  int burst_limit = 100;
  std::chrono::seconds burst_window{5};
  int sustained_limit = 1000;
  std::chrono::seconds sustained_window{180};
  CheckDcvStyle check_dcv_style = CheckDcvStyle::per_name;
  bool crlf_pem = true;  // PEM line ends in downloads and certificate_chain
  // A read of a pending order re-checks DCV, as DigiCert's own polling would have meanwhile.
  bool check_dcv_on_read = true;
  // Organizations already in the account, validated for OV and EV.
  std::vector<std::int64_t> validated_organizations = {112233};
  // Added to every order, certificate and request id, so ids from a restarted simulator do
  // not repeat ones an earlier run gave (a real account's ids never do).
  std::int64_t id_offset = 0;
};

// An order as the simulator holds it, for tests.
struct OrderView {
  std::int64_t id = 0;
  std::string status;           // the simulator's own status
  std::string reported_status;  // what GET answers: the override when one is set
  std::string product;          // product_name_id
  std::string validation_type;  // dv, ov or ev
  std::string common_name;
  std::vector<std::string> dns_names;  // every name of the current certificate, CN first
  std::string dcv_method;
  std::int64_t organization_id = 0;  // 0: none (DV)
  std::int64_t renewal_of_order_id = 0;
  int validity_days = 0;
  bool skip_approval = false;
  std::string dcv_random_value;
  std::int64_t certificate_id = 0;            // the current certificate
  std::vector<std::int64_t> certificate_ids;  // every certificate of the order, oldest first
  std::size_t pending_revoke_requests = 0;    // revokes waiting for an administrator
  std::string cancel_note;
};

// Serves the API from memory. Handlers run on the harness server's thread; the fixtures and
// inspection methods may be called from any thread (the state is guarded by a mutex). The routes
// installed on a server share the simulator's state and keep it alive.
//
// Routes under the base path: GET user/me, GET product, GET product/{name_id}, GET and POST
// organization, GET organization/{id}, GET order/certificate (the list: filters[common_name|
// status|product_name_id], sort, offset, limit), POST order/certificate/{product_name_id},
// GET order/certificate/{id}, PUT order/certificate/{id}/check-dcv, .../dcv-random-value,
// .../status, POST .../reissue, GET certificate/{id}/download/format/{pem_all|pem_noroot|
// pem_nointermediate}, PUT certificate/{id}/revoke. Anything else is 404 not_found|route.
class Simulator {
 public:
  // Throws std::invalid_argument without a DcvWorld (a start-up error).
  explicit Simulator(SimulatorOptions options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Before server.start(): every route under `base_path`, and a fallback for unknown routes
  // (it replaces the server's).
  void install(Server& server, std::string base_path = std::string(kDefaultBasePath));

  // Validates an organization for OV and EV (adding it to the account when it is unknown);
  // pending orders that waited only for it are issued at their next read or check.
  void validate_organization(std::int64_t id);
  // The domain's owner approves the DCV e-mail: names of email orders under `domain` pass
  // their next check.
  void approve_email(const std::string& domain);
  // The domain (and its subdomains) is validated in the account now, as if by an earlier order.
  void prevalidate_domain(const std::string& domain);
  // An administrator approves a needs_approval order (one sent without skip_approval); false
  // when there is no such order.
  bool approve_request(std::int64_t order_id);
  // What GET order/certificate/{id} reports as `status` from now on ("approved", anything);
  // an empty string goes back to the real status.
  void set_status_override(std::int64_t order_id, std::string status);

  std::size_t orders_created() const;
  std::optional<OrderView> order(std::int64_t id) const;
  const IssuingCa& ca() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace portico::sim::digicert
