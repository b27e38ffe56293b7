#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/core/model.hpp"
#include "portico/sim/server.hpp"

// A stateful simulator of the ModulesGarden "Domains Reseller" API as Hostraha runs it: the
// contract is docs/upstreams/hostraha.md. Test and demo code; never linked into `portico`.
namespace portico::sim::hostraha {

inline constexpr std::string_view kDefaultBasePath =
    "/modules/addons/DomainsReseller/api/index.php";

// What one TLD costs per year, in minor units of the account's currency.
struct TldPrice {
  std::int64_t register_minor = 0;
  std::int64_t renew_minor = 0;
  std::int64_t transfer_minor = 0;
};

// .com, .net, .org, .co.ke and .ke at plausible reseller prices.
std::map<std::string, TldPrice> default_prices();

struct SimulatorOptions {
  std::string email = "reseller@example.com";  // the `username` header
  std::string api_key = "sim-api-key";
  // Reads the hour tokens are checked against; must outlive the simulator. nullptr: the
  // system clock.
  const core::Clock* clock = nullptr;
  // 0: only the current UTC hour's token; 1: the previous and next hours' tokens too.
  int leeway_hours = 0;
  std::int64_t credit_minor = 0;
  std::string currency = "USD";
  // By TLD with its leading dot (".com", ".co.ke"): what the account can register, renew and
  // transfer. A domain's TLD is its longest suffix listed here.
  std::map<std::string, TldPrice> prices = default_prices();
  // Names registered elsewhere: unavailable to register, transferable.
  std::set<std::string> taken = {"taken.com", "taken.co.ke"};
  // Premium names and their price for one year (register and renew), in minor units.
  std::map<std::string, std::int64_t> premium = {};
  // How many transfersync calls answer {} (still pending) before a transfer in completes or
  // fails; 0: the first one decides.
  int transfer_pending_syncs = 0;
};

// One record of a zone as WHMCS keeps it: the strings the reseller sent.
struct ZoneRecord {
  std::string hostname;  // relative, "@" for the apex
  std::string type;
  std::string address;
  std::string priority;            // MX/SRV priority, else "N/A"
  std::optional<std::string> ttl;  // not in WHMCS's shape; kept when sent

  friend bool operator==(const ZoneRecord&, const ZoneRecord&) = default;
};

// A domain in the reseller's account, as the simulator holds it.
struct DomainState {
  std::string name;
  // The WHMCS status word: Active, Pending Transfer, Expired, Transferred Away, Cancelled, ...
  // An Active domain past its expiry date is reported as Expired.
  std::string status = "Active";
  std::chrono::sys_days expires_on{};
  std::vector<std::string> nameservers;
  bool locked = false;
  bool id_protection = false;
  bool dns_management = true;
  bool email_forwarding = true;
  // By WHMCS role: "Registrant", "Admin", "Tech", "Billing".
  std::map<std::string, core::Contact> contacts;
  std::vector<ZoneRecord> zone;
  std::vector<core::EmailForward> forwards;
  std::vector<core::GlueRecord> glue;
  std::string epp_code;
  std::string transfer_auth_code;  // the code a transfer in was requested with
  int transfer_years = 1;          // what a transfer in adds once it completes
  std::string transfer_failure;    // why a transfer in failed, once it has
  std::string release_tag;         // the tag it was released (pushed) to
};

// Serves the API from memory. Handlers run on the harness server's thread; the inspection and
// fixture methods may be called from any thread (the state is guarded by a mutex). The routes
// installed on a server share the simulator's state and keep it alive.
class Simulator {
 public:
  explicit Simulator(SimulatorOptions options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Before server.start(): every route of the contract under `base_path` (GET and POST; other
  // verbs get an error), and a fallback for unknown routes (it replaces the server's).
  void install(Server& server, std::string base_path = std::string(kDefaultBasePath));

  std::int64_t credit_minor() const;
  void set_credit_minor(std::int64_t amount);
  // Debits that went through (register, transfer, renew).
  std::size_t charges() const;

  std::optional<DomainState> domain(std::string_view name) const;
  // Adds or replaces a domain in the account (a fixture: no charge, no checks).
  void add_domain(DomainState domain);
  // Changes made elsewhere (at the registry or in the supplier's panel): drift.
  bool mark_transferred_away(std::string_view name);
  bool set_expiry(std::string_view name, std::chrono::sys_days expires_on);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace portico::sim::hostraha
