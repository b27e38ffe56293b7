#include "simulator.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <utility>

#include "portico/core/crypto.hpp"
#include "portico/core/json.hpp"
#include "portico/core/pki.hpp"
#include "portico/core/text.hpp"

namespace portico::sim::digicert {

namespace {

using core::text::lowercase;
using core::text::trim;

using core::TimePoint;
using std::chrono::days;

// How long a DCV random value serves, and how long a validated domain is reused.
constexpr days kRandomValueLifetime{30};
constexpr days kDomainValidationReuse{397};
constexpr int kMaxValidityDays = 199;
// The most orders one page of the list holds [D].
constexpr std::int64_t kMaxListLimit = 1000;

constexpr std::string_view kPemContentType = "application/x-pem-file";

// ---- products -----------------------------------------------------------------------------

struct Product {
  std::string_view name_id;
  std::string_view name;
  std::string_view validation_type;  // dv, ov, ev
  bool wildcard;                     // whether names may start with "*."
};

// The contract's table: the products the adapter routes to, and nothing else. [I] Wildcard
// names only in the wildcard products, so a routing mistake is refused as DigiCert's product
// rules would.
constexpr std::array<Product, 7> kProducts = {{
    {"ssl_dv_geotrust", "GeoTrust Standard DV", "dv", false},
    {"wildcard_dv_geotrust", "GeoTrust Wildcard DV", "dv", true},
    {"ssl_basic", "Basic OV", "ov", false},
    {"ssl_multi_domain", "Multi-Domain SSL", "ov", false},
    {"ssl_wildcard", "Wildcard SSL", "ov", true},
    {"ssl_ev_basic", "Basic EV", "ev", false},
    {"ssl_ev_multi_domain", "EV Multi-Domain SSL", "ev", false},
}};

const Product* find_product(std::string_view name_id) {
  for (const Product& product : kProducts) {
    if (product.name_id == name_id) return &product;
  }
  return nullptr;
}

// ---- text helpers -------------------------------------------------------------------------

// DigiCert writes times as ISO 8601 with an explicit offset: 2026-11-22T10:00:00+00:00.
std::string iso_time(TimePoint at) {
  std::string text = core::format_rfc3339(at);
  text.pop_back();  // the "Z"
  return text + "+00:00";
}

// And certificate dates as yyyy-MM-dd.
std::string date_text(TimePoint at) {
  return core::format_rfc3339(at).substr(0, 10);
}

std::optional<std::int64_t> positive_id(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (failure != std::errc() || end != text.data() + text.size() || value <= 0) {
    return std::nullopt;
  }
  return value;
}

bool is_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
  });
}

// A lowercase host name of two labels or more, optionally "*." in front.
bool is_dns_name(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.size() > 253 || name.find('.') == std::string_view::npos) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    if (!is_label(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_wildcard(std::string_view name) {
  return name.starts_with("*.");
}

// The domain DCV proves for a name: the name without a leading "*.".
std::string domain_of(std::string_view name) {
  return std::string(is_wildcard(name) ? name.substr(2) : name);
}

std::string with_crlf(std::string_view pem) {
  std::string out;
  out.reserve(pem.size() + pem.size() / 64 + 8);
  for (std::size_t i = 0; i < pem.size(); ++i) {
    if (pem[i] == '\n' && (i == 0 || pem[i - 1] != '\r')) out += '\r';
    out += pem[i];
  }
  return out;
}

// ---- JSON ---------------------------------------------------------------------------------

class JsonBody {
 public:
  core::json::Writer& out() { return out_; }
  SimResponse response(int status) const {
    SimResponse response;
    response.status = status;
    response.body.assign(buffer_.GetString(), buffer_.GetSize());
    return response;
  }

 private:
  rapidjson::StringBuffer buffer_;
  core::json::Writer out_{buffer_};
};

SimResponse no_content() {
  SimResponse response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  const auto found = object.FindMember(name);
  return found == object.MemberEnd() ? nullptr : &found->value;
}

std::optional<std::string> string_member(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* value = member(object, name);
  if (value == nullptr || !value->IsString()) return std::nullopt;
  return std::string(value->GetString(), value->GetStringLength());
}

bool true_member(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* value = member(object, name);
  return value != nullptr && value->IsBool() && value->GetBool();
}

// ---- state --------------------------------------------------------------------------------

struct Organization {
  std::int64_t id = 0;
  std::string name;
  std::string assumed_name;
  std::string address;
  std::string address2;
  std::string city;
  std::string state;
  std::string zip;
  std::string country;
  std::string telephone;
  std::string contact_first_name;
  std::string contact_last_name;
  std::string contact_email;
  std::string contact_telephone;
  std::string contact_job_title;
  bool validated = false;  // for OV and EV
};

struct CertificateRecord {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  std::string common_name;
  std::vector<std::string> names;  // CN first
  std::string csr;
  std::string signature_hash = "sha256";
  std::int64_t server_platform = -1;
  TimePoint created{};
  bool issued = false;
  bool revoked = false;
  TimePoint not_before{};
  TimePoint not_after{};
  std::string serial_hex;
  IssuingCa::Issued pem;
};

struct OrderRequest {
  std::int64_t id = 0;
  TimePoint date{};
  std::string type;  // new_request, reissue, revoke
  std::string status;
  std::string comments;
};

struct Order {
  std::int64_t id = 0;
  const Product* product = nullptr;
  std::string status;
  std::string status_override;
  TimePoint created{};
  std::int64_t organization_id = 0;
  std::string dcv_method;
  int validity_days = kMaxValidityDays;
  std::int64_t renewal_of_order_id = 0;
  bool skip_approval = false;
  std::string comments;
  std::string payment_method = "balance";
  std::string random_value;
  TimePoint random_value_expires{};
  std::int64_t certificate_id = 0;
  std::vector<std::int64_t> certificate_ids;
  std::vector<OrderRequest> requests;
  // The end of the order's term, fixed at its first issuance: reissues end there too.
  std::optional<TimePoint> valid_till;
  std::string cancel_note;
};

// What an order or reissue body asks for, once read and checked.
struct CertificateAsk {
  std::string common_name;
  std::vector<std::string> names;
  std::string csr;
  std::string signature_hash = "sha256";
  std::int64_t server_platform = -1;
};

// A rejection on its way to the wire.
struct Refusal {
  int status;
  std::string code;
  std::string message;
};

}  // namespace

struct Simulator::State {
  using Action = SimResponse (State::*)(const SimRequest&);
  struct Route {
    std::string_view pattern;  // under the base path
    Action get;
    Action post;
    Action put;
  };

  explicit State(SimulatorOptions from) : options(std::move(from)) {
    if (options.world == nullptr) {
      throw std::invalid_argument("digicert simulator: SimulatorOptions::world is required");
    }
    if (options.random == nullptr) {
      owned_random = std::make_unique<core::SecureRandom>();
      options.random = owned_random.get();
    }
    if (options.ca == nullptr) {
      owned_ca = IssuingCa::generate("Portico Simulated DigiCert");
      options.ca = &*owned_ca;
    }
    intermediate_name = subject_of(options.ca->intermediate_pem());
    root_name = subject_of(options.ca->root_pem());
    for (const std::int64_t id : options.validated_organizations) {
      add_fixture_organization(id).validated = true;
    }
    next_order_id += options.id_offset;
    next_certificate_id += options.id_offset;
    next_request_id += options.id_offset;
  }

  static const std::vector<Route>& routes();

  SimulatorOptions options;
  core::SystemClock system_clock;
  std::unique_ptr<core::Random> owned_random;
  std::optional<IssuingCa> owned_ca;
  std::string intermediate_name;
  std::string root_name;

  mutable std::mutex mutex;
  std::deque<TimePoint> admitted;  // when each counted request came, oldest first
  std::map<std::int64_t, Order> orders;
  std::map<std::int64_t, CertificateRecord> certificates;
  std::map<std::int64_t, Organization> organizations;
  // Validated in the account: domains (their subdomains too) and, by http-token, exact hosts.
  std::map<std::string, TimePoint> validated_domains;
  std::map<std::string, TimePoint> validated_hosts;
  std::set<std::string> email_approvals;
  std::size_t created_orders = 0;
  std::int64_t next_order_id = 10000001;
  std::int64_t next_certificate_id = 20000001;
  std::int64_t next_request_id = 30000001;
  std::int64_t next_organization_id = 400001;

  // ---- plumbing ---------------------------------------------------------------------------

  TimePoint now() const {
    return options.clock != nullptr ? options.clock->now() : system_clock.now();
  }

  static std::string subject_of(const std::string& pem) {
    const auto info = core::pki::parse_certificate(pem);
    return info ? info->subject_common_name : std::string();
  }

  Organization& add_fixture_organization(std::int64_t id) {
    Organization& organization = organizations[id];
    if (organization.id == 0) {
      organization.id = id;
      organization.name = "Simulated Organization " + std::to_string(id);
      organization.address = "2801 N Thanksgiving Way";
      organization.city = "Lehi";
      organization.state = "Utah";
      organization.zip = "84043";
      organization.country = "us";
      organization.telephone = "801-701-9600";
      organization.contact_first_name = "Sim";
      organization.contact_last_name = "Administrator";
      organization.contact_email = "admin@example.com";
      organization.contact_telephone = "801-701-9600";
    }
    next_organization_id = std::max(next_organization_id, id + 1);
    return organization;
  }

  SimResponse error(int status, std::string_view code, std::string_view message) const {
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::key(out, "errors");
    if (!options.errors_as_object) out.StartArray();
    out.StartObject();
    core::json::write(out, "code", code);
    core::json::write(out, "message", message);
    out.EndObject();
    if (!options.errors_as_object) out.EndArray();
    out.EndObject();
    return body.response(status);
  }
  SimResponse error(const Refusal& refusal) const {
    return error(refusal.status, refusal.code, refusal.message);
  }
  SimResponse route_not_found() const {
    return error(404, "not_found|route", "The specified route was not found.");
  }
  SimResponse order_not_found() const {
    return error(404, "not_found|order", "The specified order was not found.");
  }
  SimResponse certificate_not_found() const {
    return error(404, "not_found|certificate", "The specified certificate was not found.");
  }
  SimResponse bad_format() const {
    return error(400, "bad_request_format", "The request body is not valid JSON.");
  }

  bool authenticated(const SimRequest& request) const {
    const std::optional<std::string> key = request.header("X-DC-DEVKEY");
    return key && !key->empty() && core::crypto::constant_time_equal(*key, options.api_key);
  }

  // Both rolling windows; only admitted requests count.
  bool admit() {
    const TimePoint at = now();
    const auto longest = std::max(options.burst_window, options.sustained_window);
    while (!admitted.empty() && admitted.front() <= at - longest)
      admitted.pop_front();
    const auto within = [&](std::chrono::seconds window) {
      return std::count_if(admitted.begin(), admitted.end(),
                           [&](TimePoint when) { return when > at - window; });
    };
    if (within(options.burst_window) >= options.burst_limit ||
        within(options.sustained_window) >= options.sustained_limit) {
      return false;
    }
    admitted.push_back(at);
    return true;
  }

  SimResponse serve(const SimRequest& request, const Route* route) {
    std::lock_guard lock(mutex);
    if (!authenticated(request)) {
      return error(options.auth_failure_status, "invalid_api_key",
                   "The API key is missing or invalid.");
    }
    if (!admit()) {
      return error(429, "request_limit_exceeded",
                   "Service unavailable, please limit request volume");
    }
    if (route == nullptr) return route_not_found();
    Action action = nullptr;
    if (request.method == "GET") action = route->get;
    if (request.method == "POST") action = route->post;
    if (request.method == "PUT") action = route->put;
    if (action == nullptr) return route_not_found();
    return (this->*action)(request);
  }

  // A JSON object body; an empty body reads as {} where `empty_ok`.
  std::optional<rapidjson::Document> object_body(const SimRequest& request, bool empty_ok) const {
    if (empty_ok && trim(request.body).empty()) {
      rapidjson::Document empty;
      empty.SetObject();
      return empty;
    }
    auto parsed = core::json::parse(request.body);
    if (!parsed || !parsed->IsObject()) return std::nullopt;
    return std::move(parsed).value();
  }

  Order* find_order(const SimRequest& request) {
    const auto id = positive_id(request.params.at("id"));
    if (!id) return nullptr;
    const auto found = orders.find(*id);
    return found == orders.end() ? nullptr : &found->second;
  }

  std::string new_random_value() {
    std::array<std::uint8_t, 16> bytes{};
    options.random->fill(bytes);
    return core::crypto::hex(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }

  std::uint64_t new_serial() {
    std::array<std::uint8_t, 8> bytes{};
    options.random->fill(bytes);
    std::uint64_t serial = 0;
    for (const std::uint8_t byte : bytes)
      serial = (serial << 8U) | byte;
    // Positive in DER and never zero.
    return (serial & 0x7fffffffffffffffULL) | 1U;
  }

  // ---- domain control ---------------------------------------------------------------------

  bool fresh(const std::map<std::string, TimePoint>& validated, const std::string& key) const {
    const auto found = validated.find(key);
    return found != validated.end() && now() < found->second + kDomainValidationReuse;
  }

  // Whether the account holds a validation covering `name`: its domain or a parent domain, or
  // (http-token) the exact host.
  bool covered(const std::string& name) const {
    const std::string domain = domain_of(name);
    if (!is_wildcard(name) && fresh(validated_hosts, domain)) return true;
    for (std::size_t at = 0; at != std::string::npos;) {
      if (fresh(validated_domains, domain.substr(at))) return true;
      at = domain.find('.', at);
      if (at != std::string::npos) ++at;
    }
    return false;
  }

  bool email_approved(const std::string& domain) const {
    for (std::size_t at = 0; at != std::string::npos;) {
      if (email_approvals.contains(domain.substr(at))) return true;
      at = domain.find('.', at);
      if (at != std::string::npos) ++at;
    }
    return false;
  }

  // Looks for the order's proof for one name; a pass validates it in the account.
  void check_name(const Order& order, const std::string& name) {
    if (covered(name)) return;
    const std::string domain = domain_of(name);
    const bool token_valid = now() < order.random_value_expires;
    if (order.dcv_method == "dns-txt-token") {
      if (!token_valid) return;
      for (const std::string& owner : {"_dnsauth." + domain, domain}) {
        for (const std::string& value : options.world->records(owner, "TXT")) {
          if (trim(value) == order.random_value) {
            validated_domains[domain] = now();
            return;
          }
        }
      }
    } else if (order.dcv_method == "http-token") {
      if (!token_valid || is_wildcard(name)) return;
      const auto body =
          options.world->file("http://" + name + "/.well-known/pki-validation/fileauth.txt");
      if (body && trim(*body) == order.random_value) validated_hosts[name] = now();
    } else if (order.dcv_method == "email") {
      if (email_approved(domain)) validated_domains[domain] = now();
    }
  }

  const std::vector<std::string>& names_of(const Order& order) const {
    return certificates.at(order.certificate_id).names;
  }

  bool all_covered(const Order& order) const {
    const auto& names = names_of(order);
    return std::all_of(names.begin(), names.end(),
                       [&](const std::string& name) { return covered(name); });
  }

  bool organization_ready(const Order& order) const {
    if (order.product->validation_type == "dv") return true;
    const auto found = organizations.find(order.organization_id);
    return found != organizations.end() && found->second.validated;
  }

  static bool awaiting_issuance(const Order& order) {
    return order.status == "pending" || order.status == "reissue_pending";
  }

  // ---- issuance ---------------------------------------------------------------------------

  core::Status issue(Order& order) {
    CertificateRecord& certificate = certificates.at(order.certificate_id);
    const TimePoint from = now();
    const TimePoint till = order.valid_till && *order.valid_till > from
                               ? *order.valid_till
                               : from + days(order.validity_days);
    const std::uint64_t serial = new_serial();
    auto issued = options.ca->issue(certificate.csr, certificate.names, from, till, serial);
    if (!issued) return issued.error();
    std::array<char, 24> serial_text{};
    std::snprintf(serial_text.data(), serial_text.size(), "%llx",
                  static_cast<unsigned long long>(serial));
    certificate.issued = true;
    certificate.not_before = from;
    certificate.not_after = till;
    certificate.serial_hex = serial_text.data();
    certificate.pem = std::move(issued).value();
    order.status = "issued";
    if (!order.valid_till) order.valid_till = till;
    for (OrderRequest& request : order.requests) {
      if (request.type != "revoke" && request.status == "pending") request.status = "approved";
    }
    return core::Ok{};
  }

  // Issues when nothing is missing any more, after looking for proofs when `check`.
  core::Status advance(Order& order, bool check) {
    if (order.status == "needs_approval" || awaiting_issuance(order)) {
      if (check) {
        for (const std::string& name : names_of(order))
          check_name(order, name);
      }
    }
    if (awaiting_issuance(order) && all_covered(order) && organization_ready(order)) {
      return issue(order);
    }
    return core::Ok{};
  }

  // An issued certificate past its end has expired.
  void refresh_expiry(Order& order) const {
    if (order.status != "issued") return;
    if (now() >= certificates.at(order.certificate_id).not_after) order.status = "expired";
  }

  SimResponse issuance_failed(const core::Error& failure) const {
    return error(500, "internal_error", "The certificate could not be issued: " + failure.message);
  }

  std::string pem_text(std::string_view pem) const {
    return options.crlf_pem ? with_crlf(pem) : std::string(pem);
  }

  // ---- request bodies ---------------------------------------------------------------------

  static Refusal missing(std::string_view field) {
    return {400, "missing_param", std::string(field) + " is required."};
  }
  static Refusal invalid(std::string_view field, std::string_view why) {
    return {400, "invalid_param", std::string(field) + " " + std::string(why)};
  }

  // certificate{common_name, dns_names, csr, signature_hash, server_platform}; `current` fills
  // the names a reissue leaves out.
  std::optional<Refusal> read_certificate(const rapidjson::Value& body, const Product& product,
                                          const CertificateRecord* current,
                                          CertificateAsk& ask) const {
    const rapidjson::Value* certificate = member(body, "certificate");
    if (certificate == nullptr || !certificate->IsObject()) return missing("certificate");
    const auto csr = string_member(*certificate, "csr");
    if (!csr || csr->empty()) return missing("certificate.csr");
    const auto parsed = core::pki::parse_csr(*csr);
    if (!parsed) {
      return Refusal{400, "invalid_csr", "The CSR could not be parsed: " + parsed.error().message};
    }
    ask.csr = *csr;

    const auto common_name = string_member(*certificate, "common_name");
    if (!common_name && current == nullptr) return missing("certificate.common_name");
    ask.common_name = common_name ? lowercase(*common_name) : current->common_name;
    std::vector<std::string> listed;
    if (const rapidjson::Value* names = member(*certificate, "dns_names")) {
      if (!names->IsArray()) return invalid("certificate.dns_names", "must be an array.");
      for (const auto& name : names->GetArray()) {
        if (!name.IsString()) return invalid("certificate.dns_names", "must hold strings.");
        listed.push_back(lowercase(std::string_view(name.GetString(), name.GetStringLength())));
      }
    } else if (current != nullptr && !common_name) {
      listed = current->names;
    }
    ask.names = {ask.common_name};
    for (std::string& name : listed) {
      if (std::find(ask.names.begin(), ask.names.end(), name) == ask.names.end()) {
        ask.names.push_back(std::move(name));
      }
    }
    for (const std::string& name : ask.names) {
      if (!is_dns_name(name)) return invalid("certificate.dns_names", "holds an invalid name.");
      if (is_wildcard(name) && !product.wildcard) {
        return invalid(
            "certificate.dns_names",
            "holds a wildcard, which " + std::string(product.name_id) + " does not allow.");
      }
    }
    if (const auto hash = string_member(*certificate, "signature_hash")) ask.signature_hash = *hash;
    if (const rapidjson::Value* platform = member(*certificate, "server_platform")) {
      const rapidjson::Value* id = member(*platform, "id");
      if (id != nullptr && id->IsInt64()) ask.server_platform = id->GetInt64();
    }
    return std::nullopt;
  }

  // dcv_method, absent: `fallback`.
  static std::optional<Refusal> read_dcv_method(const rapidjson::Value& body,
                                                const std::vector<std::string>& names,
                                                const std::string& fallback, std::string& method) {
    const rapidjson::Value* value = member(body, "dcv_method");
    if (value == nullptr) {
      method = fallback;
    } else if (!value->IsString()) {
      return Refusal{400, "invalid_dcv_method", "dcv_method must be a string."};
    } else {
      method = value->GetString();
    }
    if (method != "email" && method != "dns-txt-token" && method != "http-token") {
      return Refusal{400, "invalid_dcv_method", "Unsupported DCV method: " + method + "."};
    }
    if (method == "http-token" && std::any_of(names.begin(), names.end(),
                                              [](const auto& name) { return is_wildcard(name); })) {
      return Refusal{400, "invalid_dcv_method",
                     "File-based DCV (http-token) cannot validate a wildcard name."};
    }
    return std::nullopt;
  }

  // ---- answers ----------------------------------------------------------------------------

  void write_chain(core::json::Writer& out, const CertificateRecord& certificate) const {
    core::json::key(out, "certificate_chain");
    out.StartArray();
    const std::array<std::pair<const std::string*, const std::string*>, 3> parts = {{
        {&certificate.common_name, &certificate.pem.leaf_pem},
        {&intermediate_name, &certificate.pem.intermediate_pem},
        {&root_name, &certificate.pem.root_pem},
    }};
    for (const auto& [name, pem] : parts) {
      out.StartObject();
      core::json::write(out, "subject_common_name", *name);
      core::json::write(out, "pem", pem_text(*pem));
      out.EndObject();
    }
    out.EndArray();
  }

  void write_requests(core::json::Writer& out, std::int64_t request_id) const {
    core::json::key(out, "requests");
    out.StartArray();
    out.StartObject();
    core::json::write(out, "id", request_id);
    core::json::write(out, "status", "pending");
    out.EndObject();
    out.EndArray();
  }

  void write_user(core::json::Writer& out) const {
    core::json::write(out, "id", std::int64_t{125039});
    core::json::write(out, "first_name", "Sim");
    core::json::write(out, "last_name", "Administrator");
    core::json::write(out, "email", "admin@example.com");
  }

  // id, common_name and dns_names (every name, the common name first) of a certificate block.
  static void write_certificate_names(core::json::Writer& out,
                                      const CertificateRecord& certificate) {
    core::json::write(out, "id", certificate.id);
    core::json::write(out, "common_name", certificate.common_name);
    core::json::key(out, "dns_names");
    out.StartArray();
    for (const std::string& name : certificate.names)
      core::json::string(out, name);
    out.EndArray();
  }

  // "organization":{"id"} of an OV or EV order; nothing for DV (0).
  static void write_organization_id(core::json::Writer& out, std::int64_t id) {
    if (id == 0) return;
    core::json::key(out, "organization");
    out.StartObject();
    core::json::write(out, "id", id);
    out.EndObject();
  }

  static void write_container(core::json::Writer& out) {
    core::json::key(out, "container");
    out.StartObject();
    core::json::write(out, "id", std::int64_t{1});
    core::json::write(out, "name", "Simulated Account");
    out.EndObject();
  }

  static void write_product(core::json::Writer& out, const Product& product) {
    out.StartObject();
    core::json::write(out, "name_id", product.name_id);
    core::json::write(out, "name", product.name);
    core::json::write(out, "type", "ssl_certificate");
    core::json::write(out, "validation_type", product.validation_type);
    out.EndObject();
  }

  static void write_organization(core::json::Writer& out, const Organization& organization) {
    out.StartObject();
    core::json::write(out, "id", organization.id);
    core::json::write(out, "status", organization.validated ? "active" : "pending");
    core::json::write(out, "name", organization.name);
    core::json::write(out, "assumed_name", organization.assumed_name);
    core::json::write(out, "display_name", organization.name);
    core::json::write(out, "is_active", true);
    core::json::write(out, "address", organization.address);
    core::json::write(out, "address2", organization.address2);
    core::json::write(out, "zip", organization.zip);
    core::json::write(out, "city", organization.city);
    core::json::write(out, "state", organization.state);
    core::json::write(out, "country", organization.country);
    core::json::write(out, "telephone", organization.telephone);
    core::json::key(out, "organization_contact");
    out.StartObject();
    core::json::write(out, "first_name", organization.contact_first_name);
    core::json::write(out, "last_name", organization.contact_last_name);
    core::json::write(out, "email", organization.contact_email);
    core::json::write(out, "telephone", organization.contact_telephone);
    core::json::write(out, "job_title", organization.contact_job_title);
    out.EndObject();
    core::json::key(out, "validations");
    out.StartArray();
    if (organization.validated) {
      for (const char* type : {"ov", "ev"}) {
        out.StartObject();
        core::json::write(out, "type", type);
        core::json::write(out, "status", "active");
        out.EndObject();
      }
    }
    out.EndArray();
    out.EndObject();
  }

  // ---- routes: account --------------------------------------------------------------------

  SimResponse user_me(const SimRequest&) {
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    write_user(out);
    core::json::write(out, "username", "sim-admin");
    core::json::write(out, "account_id", std::int64_t{5086723});
    core::json::write(out, "status", "active");
    write_container(out);
    core::json::key(out, "access_roles");
    out.StartArray();
    out.StartObject();
    core::json::write(out, "id", std::int64_t{1});
    core::json::write(out, "name", "Administrator");
    out.EndObject();
    out.EndArray();
    out.EndObject();
    return body.response(200);
  }

  SimResponse products(const SimRequest&) {
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::key(out, "products");
    out.StartArray();
    for (const Product& product : kProducts)
      write_product(out, product);
    out.EndArray();
    out.EndObject();
    return body.response(200);
  }

  SimResponse product(const SimRequest& request) {
    const Product* found = find_product(request.params.at("name_id"));
    if (found == nullptr) return error(404, "not_found|product", "The product was not found.");
    JsonBody body;
    write_product(body.out(), *found);
    return body.response(200);
  }

  SimResponse list_organizations(const SimRequest&) {
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::key(out, "organizations");
    out.StartArray();
    for (const auto& [id, organization] : organizations)
      write_organization(out, organization);
    out.EndArray();
    out.EndObject();
    return body.response(200);
  }

  SimResponse organization(const SimRequest& request) {
    const auto id = positive_id(request.params.at("id"));
    const auto found = id ? organizations.find(*id) : organizations.end();
    if (found == organizations.end()) {
      return error(404, "not_found|organization", "The organization was not found.");
    }
    JsonBody body;
    write_organization(body.out(), found->second);
    return body.response(200);
  }

  SimResponse create_organization(const SimRequest& request) {
    const auto parsed = object_body(request, false);
    if (!parsed) return bad_format();
    const rapidjson::Value& body = *parsed;
    Organization organization;
    const std::array<std::pair<const char*, std::string*>, 5> required = {{
        {"name", &organization.name},
        {"address", &organization.address},
        {"city", &organization.city},
        {"zip", &organization.zip},
        {"country", &organization.country},
    }};
    for (const auto& [field, target] : required) {
      const auto value = string_member(body, field);
      if (!value || trim(*value).empty()) return error(missing(field));
      *target = *value;
    }
    organization.country = lowercase(organization.country);
    if (organization.country.size() != 2 ||
        !std::all_of(organization.country.begin(), organization.country.end(),
                     [](char c) { return c >= 'a' && c <= 'z'; })) {
      return error(invalid("country", "must be a two-letter ISO 3166 code."));
    }
    organization.assumed_name = string_member(body, "assumed_name").value_or("");
    organization.address2 = string_member(body, "address2").value_or("");
    organization.state = string_member(body, "state").value_or("");
    organization.telephone = string_member(body, "telephone").value_or("");
    const rapidjson::Value* contact = member(body, "organization_contact");
    if (contact == nullptr || !contact->IsObject()) return error(missing("organization_contact"));
    const std::array<std::pair<const char*, std::string*>, 4> contact_fields = {{
        {"first_name", &organization.contact_first_name},
        {"last_name", &organization.contact_last_name},
        {"email", &organization.contact_email},
        {"telephone", &organization.contact_telephone},
    }};
    for (const auto& [field, target] : contact_fields) {
      const auto value = string_member(*contact, field);
      if (!value || trim(*value).empty()) {
        return error(missing("organization_contact." + std::string(field)));
      }
      *target = *value;
    }
    organization.contact_job_title = string_member(*contact, "job_title").value_or("");

    // DigiCert answers an organization that matches an existing one with that one's id.
    if (!true_member(body, "skip_duplicate_org_check")) {
      for (const auto& [id, existing] : organizations) {
        if (lowercase(existing.name) == lowercase(organization.name) &&
            existing.country == organization.country &&
            lowercase(existing.city) == lowercase(organization.city) &&
            lowercase(existing.address) == lowercase(organization.address)) {
          return created_id(id);
        }
      }
    }
    organization.id = next_organization_id++;
    const std::int64_t id = organization.id;
    organizations[id] = std::move(organization);
    return created_id(id);
  }

  static SimResponse created_id(std::int64_t id) {
    JsonBody body;
    body.out().StartObject();
    core::json::write(body.out(), "id", id);
    body.out().EndObject();
    return body.response(201);
  }

  // ---- routes: orders ---------------------------------------------------------------------

  SimResponse create_order(const SimRequest& request) {
    const Product* product = find_product(request.params.at("id"));
    if (product == nullptr) {
      return error(404, "not_found|product", "The specified product was not found.");
    }
    const auto parsed = object_body(request, false);
    if (!parsed) return bad_format();
    const rapidjson::Value& body = *parsed;

    CertificateAsk ask;
    if (auto refusal = read_certificate(body, *product, nullptr, ask)) return error(*refusal);
    std::string method;
    if (auto refusal = read_dcv_method(body, ask.names, "email", method)) return error(*refusal);

    int validity = kMaxValidityDays;
    if (const rapidjson::Value* order_validity = member(body, "order_validity")) {
      const rapidjson::Value* days_value = member(*order_validity, "days");
      if (days_value == nullptr || !days_value->IsInt64() || days_value->GetInt64() < 1 ||
          days_value->GetInt64() > kMaxValidityDays) {
        return error(400, "invalid_validity",
                     "order_validity.days must be from 1 to " + std::to_string(kMaxValidityDays) +
                         " for public TLS certificates.");
      }
      validity = static_cast<int>(days_value->GetInt64());
    }

    std::int64_t organization_id = 0;
    if (const rapidjson::Value* organization = member(body, "organization")) {
      const rapidjson::Value* id = member(*organization, "id");
      if (id == nullptr || !id->IsInt64()) return error(missing("organization.id"));
      organization_id = id->GetInt64();
      if (!organizations.contains(organization_id)) {
        return error(invalid("organization.id", "is not an organization of this account."));
      }
    } else if (product->validation_type != "dv") {
      return error(missing("organization"));
    }

    Order order;
    order.id = next_order_id++;
    order.product = product;
    order.created = now();
    order.organization_id = organization_id;
    order.dcv_method = method;
    order.validity_days = validity;
    order.skip_approval = true_member(body, "skip_approval");
    order.status = order.skip_approval ? "pending" : "needs_approval";
    if (const rapidjson::Value* renewal = member(body, "renewal_of_order_id");
        renewal != nullptr && renewal->IsInt64()) {
      order.renewal_of_order_id = renewal->GetInt64();
    }
    order.comments = string_member(body, "comments").value_or("");
    order.payment_method = string_member(body, "payment_method").value_or("balance");
    order.random_value = new_random_value();
    order.random_value_expires = order.created + kRandomValueLifetime;
    order.requests.push_back({next_request_id++, order.created, "new_request",
                              order.skip_approval ? "approved" : "pending", order.comments});

    CertificateRecord certificate;
    certificate.id = next_certificate_id++;
    certificate.order_id = order.id;
    certificate.common_name = ask.common_name;
    certificate.names = std::move(ask.names);
    certificate.csr = std::move(ask.csr);
    certificate.signature_hash = ask.signature_hash;
    certificate.server_platform = ask.server_platform;
    certificate.created = order.created;
    order.certificate_id = certificate.id;
    order.certificate_ids.push_back(certificate.id);
    certificates[certificate.id] = std::move(certificate);
    const std::int64_t order_id = order.id;
    Order& stored = orders[order_id] = std::move(order);
    ++created_orders;

    // Immediate issuance: nothing left to validate.
    if (const core::Status done = advance(stored, false); !done) {
      return issuance_failed(done.error());
    }
    JsonBody answer;
    auto& out = answer.out();
    out.StartObject();
    core::json::write(out, "id", stored.id);
    if (stored.status == "issued") {
      core::json::write(out, "certificate_id", stored.certificate_id);
      write_chain(out, certificates.at(stored.certificate_id));
    } else {
      write_requests(out, stored.requests.front().id);
      if (stored.dcv_method != "email") {
        core::json::write(out, "dcv_random_value", stored.random_value);
      }
    }
    out.EndObject();
    return answer.response(201);
  }

  SimResponse get_order(const SimRequest& request) {
    Order* order = find_order(request);
    if (order == nullptr) return order_not_found();
    if (const core::Status done = advance(*order, options.check_dcv_on_read); !done) {
      return issuance_failed(done.error());
    }
    refresh_expiry(*order);
    const CertificateRecord& certificate = certificates.at(order->certificate_id);

    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::write(out, "id", order->id);
    core::json::write(out, "status", reported_status(*order));
    core::json::write(out, "date_created", iso_time(order->created));
    core::json::write(out, "is_renewal", order->renewal_of_order_id != 0);
    if (order->renewal_of_order_id != 0) {
      core::json::write(out, "renewal_of_order_id", order->renewal_of_order_id);
    }
    core::json::key(out, "certificate");
    out.StartObject();
    write_certificate_names(out, certificate);
    core::json::write(out, "date_created", iso_time(certificate.created));
    core::json::write(out, "csr", certificate.csr);
    core::json::write(out, "signature_hash", certificate.signature_hash);
    core::json::key(out, "server_platform");
    out.StartObject();
    core::json::write(out, "id", certificate.server_platform);
    out.EndObject();
    if (certificate.issued) {
      core::json::write(out, "valid_from", date_text(certificate.not_before));
      core::json::write(out, "valid_till", date_text(certificate.not_after));
      core::json::write(out, "serial_number", certificate.serial_hex);
    }
    out.EndObject();
    write_organization_id(out, order->organization_id);
    core::json::key(out, "product");
    write_product(out, *order->product);
    core::json::write(out, "dcv_method", order->dcv_method);
    core::json::write(out, "payment_method", order->payment_method);
    core::json::key(out, "requests");
    out.StartArray();
    for (const OrderRequest& item : order->requests) {
      out.StartObject();
      core::json::write(out, "id", item.id);
      core::json::write(out, "date", iso_time(item.date));
      core::json::write(out, "type", item.type);
      core::json::write(out, "status", item.status);
      core::json::write(out, "comments", item.comments);
      out.EndObject();
    }
    out.EndArray();
    out.EndObject();
    return body.response(200);
  }

  // GET order/certificate: the account's orders, filtered, sorted and cut into a page.
  SimResponse list_orders(const SimRequest& request) {
    const auto query = parse_form(request.query);
    const auto number = [&query](const char* name, std::int64_t fallback,
                                 std::int64_t least) -> std::optional<std::int64_t> {
      const auto found = query.find(name);
      if (found == query.end()) return fallback;
      std::int64_t value = 0;
      const std::string& text = found->second;
      const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (failure != std::errc() || end != text.data() + text.size() || value < least) {
        return std::nullopt;
      }
      return value;
    };
    const auto offset = number("offset", 0, 0);
    if (!offset) return error(invalid("offset", "must be a whole number, 0 or more."));
    auto limit = number("limit", kMaxListLimit, 1);
    if (!limit) return error(invalid("limit", "must be a whole number, 1 or more."));
    // [I] More than the documented maximum is served as the maximum; page.limit says so.
    limit = std::min(*limit, kMaxListLimit);
    const auto filter = [&query](const char* name) -> std::optional<std::string> {
      const auto found = query.find(std::string("filters[") + name + "]");
      if (found == query.end()) return std::nullopt;
      return found->second;
    };
    const auto common_name = filter("common_name");
    const auto status = filter("status");
    const auto product_name_id = filter("product_name_id");

    std::vector<const Order*> rows;
    for (auto& [id, order] : orders) {
      // As fresh as a read of the order would show it.
      if (const core::Status done = advance(order, options.check_dcv_on_read); !done) {
        return issuance_failed(done.error());
      }
      refresh_expiry(order);
      if (common_name && !like(*common_name, certificates.at(order.certificate_id).common_name)) {
        continue;
      }
      if (status && lowercase(*status) != lowercase(reported_status(order))) continue;
      if (product_name_id && *product_name_id != order.product->name_id) continue;
      rows.push_back(&order);
    }
    sort_rows(rows, query.contains("sort") ? query.at("sort") : std::string());

    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::key(out, "orders");
    out.StartArray();
    const auto total = static_cast<std::int64_t>(rows.size());
    for (std::int64_t i = *offset; i < std::min(total, *offset + *limit); ++i)
      write_order_row(out, *rows[static_cast<std::size_t>(i)]);
    out.EndArray();
    core::json::key(out, "page");
    out.StartObject();
    core::json::write(out, "total", total);
    core::json::write(out, "limit", *limit);
    core::json::write(out, "offset", *offset);
    out.EndObject();
    out.EndObject();
    return body.response(200);
  }

  static std::string reported_status(const Order& order) {
    return order.status_override.empty() ? order.status : order.status_override;
  }

  // A filter value as SQL's LIKE reads it, case-insensitively: "%" matches any run of
  // characters ("%example.com" in DigiCert's examples); anything else matches itself.
  static bool like(std::string_view pattern, std::string_view text) {
    const std::string wanted = lowercase(pattern);
    const std::string have = lowercase(text);
    const std::size_t percent = wanted.find('%');
    if (percent == std::string::npos) return wanted == have;
    const std::string_view head = std::string_view(wanted).substr(0, percent);
    if (!have.starts_with(head)) return false;
    const std::string_view rest = std::string_view(wanted).substr(percent + 1);
    for (std::size_t at = head.size(); at <= have.size(); ++at) {
      if (like(rest, std::string_view(have).substr(at))) return true;
    }
    return false;
  }

  // "+field" or "-field" (order_id, date_created, common_name, status, valid_till). A sort
  // without its sign, or of another field, is not applied (riboseinc issue #117: the sign is
  // required): the default order, newest order first, stays. Ties go by id the same way.
  void sort_rows(std::vector<const Order*>& rows, std::string_view sort) const {
    const auto by_id = [](const Order* a, const Order* b) { return a->id > b->id; };
    std::sort(rows.begin(), rows.end(), by_id);
    if (sort.size() < 2 || (sort.front() != '+' && sort.front() != '-')) return;
    const bool descending = sort.front() == '-';
    const std::string_view field = sort.substr(1);
    const auto key = [&](const Order* order) -> std::string {
      const CertificateRecord& certificate = certificates.at(order->certificate_id);
      if (field == "date_created") return iso_time(order->created);
      if (field == "common_name") return certificate.common_name;
      if (field == "status") return reported_status(*order);
      if (field == "valid_till") return certificate.issued ? date_text(certificate.not_after) : "";
      return {};
    };
    if (field != "order_id" && field != "date_created" && field != "common_name" &&
        field != "status" && field != "valid_till") {
      return;
    }
    std::stable_sort(rows.begin(), rows.end(), [&](const Order* a, const Order* b) {
      const std::string left = key(a);
      const std::string right = key(b);
      if (left != right) return descending ? left > right : left < right;
      return descending ? a->id > b->id : a->id < b->id;
    });
  }

  // One order as the list shows it (riboseinc's orders.json).
  void write_order_row(core::json::Writer& out, const Order& order) const {
    const CertificateRecord& certificate = certificates.at(order.certificate_id);
    out.StartObject();
    core::json::write(out, "id", order.id);
    core::json::key(out, "certificate");
    out.StartObject();
    write_certificate_names(out, certificate);
    if (certificate.issued) core::json::write(out, "valid_till", date_text(certificate.not_after));
    core::json::write(out, "signature_hash", certificate.signature_hash);
    out.EndObject();
    core::json::write(out, "status", reported_status(order));
    core::json::write(out, "date_created", iso_time(order.created));
    write_organization_id(out, order.organization_id);
    write_container(out);
    core::json::key(out, "product");
    write_product(out, *order.product);
    out.EndObject();
  }

  SimResponse check_dcv(const SimRequest& request) {
    Order* order = find_order(request);
    if (order == nullptr) return order_not_found();
    const auto parsed = object_body(request, true);
    if (!parsed) return bad_format();
    refresh_expiry(*order);
    const std::vector<std::string>& names = names_of(*order);

    // The optional subset, spelled either way in DigiCert's pages.
    std::vector<std::string> subset;
    const rapidjson::Value* listed = member(*parsed, "dns_name_validations");
    if (listed == nullptr) listed = member(*parsed, "dns_names_validations");
    if (listed != nullptr) {
      if (!listed->IsArray()) return error(invalid("dns_name_validations", "must be an array."));
      for (const auto& item : listed->GetArray()) {
        const auto name = item.IsString() ? std::optional<std::string>(item.GetString())
                                          : string_member(item, "dns_name");
        if (!name || std::find(names.begin(), names.end(), lowercase(*name)) == names.end()) {
          return error(invalid("dns_name_validations", "names a name that is not in the order."));
        }
        subset.push_back(lowercase(*name));
      }
    }
    if (subset.empty()) subset = names;

    if (order->status != "issued" && order->status != "needs_approval" &&
        !awaiting_issuance(*order)) {
      return error(400, "invalid_status", "The order is " + order->status + ".");
    }
    if (order->status != "issued") {
      for (const std::string& name : subset)
        check_name(*order, name);
      if (const core::Status done = advance(*order, false); !done) {
        return issuance_failed(done.error());
      }
    }
    const bool issued = order->status == "issued";
    const bool subset_passed =
        std::all_of(subset.begin(), subset.end(),
                    [&](const std::string& name) { return issued || covered(name); });
    if (!subset_passed && order->dcv_method == "http-token") {
      return error(400, "file_random_value_not_found",
                   "Could not find the random value at the expected file location for one or "
                   "more domains.");
    }
    const bool per_name = options.check_dcv_style == CheckDcvStyle::per_name;
    if (!subset_passed && !per_name && order->dcv_method == "dns-txt-token") {
      return error(400, "invalid_dns_txt",
                   "Could not find a valid TXT record for one or more domains.");
    }

    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::write(out, "order_status", order->status);
    core::json::write(out, "dcv_status", issued || all_covered(*order) ? "valid" : "pending");
    core::json::write(out, "certificate_id", order->certificate_id);
    if (per_name) {
      core::json::key(out, "dns_name_validations");
      out.StartArray();
      for (const std::string& name : subset) {
        out.StartObject();
        core::json::write(out, "dns_name", name);
        core::json::write(out, "status", issued || covered(name) ? "approved" : "pending");
        out.EndObject();
      }
      out.EndArray();
    }
    out.EndObject();
    return body.response(200);
  }

  SimResponse random_value(const SimRequest& request) {
    Order* order = find_order(request);
    if (order == nullptr) return order_not_found();
    if (now() >= order->random_value_expires) {
      order->random_value = new_random_value();
      order->random_value_expires = now() + kRandomValueLifetime;
    }
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::write(out, "dcv_random_value", order->random_value);
    core::json::write(out, "expiration_date", iso_time(order->random_value_expires));
    out.EndObject();
    return body.response(200);
  }

  SimResponse reissue(const SimRequest& request) {
    Order* order = find_order(request);
    if (order == nullptr) return order_not_found();
    refresh_expiry(*order);
    if (order->status != "issued") {
      return error(400, "invalid_status",
                   "Only an issued order can be reissued; this one is " + order->status + ".");
    }
    const auto parsed = object_body(request, false);
    if (!parsed) return bad_format();
    const CertificateRecord& current = certificates.at(order->certificate_id);
    CertificateAsk ask;
    if (auto refusal = read_certificate(*parsed, *order->product, &current, ask)) {
      return error(*refusal);
    }
    std::string method;
    if (auto refusal = read_dcv_method(*parsed, ask.names, order->dcv_method, method)) {
      return error(*refusal);
    }

    CertificateRecord certificate;
    certificate.id = next_certificate_id++;
    certificate.order_id = order->id;
    certificate.common_name = ask.common_name;
    certificate.names = std::move(ask.names);
    certificate.csr = std::move(ask.csr);
    certificate.signature_hash = ask.signature_hash;
    certificate.server_platform = ask.server_platform;
    certificate.created = now();
    order->certificate_id = certificate.id;
    order->certificate_ids.push_back(certificate.id);
    certificates[certificate.id] = std::move(certificate);
    order->dcv_method = method;
    order->status = "reissue_pending";
    const std::int64_t request_id = next_request_id++;
    order->requests.push_back(
        {request_id, now(), "reissue", "pending", string_member(*parsed, "comments").value_or("")});

    if (const core::Status done = advance(*order, false); !done) {
      return issuance_failed(done.error());
    }
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::write(out, "id", order->id);
    write_requests(out, request_id);
    out.EndObject();
    return body.response(201);
  }

  SimResponse update_status(const SimRequest& request) {
    Order* order = find_order(request);
    if (order == nullptr) return order_not_found();
    const auto parsed = object_body(request, false);
    if (!parsed) return bad_format();
    const auto status = string_member(*parsed, "status");
    if (!status) return error(missing("status"));
    // The docs say lowercase and case-sensitive; Lemur and riboseinc send CANCELED and work.
    if (lowercase(*status) != "canceled") {
      return error(400, "invalid_status", "The only status an order can be set to is canceled.");
    }
    if (order->status != "needs_approval" && order->status != "pending") {
      return error(400, "invalid_status",
                   "An order that is " + order->status + " cannot be canceled.");
    }
    order->status = "canceled";
    order->cancel_note = string_member(*parsed, "note").value_or("");
    return no_content();
  }

  // ---- routes: certificates ---------------------------------------------------------------

  CertificateRecord* find_certificate(const SimRequest& request) {
    const auto id = positive_id(request.params.at("id"));
    if (!id) return nullptr;
    const auto found = certificates.find(*id);
    return found == certificates.end() ? nullptr : &found->second;
  }

  SimResponse download(const SimRequest& request) {
    const std::string& format = request.params.at("format");
    if (format != "pem_all" && format != "pem_noroot" && format != "pem_nointermediate") {
      return route_not_found();
    }
    const CertificateRecord* certificate = find_certificate(request);
    if (certificate == nullptr || !certificate->issued) return certificate_not_found();
    std::string text;
    if (format == "pem_all") {
      text =
          certificate->pem.leaf_pem + certificate->pem.intermediate_pem + certificate->pem.root_pem;
    } else if (format == "pem_noroot") {
      text = certificate->pem.leaf_pem + certificate->pem.intermediate_pem;
    } else {
      text = certificate->pem.leaf_pem + certificate->pem.root_pem;
    }
    SimResponse response;
    response.content_type = std::string(kPemContentType);
    response.body = pem_text(text);
    return response;
  }

  SimResponse revoke(const SimRequest& request) {
    CertificateRecord* certificate = find_certificate(request);
    if (certificate == nullptr) return certificate_not_found();
    Order& order = orders.at(certificate->order_id);
    refresh_expiry(order);
    if (order.status == "reissue_pending") {
      return error(400, "invalid_status",
                   "A certificate with a pending reissue cannot be revoked.");
    }
    if (!certificate->issued || certificate->revoked) {
      return error(400, "invalid_status",
                   certificate->revoked ? "The certificate is already revoked."
                                        : "The certificate has not been issued.");
    }
    const auto parsed = object_body(request, true);
    if (!parsed) return bad_format();
    // The parameter table says `comment`, the examples `comments`.
    const std::string comments =
        string_member(*parsed, "comments").value_or(string_member(*parsed, "comment").value_or(""));
    if (true_member(*parsed, "skip_approval")) {
      certificate->revoked = true;
      if (certificate->id == order.certificate_id) order.status = "revoked";
      return no_content();
    }
    const OrderRequest& pending = order.requests.emplace_back(
        OrderRequest{next_request_id++, now(), "revoke", "pending", comments});
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::write(out, "id", pending.id);
    core::json::write(out, "date", iso_time(pending.date));
    core::json::write(out, "type", "revoke");
    core::json::write(out, "status", "pending");
    core::json::key(out, "requester");
    out.StartObject();
    write_user(out);
    out.EndObject();
    core::json::write(out, "comments", comments);
    out.EndObject();
    return body.response(201);
  }
};

const std::vector<Simulator::State::Route>& Simulator::State::routes() {
  static const std::vector<Route> table = {
      {"user/me", &State::user_me, nullptr, nullptr},
      {"product", &State::products, nullptr, nullptr},
      {"product/{name_id}", &State::product, nullptr, nullptr},
      {"organization", &State::list_organizations, &State::create_organization, nullptr},
      {"organization/{id}", &State::organization, nullptr, nullptr},
      // {id} is the product's name_id for a POST, the order id for a GET.
      {"order/certificate", &State::list_orders, nullptr, nullptr},
      {"order/certificate/{id}", &State::get_order, &State::create_order, nullptr},
      {"order/certificate/{id}/check-dcv", nullptr, nullptr, &State::check_dcv},
      {"order/certificate/{id}/dcv-random-value", nullptr, nullptr, &State::random_value},
      {"order/certificate/{id}/reissue", nullptr, &State::reissue, nullptr},
      {"order/certificate/{id}/status", nullptr, nullptr, &State::update_status},
      {"certificate/{id}/download/format/{format}", &State::download, nullptr, nullptr},
      {"certificate/{id}/revoke", nullptr, nullptr, &State::revoke},
  };
  return table;
}

Simulator::Simulator(SimulatorOptions options)
    : state_(std::make_shared<State>(std::move(options))) {}

Simulator::~Simulator() = default;

void Simulator::install(Server& server, std::string base_path) {
  while (base_path.ends_with('/'))
    base_path.pop_back();
  for (const State::Route& route : State::routes()) {
    server.route("*", base_path + "/" + std::string(route.pattern),
                 [state = state_, spec = &route](const SimRequest& request) {
                   return state->serve(request, spec);
                 });
  }
  server.fallback(
      [state = state_](const SimRequest& request) { return state->serve(request, nullptr); });
}

void Simulator::validate_organization(std::int64_t id) {
  std::lock_guard lock(state_->mutex);
  state_->add_fixture_organization(id).validated = true;
}

void Simulator::approve_email(const std::string& domain) {
  std::lock_guard lock(state_->mutex);
  state_->email_approvals.insert(domain_of(lowercase(domain)));
}

void Simulator::prevalidate_domain(const std::string& domain) {
  std::lock_guard lock(state_->mutex);
  state_->validated_domains[domain_of(lowercase(domain))] = state_->now();
}

bool Simulator::approve_request(std::int64_t order_id) {
  std::lock_guard lock(state_->mutex);
  const auto found = state_->orders.find(order_id);
  if (found == state_->orders.end() || found->second.status != "needs_approval") return false;
  found->second.status = "pending";
  found->second.requests.front().status = "approved";
  return true;
}

void Simulator::set_status_override(std::int64_t order_id, std::string status) {
  std::lock_guard lock(state_->mutex);
  const auto found = state_->orders.find(order_id);
  if (found != state_->orders.end()) found->second.status_override = std::move(status);
}

std::size_t Simulator::orders_created() const {
  std::lock_guard lock(state_->mutex);
  return state_->created_orders;
}

std::optional<OrderView> Simulator::order(std::int64_t id) const {
  std::lock_guard lock(state_->mutex);
  const auto found = state_->orders.find(id);
  if (found == state_->orders.end()) return std::nullopt;
  const Order& order = found->second;
  const CertificateRecord& certificate = state_->certificates.at(order.certificate_id);
  OrderView view;
  view.id = order.id;
  view.status = order.status;
  view.reported_status = state_->reported_status(order);
  view.product = std::string(order.product->name_id);
  view.validation_type = std::string(order.product->validation_type);
  view.common_name = certificate.common_name;
  view.dns_names = certificate.names;
  view.dcv_method = order.dcv_method;
  view.organization_id = order.organization_id;
  view.renewal_of_order_id = order.renewal_of_order_id;
  view.validity_days = order.validity_days;
  view.skip_approval = order.skip_approval;
  view.dcv_random_value = order.random_value;
  view.certificate_id = order.certificate_id;
  view.certificate_ids = order.certificate_ids;
  view.pending_revoke_requests = static_cast<std::size_t>(std::count_if(
      order.requests.begin(), order.requests.end(),
      [](const OrderRequest& item) { return item.type == "revoke" && item.status == "pending"; }));
  view.cancel_note = order.cancel_note;
  return view;
}

const IssuingCa& Simulator::ca() const {
  return *state_->options.ca;
}

}  // namespace portico::sim::digicert
