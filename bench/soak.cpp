// portico_soak: mixed partner traffic through the real gateway binary, in front of the four
// supplier simulators (in this process, over TLS on loopback), with random faults injected
// into the suppliers and the webhook receiver, and the gateway killed and restarted now and
// then. Clients behave as the docs tell them to: every write carries an Idempotency-Key and is
// retried with it after a 5xx, a 429, a lost connection or a 409 "still pending".
// At the end the faults stop, every unsettled request is retried until it settles, and the
// invariants are checked against the suppliers' own state and the gateway's database:
//   - no duplicate supplier object: every charge, order, certificate and package at a supplier
//     is recorded once here;
//   - every local object is mapped to exactly one supplier object, which exists;
//   - a key answered 2xx always names the same object;
//   - no lost event: every event recorded was delivered (signature checked) to the endpoint.
// Prints requests, answers by status and code, faults, and the invariants; exits 1 on a
// violation.
//   portico_soak --seconds 60 --seed 1 --workers 4 --fault-interval-ms 200 --kill-interval-s 20
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "portico/core/clock.hpp"
#include "portico/core/json.hpp"
#include "portico/core/webhook.hpp"
#include "portico/sim/dcv_world.hpp"
#include "portico/sim/server.hpp"
#include "portico/sim/test_ca.hpp"

#include "digicert/sim/simulator.hpp"
#include "geniusplugin/sim/simulator.hpp"
#include "hostraha/sim/simulator.hpp"
#include "sslci/sim/simulator.hpp"
#include "support/http.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using portico::testing::HttpReply;
using Clock = std::chrono::steady_clock;
namespace sim = portico::sim;

constexpr const char* kAdminToken = "soak-admin-token-0123456789abcdef";
constexpr const char* kContacts =
    R"({"registrant":{"first_name":"Wanjiru","last_name":"Kamau","email":"wanjiru@example.co.ke",)"
    R"("phone":"+254.712345678","address1":"1 Moi Avenue","city":"Nairobi","state":"Nairobi",)"
    R"("postcode":"00100","country":"KE"}})";
constexpr std::int64_t kHostrahaCredit = 1'000'000'000;
constexpr std::int64_t kFirewallCredit = 1'000'000'000;
constexpr std::int64_t kFirewallPlanCents = 500;  // the 10k plan at the simulator
// In sim::FaultKind's order.
constexpr std::array<const char*, 6> kFaultKinds = {"latency", "timeout",    "reset",
                                                    "status",  "rate_limit", "garbage"};
constexpr std::array<int, 3> kFaultStatuses = {500, 502, 503};

struct Options {
  int seconds = 60;
  unsigned seed = 1;
  int workers = 4;
  int fault_interval_ms = 200;
  int kill_interval_s = 20;  // 0: never
};

std::string text_of(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return {};
  const auto found = object.FindMember(name);
  return found != object.MemberEnd() && found->value.IsString() ? found->value.GetString() : "";
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// ---- the database, read-only -------------------------------------------------------------------

std::vector<std::vector<std::string>> query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::vector<std::string>> rows;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    throw std::runtime_error("cannot open " + path);
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    const std::string message = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error("query: " + message);
  }
  while (sqlite3_step(statement) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(statement); ++i) {
      const auto* value = sqlite3_column_text(statement, i);
      row.emplace_back(value ? reinterpret_cast<const char*>(value) : "");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

// ---- the suppliers
// -------------------------------------------------------------------------------

struct Suppliers {
  Suppliers()
      : ca(sim::TestCa::generate("Soak Simulators CA")),
        hostraha({.email = "soak@reseller.example",
                  .api_key = "soak-hostraha-key-0123456789",
                  .credit_minor = kHostrahaCredit}),
        sslci({.tokens = {"soak-sslci-token-0123456789"}, .world = &world}),
        digicert({.api_key = "soak-digicert-key-0123456789", .world = &world}),
        firewall({.api_key = "soak-gp-key-0123456789", .credit_cents = kFirewallCredit}) {
    const auto make = [this](const char* name) {
      return std::make_unique<sim::Server>(
          sim::ServerOptions{.name = name, .tls = true, .ca = &ca});
    };
    hostraha_server = make("hostraha");
    hostraha.install(*hostraha_server);
    sslci_server = make("sslci");
    sslci.install(*sslci_server);
    digicert_server = make("digicert");
    digicert.install(*digicert_server);
    firewall_server = make("gp");
    firewall.install(*firewall_server);
    for (auto* server : servers())
      server->start();
  }

  std::vector<sim::Server*> servers() {
    return {hostraha_server.get(), sslci_server.get(), digicert_server.get(),
            firewall_server.get()};
  }

  std::string providers_yaml(const portico::testing::TempDir& dir) const {
    const std::string ca_file = ca.write_ca_file(dir.path().string());
    dir.write("hostraha.key", "soak-hostraha-key-0123456789");
    dir.write("sslci.token", "soak-sslci-token-0123456789");
    dir.write("digicert.key", "soak-digicert-key-0123456789");
    dir.write("gp.key", "soak-gp-key-0123456789");
    const auto block = [&](const std::string& name, const std::string& type,
                           const std::string& endpoint, const std::string& secret_line) {
      return "  " + name + ":\n    type: " + type + "\n    endpoint: " + quoted(endpoint) +
             "\n    ca_file: " + quoted(ca_file) + "\n    " + secret_line +
             "\n    timeout_ms: 1500\n";
    };
    return "providers:\n" +
           block("hostraha-sim", "hostraha",
                 hostraha_server->base_url() + std::string(sim::hostraha::kDefaultBasePath),
                 "username: soak@reseller.example\n    api_key_file: " +
                     quoted(dir.file("hostraha.key"))) +
           block("sslci-sim", "sslci", sslci_server->base_url() + "/api",
                 "token_file: " + quoted(dir.file("sslci.token"))) +
           block("digicert-sim", "digicert",
                 digicert_server->base_url() + std::string(sim::digicert::kDefaultBasePath),
                 "api_key_file: " + quoted(dir.file("digicert.key")) +
                     "\n    organization_id: 112233") +
           block(
               "gp-sim", "geniusplugin", firewall_server->base_url() + "/api/v1",
               "api_key_file: " + quoted(dir.file("gp.key")) + "\n    source_address: 127.0.0.1") +
           "routing:\n  domains: { \"*\": [hostraha-sim] }\n"
           "  ssl: { dv: [sslci-sim], ov: [digicert-sim] }\n"
           "  hosting: { firewall: [gp-sim] }\n";
  }

  sim::TestCa ca;
  sim::DcvWorld world;
  sim::hostraha::Simulator hostraha;
  sim::sslci::Simulator sslci;
  sim::digicert::Simulator digicert;
  sim::geniusplugin::Simulator firewall;
  std::unique_ptr<sim::Server> hostraha_server, sslci_server, digicert_server, firewall_server;
};

// ---- the webhook endpoint
// ------------------------------------------------------------------------

class Receiver {
 public:
  Receiver() : server_(sim::ServerOptions{.name = "receiver"}) {
    server_.route("POST", "/hook", [this](const sim::SimRequest& request) {
      std::lock_guard lock(mutex_);
      const auto signature = request.header("X-Portico-Signature");
      const auto now = portico::core::unix_seconds(std::chrono::system_clock::now());
      if (!signature || secret_.empty() ||
          !portico::core::webhook::verify_signature(*signature, request.body, secret_, now)) {
        ++bad_signatures_;
        return sim::SimResponse{.status = 400, .body = R"({"error":"signature"})"};
      }
      auto event = portico::core::json::parse(request.body);
      if (event.ok()) ++received_[text_of(*event, "id")];
      return sim::SimResponse{.status = 200, .body = "{}"};
    });
    server_.start();
  }
  sim::Server& server() { return server_; }
  std::string url() const { return server_.base_url() + "/hook"; }
  void set_secret(std::string secret) {
    std::lock_guard lock(mutex_);
    secret_ = std::move(secret);
  }
  std::map<std::string, int> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  int bad_signatures() const {
    std::lock_guard lock(mutex_);
    return bad_signatures_;
  }

 private:
  sim::Server server_;
  mutable std::mutex mutex_;
  std::string secret_;
  std::map<std::string, int> received_;  // event id -> deliveries
  int bad_signatures_ = 0;
};

// ---- the gateway
// ---------------------------------------------------------------------------------

class Gateway {
 public:
  Gateway(std::string binary, std::string config, std::string log)
      : binary_(std::move(binary)), config_(std::move(config)), log_(std::move(log)) {}

  void start() {
    const std::size_t seen = portico::testing::read_file(log_).size();
    process_ =
        portico::testing::start_logging_to_file({binary_, "serve", "--config", config_}, log_);
    const std::string ready =
        portico::testing::wait_for_file_line(log_, seen, "portico listening", 15s);
    api_port_ = port_after(ready, "api=127.0.0.1:");
    admin_port_ = port_after(ready, "admin=127.0.0.1:");
    if (api_port_ == 0) throw std::runtime_error("the gateway did not start; see " + log_);
  }
  void kill() {
    process_->signal(SIGKILL);
    process_->wait(10s);
    api_port_ = 0;
  }
  void stop() {
    process_->signal(SIGTERM);
    process_->wait(15s);
  }
  std::uint16_t api_port() const { return api_port_; }
  HttpReply admin(const std::string& method, const std::string& target) {
    try {
      return portico::testing::http_request(
          admin_port_, method, target, {{"Authorization", std::string("Bearer ") + kAdminToken}});
    } catch (const std::exception&) {
      return {};
    }
  }

 private:
  static std::uint16_t port_after(const std::string& line, const std::string& field) {
    const std::size_t at = line.find(field);
    return at == std::string::npos
               ? 0
               : static_cast<std::uint16_t>(std::stoi(line.substr(at + field.size())));
  }
  std::string binary_, config_, log_;
  std::unique_ptr<portico::testing::BackgroundProcess> process_;
  std::atomic<std::uint16_t> api_port_{0};
  std::uint16_t admin_port_ = 0;
};

// ---- what the clients saw
// --------------------------------------------------------------------------

struct Tally {
  std::mutex mutex;
  std::map<std::string, int> requests;  // by operation
  std::map<std::string, int> answers;   // "status code"
  std::map<std::string, int> faults;    // "supplier kind"
  std::vector<std::string> violations;
  int kills = 0;

  void answer(const std::string& operation, const HttpReply& reply) {
    std::string code;
    if (reply.status >= 400) {
      const auto json = reply.json();
      if (json.IsObject() && json.HasMember("error")) code = text_of(json["error"], "code");
    }
    const std::string key = reply.status == 0
                                ? "transport error"
                                : std::to_string(reply.status) + (code.empty() ? "" : " " + code);
    std::lock_guard lock(mutex);
    ++requests[operation];
    ++answers[key];
  }
  void violation(std::string what) {
    std::lock_guard lock(mutex);
    violations.push_back(std::move(what));
  }
};

// A write the client keeps retrying with its key until it settles.
struct Write {
  std::string operation;
  std::string target;
  std::string body;
  std::string key;
  std::string object_id;  // from the first 2xx
  std::string last_answer;
  bool settled = false;
  int attempts = 0;
  Clock::time_point retry_at{};  // backing off: 100 ms doubling to 2 s, or the Retry-After
};

bool retryable(const HttpReply& reply) {
  if (reply.status == 0 || reply.status == 429 || reply.status >= 500) return true;
  if (reply.status != 409) return false;
  const auto json = reply.json();
  const std::string code =
      json.IsObject() && json.HasMember("error") ? text_of(json["error"], "code") : std::string();
  return code == "idempotency_key_in_use" || code == "idempotency_outcome_pending" ||
         code == "domain_operation_pending" || code == "renewal_pending";
}

class Client {
 public:
  Client(Gateway& gateway, std::string key) : gateway_(gateway), key_(std::move(key)) {}

  HttpReply call(const std::string& method, const std::string& target, const std::string& body,
                 const std::string& idempotency_key = {}) {
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + key_},
                                                             {"Content-Type", "application/json"}};
    if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
    const std::uint16_t port = gateway_.api_port();
    // A client whose calls fail at once (the gateway restarting) waits a moment, as a real one
    // would, instead of piling up new writes in a tight loop.
    const auto refused = [] {
      std::this_thread::sleep_for(50ms);
      return HttpReply{};
    };
    if (port == 0) return refused();
    try {
      if (!connection_ || port != port_) {
        connection_ = std::make_unique<portico::testing::HttpConnection>(port);
        port_ = port;
      }
      HttpReply reply = connection_->request(method, target, headers, body);
      if (!reply.keep_alive) connection_.reset();
      return reply;
    } catch (const std::exception&) {
      connection_.reset();
      return refused();
    }
  }

 private:
  Gateway& gateway_;
  std::string key_;
  std::uint16_t port_ = 0;
  std::unique_ptr<portico::testing::HttpConnection> connection_;
};

// Each worker is one partner's integration with its own customer and objects.
class Worker {
 public:
  Worker(int index, unsigned seed, Gateway& gateway, const std::string& key, Tally& tally,
         sim::DcvWorld& world)
      : index_(index),
        random_(seed * 7919U + static_cast<unsigned>(index)),
        client_(gateway, key),
        tally_(tally),
        world_(world) {}

  void setup() {
    for (int attempt = 0; attempt < 100 && customer_.empty(); ++attempt) {
      const HttpReply reply = client_.call("POST", "/api/v1/customers",
                                           R"({"name":"Soak Customer )" + std::to_string(index_) +
                                               R"(","email":"soak@example.net"})",
                                           "customer-" + std::to_string(index_));
      if (reply.status == 201) customer_ = text_of(reply.json()["data"], "id");
      if (customer_.empty()) std::this_thread::sleep_for(100ms);
    }
    if (customer_.empty()) throw std::runtime_error("no customer");
  }

  void run(Clock::time_point until) {
    while (Clock::now() < until)
      step();
  }

  // Retries every unsettled write until it settles, or `until`; true when all did.
  bool drain(Clock::time_point until) {
    while (Clock::now() < until) {
      bool all = true;
      for (auto& write : writes_) {
        if (write.settled) continue;
        send(write);
        all = all && write.settled;
      }
      // Certificates are verified once more each round; one that cannot validate (its
      // instructions lost with an answer) may stay pending: that is no unsettled write.
      verify_pending();
      if (all) return true;
      std::this_thread::sleep_for(300ms);
    }
    return false;
  }

  const std::vector<Write>& writes() const { return writes_; }

 private:
  void step() {
    // Unsettled writes first, as a client's retry queue would.
    const auto now = Clock::now();
    for (auto& write : writes_) {
      if (!write.settled && write.retry_at <= now) {
        send(write);
        return;
      }
    }
    const int pick = static_cast<int>(random_() % 100);
    const std::string tag = std::to_string(index_) + "-" + std::to_string(++counter_);
    if (pick < 20) {
      const std::string name = "soak-" + tag + ".com";
      start({"domain.register", "/api/v1/domains",
             R"({"name":")" + name + R"(","customer_id":")" + customer_ +
                 R"(","years":1,"nameservers":["ns1.hostco.net","ns2.hostco.net"],"contacts":)" +
                 kContacts + "}",
             "register-" + name});
    } else if (pick < 30 && !domains_.empty()) {
      start({"domain.renew", "/api/v1/domains/" + any(domains_) + "/renew", R"({"years":1})",
             "renew-" + tag});
    } else if (pick < 45 && !domains_.empty()) {
      start({"dns.create", "/api/v1/domains/" + any(domains_) + "/dns",
             R"({"type":"TXT","name":"soak)" + std::to_string(counter_) + R"(","value":"v)" + tag +
                 R"("})",
             "dns-" + tag});
    } else if (pick < 57) {
      start({"ssl.order.dv", "/api/v1/ssl",
             R"({"customer_id":")" + customer_ + R"(","common_name":"dv-)" + tag +
                 R"(.example.com","cert_type":"dv","dcv_method":"http"})",
             "dv-" + tag});
    } else if (pick < 63) {
      start({"ssl.order.ov", "/api/v1/ssl",
             R"({"customer_id":")" + customer_ + R"(","common_name":"ov-)" + tag +
                 R"(.example.com","cert_type":"ov","dcv_method":"http"})",
             "ov-" + tag});
    } else if (pick < 73 && !certificates_.empty()) {
      const std::string id = any(certificates_);
      start({"ssl.verify", "/api/v1/ssl/" + id + "/verify", "{}", "verify-" + tag});
    } else if (pick < 83) {
      start({"hosting.provision", "/api/v1/hosting",
             R"({"customer_id":")" + customer_ + R"(","domain":"fw-)" + tag +
                 R"(.example.org","plan":"10k","email":"owner@example.net"})",
             "hosting-" + tag});
    } else {
      read();
    }
  }

  void read() {
    std::string target = "/api/v1/events?limit=5";
    if (!domains_.empty() && chance(40))
      target = "/api/v1/domains/" + any(domains_);
    else if (!certificates_.empty() && chance(40))
      target = "/api/v1/ssl/" + any(certificates_);
    tally_.answer("read", client_.call("GET", target, {}));
  }

  void start(Write write) {
    writes_.push_back(std::move(write));
    send(writes_.back());
  }

  void send(Write& write) {
    const HttpReply reply = client_.call("POST", write.target, write.body, write.key);
    tally_.answer(write.operation, reply);
    write.last_answer = std::to_string(reply.status) + " " + reply.body.substr(0, 300);
    if (retryable(reply)) {
      auto wait = std::chrono::milliseconds(100 << std::min(write.attempts++, 4));
      if (const std::string after = reply.header("retry-after"); !after.empty()) {
        wait = std::max<std::chrono::milliseconds>(wait, std::chrono::seconds(std::stoi(after)));
      }
      write.retry_at = Clock::now() + wait;
      return;
    }
    write.settled = true;
    if (reply.status < 200 || reply.status >= 300) return;
    const auto json = reply.json();
    const std::string id = json.IsObject() ? text_of(json["data"], "id") : "";
    if (write.object_id.empty()) {
      write.object_id = id;
    } else if (id != write.object_id) {
      tally_.violation("key " + write.key + " answered " + write.object_id + " then " + id);
    }
    if (write.operation == "domain.register") domains_.push_back(id);
    if (write.operation.starts_with("ssl.order")) {
      certificates_.push_back(id);
      publish(json["data"]);
    }
  }

  // Proves control of every name of a certificate object, as its instructions say.
  void publish(const rapidjson::Value& certificate) {
    if (!certificate.IsObject() || !certificate.HasMember("validations")) return;
    for (const auto& validation : certificate["validations"].GetArray()) {
      if (!validation.HasMember("instructions")) continue;
      const auto& instructions = validation["instructions"];
      if (text_of(validation, "method") == "http" && !text_of(instructions, "url").empty()) {
        world_.publish_file(text_of(instructions, "url"), text_of(instructions, "content"));
      }
    }
  }

  // Verifies the certificates still pending once.
  void verify_pending() {
    for (const auto& id : certificates_) {
      HttpReply reply = client_.call("GET", "/api/v1/ssl/" + id, {});
      const auto json = reply.json();
      const std::string status = json.IsObject() ? text_of(json["data"], "status") : "";
      if (status != "pending_validation" && status != "pending_issuance") continue;
      reply = client_.call("POST", "/api/v1/ssl/" + id + "/verify", "{}",
                           "drain-verify-" + id + "-" + std::to_string(++counter_));
      tally_.answer("ssl.verify", reply);
    }
  }

  bool chance(int percent) { return static_cast<int>(random_() % 100) < percent; }
  const std::string& any(const std::vector<std::string>& ids) {
    return ids[random_() % ids.size()];
  }

  int index_;
  std::mt19937 random_;
  Client client_;
  Tally& tally_;
  sim::DcvWorld& world_;
  std::string customer_;
  int counter_ = 0;
  std::vector<Write> writes_;
  std::vector<std::string> domains_;
  std::vector<std::string> certificates_;
};

// ---- faults
// ----------------------------------------------------------------------------------------

void inject_random_fault(std::mt19937& random,
                         const std::vector<std::pair<std::string, sim::Server*>>& targets,
                         Tally& tally) {
  const auto& [name, server] = targets[random() % targets.size()];
  sim::Fault fault;
  fault.count = 1 + static_cast<int>(random() % 3);
  fault.after_handler = random() % 2 == 0;
  const std::size_t kind = random() % kFaultKinds.size();
  fault.kind = static_cast<sim::FaultKind>(kind);
  // A supplier that says "slow down" did not act: a 429 after acting is no real failure.
  if (fault.kind == sim::FaultKind::rate_limit) fault.after_handler = false;
  fault.delay = std::chrono::milliseconds(200 + random() % 1200);
  fault.status = kFaultStatuses.at(random() % kFaultStatuses.size());
  if (random() % 2 == 0) fault.method = "POST";
  server->inject(fault);
  std::lock_guard lock(tally.mutex);
  ++tally
        .faults[name + " " + kFaultKinds.at(kind) + (fault.after_handler ? " (after acting)" : "")];
}

// ---- the invariants
// ----------------------------------------------------------------------------------

struct Check {
  std::string name;
  bool passed;
  std::string detail;
};

std::vector<Check> check_invariants(const std::string& database, Suppliers& suppliers,
                                    const Receiver& receiver, const std::vector<Write>& writes,
                                    const Tally& tally) {
  std::vector<Check> checks;
  const auto count = [&](const std::string& sql) { return std::stoll(query(database, sql)[0][0]); };

  // Domains: every charge at Hostraha is one recorded order; every local domain is held there.
  const auto charged = static_cast<long long>(suppliers.hostraha.charges());
  const long long ordered = count(
      "SELECT count(*) FROM orders WHERE provider_instance = 'hostraha-sim' AND action IN "
      "('domain.register', 'domain.renew')");
  checks.push_back({"hostraha: one recorded order per charge", charged == ordered,
                    std::to_string(charged) + " charges, " + std::to_string(ordered) + " orders"});
  std::string missing;
  const auto domains = query(database, "SELECT name FROM objects WHERE kind = 'domain'");
  for (const auto& row : domains) {
    if (!suppliers.hostraha.domain(row[0])) missing += " " + row[0];
  }
  // Every name a client asked for and the supplier holds is recorded here.
  std::set<std::string> local;
  for (const auto& row : domains)
    local.insert(row[0]);
  std::string unrecorded;
  for (const auto& write : writes) {
    if (write.operation != "domain.register") continue;
    const std::string name = write.key.substr(std::string("register-").size());
    if (suppliers.hostraha.domain(name) && !local.contains(name)) unrecorded += " " + name;
  }
  checks.push_back({"hostraha: local domains = the supplier's",
                    missing.empty() && unrecorded.empty(),
                    std::to_string(domains.size()) + " domains" +
                        (missing.empty() ? "" : "; not at the supplier:" + missing) +
                        (unrecorded.empty() ? "" : "; not recorded:" + unrecorded)});

  // Certificates: every order at SSLCI and DigiCert is one local certificate, which names it.
  const auto one_certificate_per_order = [&](const std::string& supplier, const char* instance,
                                             std::size_t orders, const auto& exists) {
    std::set<std::string> refs;
    std::size_t rows = 0;
    std::string unknown;
    for (const auto& row : query(database, std::string("SELECT supplier_ref FROM objects WHERE "
                                                       "kind = 'certificate' AND "
                                                       "provider_instance = '") +
                                               instance + "' AND supplier_ref IS NOT NULL")) {
      ++rows;
      if (refs.insert(row[0]).second && !exists(std::stoll(row[0]))) unknown += " " + row[0];
    }
    checks.push_back({supplier + ": one local certificate per order",
                      orders == rows && refs.size() == rows && unknown.empty(),
                      std::to_string(orders) + " orders, " + std::to_string(rows) +
                          " certificates" + (unknown.empty() ? "" : "; unknown refs:" + unknown)});
  };
  one_certificate_per_order("sslci", "sslci-sim", suppliers.sslci.orders_created(),
                            [&](std::int64_t id) { return suppliers.sslci.order(id).has_value(); });
  one_certificate_per_order(
      "digicert", "digicert-sim", suppliers.digicert.orders_created(),
      [&](std::int64_t id) { return suppliers.digicert.order(id).has_value(); });
  long long live = 0;
  for (const auto& record : suppliers.sslci.certificates())
    live += record.deleted ? 0 : 1;
  const long long issued = count(
      "SELECT count(*) FROM objects WHERE kind = 'certificate' AND provider_instance = "
      "'sslci-sim' AND state = 'issued'");
  checks.push_back(
      {"sslci: one live certificate per issued one", live == issued,
       std::to_string(live) + " live at the supplier, " + std::to_string(issued) + " issued here"});

  // Packages: every package (and cent spent) at GeniusPlugin is one local package.
  const auto packages = suppliers.firewall.packages();
  const auto local_packages = query(database, "SELECT name FROM objects WHERE kind = 'hosting'");
  std::set<std::string> at_supplier;
  for (const auto& package : packages)
    at_supplier.insert(package.domain);
  std::set<std::string> here;
  for (const auto& row : local_packages)
    here.insert(row[0]);
  const long long spent = kFirewallCredit - suppliers.firewall.credit_cents();
  const long long expected = kFirewallPlanCents * static_cast<long long>(packages.size());
  checks.push_back(
      {"geniusplugin: local packages = the supplier's, each paid once",
       at_supplier == here && here.size() == local_packages.size() && spent == expected,
       std::to_string(packages.size()) + " at the supplier, " +
           std::to_string(local_packages.size()) + " here, " + std::to_string(spent) +
           " cents spent"});

  // Keys: each answered the same object every time (checked as the answers came).
  checks.push_back({"a key's 2xx answers name one object", tally.violations.empty(),
                    tally.violations.empty() ? "" : tally.violations.front()});

  // Nothing left in doubt.
  const long long unresolved =
      count("SELECT count(*) FROM supplier_intents WHERE state IN ('open', 'unknown')");
  checks.push_back({"no supplier intent left unresolved", unresolved == 0,
                    std::to_string(unresolved) + " unresolved"});

  // Events: every one recorded was delivered, with a valid signature.
  const auto received = receiver.received();
  std::string lost;
  long long events = 0;
  for (const auto& row : query(database, "SELECT id FROM events")) {
    ++events;
    if (!received.contains(row[0]) && lost.size() < 200) lost += " " + row[0];
  }
  long long duplicates = 0;
  for (const auto& [id, times] : received)
    duplicates += times - 1;
  checks.push_back({"no lost event", lost.empty() && receiver.bad_signatures() == 0,
                    std::to_string(events) + " events, " + std::to_string(received.size()) +
                        " delivered (" + std::to_string(duplicates) + " redelivered)" +
                        (lost.empty() ? "" : "; not delivered:" + lost)});
  return checks;
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::stoi(argv[i + 1]);
    if (flag == "--seconds")
      options.seconds = value;
    else if (flag == "--seed")
      options.seed = static_cast<unsigned>(value);
    else if (flag == "--workers")
      options.workers = value;
    else if (flag == "--fault-interval-ms")
      options.fault_interval_ms = value;
    else if (flag == "--kill-interval-s")
      options.kill_interval_s = value;
    else
      throw std::invalid_argument("unknown option " + flag);
  }
  return options;
}

int soak(const Options& options) {
  portico::testing::TempDir dir;
  Suppliers suppliers;
  Receiver receiver;
  dir.write("admin-token", kAdminToken);
  const std::string config = dir.file("portico.yaml");
  dir.write("portico.yaml",
            "server: { listen: 127.0.0.1:0, threads: 2, shutdown_grace_ms: 2000 }\n"
            "admin: { listen: 127.0.0.1:0, token_file: admin-token }\n"
            "storage: { sqlite: ./data/portico.db }\n"
            "keys: { requests_per_second: 0 }\n"
            "idempotency: { settle_ms: 3000, reconcile_interval_ms: 1000 }\n"
            "jobs: { certificate_poll_interval_ms: 2000, certificate_poll_max_interval_ms: 5000 }\n"
            "webhooks: { allow_private_targets: true, allow_http: true, poll_interval_ms: 200 }\n" +
                suppliers.providers_yaml(dir));
  const auto created = portico::testing::run_process(
      {PORTICO_BINARY, "keys", "create", "--config", config, "--partner", "soak"});
  std::string key = created.out;
  while (!key.empty() && key.back() == '\n')
    key.pop_back();
  key = key.substr(key.rfind('\n') + 1);
  if (created.exit_code != 0 || key.empty()) {
    std::cerr << "soak: keys create failed: " << created.err << "\n";
    return 2;
  }

  Gateway gateway(PORTICO_BINARY, config, dir.file("portico.log"));
  gateway.start();
  Tally tally;
  {
    Client client(gateway, key);
    const HttpReply endpoint = client.call("POST", "/api/v1/webhooks",
                                           R"({"url":")" + receiver.url() + R"(","events":["*"]})");
    if (endpoint.status != 201) {
      std::cerr << "soak: webhook endpoint: " << endpoint.status << " " << endpoint.body << "\n";
      return 2;
    }
    receiver.set_secret(text_of(endpoint.json()["data"], "secret"));
  }

  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < options.workers; ++i) {
    workers.push_back(
        std::make_unique<Worker>(i, options.seed, gateway, key, tally, suppliers.world));
    workers.back()->setup();
  }

  std::cout << "portico soak: " << options.seconds << " s, seed " << options.seed << ", "
            << options.workers << " clients, a fault every " << options.fault_interval_ms << " ms";
  if (options.kill_interval_s > 0) {
    std::cout << ", the gateway killed every " << options.kill_interval_s << " s";
  }
  std::cout << std::endl;

  const auto started = Clock::now();
  const auto until = started + std::chrono::seconds(options.seconds);
  std::vector<std::thread> threads;
  threads.reserve(workers.size());
  for (auto& worker : workers)
    threads.emplace_back([&worker, until] { worker->run(until); });

  std::mt19937 random(options.seed);
  std::vector<std::pair<std::string, sim::Server*>> targets = {
      {"hostraha", suppliers.hostraha_server.get()},
      {"sslci", suppliers.sslci_server.get()},
      {"digicert", suppliers.digicert_server.get()},
      {"geniusplugin", suppliers.firewall_server.get()},
      {"webhook-receiver", &receiver.server()}};
  auto next_kill = started + std::chrono::seconds(options.kill_interval_s);
  while (Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options.fault_interval_ms));
    inject_random_fault(random, targets, tally);
    if (options.kill_interval_s > 0 && Clock::now() >= next_kill) {
      gateway.kill();
      std::this_thread::sleep_for(200ms);
      gateway.start();
      ++tally.kills;
      next_kill = Clock::now() + std::chrono::seconds(options.kill_interval_s);
    }
  }
  for (auto& thread : threads)
    thread.join();
  const auto ran = Clock::now() - started;

  // The faults stop; every client retries what it has not settled.
  for (auto* server : suppliers.servers())
    server->clear_faults();
  receiver.server().clear_faults();
  const auto drain_until = Clock::now() + 90s;
  bool drained = true;
  threads.clear();
  std::atomic<int> undrained{0};
  for (auto& worker : workers) {
    threads.emplace_back([&worker, drain_until, &undrained] {
      if (!worker->drain(drain_until)) ++undrained;
    });
  }
  for (auto& thread : threads)
    thread.join();
  drained = undrained == 0;
  gateway.admin("POST", "/admin/jobs/reconcile");
  // A delivery that failed is retried 30 s later (then 2 min): wait for the outbox to empty.
  const std::string database = dir.file("data/portico.db");
  for (int i = 0; i < 1800; ++i) {
    if (query(database,
              "SELECT count(*) FROM webhook_deliveries WHERE next_attempt_at IS NOT "
              "NULL OR claimed_at IS NOT NULL")[0][0] == "0") {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }

  std::vector<Write> writes;
  for (const auto& worker : workers)
    writes.insert(writes.end(), worker->writes().begin(), worker->writes().end());
  const auto checks = check_invariants(database, suppliers, receiver, writes, tally);
  gateway.stop();

  int total = 0;
  for (const auto& [operation, count] : tally.requests)
    total += count;
  const double seconds = std::chrono::duration<double>(ran).count();
  std::printf("\nrequests: %d in %.0f s (%.1f/s), %zu writes by key, gateway killed %d times\n",
              total, seconds, total / seconds, writes.size(), tally.kills);
  std::printf("\nby operation:\n");
  for (const auto& [operation, count] : tally.requests)
    std::printf("  %-20s %7d\n", operation.c_str(), count);
  std::printf("\nanswers by status and code:\n");
  for (const auto& [answer, count] : tally.answers)
    std::printf("  %-45s %7d\n", answer.c_str(), count);
  std::printf("\nfaults injected:\n");
  for (const auto& [fault, count] : tally.faults)
    std::printf("  %-45s %7d\n", fault.c_str(), count);
  std::printf("\ninvariants:\n");
  bool passed = drained;
  std::printf("  %s  every write settled once the faults stopped\n", drained ? "PASS" : "FAIL");
  for (const auto& write : writes) {
    if (!write.settled) {
      std::printf("        unsettled: %s %s key %s: %s\n", write.operation.c_str(),
                  write.target.c_str(), write.key.c_str(), write.last_answer.c_str());
    }
  }
  for (const auto& check : checks) {
    std::printf("  %s  %s (%s)\n", check.passed ? "PASS" : "FAIL", check.name.c_str(),
                check.detail.c_str());
    passed = passed && check.passed;
  }
  if (!passed) {
    // What the failure can be studied from: the database and the gateway's log.
    const std::filesystem::path kept =
        std::filesystem::temp_directory_path() / ("portico-soak-" + std::to_string(options.seed));
    std::filesystem::remove_all(kept);
    std::filesystem::create_directories(kept);
    for (const char* name : {"data/portico.db", "portico.log"})
      std::filesystem::copy(dir.file(name), kept / std::filesystem::path(name).filename());
    std::printf("\nkept for study: %s\n", kept.c_str());
  }
  std::printf("\n%s\n", passed ? "soak: PASS" : "soak: FAIL");
  return passed ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return soak(parse_options(argc, argv));
  } catch (const std::exception& error) {
    std::cerr << "soak: " << error.what() << "\n";
    return 2;
  }
}
