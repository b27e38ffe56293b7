#include "simulator.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "portico/core/crypto.hpp"
#include "portico/core/domain_name.hpp"
#include "portico/core/json.hpp"
#include "portico/core/pki.hpp"
#include "portico/core/text.hpp"

namespace portico::sim::sslci {

namespace {

using core::text::lowercase;
using core::text::trim;

// Let's Encrypt reuses a valid authorization for 30 days; SSLCI promises 29.
constexpr auto kVerificationLifetime = std::chrono::days(29);
// Let's Encrypt's lifetime of a pending authorization.
constexpr auto kPendingLifetime = std::chrono::days(7);
constexpr auto kCertificateLifetime = std::chrono::days(90);
// Let's Encrypt's limit of names per certificate.
constexpr std::size_t kMaxDomains = 100;

// ---- answers ------------------------------------------------------------------------------

// Builds one JSON body.
class JsonBody {
 public:
  core::json::Writer& out() { return out_; }
  SimResponse response(int status = 200) const {
    SimResponse response;
    response.status = status;
    response.body.assign(buffer_.GetString(), buffer_.GetSize());
    return response;
  }

 private:
  rapidjson::StringBuffer buffer_;
  core::json::Writer out_{buffer_};
};

// ---- text helpers -------------------------------------------------------------------------

// "YYYY-MM-DD HH:MM:SS" in UTC, as finalize's details print times.
std::string utc_text(core::TimePoint at) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(at);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{seconds - day};
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%04d-%02u-%02u %02d:%02d:%02d",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()));
  return text.data();
}

std::string join(const std::vector<std::string>& parts, std::string_view prefix,
                 std::string_view separator) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += separator;
    out += prefix;
    out += part;
  }
  return out;
}

// A name as a request gives it, lowercase ASCII with "*." allowed in front; nullopt when it
// is not a domain name.
std::optional<std::string> normalize_name(std::string_view text) {
  text = trim(text);
  const bool wildcard = text.starts_with("*.");
  const auto base = core::normalize_domain_name(wildcard ? text.substr(2) : text, "domain");
  if (!base) return std::nullopt;
  return (wildcard ? "*." : "") + *base;
}

std::string_view base_domain(std::string_view domain) {
  return domain.starts_with("*.") ? domain.substr(2) : domain;
}

// The dns-01 TXT value of a key authorization (RFC 8555 section 8.4).
std::string dns_value(std::string_view key_authorization) {
  return core::crypto::base64url(core::crypto::sha256(key_authorization));
}

// ---- requests -----------------------------------------------------------------------------

// One request's failure: the HTTP status and the text.
struct Failure {
  int status = 400;
  std::string message;
};

// An optional member of the body; JSON null counts as absent, as PHP's isset() sees it.
const rapidjson::Value* member(const rapidjson::Value& body, const char* name) {
  const auto found = body.FindMember(name);
  if (found == body.MemberEnd() || found->value.IsNull()) return nullptr;
  return &found->value;
}

struct Order {
  std::int64_t id = 0;
  std::size_t account = 0;
  std::string domain;
  std::string method;
  std::string token;
  std::string key_authorization;
  core::TimePoint created_at;
  std::optional<core::TimePoint> verified_at;
  bool finalized = false;
  bool deleted = false;

  std::string url() const { return "http://" + domain + "/.well-known/acme-challenge/" + token; }
  std::string record_name() const { return "_acme-challenge." + std::string(base_domain(domain)); }
};

}  // namespace

struct Simulator::State {
  explicit State(SimulatorOptions from)
      : options(std::move(from)), last_order_id(options.id_offset), last_crt_id(options.id_offset) {
    if (options.world == nullptr) throw std::invalid_argument("sslci sim: a DcvWorld is required");
    if (options.tokens.empty()) throw std::invalid_argument("sslci sim: no account tokens");
    if (options.ca == nullptr) own_ca = IssuingCa::generate("Portico Simulated SSLCI");
    // Any fixed 43-character base64url text stands for an ACME account key's thumbprint.
    for (std::size_t i = 0; i < options.tokens.size(); ++i) {
      thumbprints.push_back(
          core::crypto::base64url(core::crypto::sha256("sslci-sim-account-" + std::to_string(i))));
    }
  }

  SimulatorOptions options;
  core::SystemClock system_clock;
  core::SecureRandom secure_random;
  std::optional<IssuingCa> own_ca;
  std::vector<std::string> thumbprints;  // by account

  mutable std::mutex mutex;
  std::map<std::int64_t, Order> orders;
  std::map<std::int64_t, CertificateRecord> certificates;
  std::int64_t last_order_id = 0;
  std::int64_t last_crt_id = 0;

  // ---- plumbing ---------------------------------------------------------------------------

  // Whole seconds: certificates and Unix times carry no more.
  core::TimePoint now() const {
    const core::TimePoint at = options.clock != nullptr ? options.clock->now() : system_clock.now();
    return std::chrono::floor<std::chrono::seconds>(at);
  }
  core::Random& random() { return options.random != nullptr ? *options.random : secure_random; }
  const IssuingCa& ca() const { return options.ca != nullptr ? *options.ca : *own_ca; }

  SimResponse failure(const Failure& failure) const {
    JsonBody body;
    body.out().StartObject();
    core::json::write(body.out(), "status", false);
    core::json::write(body.out(), options.error_key, failure.message);
    body.out().EndObject();
    return body.response(failure.status);
  }

  std::string status_of(const Order& order, core::TimePoint at) const {
    if (order.deleted) return "deleted";
    if (order.verified_at)
      return at < *order.verified_at + kVerificationLifetime ? "verified" : "expired";
    return at < order.created_at + kPendingLifetime ? "pending" : "expired";
  }

  // ---- authentication ---------------------------------------------------------------------

  // The token from the first place that has one: Bearer header, JSON body, query.
  static std::optional<std::string> token_of(const SimRequest& request,
                                             const rapidjson::Document* body) {
    if (const auto header = request.header("Authorization")) {
      const std::string_view value = trim(*header);
      if (value.size() >= 7 && lowercase(value.substr(0, 7)) == "bearer ") {
        return std::string(trim(value.substr(7)));
      }
    }
    if (body != nullptr && body->IsObject()) {
      if (const rapidjson::Value* token = member(*body, "token")) {
        // A token that is not a string is present and wrong.
        return token->IsString() ? std::string(token->GetString(), token->GetStringLength())
                                 : std::string();
      }
    }
    const auto query = parse_form(request.query);
    if (const auto found = query.find("token"); found != query.end()) return found->second;
    return std::nullopt;
  }

  std::optional<std::size_t> account_of(const std::string& token) const {
    if (token.empty()) return std::nullopt;
    for (std::size_t i = 0; i < options.tokens.size(); ++i) {
      if (core::crypto::constant_time_equal(token, options.tokens[i])) return i;
    }
    return std::nullopt;
  }

  // ---- dispatch ---------------------------------------------------------------------------

  SimResponse serve(const SimRequest& request) {
    std::lock_guard lock(mutex);
    // A body that is not JSON holds no token; it is refused below when the operation reads it.
    std::optional<rapidjson::Document> body;
    bool body_malformed = false;
    if (!trim(request.body).empty()) {
      auto parsed = core::json::parse(request.body);
      if (parsed) {
        body = std::move(parsed).value();
      } else {
        body_malformed = true;
      }
    }

    const std::optional<std::string> token = token_of(request, body ? &*body : nullptr);
    if (!token) return failure({401, "Missing API token"});
    const std::optional<std::size_t> account = account_of(*token);
    if (!account) return failure({401, "Invalid API token"});

    if (request.method == "GET") return list(*account);
    if (request.method != "POST" && request.method != "PUT" && request.method != "DELETE") {
      SimResponse answer = failure({405, "Method not allowed"});
      answer.headers.push_back({"Allow", "GET, POST, PUT, DELETE"});
      return answer;
    }
    if (body_malformed || (body && !body->IsObject())) {
      return failure({400, "Invalid JSON body"});
    }
    rapidjson::Document empty;
    empty.SetObject();
    const rapidjson::Value& fields = body ? *body : empty;

    std::optional<Failure> refused;
    SimResponse answer;
    if (request.method == "POST") {
      const rapidjson::Value* action = member(fields, "action");
      if (action == nullptr) {
        answer = challenge(*account, fields, refused);
      } else if (action->IsString() && std::string_view(action->GetString()) == "finalize") {
        answer = finalize(*account, fields, refused);
      } else {
        refused = Failure{400, "Unknown action"};
      }
    } else if (request.method == "PUT") {
      answer = confirm(*account, fields, refused);
    } else {
      answer = remove(*account, fields, refused);
    }
    return refused ? failure(*refused) : answer;
  }

  // ---- readers ------------------------------------------------------------------------------

  // The one domain name of a challenge or confirm.
  static std::optional<std::string> read_domain(const rapidjson::Value& fields,
                                                std::optional<Failure>& refused) {
    const rapidjson::Value* value = member(fields, "domain");
    if (value == nullptr) {
      refused = Failure{400, "Missing parameter: domain"};
      return std::nullopt;
    }
    if (value->IsArray()) {
      refused = Failure{400, "Only one domain is accepted"};
      return std::nullopt;
    }
    if (!value->IsString()) {
      refused = Failure{400, "Invalid parameter: domain"};
      return std::nullopt;
    }
    const std::string_view text =
        trim(std::string_view(value->GetString(), value->GetStringLength()));
    if (text.find_first_of(", \t;") != std::string_view::npos) {
      refused = Failure{400, "Only one domain is accepted"};
      return std::nullopt;
    }
    auto name = normalize_name(text);
    if (!name) refused = Failure{400, "Invalid domain name"};
    return name;
  }

  // "http" or "dns" (any case); `fallback` when absent.
  static std::optional<std::string> read_method(const rapidjson::Value& fields,
                                                std::optional<std::string> fallback,
                                                std::optional<Failure>& refused) {
    const rapidjson::Value* value = member(fields, "method");
    if (value == nullptr) return fallback;
    const std::string method =
        value->IsString()
            ? lowercase(trim(std::string_view(value->GetString(), value->GetStringLength())))
            : "";
    if (method != "http" && method != "dns") {
      refused = Failure{400, "Invalid method: use http or dns"};
      return std::nullopt;
    }
    return method;
  }

  // ---- operations ---------------------------------------------------------------------------

  SimResponse list(std::size_t account) const {
    const core::TimePoint at = now();
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::write(out, "status", true);
    core::json::key(out, "certificates");
    out.StartArray();
    for (const auto& [id, certificate] : certificates) {
      if (certificate.account != account || certificate.deleted) continue;
      out.StartObject();
      core::json::write(out, "crt_id", id);
      core::json::write(out, "domains", join(certificate.domains, "", ", "));
      core::json::write(out, "add_time", core::unix_seconds(certificate.add_time));
      core::json::write(out, "end_time", core::unix_seconds(certificate.end_time));
      out.EndObject();
    }
    out.EndArray();
    core::json::key(out, "pending_orders");
    out.StartArray();
    for (const auto& [id, order] : orders) {
      if (order.account != account || order.finalized) continue;
      const std::string status = status_of(order, at);
      if (status != "pending" && status != "verified") continue;
      out.StartObject();
      core::json::write(out, "order_id", id);
      core::json::write(out, "domains", order.domain);
      core::json::write(out, "status", status);
      out.EndObject();
    }
    out.EndArray();
    out.EndObject();
    return body.response();
  }

  SimResponse challenge(std::size_t account, const rapidjson::Value& fields,
                        std::optional<Failure>& refused) {
    const std::optional<std::string> domain = read_domain(fields, refused);
    if (!domain) return {};
    const std::optional<std::string> method = read_method(fields, "http", refused);
    if (!method) return {};
    if (domain->starts_with("*.") && *method != "dns") {
      refused = Failure{400, "Wildcard domains require DNS validation"};
      return {};
    }

    // An ACME token: 128 bits or more of entropy, base64url (RFC 8555 section 8.1).
    std::array<std::uint8_t, 32> bytes{};
    random().fill(bytes);
    Order order;
    order.id = ++last_order_id;
    order.account = account;
    order.domain = *domain;
    order.method = *method;
    order.token = core::crypto::base64url(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    order.key_authorization = order.token + "." + thumbprints[account];
    order.created_at = now();
    const Order& stored = orders.emplace(order.id, std::move(order)).first->second;

    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::write(out, "status", true);
    core::json::write(out, "domain", stored.domain);
    core::json::write(out, "order_id", stored.id);
    core::json::key(out, "verification");
    out.StartObject();
    core::json::write(out, "method", stored.method);
    core::json::write(out, "token", stored.token);
    core::json::write(out, "content", stored.key_authorization);
    core::json::write(out, "file_path", "/.well-known/acme-challenge/" + stored.token);
    core::json::write(out, "url", stored.url());
    if (stored.method == "dns" && options.dns_record_fields) {
      core::json::write(out, "record", stored.record_name());
      core::json::write(out, "type", "TXT");
      core::json::write(out, "value", dns_value(stored.key_authorization));
    }
    out.EndObject();
    out.EndObject();
    return body.response();
  }

  // What the world lacks for `order` to pass, or nullopt when it passes.
  std::optional<std::string> missing_proof(const Order& order) const {
    if (order.method == "http") {
      const std::optional<std::string> file = options.world->file(order.url());
      if (file && trim(*file) == order.key_authorization) return std::nullopt;
      return file ? "the file at " + order.url() + " does not hold the key authorization"
                  : "no file at " + order.url();
    }
    const std::string expected = dns_value(order.key_authorization);
    const std::vector<std::string> values = options.world->records(order.record_name(), "TXT");
    if (std::any_of(values.begin(), values.end(),
                    [&](const std::string& value) { return trim(value) == expected; })) {
      return std::nullopt;
    }
    return "no TXT record at " + order.record_name() + " holds the expected value";
  }

  SimResponse confirm(std::size_t account, const rapidjson::Value& fields,
                      std::optional<Failure>& refused) {
    const std::optional<std::string> domain = read_domain(fields, refused);
    if (!domain) return {};
    const std::optional<std::string> method = read_method(fields, std::nullopt, refused);
    if (refused) return {};
    const rapidjson::Value* order_id = member(fields, "order_id");
    if (order_id != nullptr && !order_id->IsInt64()) {
      refused = Failure{400, "Invalid parameter: order_id"};
      return {};
    }
    const core::TimePoint at = now();

    Order* order = nullptr;
    if (order_id != nullptr) {
      const auto found = orders.find(order_id->GetInt64());
      if (found == orders.end() || found->second.deleted) {
        refused = Failure{400, "Order not found"};
        return {};
      }
      order = &found->second;
      if (order->account != account) {
        refused = Failure{403, "This order does not belong to you"};
        return {};
      }
      if (status_of(*order, at) == "expired") {
        refused = Failure{400, "Order expired"};
        return {};
      }
      if (order->domain != *domain) {
        refused = Failure{400, "The order is for another domain"};
        return {};
      }
      if (method && *method != order->method) {
        refused = Failure{400, "The order uses " + order->method + " validation"};
        return {};
      }
    } else {
      // "Found automatically": the newest open order of the domain.
      for (auto it = orders.rbegin(); it != orders.rend() && order == nullptr; ++it) {
        Order& candidate = it->second;
        const std::string status = status_of(candidate, at);
        if (candidate.account == account && candidate.domain == *domain && !candidate.finalized &&
            (status == "pending" || status == "verified") &&
            (!method || *method == candidate.method)) {
          order = &candidate;
        }
      }
      if (order == nullptr) {
        refused = Failure{400, "Order not found"};
        return {};
      }
    }

    // A valid authorization stays valid; only a pending one is checked.
    if (!order->verified_at) {
      if (const auto missing = missing_proof(*order)) {
        refused = Failure{400, "Verification failed: " + *missing};
        return {};
      }
      order->verified_at = at;
    }

    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::write(out, "status", true);
    core::json::write(out, "domain", order->domain);
    core::json::write(out, "order_id", order->id);
    core::json::write(out, "verified", true);
    out.EndObject();
    return body.response();
  }

  bool verified(std::size_t account, const std::string& domain, core::TimePoint at) const {
    return std::any_of(orders.begin(), orders.end(), [&](const auto& entry) {
      const Order& order = entry.second;
      return order.account == account && order.domain == domain &&
             status_of(order, at) == "verified";
    });
  }

  SimResponse finalize(std::size_t account, const rapidjson::Value& fields,
                       std::optional<Failure>& refused) {
    const rapidjson::Value* list = member(fields, "domains");
    if (list == nullptr) {
      refused = Failure{400, "Missing parameter: domains"};
      return {};
    }
    if (!list->IsArray() || list->Empty()) {
      refused = Failure{400, "domains must be a non-empty array"};
      return {};
    }
    if (list->Size() > kMaxDomains) {
      refused = Failure{400, "Too many domains: at most " + std::to_string(kMaxDomains)};
      return {};
    }
    std::vector<std::string> names;
    for (const rapidjson::Value& entry : list->GetArray()) {
      std::optional<std::string> name;
      if (entry.IsString()) name = normalize_name({entry.GetString(), entry.GetStringLength()});
      if (!name) {
        refused = Failure{400, "Invalid domain name in domains"};
        return {};
      }
      if (std::find(names.begin(), names.end(), *name) != names.end()) {
        refused = Failure{400, "Duplicate domain: " + *name};
        return {};
      }
      names.push_back(std::move(*name));
    }
    const core::TimePoint at = now();
    for (const std::string& name : names) {
      if (!verified(account, name, at)) {
        refused = Failure{400, "Domain not verified: " + name};
        return {};
      }
    }

    auto key_and_csr = core::pki::generate_key_and_csr(names, core::pki::KeyType::ec_p256);
    if (!key_and_csr) {
      refused = Failure{500, "Internal server error"};
      return {};
    }
    std::array<std::uint8_t, 8> serial_bytes{};
    random().fill(serial_bytes);
    std::uint64_t serial = 0;
    for (const std::uint8_t byte : serial_bytes)
      serial = (serial << 8U) | byte;
    // Positive and non-zero, as RFC 5280 asks.
    serial = (serial >> 1U) | 1U;
    const core::TimePoint end = at + kCertificateLifetime;
    auto issued = ca().issue(key_and_csr->csr_pem, names, at, end, serial);
    if (!issued) {
      refused = Failure{500, "Internal server error"};
      return {};
    }

    CertificateRecord record;
    record.crt_id = ++last_crt_id;
    record.account = account;
    record.domains = names;
    record.add_time = at;
    record.end_time = end;
    record.crt_pem = issued->leaf_pem;
    const std::int64_t crt_id = record.crt_id;
    certificates.emplace(crt_id, std::move(record));
    // The authorizations used leave the pending list; they stay usable until they expire.
    for (auto& [id, order] : orders) {
      if (order.account == account && status_of(order, at) == "verified" &&
          std::find(names.begin(), names.end(), order.domain) != names.end()) {
        order.finalized = true;
      }
    }

    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::write(out, "status", true);
    if (options.finalize_includes_crt_id) core::json::write(out, "crt_id", crt_id);
    core::json::write(out, "key", key_and_csr->private_key_pem);
    core::json::write(out, "csr", key_and_csr->csr_pem);
    core::json::write(out, "crt", issued->leaf_pem);
    if (options.ca_as_array) {
      core::json::key(out, "ca");
      out.StartArray();
      core::json::string(out, issued->intermediate_pem);
      core::json::string(out, issued->root_pem);
      out.EndArray();
    } else {
      core::json::write(out, "ca", issued->intermediate_pem + issued->root_pem);
    }
    core::json::key(out, "details");
    out.StartObject();
    core::json::key(out, "subject");
    out.StartObject();
    core::json::write(out, "CN", names.front());
    out.EndObject();
    core::json::write(out, "valid_from", utc_text(at));
    core::json::write(out, "valid_to", utc_text(end));
    core::json::write(out, "san", join(names, "DNS:", ", "));
    out.EndObject();
    out.EndObject();
    return body.response();
  }

  SimResponse remove(std::size_t account, const rapidjson::Value& fields,
                     std::optional<Failure>& refused) {
    const rapidjson::Value* type = member(fields, "type");
    if (type == nullptr) {
      refused = Failure{400, "Missing parameter: type"};
      return {};
    }
    const std::string kind =
        type->IsString() ? lowercase(std::string_view(type->GetString(), type->GetStringLength()))
                         : "";
    if (kind != "order" && kind != "ssl") {
      refused = Failure{400, "Invalid type: use ssl or order"};
      return {};
    }
    const rapidjson::Value* id = member(fields, "id");
    if (id == nullptr) {
      refused = Failure{400, "Missing parameter: id"};
      return {};
    }
    if (!id->IsInt64()) {
      refused = Failure{400, "Invalid parameter: id"};
      return {};
    }

    if (kind == "order") {
      const auto found = orders.find(id->GetInt64());
      if (found == orders.end() || found->second.deleted) {
        refused = Failure{400, "Record not found"};
        return {};
      }
      if (found->second.account != account) {
        refused = Failure{403, "This record does not belong to you"};
        return {};
      }
      if (found->second.finalized || status_of(found->second, now()) == "expired") {
        refused = Failure{400, "Record not found"};
        return {};
      }
      found->second.deleted = true;
    } else {
      const auto found = certificates.find(id->GetInt64());
      if (found == certificates.end() || found->second.deleted) {
        refused = Failure{400, "Record not found"};
        return {};
      }
      if (found->second.account != account) {
        refused = Failure{403, "This record does not belong to you"};
        return {};
      }
      found->second.deleted = true;
    }

    JsonBody body;
    body.out().StartObject();
    core::json::write(body.out(), "status", true);
    core::json::write(body.out(), "message", "Deleted");
    body.out().EndObject();
    return body.response();
  }
};

Simulator::Simulator(SimulatorOptions options)
    : state_(std::make_shared<State>(std::move(options))) {}

Simulator::~Simulator() = default;

void Simulator::install(Server& server, std::string path) {
  server.route("*", path,
               [state = state_](const SimRequest& request) { return state->serve(request); });
}

std::size_t Simulator::orders_created() const {
  std::lock_guard lock(state_->mutex);
  return state_->orders.size();
}

std::size_t Simulator::certificates_issued() const {
  std::lock_guard lock(state_->mutex);
  return state_->certificates.size();
}

std::vector<CertificateRecord> Simulator::certificates() const {
  std::lock_guard lock(state_->mutex);
  std::vector<CertificateRecord> out;
  for (const auto& [id, certificate] : state_->certificates)
    out.push_back(certificate);
  return out;
}

std::optional<OrderRecord> Simulator::order(std::int64_t order_id) const {
  std::lock_guard lock(state_->mutex);
  const auto found = state_->orders.find(order_id);
  if (found == state_->orders.end()) return std::nullopt;
  const Order& order = found->second;
  OrderRecord record;
  record.order_id = order.id;
  record.account = order.account;
  record.domain = order.domain;
  record.method = order.method;
  record.status = state_->status_of(order, state_->now());
  record.finalized = order.finalized;
  record.token = order.token;
  record.key_authorization = order.key_authorization;
  record.created_at = order.created_at;
  record.verified_at = order.verified_at;
  return record;
}

const IssuingCa& Simulator::ca() const {
  return state_->ca();
}

}  // namespace portico::sim::sslci
