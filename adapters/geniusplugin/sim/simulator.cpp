#include "simulator.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "portico/core/crypto.hpp"
#include "portico/core/json.hpp"
#include "portico/core/text.hpp"
#include "portico/sim/php_form.hpp"

namespace portico::sim::geniusplugin {

namespace {

using core::text::lowercase;
using core::text::trim;

constexpr std::string_view kControlBase = "/__sim/geniusplugin";
// check_timestamp_digits: how far from the clock the shuffled Unix time may be.
constexpr std::int64_t kTimestampWindowSeconds = 300;
constexpr std::size_t kTimestampDigits = 10;
constexpr std::size_t kTokenLength = 40;
// gpfPassEncrypt's layout: iv(16) || HMAC-SHA256(32) || AES-128-CBC ciphertext.
constexpr std::size_t kIvSize = 16;
constexpr std::size_t kMacSize = 32;
constexpr std::size_t kAesKeySize = 16;
constexpr std::size_t kAesBlockSize = 16;
constexpr std::size_t kMinPasswordLength = 8;

// ---- plans ----------------------------------------------------------------------------------

struct Plan {
  std::string_view name;
  std::int64_t price_cents;  // per year
};

// Lowest to highest, with the simulator's prices (docs/upstreams/geniusplugin.md, Operations).
constexpr std::array<Plan, 6> kPlans = {{
    {"Free", 0},
    {"10k", 500},
    {"20k", 900},
    {"40k", 1500},
    {"100k", 2900},
    {"200k", 4900},
}};

// The plan's place in kPlans; names compare exactly ("free" is not a plan).
std::optional<std::size_t> plan_rank(std::string_view name) {
  for (std::size_t i = 0; i < kPlans.size(); ++i) {
    if (kPlans[i].name == name) return i;
  }
  return std::nullopt;
}

// ---- text helpers ---------------------------------------------------------------------------

// PHP's trim(): its set is " \t\n\r\0\x0B", which is not core::text::trim's.
std::string_view php_trim(std::string_view text) {
  constexpr std::string_view kWhitespace(" \t\n\r\0\x0B", 6);
  const std::size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

std::string sha1_hex(std::string_view text) {
  return core::crypto::hex(core::crypto::sha1(text));
}

// Cents as the API prints an amount: "1500.26", "0.00".
std::string amount_text(std::int64_t cents) {
  const std::int64_t fraction = cents % 100;
  return std::to_string(cents / 100) + (fraction < 10 ? ".0" : ".") + std::to_string(fraction);
}

// "12", "12.5" or "12.50" as cents; nullopt for anything else (signs, exponents, spaces).
std::optional<std::int64_t> parse_amount(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  const auto all_digits = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || whole.size() > 12 || !all_digits(whole)) return std::nullopt;
  if (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 2)) {
    return std::nullopt;
  }
  if (!all_digits(fraction)) return std::nullopt;
  std::int64_t cents = 0;
  for (const char c : whole)
    cents = cents * 10 + (c - '0');
  cents *= 100;
  if (!fraction.empty()) cents += static_cast<std::int64_t>(fraction[0] - '0') * 10;
  if (fraction.size() == 2) cents += fraction[1] - '0';
  return cents;
}

bool is_ip_literal(const std::string& text) {
  std::array<unsigned char, 16> scratch{};
  return ::inet_pton(AF_INET, text.c_str(), scratch.data()) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), scratch.data()) == 1;
}

// `from` plus whole calendar years at the same time of day; 29 February becomes the 28th.
core::TimePoint years_after(core::TimePoint from, int years) {
  const auto day = std::chrono::floor<std::chrono::days>(from);
  const auto time_of_day = from - day;
  std::chrono::year_month_day date = std::chrono::year_month_day(day) + std::chrono::years(years);
  if (!date.ok())
    date = std::chrono::year_month_day(date.year() / date.month() / std::chrono::last);
  return std::chrono::sys_days(date) + time_of_day;
}

// ---- bodies ---------------------------------------------------------------------------------

// As PHP's urlencode: the unreserved characters stay, the rest is %XX.
std::string form_encode(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4U];
      out += kHex[byte & 15U];
    }
  }
  return out;
}

// A media type without its parameters, lowercase.
std::string media_type(std::string_view content_type) {
  return lowercase(trim(content_type.substr(0, content_type.find(';'))));
}

// The `name=value` parameters after the media type (Content-Type) or the disposition
// (Content-Disposition), names lowercase, quoted values unquoted.
std::map<std::string, std::string> header_parameters(std::string_view value) {
  std::map<std::string, std::string> parameters;
  std::size_t at = value.find(';');
  while (at != std::string_view::npos && at < value.size()) {
    ++at;
    const std::size_t equals = value.find('=', at);
    if (equals == std::string_view::npos) break;
    const std::string name = lowercase(trim(value.substr(at, equals - at)));
    std::size_t cursor = equals + 1;
    while (cursor < value.size() && (value[cursor] == ' ' || value[cursor] == '\t'))
      ++cursor;
    std::string text;
    if (cursor < value.size() && value[cursor] == '"') {
      for (++cursor; cursor < value.size() && value[cursor] != '"'; ++cursor) {
        if (value[cursor] == '\\' && cursor + 1 < value.size()) ++cursor;
        text += value[cursor];
      }
      at = value.find(';', cursor);
    } else {
      at = value.find(';', cursor);
      text = std::string(trim(value.substr(
          cursor, at == std::string_view::npos ? std::string_view::npos : at - cursor)));
    }
    parameters.emplace(name, std::move(text));
  }
  return parameters;
}

// The text fields of a multipart/form-data body re-encoded as a urlencoded form, so that
// parse_php_form gives them PHP's name rules ("a[b]" nests) as $_POST does. Parts with a
// filename go to PHP's $_FILES, not $_POST, and are left out; so is an unterminated part.
std::string multipart_as_form(std::string_view body, std::string_view boundary) {
  // With a CRLF in front, the first delimiter looks like every other one.
  const std::string text = "\r\n" + std::string(body);
  const std::string delimiter = "\r\n--" + std::string(boundary);
  std::string form;
  std::size_t at = text.find(delimiter);
  while (at != std::string::npos) {
    const std::size_t after = at + delimiter.size();
    if (text.compare(after, 2, "--") == 0) break;  // the closing delimiter
    const std::size_t line_end = text.find("\r\n", after);
    if (line_end == std::string::npos) break;
    const std::size_t next = text.find(delimiter, line_end);
    if (next == std::string::npos) break;
    const std::string_view part =
        std::string_view(text).substr(line_end + 2, next - (line_end + 2));
    at = next;

    const std::size_t headers_end = part.find("\r\n\r\n");
    if (headers_end == std::string_view::npos) continue;
    std::optional<std::string> name;
    bool file = false;
    std::string_view headers = part.substr(0, headers_end);
    while (!headers.empty()) {
      const std::size_t eol = headers.find("\r\n");
      const std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos ||
          lowercase(trim(line.substr(0, colon))) != "content-disposition") {
        continue;
      }
      const auto parameters = header_parameters(line.substr(colon + 1));
      if (const auto found = parameters.find("name"); found != parameters.end()) {
        name = found->second;
      }
      file = parameters.contains("filename");
    }
    if (!name || file) continue;
    if (!form.empty()) form += '&';
    form += form_encode(*name) + "=" + form_encode(part.substr(headers_end + 4));
  }
  return form;
}

// $_POST as PHP fills it: from a urlencoded or multipart body only (a JSON body gives none).
PhpValue post_fields(const SimRequest& request) {
  const std::optional<std::string> content_type = request.header("Content-Type");
  if (!content_type) return PhpValue();
  const std::string media = media_type(*content_type);
  if (media == "application/x-www-form-urlencoded") return parse_php_form(request.body);
  if (media != "multipart/form-data") return PhpValue();
  const auto parameters = header_parameters(*content_type);
  const auto boundary = parameters.find("boundary");
  if (boundary == parameters.end() || boundary->second.empty()) return PhpValue();
  return parse_php_form(multipart_as_form(request.body, boundary->second));
}

// A field as PHP's empty() sees it: absent, an array or "" count as missing.
std::optional<std::string> field(const PhpValue& form, std::string_view name) {
  std::optional<std::string> value = form.string_at({name});
  if (!value || value->empty()) return std::nullopt;
  return value;
}

// ---- answers --------------------------------------------------------------------------------

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

// Every answer of the API: {"status":"<text>"} (HTTP 200 unless said).
SimResponse status_answer(std::string_view text, int http_status = 200) {
  JsonBody body;
  body.out().StartObject();
  core::json::write(body.out(), "status", text);
  body.out().EndObject();
  return body.response(http_status);
}

SimResponse ok() {
  return status_answer("ok");
}

SimResponse control_error(std::string_view message) {
  JsonBody body;
  body.out().StartObject();
  core::json::write(body.out(), "error", message);
  body.out().EndObject();
  return body.response(400);
}

// A control request's JSON object, or the 400 answer.
std::optional<rapidjson::Document> control_body(const SimRequest& request,
                                                std::optional<SimResponse>& refused) {
  auto document = core::json::parse(request.body);
  if (!document.ok()) {
    refused = control_error(document.error().message);
    return std::nullopt;
  }
  if (!document->IsObject()) {
    refused = control_error("the body must be a JSON object");
    return std::nullopt;
  }
  return std::move(document).value();
}

// The gpfPassEncrypt blob's plaintext, or nullopt when it is not one made with `key`.
std::optional<std::string> gpf_pass_decrypt(std::string_view key, std::string_view blob) {
  const std::optional<std::string> bytes = core::crypto::from_base64(blob);
  if (!bytes || bytes->size() < kIvSize + kMacSize + kAesBlockSize ||
      (bytes->size() - kIvSize - kMacSize) % kAesBlockSize != 0) {
    return std::nullopt;
  }
  const std::string_view all(*bytes);
  const std::string_view iv = all.substr(0, kIvSize);
  const std::string_view mac = all.substr(kIvSize, kMacSize);
  const std::string_view ciphertext = all.substr(kIvSize + kMacSize);
  // The HMAC covers the ciphertext only, keyed with the whole key.
  if (!core::crypto::constant_time_equal(core::crypto::hmac_sha256(key, ciphertext), mac)) {
    return std::nullopt;
  }
  // openssl_encrypt's AES-128 key: the first 16 bytes, NUL-padded when shorter.
  std::string aes_key(key.substr(0, kAesKeySize));
  aes_key.resize(kAesKeySize, '\0');
  return core::crypto::aes_cbc_decrypt(aes_key, iv, ciphertext);
}

bool is_strong(std::string_view password) {
  const auto has = [&](char low, char high) {
    return std::any_of(password.begin(), password.end(),
                       [&](char c) { return c >= low && c <= high; });
  };
  return password.size() >= kMinPasswordLength && has('a', 'z') && has('A', 'Z') && has('0', '9');
}

struct Package {
  PackageRecord record;
  core::TimePoint created_at;
};

}  // namespace

struct Simulator::State {
  explicit State(SimulatorOptions from) : options(std::move(from)) {
    if (options.api_key.empty()) {
      throw std::invalid_argument("geniusplugin sim: an api_key is required");
    }
    if (options.password_key == "api_key") {
      password_key = options.api_key;
    } else if (options.password_key == "api_key_sha1") {
      password_key = sha1_hex(php_trim(options.api_key));
    } else {
      throw std::invalid_argument("geniusplugin sim: password_key is api_key or api_key_sha1");
    }
    if (options.credit_cents < 0) {
      throw std::invalid_argument("geniusplugin sim: credit_cents must not be negative");
    }
    key_sha1 = sha1_hex(php_trim(options.api_key));
    allowed_address = options.allowed_address;
    credit_cents = options.credit_cents;
  }

  // One authenticated call: the body's fields and the package domain.
  struct Call {
    const PhpValue& form;
    const std::string& domain;
  };
  using Action = SimResponse (State::*)(const Call&);

  struct Endpoint {
    std::string_view name;
    // Required besides domain, hash and timestamp. `password` is the operation's to check:
    // its absence has its own documented text ("Missing Password").
    std::vector<std::string_view> fields;
    Action action;
  };

  static const std::vector<Endpoint>& endpoints() {
    static const std::vector<Endpoint> all = {
        {"connection", {}, &State::connection},
        {"getcredit", {}, &State::getcredit},
        {"list", {}, &State::list},
        {"autoregister", {"package", "uemail"}, &State::autoregister},
        {"suspended", {}, &State::suspend},
        {"active", {}, &State::activate},
        {"delete", {}, &State::remove},
        {"packageupdate", {"status", "package"}, &State::packageupdate},
        {"passwordreset", {}, &State::passwordreset},
        {"renew", {}, &State::renew},
    };
    return all;
  }

  static const Endpoint* find_endpoint(std::string_view name) {
    for (const Endpoint& endpoint : endpoints()) {
      if (endpoint.name == name) return &endpoint;
    }
    return nullptr;
  }

  SimulatorOptions options;
  core::SystemClock system_clock;
  core::SecureRandom secure_random;
  std::string key_sha1;      // sha1(trim(api_key)), the inner hash
  std::string password_key;  // what gpfPassEncrypt is keyed with

  mutable std::mutex mutex;
  std::string allowed_address;
  std::int64_t credit_cents = 0;
  std::map<std::string, Package> packages;  // by domain
  std::set<std::string> used_hashes;
  std::map<std::string, std::size_t, std::less<>> calls;

  // ---- plumbing -----------------------------------------------------------------------------

  core::TimePoint now() const {
    const core::TimePoint at = options.clock != nullptr ? options.clock->now() : system_clock.now();
    return std::chrono::floor<std::chrono::seconds>(at);
  }
  core::Random& random() { return options.random != nullptr ? *options.random : secure_random; }

  // ---- dispatch -----------------------------------------------------------------------------

  SimResponse serve(const SimRequest& request, bool slash) {
    const Endpoint* endpoint = find_endpoint(request.params.at("endpoint"));
    if (endpoint == nullptr) return status_answer("Invalid endpoint", 404);
    if (!slash) {
      // A client that follows this turns the POST into a GET: the adapter must not.
      SimResponse moved;
      moved.status = 301;
      moved.content_type.clear();
      moved.headers.push_back({"Location", request.path + "/"});
      return moved;
    }
    if (request.method != "POST") {
      SimResponse refused = status_answer("Method Not Allowed", 405);
      refused.headers.push_back({"Allow", "POST"});
      return refused;
    }

    std::lock_guard lock(mutex);
    if (request.remote_address != allowed_address) return status_answer("Unauthorized IP address");
    const PhpValue form = post_fields(request);
    if (form.size() == 0) return status_answer("Request Missing data!");
    for (const std::string_view name : {"domain", "hash", "timestamp"}) {
      if (!field(form, name)) return status_answer("Request Missing data! " + std::string(name));
    }
    for (const std::string_view name : endpoint->fields) {
      if (!field(form, name)) return status_answer("Request Missing data! " + std::string(name));
    }
    const std::string domain = *field(form, "domain");
    const std::string timestamp = *field(form, "timestamp");
    const std::string hash = *field(form, "hash");
    // The timestamp is a shuffled digit string, never a number: "0511700050" is valid.
    if (timestamp.size() != kTimestampDigits ||
        !std::all_of(timestamp.begin(), timestamp.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return status_answer("Invalid timestamp");
    }
    if (options.check_timestamp_digits && !recent_digits(timestamp)) {
      return status_answer("Invalid timestamp");
    }
    if (!core::crypto::constant_time_equal(hash, sha1_hex(key_sha1 + domain + timestamp))) {
      return status_answer("Invalid hash");
    }
    if (options.reject_replays && !used_hashes.insert(hash).second) {
      return status_answer("Request already used");
    }
    ++calls[std::string(endpoint->name)];
    return (this->*(endpoint->action))(Call{form, domain});
  }

  // Whether the digits are a permutation of a Unix time within the window around the clock.
  bool recent_digits(std::string timestamp) const {
    std::sort(timestamp.begin(), timestamp.end());
    const std::int64_t at = core::unix_seconds(now());
    for (std::int64_t t = at - kTimestampWindowSeconds; t <= at + kTimestampWindowSeconds; ++t) {
      std::string digits = std::to_string(t);
      std::sort(digits.begin(), digits.end());
      if (digits == timestamp) return true;
    }
    return false;
  }

  // The decrypted, acceptable password; or nullopt with the refusal in `refused`.
  std::optional<std::string> read_password(const PhpValue& form, std::string& refused) const {
    const std::optional<std::string> blob = field(form, "password");
    if (!blob) {
      refused = "Missing Password";
      return std::nullopt;
    }
    std::optional<std::string> password = gpf_pass_decrypt(password_key, *blob);
    if (!password) {
      refused = "Invalid Password";
      return std::nullopt;
    }
    if (!is_strong(*password)) {
      refused = "Weak password";
      return std::nullopt;
    }
    return password;
  }

  Package* find_package(const std::string& domain) {
    const auto found = packages.find(domain);
    return found == packages.end() ? nullptr : &found->second;
  }

  // ---- operations ---------------------------------------------------------------------------

  SimResponse connection(const Call&) { return ok(); }

  SimResponse getcredit(const Call&) { return status_answer("OK - " + amount_text(credit_cents)); }

  SimResponse list(const Call& call) {
    const Package* package = find_package(call.domain);
    if (package == nullptr) return status_answer("Package not Found!");
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::write(out, "status", package->record.status);
    core::json::write(out, "exist", "exists");
    if (options.list_includes_package) core::json::write(out, "package", package->record.package);
    out.EndObject();
    return body.response();
  }

  SimResponse autoregister(const Call& call) {
    const std::string plan = *field(call.form, "package");
    const std::optional<std::size_t> rank = plan_rank(plan);
    if (!rank) return status_answer("Invalid package name");
    std::string refused;
    std::optional<std::string> password = read_password(call.form, refused);
    if (!password) return status_answer(refused);
    if (packages.contains(call.domain)) return status_answer("Package already exists");
    const std::int64_t price = kPlans[*rank].price_cents;
    if (credit_cents < price) return status_answer("Insufficient credit");
    credit_cents -= price;

    Package package;
    package.created_at = now();
    package.record.domain = call.domain;
    package.record.package = plan;
    package.record.status = "active";
    package.record.email = *field(call.form, "uemail");
    package.record.password = std::move(*password);
    package.record.token = random().base62(kTokenLength);
    package.record.expires_at = years_after(package.created_at, 1);
    const std::string token = package.record.token;
    packages.emplace(call.domain, std::move(package));

    JsonBody body;
    body.out().StartObject();
    core::json::write(body.out(), "status", "ok");
    core::json::write(body.out(), "token", token);
    body.out().EndObject();
    return body.response();
  }

  // Endpoint "suspended"; an already suspended package stays so.
  SimResponse suspend(const Call& call) {
    Package* package = find_package(call.domain);
    if (package == nullptr) return status_answer("Package not Found!");
    package->record.status = "suspended";
    return ok();
  }

  // Endpoint "active"; an active package stays so.
  SimResponse activate(const Call& call) {
    Package* package = find_package(call.domain);
    if (package == nullptr) return status_answer("Package not found!");
    package->record.status = "active";
    return ok();
  }

  // Endpoint "delete".
  SimResponse remove(const Call& call) {
    if (packages.erase(call.domain) == 0) return status_answer("Package not found!");
    return ok();
  }

  SimResponse packageupdate(const Call& call) {
    const std::string status = *field(call.form, "status");
    if (status != "active" && status != "suspended" && status != "cancelled") {
      return status_answer("Invalid status");
    }
    Package* package = find_package(call.domain);
    if (package == nullptr) return status_answer("Package not found!");
    if (package->record.status == "suspended") {
      return status_answer("Package is suspended. Please unsuspend it to continue.");
    }
    const std::string plan = *field(call.form, "package");
    const std::optional<std::size_t> rank = plan_rank(plan);
    if (!rank) return status_answer("Invalid package name");
    if (*rank < *plan_rank(package->record.package)) {
      return status_answer("Downgrade not allowed.");
    }
    package->record.package = plan;
    return ok();
  }

  SimResponse passwordreset(const Call& call) {
    Package* package = find_package(call.domain);
    if (package == nullptr) return status_answer("Package not found!");
    if (package->record.status != "active") {
      return status_answer("Error changing password. No active package found!");
    }
    std::string refused;
    std::optional<std::string> password = read_password(call.form, refused);
    if (!password) return status_answer(refused);
    package->record.password = std::move(*password);
    return ok();
  }

  SimResponse renew(const Call& call) {
    Package* package = find_package(call.domain);
    if (package == nullptr) return status_answer("Package not found!");
    if (package->record.status == "suspended") {
      return status_answer("Package is suspended. Please unsuspend it to continue.");
    }
    const std::int64_t price = kPlans[*plan_rank(package->record.package)].price_cents;
    if (credit_cents < price) return status_answer("Insufficient credit");
    credit_cents -= price;
    ++package->record.renewals;
    package->record.expires_at = years_after(package->created_at, 1 + package->record.renewals);
    return ok();
  }

  // ---- control routes -----------------------------------------------------------------------

  SimResponse control_packages() const {
    std::lock_guard lock(mutex);
    JsonBody body;
    auto& out = body.out();
    out.StartArray();
    for (const auto& [domain, package] : packages) {
      const PackageRecord& record = package.record;
      out.StartObject();
      core::json::write(out, "domain", record.domain);
      core::json::write(out, "package", record.package);
      core::json::write(out, "status", record.status);
      core::json::write(out, "email", record.email);
      core::json::write(out, "password", record.password);
      core::json::write(out, "token", record.token);
      core::json::write(out, "expires_at", core::format_rfc3339(record.expires_at));
      out.EndObject();
    }
    out.EndArray();
    return body.response();
  }

  SimResponse control_credit_answer() const {
    JsonBody body;
    body.out().StartObject();
    core::json::write(body.out(), "amount", amount_text(credit_cents));
    body.out().EndObject();
    return body.response();
  }

  SimResponse control_get_credit() const {
    std::lock_guard lock(mutex);
    return control_credit_answer();
  }

  SimResponse control_set_credit(const SimRequest& request) {
    std::optional<SimResponse> refused;
    const auto document = control_body(request, refused);
    if (!document) return *refused;
    core::json::ObjectReader reader(*document);
    const auto amount = reader.string("amount", {.required = true, .min_length = 1});
    if (auto error = reader.finish()) return control_error(error->message);
    const std::optional<std::int64_t> cents = parse_amount(*amount);
    if (!cents) return control_error("amount must be a decimal like \"12.50\"");
    std::lock_guard lock(mutex);
    credit_cents = *cents;
    return control_credit_answer();
  }

  SimResponse control_set_allowed_address(const SimRequest& request) {
    std::optional<SimResponse> refused;
    const auto document = control_body(request, refused);
    if (!document) return *refused;
    core::json::ObjectReader reader(*document);
    const auto address = reader.string("address", {.required = true, .min_length = 1});
    if (auto error = reader.finish()) return control_error(error->message);
    if (!is_ip_literal(*address)) return control_error("address must be an IP literal");
    std::lock_guard lock(mutex);
    allowed_address = *address;
    JsonBody body;
    body.out().StartObject();
    core::json::write(body.out(), "address", allowed_address);
    body.out().EndObject();
    return body.response();
  }
};

Simulator::Simulator(SimulatorOptions options)
    : state_(std::make_shared<State>(std::move(options))) {}

Simulator::~Simulator() = default;

void Simulator::install(Server& server, std::string base_path) {
  while (base_path.ends_with('/'))
    base_path.pop_back();
  server.route("*", base_path + "/{endpoint}/",
               [state = state_](const SimRequest& request) { return state->serve(request, true); });
  server.route("*", base_path + "/{endpoint}", [state = state_](const SimRequest& request) {
    return state->serve(request, false);
  });

  const std::string control(kControlBase);
  server.route("GET", control + "/packages",
               [state = state_](const SimRequest&) { return state->control_packages(); });
  server.route("GET", control + "/credit",
               [state = state_](const SimRequest&) { return state->control_get_credit(); });
  server.route("POST", control + "/credit", [state = state_](const SimRequest& request) {
    return state->control_set_credit(request);
  });
  server.route("POST", control + "/allowed_address", [state = state_](const SimRequest& request) {
    return state->control_set_allowed_address(request);
  });
}

std::vector<PackageRecord> Simulator::packages() const {
  std::lock_guard lock(state_->mutex);
  std::vector<PackageRecord> out;
  for (const auto& [domain, package] : state_->packages)
    out.push_back(package.record);
  return out;
}

std::optional<PackageRecord> Simulator::package(const std::string& domain) const {
  std::lock_guard lock(state_->mutex);
  const auto found = state_->packages.find(domain);
  if (found == state_->packages.end()) return std::nullopt;
  return found->second.record;
}

std::int64_t Simulator::credit_cents() const {
  std::lock_guard lock(state_->mutex);
  return state_->credit_cents;
}

void Simulator::set_credit_cents(std::int64_t cents) {
  std::lock_guard lock(state_->mutex);
  state_->credit_cents = cents;
}

void Simulator::set_allowed_address(std::string address) {
  std::lock_guard lock(state_->mutex);
  state_->allowed_address = std::move(address);
}

std::size_t Simulator::calls(const std::string& endpoint) const {
  std::lock_guard lock(state_->mutex);
  const auto found = state_->calls.find(endpoint);
  return found == state_->calls.end() ? 0 : found->second;
}

}  // namespace portico::sim::geniusplugin
