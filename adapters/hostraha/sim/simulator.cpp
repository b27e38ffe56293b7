#include "simulator.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <mutex>
#include <utility>

#include "portico/core/crypto.hpp"
#include "portico/core/json.hpp"
#include "portico/core/text.hpp"
#include "portico/sim/php_form.hpp"

namespace portico::sim::hostraha {

namespace {

using core::text::lowercase;

using std::chrono::sys_days;

constexpr int kMaxYears = 10;

// ---- answers ------------------------------------------------------------------------------

// Builds one JSON body.
class JsonBody {
 public:
  core::json::Writer& out() { return out_; }
  SimResponse response() const {
    SimResponse response;
    response.body.assign(buffer_.GetString(), buffer_.GetSize());
    return response;
  }

 private:
  rapidjson::StringBuffer buffer_;
  core::json::Writer out_{buffer_};
};

// Errors are HTTP 200 with an `error` key, as the vendor's server answers them.
SimResponse error(std::string_view message) {
  JsonBody body;
  body.out().StartObject();
  core::json::write(body.out(), "error", message);
  body.out().EndObject();
  return body.response();
}

SimResponse success() {
  JsonBody body;
  body.out().StartObject();
  core::json::write(body.out(), "success", true);
  body.out().EndObject();
  return body.response();
}

// A bare JSON string, as the lock and credits reads answer.
SimResponse bare_string(std::string_view text) {
  JsonBody body;
  core::json::string(body.out(), text);
  return body.response();
}

// ---- text helpers -------------------------------------------------------------------------

std::string money_text(std::int64_t minor) {
  const char* sign = minor < 0 ? "-" : "";
  const std::int64_t magnitude = minor < 0 ? -minor : minor;
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%s%lld.%02lld", sign,
                static_cast<long long>(magnitude / 100), static_cast<long long>(magnitude % 100));
  return text.data();
}

std::string date_text(sys_days day) {
  const std::chrono::year_month_day date{day};
  std::array<char, 16> text{};
  std::snprintf(text.data(), text.size(), "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text.data();
}

// PHP's strtotime("+N years"): 29 February plus a year is 1 March.
sys_days add_years(sys_days day, int years) {
  const std::chrono::year_month_day date{day};
  return sys_days(std::chrono::year_month_day(date.year() + std::chrono::years(years), date.month(),
                                              date.day()));
}

// gmdate("y-m-d H") at `at`.
std::string token_hour(core::TimePoint at) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(at);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{day};
  const auto hour = std::chrono::duration_cast<std::chrono::hours>(seconds - day).count();
  std::array<char, 48> text{};  // roomy: field widths are not provable
  std::snprintf(text.data(), text.size(), "%02d-%02u-%02u %02d",
                static_cast<int>(date.year()) % 100, static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(hour));
  return text.data();
}

// base64_encode(hash_hmac("sha256", $apiKey, "$email:" . gmdate("y-m-d H"))): PHP's
// hash_hmac takes the data first, so the API key is the data and "email:hour" the key, and it
// returns lowercase hex, which is what gets base64-encoded.
std::string expected_token(std::string_view email, std::string_view api_key, core::TimePoint at) {
  const std::string key = std::string(email) + ":" + token_hour(at);
  return core::crypto::base64(core::crypto::hex(core::crypto::hmac_sha256(key, api_key)));
}

std::optional<std::int64_t> whole_number(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (failure != std::errc() || end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

bool is_ipv4(const std::string& text) {
  in_addr address{};
  return inet_pton(AF_INET, text.c_str(), &address) == 1;
}

bool is_ipv6(const std::string& text) {
  in6_addr address{};
  return inet_pton(AF_INET6, text.c_str(), &address) == 1;
}

bool is_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
  });
}

// A host name of two labels or more: a domain or a name server.
bool is_host_name(std::string_view name) {
  if (name.size() > 253 || name.find('.') == std::string_view::npos) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    if (!is_label(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_email(std::string_view text) {
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos || at == 0 || text.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  if (text.find_first_of(" \t\r\n") != std::string_view::npos) return false;
  return is_host_name(lowercase(text.substr(at + 1)));
}

// WHMCS's phone format: +CC.NNNN.
bool is_phone(std::string_view text) {
  if (text.size() < 4 || text.front() != '+') return false;
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot < 2 || dot > 4 || dot + 4 > text.size()) return false;
  const auto digits = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
  };
  return digits(text.substr(1, dot - 1)) && digits(text.substr(dot + 1)) &&
         text.size() - dot - 1 <= 14;
}

// Reads PHP's serialize() format far enough to tell whether `text` is one serialized array.
class SerializedReader {
 public:
  explicit SerializedReader(std::string_view text) : text_(text) {}

  bool whole_array() { return array() && at_ == text_.size(); }

 private:
  bool expect(std::string_view literal) {
    if (text_.substr(at_, literal.size()) != literal) return false;
    at_ += literal.size();
    return true;
  }
  std::optional<std::int64_t> integer(char end) {
    const std::size_t stop = text_.find(end, at_);
    if (stop == std::string_view::npos) return std::nullopt;
    std::string_view digits = text_.substr(at_, stop - at_);
    if (digits.starts_with('-')) digits.remove_prefix(1);
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      return std::nullopt;
    }
    std::int64_t value = 0;
    std::from_chars(text_.data() + at_, text_.data() + stop, value);
    at_ = stop + 1;
    return value;
  }
  bool string_value() {
    const auto length = integer(':');
    if (!length || *length < 0 || !expect("\"")) return false;
    if (at_ + static_cast<std::size_t>(*length) > text_.size()) return false;
    at_ += static_cast<std::size_t>(*length);
    return expect("\";");
  }
  bool key() {
    if (expect("i:")) return integer(';').has_value();
    return expect("s:") && string_value();
  }
  bool value(int depth) {
    if (depth > 32) return false;
    if (expect("N;")) return true;
    if (expect("b:")) return (expect("0;") || expect("1;"));
    if (expect("i:")) return integer(';').has_value();
    if (expect("d:")) {
      const std::size_t stop = text_.find(';', at_);
      if (stop == std::string_view::npos || stop == at_) return false;
      at_ = stop + 1;
      return true;
    }
    if (expect("s:")) return string_value();
    if (text_.substr(at_, 2) == "a:") return array(depth + 1);
    return false;
  }
  bool array(int depth = 0) {
    if (!expect("a:")) return false;
    const auto count = integer(':');
    if (!count || *count < 0 || !expect("{")) return false;
    for (std::int64_t i = 0; i < *count; ++i) {
      if (!key() || !value(depth)) return false;
    }
    return expect("}");
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// ---- contacts -----------------------------------------------------------------------------

struct ContactField {
  std::string_view order_key;  // contacts[registrant][...] at register and transfer
  std::string_view whmcs_key;  // contactdetails[Registrant][...] when saving; "_" for " " in reads
  std::string core::Contact::*member;
  bool required;
};

constexpr std::array<ContactField, 11> kContactFields = {{
    {"firstname", "First Name", &core::Contact::first_name, true},
    {"lastname", "Last Name", &core::Contact::last_name, true},
    {"companyname", "Company Name", &core::Contact::organization, false},
    {"email", "Email Address", &core::Contact::email, true},
    {"address1", "Address 1", &core::Contact::address1, true},
    {"address2", "Address 2", &core::Contact::address2, false},
    {"city", "City", &core::Contact::city, true},
    {"state", "State", &core::Contact::state, true},
    {"postcode", "Postcode", &core::Contact::postcode, true},
    {"country", "Country", &core::Contact::country, true},
    {"phonenumber", "Phone Number", &core::Contact::phone, true},
}};

constexpr std::array<std::string_view, 4> kRoles = {"Registrant", "Admin", "Tech", "Billing"};

// Reads one contact block; `whmcs` picks the saving shape's keys over the ordering shape's.
// On failure returns the message.
std::optional<std::string> read_contact(const PhpValue& block, const std::string& label, bool whmcs,
                                        core::Contact& contact) {
  if (!block.is_array()) return label + " must be a contact";
  for (const ContactField& field : kContactFields) {
    const std::string_view key = whmcs ? field.whmcs_key : field.order_key;
    const std::string where = label + "[" + std::string(key) + "]";
    const PhpValue* value = block.find(key);
    const std::string text = value != nullptr && value->is_string() ? value->text() : "";
    if (field.required && text.empty()) return where + " is required";
    contact.*field.member = text;
  }
  const std::string email_key(whmcs ? "Email Address" : "email");
  if (!is_email(contact.email)) return label + "[" + email_key + "] is invalid";
  const std::string country_key(whmcs ? "Country" : "country");
  if (contact.country.size() != 2 || !std::all_of(contact.country.begin(), contact.country.end(),
                                                  [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return label + "[" + country_key + "] must be a two-letter ISO country code";
  }
  const std::string phone_key(whmcs ? "Phone Number" : "phonenumber");
  if (!is_phone(contact.phone)) {
    return label + "[" + phone_key + "] must be in the format +CC.NNNNNNNN";
  }
  return std::nullopt;
}

// ---- zone records ------------------------------------------------------------------------

constexpr std::array<std::string_view, 11> kRecordTypes = {
    "A", "AAAA", "CNAME", "MX", "TXT", "NS", "SRV", "CAA", "URL", "FRAME", "MXE"};

std::optional<std::string> check_record(const ZoneRecord& record, const std::string& label) {
  if (record.hostname.empty()) return label + "[hostname] is required";
  const bool hostname_ok = std::all_of(record.hostname.begin(), record.hostname.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
           c == '*' || c == '@';
  });
  if (!hostname_ok) return label + "[hostname] is invalid";
  const std::string type = [&] {
    std::string upper = record.type;
    for (char& c : upper)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return upper;
  }();
  if (record.type.empty()) return label + "[type] is required";
  if (std::find(kRecordTypes.begin(), kRecordTypes.end(), type) == kRecordTypes.end()) {
    return label + "[type] is invalid: " + record.type;
  }
  if (record.address.empty()) return label + "[address] is required";
  if (type == "A" && !is_ipv4(record.address)) return label + "[address] must be an IPv4 address";
  if (type == "AAAA" && !is_ipv6(record.address)) {
    return label + "[address] must be an IPv6 address";
  }
  if (type == "MX" || type == "SRV") {
    const auto priority = whole_number(record.priority);
    if (!priority || *priority > 65535) {
      return label + "[priority] must be a number from 0 to 65535";
    }
  }
  if (type == "SRV") {
    // "<weight> <port> <target>"
    const std::size_t first = record.address.find(' ');
    const std::size_t second =
        first == std::string::npos ? std::string::npos : record.address.find(' ', first + 1);
    const auto weight = whole_number(std::string_view(record.address).substr(0, first));
    const auto port =
        second == std::string::npos
            ? std::nullopt
            : whole_number(std::string_view(record.address).substr(first + 1, second - first - 1));
    if (!weight || !port || *weight > 65535 || *port > 65535 ||
        second + 1 >= record.address.size()) {
      return label + "[address] must be \"<weight> <port> <target>\" for SRV";
    }
  }
  if (type == "CAA") {
    // "<flags> <tag> \"<value>\""
    const std::size_t first = record.address.find(' ');
    const std::size_t second =
        first == std::string::npos ? std::string::npos : record.address.find(' ', first + 1);
    const auto flags = whole_number(std::string_view(record.address).substr(0, first));
    const std::string_view value = second == std::string::npos
                                       ? std::string_view()
                                       : std::string_view(record.address).substr(second + 1);
    if (!flags || *flags > 255 || second == first + 1 || value.size() < 2 || value.front() != '"' ||
        value.back() != '"') {
      return label + "[address] must be '<flags> <tag> \"<value>\"' for CAA";
    }
  }
  if (record.ttl && !whole_number(*record.ttl)) {
    return label + "[ttl] must be a whole number of seconds";
  }
  return std::nullopt;
}

// ---- routes -------------------------------------------------------------------------------

struct Call {
  const SimRequest& request;
  const PhpValue& form;
  std::string domain;  // from the path, lowercased; empty on routes without one
};

}  // namespace

std::map<std::string, TldPrice> default_prices() {
  return {{".com", {1099, 1099, 1099}},
          {".net", {1299, 1299, 1299}},
          {".org", {1199, 1199, 1199}},
          {".co.ke", {999, 999, 999}},
          {".ke", {2999, 2999, 2999}}};
}

struct Simulator::State {
  using Action = SimResponse (State::*)(const Call&);
  struct Route {
    std::string_view pattern;  // under the base path
    Action get;
    Action post;
  };

  explicit State(SimulatorOptions from) : options(std::move(from)), credit(options.credit_minor) {}

  static const std::vector<Route>& routes();

  SimulatorOptions options;
  core::SystemClock system_clock;

  mutable std::mutex mutex;
  std::int64_t credit;
  std::size_t charges = 0;
  std::map<std::string, DomainState, std::less<>> domains;
  std::map<std::string, int, std::less<>> pending_syncs;
  std::uint64_t codes_issued = 0;

  // ---- plumbing ---------------------------------------------------------------------------

  core::TimePoint now() const {
    return options.clock != nullptr ? options.clock->now() : system_clock.now();
  }
  sys_days today() const { return std::chrono::floor<std::chrono::days>(now()); }

  bool authenticated(const SimRequest& request) const {
    const std::optional<std::string> username = request.header("username");
    const std::optional<std::string> token = request.header("token");
    if (!username || !token || *username != options.email) return false;
    const core::TimePoint at = now();
    const int leeway = options.leeway_hours > 0 ? 1 : 0;
    for (int hours = -leeway; hours <= leeway; ++hours) {
      const std::string expected =
          expected_token(options.email, options.api_key, at + std::chrono::hours(hours));
      if (core::crypto::constant_time_equal(*token, expected)) return true;
    }
    return false;
  }

  SimResponse serve(const SimRequest& request, const Route* route) {
    std::lock_guard lock(mutex);
    if (!authenticated(request)) return error("Invalid authentication token");
    if (request.method != "GET" && request.method != "POST") {
      return error("Unsupported HTTP method " + request.method);
    }
    const Action action =
        route == nullptr ? nullptr : (request.method == "GET" ? route->get : route->post);
    if (action == nullptr) return error("Unsupported API action");

    // PHP fills $_POST only for a form body; a GET's parameters are never read.
    const PhpValue form =
        request.method == "POST" && is_form(request) ? parse_php_form(request.body) : PhpValue();
    Call call{request, form, {}};
    if (const auto found = request.params.find("domain"); found != request.params.end()) {
      call.domain = lowercase(found->second);
      const std::optional<std::string> named = form.string_at({"domain"});
      if (named && !named->empty() && lowercase(*named) != call.domain) {
        return error("The domain field does not match the domain in the path");
      }
    }
    return (this->*action)(call);
  }

  static bool is_form(const SimRequest& request) {
    const std::optional<std::string> type = request.header("Content-Type");
    if (!type) return false;
    const std::string media = lowercase(type->substr(0, type->find(';')));
    const std::size_t end = media.find_last_not_of(" \t");
    return media.substr(0, end == std::string::npos ? 0 : end + 1) ==
           "application/x-www-form-urlencoded";
  }

  // The WHMCS status as reported now: an Active domain past its expiry date has Expired.
  std::string status_of(const DomainState& domain) const {
    if (domain.status == "Active" && domain.expires_on != sys_days{} &&
        domain.expires_on < today()) {
      return "Expired";
    }
    return domain.status;
  }

  std::string expiry_text(const DomainState& domain) const {
    // WHMCS keeps an unknown date as 0000-00-00 (a transfer that has not completed).
    return domain.expires_on == sys_days{} ? "0000-00-00" : date_text(domain.expires_on);
  }

  // The longest listed suffix of `name`, e.g. ".co.ke".
  const TldPrice* price_of(std::string_view name, std::string* tld = nullptr) const {
    for (std::size_t dot = name.find('.'); dot != std::string_view::npos;
         dot = name.find('.', dot + 1)) {
      const auto found = options.prices.find(std::string(name.substr(dot)));
      if (found != options.prices.end()) {
        if (tld != nullptr) *tld = found->first;
        return &found->second;
      }
    }
    return nullptr;
  }

  std::optional<std::int64_t> premium_price(const std::string& name) const {
    for (const auto& [premium, price] : options.premium) {
      if (lowercase(premium) == name) return price;
    }
    return std::nullopt;
  }

  // Registered anywhere: elsewhere (taken) or in this account and not deleted.
  bool registered(const std::string& name) const {
    if (options.taken.contains(name)) return true;
    const auto found = domains.find(name);
    return found != domains.end() && found->second.status != "Cancelled";
  }

  std::string new_auth_code(std::string_view name) {
    const std::string digest = core::crypto::hex(
        core::crypto::sha256(std::string(name) + ":" + std::to_string(++codes_issued)));
    return "Ep" + digest.substr(0, 6) + "-" + digest.substr(6, 6) + "!";
  }

  // A domain of the account for a domain route, or the error to answer.
  std::pair<DomainState*, std::optional<SimResponse>> find_domain(const Call& call) {
    const auto found = domains.find(call.domain);
    if (found == domains.end()) return {nullptr, error("Domain not found")};
    return {&found->second, std::nullopt};
  }

  std::optional<SimResponse> require_active(const DomainState& domain) const {
    const std::string status = status_of(domain);
    if (status == "Active") return std::nullopt;
    return error("The domain must be Active for this action (status: " + status + ")");
  }

  bool charge(std::int64_t amount) {
    if (credit < amount) return false;
    credit -= amount;
    ++charges;
    return true;
  }

  // ---- form readers -----------------------------------------------------------------------

  static std::optional<std::string> read_years(const PhpValue& form, int& years) {
    const std::optional<std::string> text = form.string_at({"regperiod"});
    if (!text || text->empty()) return "regperiod is required";
    const auto value = whole_number(*text);
    if (!value || *value < 1 || *value > kMaxYears) {
      return "regperiod must be a whole number of years from 1 to " + std::to_string(kMaxYears);
    }
    years = static_cast<int>(*value);
    return std::nullopt;
  }

  static std::optional<std::string> read_order_domain(const PhpValue& form, std::string& name) {
    const std::optional<std::string> text = form.string_at({"domain"});
    if (!text || text->empty()) return "domain is required";
    name = lowercase(*text);
    if (!is_host_name(name)) return "domain is invalid";
    return std::nullopt;
  }

  // addons[dnsmanagement|emailforwarding|idprotection]: absent means off.
  static std::optional<std::string> read_addons(const PhpValue& form, DomainState* domain) {
    const PhpValue* addons = form.find("addons");
    if (addons == nullptr) return std::nullopt;
    if (!addons->is_array()) return "addons must be an array";
    const std::array<std::pair<std::string_view, bool DomainState::*>, 3> flags = {{
        {"dnsmanagement", &DomainState::dns_management},
        {"emailforwarding", &DomainState::email_forwarding},
        {"idprotection", &DomainState::id_protection},
    }};
    for (const auto& [key, member] : flags) {
      const std::optional<std::string> value = addons->string_at({key});
      if (value && *value != "1" && *value != "0" && !value->empty()) {
        return "addons[" + std::string(key) + "] must be 0 or 1";
      }
      if (domain != nullptr) domain->*member = value && *value == "1";
    }
    return std::nullopt;
  }

  // nameservers[0..4] (older client) or nameservers[ns1..ns5] (newer); empty slots are absent.
  static std::optional<std::string> read_order_nameservers(const PhpValue& form,
                                                           std::vector<std::string>& out) {
    const PhpValue* list = form.find("nameservers");
    if (list == nullptr || !list->is_array()) return "nameservers is required";
    std::array<std::string, 5> slots;
    for (const PhpValue::Entry& entry : list->entries()) {
      std::optional<std::size_t> slot;
      if (entry.key.size() == 1 && entry.key[0] >= '0' && entry.key[0] <= '4') {
        slot = static_cast<std::size_t>(entry.key[0] - '0');
      } else if (entry.key.size() == 3 && entry.key.starts_with("ns") && entry.key[2] >= '1' &&
                 entry.key[2] <= '5') {
        slot = static_cast<std::size_t>(entry.key[2] - '1');
      }
      if (!slot || !entry.value.is_string()) continue;  // PHP code reads only these keys
      slots[*slot] = entry.value.text();
    }
    out.clear();
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (slots[i].empty()) continue;
      const std::string host = lowercase(slots[i]);
      if (!is_host_name(host)) return "nameservers[ns" + std::to_string(i + 1) + "] is invalid";
      out.push_back(host);
    }
    if (out.empty()) return "nameservers is required";
    return std::nullopt;
  }

  static std::optional<std::string> read_order_contacts(
      const PhpValue& form, std::map<std::string, core::Contact>& contacts) {
    const PhpValue* blocks = form.find("contacts");
    if (blocks == nullptr || !blocks->is_array() || blocks->find("registrant") == nullptr) {
      return "contacts[registrant] is required";
    }
    for (const std::string_view role : kRoles) {
      const std::string key = lowercase(role);
      const PhpValue* block = blocks->find(key);
      if (block == nullptr) continue;
      core::Contact contact;
      if (auto problem = read_contact(*block, "contacts[" + key + "]", false, contact)) {
        return problem;
      }
      contacts[std::string(role)] = std::move(contact);
    }
    // Roles not given are the registrant's.
    for (const std::string_view role : kRoles) {
      if (!contacts.contains(std::string(role))) {
        contacts[std::string(role)] = contacts.at("Registrant");
      }
    }
    return std::nullopt;
  }

  static std::optional<std::string> read_domain_fields(const PhpValue& form) {
    const std::optional<std::string> fields = form.string_at({"domainfields"});
    if (!fields) return std::nullopt;
    const std::optional<std::string> decoded = core::crypto::from_base64(*fields);
    if (!decoded || !SerializedReader(*decoded).whole_array()) {
      return "domainfields must be base64 of a serialized PHP array";
    }
    return std::nullopt;
  }

  // What register and transfer share: the order's domain, years and everything it carries.
  std::optional<std::string> read_order(const PhpValue& form, DomainState& domain, int& years) {
    if (auto problem = read_order_domain(form, domain.name)) return problem;
    if (auto problem = read_years(form, years)) return problem;
    if (price_of(domain.name) == nullptr) {
      const std::size_t dot = domain.name.find('.');
      return "Invalid domain extension: " + domain.name.substr(dot) + " is not offered";
    }
    if (auto problem = read_order_contacts(form, domain.contacts)) return problem;
    if (auto problem = read_order_nameservers(form, domain.nameservers)) return problem;
    if (auto problem = read_addons(form, &domain)) return problem;
    if (auto problem = read_domain_fields(form)) return problem;
    return std::nullopt;
  }

  // ---- order routes -----------------------------------------------------------------------

  SimResponse lookup(const Call& call) {
    const std::optional<std::string> search = call.form.string_at({"searchTerm"});
    if (!search || search->empty()) return error("searchTerm is required");
    const PhpValue* tlds = call.form.find("tldsToInclude");
    if (tlds == nullptr || !tlds->is_array() || tlds->size() == 0) {
      return error("tldsToInclude is required");
    }
    const std::optional<std::string> puny = call.form.string_at({"punyCodeSearchTerm"});
    const bool idn = call.form.string_at({"isIdnDomain"}) == "1";
    const std::string label = lowercase(idn && puny && !puny->empty() ? *puny : *search);
    const bool premium_enabled = call.form.string_at({"premiumEnabled"}) == "1";

    JsonBody body;
    auto& out = body.out();
    out.StartArray();
    for (const PhpValue::Entry& entry : tlds->entries()) {
      if (!entry.value.is_string() || entry.value.text().empty()) continue;
      const std::string& tld = entry.value.text();
      const std::string suffix = lowercase(tld.front() == '.' ? tld : "." + tld);
      const std::string name = label + suffix;
      const std::optional<std::int64_t> premium = premium_price(name);
      std::string status = "available";
      if (!is_label(label) || !options.prices.contains(suffix)) {
        status = is_label(label) ? "unsupported" : "unknown";
      } else if (registered(name)) {
        status = "registered";
      } else if (premium && !premium_enabled) {
        status = "reserved";
      }
      out.StartObject();
      core::json::write(out, "sld", label);
      core::json::write(out, "tld", tld);
      core::json::write(out, "status", status);
      if (premium && status == "available") {
        core::json::key(out, "premiumCostPricing");
        out.StartObject();
        core::json::write(out, "register", money_text(*premium));
        core::json::write(out, "renew", money_text(*premium));
        core::json::write(out, "CurrencyCode", options.currency);
        out.EndObject();
      }
      out.EndObject();
    }
    out.EndArray();
    return body.response();
  }

  SimResponse register_domain(const Call& call) {
    DomainState domain;
    int years = 1;
    if (auto problem = read_order(call.form, domain, years)) return error(*problem);
    if (registered(domain.name)) return error("Domain is not available for registration");
    const std::int64_t yearly =
        premium_price(domain.name).value_or(price_of(domain.name)->register_minor);
    if (!charge(yearly * years)) return error("Insufficient credit balance");
    domain.status = "Active";
    domain.expires_on = add_years(today(), years);
    domain.epp_code = new_auth_code(domain.name);
    domains[domain.name] = std::move(domain);
    return success();
  }

  SimResponse transfer_domain(const Call& call) {
    DomainState domain;
    int years = 1;
    if (auto problem = read_order(call.form, domain, years)) return error(*problem);
    const std::optional<std::string> auth_code = call.form.string_at({"eppcode"});
    if (!auth_code || auth_code->empty()) return error("eppcode is required");
    if (const auto found = domains.find(domain.name); found != domains.end() &&
                                                      found->second.status != "Cancelled" &&
                                                      found->second.status != "Transferred Away") {
      return error("Domain is already registered in your account");
    }
    if (!charge(price_of(domain.name)->transfer_minor * years)) {
      return error("Insufficient credit balance");
    }
    domain.status = "Pending Transfer";
    domain.transfer_auth_code = *auth_code;
    domain.transfer_years = years;
    pending_syncs.erase(domain.name);
    domains[domain.name] = std::move(domain);
    return success();
  }

  SimResponse renew_domain(const Call& call) {
    std::string name;
    int years = 1;
    if (auto problem = read_order_domain(call.form, name)) return error(*problem);
    if (auto problem = read_years(call.form, years)) return error(*problem);
    if (auto problem = read_addons(call.form, nullptr)) return error(*problem);
    const auto found = domains.find(name);
    if (found == domains.end()) return error("Domain not found");
    DomainState& domain = found->second;
    const std::string status = status_of(domain);
    if (status != "Active" && status != "Expired" && status != "Grace") {
      return error("The domain must be Active or Expired to be renewed (status: " + status + ")");
    }
    const sys_days renewed_to = add_years(domain.expires_on, years);
    if (renewed_to > add_years(today(), kMaxYears)) {
      return error("The registration period must not exceed " + std::to_string(kMaxYears) +
                   " years");
    }
    const TldPrice* price = price_of(name);
    if (price == nullptr) return error("Invalid domain extension: it is not offered");
    if (!charge(premium_price(name).value_or(price->renew_minor) * years)) {
      return error("Insufficient credit balance");
    }
    domain.expires_on = renewed_to;
    domain.status = "Active";
    return success();
  }

  // ---- account routes ---------------------------------------------------------------------

  SimResponse credits(const Call&) { return bare_string(money_text(credit)); }

  SimResponse pricing(const Call&) {
    JsonBody body;
    auto& out = body.out();
    out.StartArray();
    for (const auto& [tld, price] : options.prices) {
      out.StartObject();
      core::json::write(out, "tld", tld);
      core::json::write(out, "registrationPrice", money_text(price.register_minor));
      core::json::write(out, "renewalPrice", money_text(price.renew_minor));
      core::json::write(out, "transferPrice", money_text(price.transfer_minor));
      core::json::write(out, "currencyCode", options.currency);
      core::json::write(out, "years", 1);
      out.EndObject();
    }
    out.EndArray();
    return body.response();
  }

  // ---- domain routes ----------------------------------------------------------------------

  SimResponse information(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::write(out, "domain", domain->name);
    core::json::write(out, "status", status_of(*domain));
    core::json::write(out, "expiryDate", expiry_text(*domain));
    core::json::key(out, "nameservers");
    out.StartArray();
    for (const std::string& host : domain->nameservers)
      core::json::string(out, host);
    out.EndArray();
    core::json::write(out, "transferLock", domain->locked);
    core::json::write(out, "idProtectionStatus", domain->id_protection);
    core::json::write(out, "dnsManagementStatus", domain->dns_management);
    core::json::write(out, "emailForwardingStatus", domain->email_forwarding);
    out.EndObject();
    return body.response();
  }

  SimResponse epp_code(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    const std::string status = status_of(*domain);
    if (status != "Active" && status != "Expired") {
      return error("The domain must be Active to read its EPP code (status: " + status + ")");
    }
    JsonBody body;
    body.out().StartObject();
    core::json::write(body.out(), "eppcode", domain->epp_code);
    body.out().EndObject();
    return body.response();
  }

  SimResponse get_contacts(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    for (const std::string_view role : kRoles) {
      const auto found = domain->contacts.find(std::string(role));
      if (found == domain->contacts.end()) continue;
      core::json::key(out, role);
      out.StartObject();
      for (const ContactField& field : kContactFields) {
        std::string key(field.whmcs_key);
        std::replace(key.begin(), key.end(), ' ', '_');
        core::json::write(out, key, found->second.*field.member);
      }
      out.EndObject();
    }
    out.EndObject();
    return body.response();
  }

  SimResponse save_contacts(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (auto inactive = require_active(*domain)) return *inactive;
    const PhpValue* details = call.form.find("contactdetails");
    if (details == nullptr || !details->is_array() || details->size() == 0) {
      return error("contactdetails is required");
    }
    std::map<std::string, core::Contact> updated;
    for (const PhpValue::Entry& entry : details->entries()) {
      if (std::find(kRoles.begin(), kRoles.end(), entry.key) == kRoles.end()) {
        return error("contactdetails[" + entry.key +
                     "] is invalid: the contact types are Registrant, Admin, Tech and Billing");
      }
      core::Contact contact;
      if (auto problem =
              read_contact(entry.value, "contactdetails[" + entry.key + "]", true, contact)) {
        return error(*problem);
      }
      updated[entry.key] = std::move(contact);
    }
    for (auto& [role, contact] : updated)
      domain->contacts[role] = std::move(contact);
    return success();
  }

  SimResponse get_lock(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    return bare_string(domain->locked ? "locked" : "unlocked");
  }

  SimResponse save_lock(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (auto inactive = require_active(*domain)) return *inactive;
    const std::optional<std::string> status = call.form.string_at({"lockstatus"});
    if (!status || status->empty()) return error("lockstatus is required");
    if (*status != "locked" && *status != "unlocked") {
      return error("lockstatus must be locked or unlocked");
    }
    domain->locked = *status == "locked";
    return success();
  }

  SimResponse get_dns(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (!domain->dns_management) return error("DNS management must be enabled for this domain");
    JsonBody body;
    auto& out = body.out();
    out.StartArray();
    for (const ZoneRecord& record : domain->zone) {
      out.StartObject();
      core::json::write(out, "hostname", record.hostname);
      core::json::write(out, "type", record.type);
      core::json::write(out, "address", record.address);
      core::json::write(out, "priority", record.priority);
      if (record.ttl) core::json::write(out, "ttl", *record.ttl);
      out.EndObject();
    }
    out.EndArray();
    return body.response();
  }

  // The whole zone replaces the old one. http_build_query drops an empty array, so a body
  // without `dnsrecords` empties the zone.
  SimResponse save_dns(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (auto inactive = require_active(*domain)) return *inactive;
    if (!domain->dns_management) return error("DNS management must be enabled for this domain");
    std::vector<ZoneRecord> zone;
    if (const PhpValue* records = call.form.find("dnsrecords")) {
      if (!records->is_array()) return error("dnsrecords must be a list of records");
      for (const PhpValue::Entry& entry : records->entries()) {
        const std::string label = "dnsrecords[" + entry.key + "]";
        if (!entry.value.is_array()) return error(label + " must be a record");
        const PhpValue& fields = entry.value;
        ZoneRecord record{fields.string_at({"hostname"}).value_or(""),
                          fields.string_at({"type"}).value_or(""),
                          fields.string_at({"address"}).value_or(""),
                          fields.string_at({"priority"}).value_or(""), fields.string_at({"ttl"})};
        if (record.priority.empty()) record.priority = "N/A";
        if (auto problem = check_record(record, label)) return error(*problem);
        zone.push_back(std::move(record));
      }
    }
    domain->zone = std::move(zone);
    return success();
  }

  SimResponse get_email(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (!domain->email_forwarding) {
      return error("Email forwarding must be enabled for this domain");
    }
    JsonBody body;
    auto& out = body.out();
    out.StartArray();
    for (const core::EmailForward& forward : domain->forwards) {
      out.StartObject();
      core::json::write(out, "prefix", forward.prefix);
      core::json::write(out, "forwardto", forward.forward_to);
      out.EndObject();
    }
    out.EndArray();
    return body.response();
  }

  // Parallel arrays prefix[i] and forwardto[i]; the whole set replaces the old one. Rows left
  // blank (as the WHMCS form posts them) are skipped.
  SimResponse save_email(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (auto inactive = require_active(*domain)) return *inactive;
    if (!domain->email_forwarding) {
      return error("Email forwarding must be enabled for this domain");
    }
    const PhpValue empty;
    const PhpValue* prefixes = call.form.find("prefix");
    const PhpValue* targets = call.form.find("forwardto");
    if (prefixes == nullptr) prefixes = &empty;
    if (targets == nullptr) targets = &empty;
    if (!prefixes->is_array() || !targets->is_array()) {
      return error("prefix and forwardto must be lists");
    }
    std::vector<core::EmailForward> forwards;
    for (const PhpValue::Entry& entry : prefixes->entries()) {
      const std::string prefix = entry.value.is_string() ? entry.value.text() : "";
      const std::string target = targets->string_at({entry.key}).value_or("");
      if (prefix.empty() && target.empty()) continue;
      if (prefix.empty()) return error("prefix[" + entry.key + "] is required");
      if (prefix.find_first_of("@ \t") != std::string::npos) {
        return error("prefix[" + entry.key + "] is invalid");
      }
      if (target.empty()) return error("forwardto[" + entry.key + "] is required");
      if (!is_email(target)) return error("forwardto[" + entry.key + "] is invalid");
      forwards.push_back({prefix, target});
    }
    for (const PhpValue::Entry& entry : targets->entries()) {
      if (prefixes->find(entry.key) == nullptr && entry.value.is_string() &&
          !entry.value.text().empty()) {
        return error("prefix[" + entry.key + "] is required");
      }
    }
    domain->forwards = std::move(forwards);
    return success();
  }

  SimResponse protect_id(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (auto inactive = require_active(*domain)) return *inactive;
    const std::optional<std::string> status = call.form.string_at({"status"});
    if (!status || status->empty()) return error("status is required");
    if (*status != "1" && *status != "0") return error("status must be 1 or 0");
    domain->id_protection = *status == "1";
    return success();
  }

  SimResponse get_nameservers(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    for (std::size_t i = 0; i < domain->nameservers.size(); ++i)
      core::json::write(out, "ns" + std::to_string(i + 1), domain->nameservers[i]);
    out.EndObject();
    return body.response();
  }

  // ns1 and ns2 required, ns3..ns5 optional; an empty value is an absent one.
  SimResponse save_nameservers(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (auto inactive = require_active(*domain)) return *inactive;
    std::vector<std::string> hosts;
    for (int i = 1; i <= 5; ++i) {
      const std::string key = "ns" + std::to_string(i);
      const std::string host = lowercase(call.form.string_at({key}).value_or(""));
      if (host.empty()) {
        if (i <= 2) return error(key + " is required");
        continue;
      }
      if (!is_host_name(host)) return error(key + " is invalid");
      hosts.push_back(host);
    }
    domain->nameservers = std::move(hosts);
    return success();
  }

  // A glue host must be inside the domain: ns1.example.com for example.com.
  static std::optional<std::string> read_glue_host(const Call& call, std::string& host) {
    const std::optional<std::string> text = call.form.string_at({"nameserver"});
    if (!text || text->empty()) return "nameserver is required";
    host = lowercase(*text);
    if (!is_host_name(host) || !host.ends_with("." + call.domain)) {
      return "nameserver must be a host name under " + call.domain;
    }
    return std::nullopt;
  }

  static std::optional<std::string> read_address(const Call& call, const std::string& key,
                                                 std::string& address) {
    const std::optional<std::string> text = call.form.string_at({key});
    if (!text || text->empty()) return key + " is required";
    if (!is_ipv4(*text) && !is_ipv6(*text)) return key + " must be an IPv4 or IPv6 address";
    address = *text;
    return std::nullopt;
  }

  static std::vector<core::GlueRecord>::iterator find_glue(DomainState& domain,
                                                           const std::string& host) {
    return std::find_if(domain.glue.begin(), domain.glue.end(),
                        [&](const core::GlueRecord& glue) { return glue.host == host; });
  }

  SimResponse register_glue(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (auto inactive = require_active(*domain)) return *inactive;
    std::string host;
    std::string address;
    if (auto problem = read_glue_host(call, host)) return error(*problem);
    if (auto problem = read_address(call, "ipaddress", address)) return error(*problem);
    if (find_glue(*domain, host) != domain->glue.end()) {
      return error("The nameserver " + host + " is already registered");
    }
    domain->glue.push_back({host, address});
    return success();
  }

  SimResponse modify_glue(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (auto inactive = require_active(*domain)) return *inactive;
    std::string host;
    std::string current;
    std::string replacement;
    if (auto problem = read_glue_host(call, host)) return error(*problem);
    if (auto problem = read_address(call, "currentipaddress", current)) return error(*problem);
    if (auto problem = read_address(call, "newipaddress", replacement)) return error(*problem);
    const auto found = find_glue(*domain, host);
    if (found == domain->glue.end()) return error("Nameserver " + host + " not found");
    if (found->address != current) {
      return error("currentipaddress is invalid: it does not match the registered address");
    }
    found->address = replacement;
    return success();
  }

  SimResponse delete_glue(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (auto inactive = require_active(*domain)) return *inactive;
    std::string host;
    if (auto problem = read_glue_host(call, host)) return error(*problem);
    const auto found = find_glue(*domain, host);
    if (found == domain->glue.end()) return error("Nameserver " + host + " not found");
    domain->glue.erase(found);
    return success();
  }

  SimResponse release(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (auto inactive = require_active(*domain)) return *inactive;
    const std::optional<std::string> tag = call.form.string_at({"transfertag"});
    if (!tag || tag->empty()) return error("transfertag is required");
    domain->release_tag = *tag;
    domain->status = "Transferred Away";
    return success();
  }

  SimResponse remove(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    if (domain->status == "Cancelled" || domain->status == "Transferred Away") {
      return error("The domain must be in the account to be deleted (status: " + domain->status +
                   ")");
    }
    domain->status = "Cancelled";
    return success();
  }

  // The WHMCS Sync contract.
  SimResponse sync(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    const std::string status = status_of(*domain);
    JsonBody body;
    auto& out = body.out();
    out.StartObject();
    core::json::write(out, "active", status == "Active");
    core::json::write(out, "expired", status == "Expired");
    core::json::write(out, "expirydate", expiry_text(*domain));
    core::json::write(out, "transferredAway", status == "Transferred Away");
    out.EndObject();
    return body.response();
  }

  // The WHMCS TransferSync contract: {} while pending, then completed or failed.
  SimResponse transfer_sync(const Call& call) {
    auto [domain, failure] = find_domain(call);
    if (failure) return *failure;
    JsonBody body;
    auto& out = body.out();
    if (domain->status == "Pending Transfer") {
      int& seen = pending_syncs[domain->name];
      if (seen < options.transfer_pending_syncs) {
        ++seen;
        out.StartObject();
        out.EndObject();
        return body.response();
      }
      pending_syncs.erase(domain->name);
      if (lowercase(domain->transfer_auth_code).starts_with("fail")) {
        domain->status = "Cancelled";
        domain->transfer_failure =
            "The losing registrar rejected the transfer: invalid authorization code";
      } else {
        domain->status = "Active";
        domain->expires_on = add_years(today(), domain->transfer_years);
        domain->epp_code = new_auth_code(domain->name);
      }
    }
    if (!domain->transfer_failure.empty()) {
      out.StartObject();
      core::json::write(out, "failed", true);
      core::json::write(out, "reason", domain->transfer_failure);
      out.EndObject();
      return body.response();
    }
    if (status_of(*domain) == "Active" || status_of(*domain) == "Expired") {
      out.StartObject();
      core::json::write(out, "completed", true);
      core::json::write(out, "expirydate", expiry_text(*domain));
      out.EndObject();
      return body.response();
    }
    return error("The domain has no transfer in progress (status: " + status_of(*domain) + ")");
  }
};

const std::vector<Simulator::State::Route>& Simulator::State::routes() {
  static const std::vector<Route> table = {
      {"domains/lookup", nullptr, &State::lookup},
      {"order/domains/register", nullptr, &State::register_domain},
      {"order/domains/transfer", nullptr, &State::transfer_domain},
      {"order/domains/renew", nullptr, &State::renew_domain},
      {"billing/credits", &State::credits, nullptr},
      {"tlds/pricing", &State::pricing, nullptr},
      {"domains/{domain}/information", &State::information, nullptr},
      {"domains/{domain}/eppcode", &State::epp_code, nullptr},
      {"domains/{domain}/contact", &State::get_contacts, &State::save_contacts},
      {"domains/{domain}/lock", &State::get_lock, &State::save_lock},
      {"domains/{domain}/dns", &State::get_dns, &State::save_dns},
      {"domains/{domain}/email", &State::get_email, &State::save_email},
      {"domains/{domain}/protectid", nullptr, &State::protect_id},
      {"domains/{domain}/nameservers", &State::get_nameservers, &State::save_nameservers},
      {"domains/{domain}/nameservers/register", nullptr, &State::register_glue},
      {"domains/{domain}/nameservers/modify", nullptr, &State::modify_glue},
      {"domains/{domain}/nameservers/delete", nullptr, &State::delete_glue},
      {"domains/{domain}/release", nullptr, &State::release},
      {"domains/{domain}/delete", nullptr, &State::remove},
      {"domains/{domain}/sync", nullptr, &State::sync},
      {"domains/{domain}/transfersync", nullptr, &State::transfer_sync},
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

std::int64_t Simulator::credit_minor() const {
  std::lock_guard lock(state_->mutex);
  return state_->credit;
}

void Simulator::set_credit_minor(std::int64_t amount) {
  std::lock_guard lock(state_->mutex);
  state_->credit = amount;
}

std::size_t Simulator::charges() const {
  std::lock_guard lock(state_->mutex);
  return state_->charges;
}

std::optional<DomainState> Simulator::domain(std::string_view name) const {
  std::lock_guard lock(state_->mutex);
  const auto found = state_->domains.find(lowercase(name));
  if (found == state_->domains.end()) return std::nullopt;
  DomainState copy = found->second;
  copy.status = state_->status_of(found->second);
  return copy;
}

void Simulator::add_domain(DomainState domain) {
  std::lock_guard lock(state_->mutex);
  domain.name = lowercase(domain.name);
  if (domain.epp_code.empty()) domain.epp_code = state_->new_auth_code(domain.name);
  state_->domains[domain.name] = std::move(domain);
}

bool Simulator::mark_transferred_away(std::string_view name) {
  std::lock_guard lock(state_->mutex);
  const auto found = state_->domains.find(lowercase(name));
  if (found == state_->domains.end()) return false;
  found->second.status = "Transferred Away";
  return true;
}

bool Simulator::set_expiry(std::string_view name, std::chrono::sys_days expires_on) {
  std::lock_guard lock(state_->mutex);
  const auto found = state_->domains.find(lowercase(name));
  if (found == state_->domains.end()) return false;
  found->second.expires_on = expires_on;
  return true;
}

}  // namespace portico::sim::hostraha
