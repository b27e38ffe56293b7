#include "hostraha/mapping.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>

#include "portico/core/clock.hpp"
#include "portico/core/json.hpp"
#include "portico/core/names.hpp"
#include "portico/core/text.hpp"

namespace portico::adapters::hostraha {

namespace {

using core::json::member;
using core::text::lowercase;
using core::text::trim;
using core::text::uppercase;

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// A scalar as text: PHP servers send numbers and strings interchangeably.
std::optional<std::string> text_of(const rapidjson::Value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->IsString()) return std::string(value->GetString(), value->GetStringLength());
  if (value->IsInt64()) return std::to_string(value->GetInt64());
  if (value->IsUint64()) return std::to_string(value->GetUint64());
  return std::nullopt;
}

std::string text_or_empty(const rapidjson::Value& object, std::string_view name) {
  return text_of(member(object, name)).value_or("");
}

std::optional<std::int64_t> integer_of(const rapidjson::Value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->IsInt64()) return value->GetInt64();
  if (value->IsString()) {
    const std::string_view text = trim({value->GetString(), value->GetStringLength()});
    std::int64_t out = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (error == std::errc() && end == text.data() + text.size() && !text.empty()) return out;
  }
  return std::nullopt;
}

// PHP booleans arrive as true/false, 1/0 or "1"/"0"/"true"/"false".
bool truthy(const rapidjson::Value* value) {
  if (value == nullptr || value->IsNull()) return false;
  if (value->IsBool()) return value->GetBool();
  if (value->IsNumber()) return value->GetDouble() != 0;
  if (value->IsString()) {
    const std::string text = lowercase(trim({value->GetString(), value->GetStringLength()}));
    return !text.empty() && text != "0" && text != "false" && text != "no" && text != "off";
  }
  if (value->IsArray()) return !value->Empty();
  if (value->IsObject()) return value->MemberCount() > 0;
  return false;
}

// The items of a PHP list: json_encode writes an array, or an object when the keys are not
// 0..n-1 (after an unset()), so both are read in order.
bool for_each_item(const rapidjson::Value& list,
                   const std::function<void(const rapidjson::Value&)>& visit) {
  if (list.IsArray()) {
    for (const auto& item : list.GetArray())
      visit(item);
    return true;
  }
  if (list.IsObject()) {
    for (const auto& entry : list.GetObject())
      visit(entry.value);
    return true;
  }
  return false;
}

// WHMCS contact keys: "First Name" on the way in, "First_Name" in answers.
struct ContactField {
  std::string_view registration_key;
  std::string_view whmcs_key;
  std::string core::Contact::*field;
};

constexpr std::array<ContactField, 11> kContactFields{{
    {"firstname", "First Name", &core::Contact::first_name},
    {"lastname", "Last Name", &core::Contact::last_name},
    {"companyname", "Company Name", &core::Contact::organization},
    {"email", "Email Address", &core::Contact::email},
    {"address1", "Address 1", &core::Contact::address1},
    {"address2", "Address 2", &core::Contact::address2},
    {"city", "City", &core::Contact::city},
    {"state", "State", &core::Contact::state},
    {"postcode", "Postcode", &core::Contact::postcode},
    {"country", "Country", &core::Contact::country},
    {"phonenumber", "Phone Number", &core::Contact::phone},
}};

PhpForm whmcs_contact(const core::Contact& contact) {
  PhpForm form;
  for (const auto& field : kContactFields)
    form.add(field.whmcs_key, contact.*field.field);
  return form;
}

std::optional<core::Contact> contact_from_whmcs(const rapidjson::Value& block) {
  if (!block.IsObject()) return std::nullopt;
  core::Contact contact;
  for (const auto& field : kContactFields) {
    std::string underscored(field.whmcs_key);
    std::replace(underscored.begin(), underscored.end(), ' ', '_');
    // Underscores as the contract says; the spaced form too, which costs nothing to accept.
    auto value = text_of(member(block, underscored));
    if (!value) value = text_of(member(block, field.whmcs_key));
    contact.*field.field = value.value_or("");
  }
  return contact;
}

bool is_host_valued(core::DnsRecordType type) {
  using core::DnsRecordType;
  return type == DnsRecordType::cname || type == DnsRecordType::mx || type == DnsRecordType::ns ||
         type == DnsRecordType::srv;
}

std::string host_key(std::string_view host) {
  std::string out = lowercase(trim(host));
  if (out.size() > 1 && out.back() == '.') out.pop_back();
  if (out.empty()) out = "@";
  return out;
}

std::vector<std::string_view> split_spaces(std::string_view text, std::size_t max_parts) {
  std::vector<std::string_view> parts;
  text = trim(text);
  while (!text.empty() && parts.size() + 1 < max_parts) {
    const auto space = text.find_first_of(" \t");
    if (space == std::string_view::npos) break;
    parts.push_back(text.substr(0, space));
    text = trim(text.substr(space));
  }
  if (!text.empty()) parts.push_back(text);
  return parts;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  text = trim(text);
  std::int64_t out = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

std::string strip_dot(std::string_view tld) {
  tld = trim(tld);
  if (!tld.empty() && tld.front() == '.') tld.remove_prefix(1);
  return lowercase(tld);
}

}  // namespace

// ---- errors ---------------------------------------------------------------------------------

core::Error error_from_message(std::string_view supplier_message) {
  const std::string text = lowercase(supplier_message);
  const auto any = [&](std::initializer_list<std::string_view> needles) {
    return std::any_of(needles.begin(), needles.end(),
                       [&](std::string_view needle) { return contains(text, needle); });
  };
  if (any({"insufficient"})) {
    return core::Error::upstream(503, "supplier_insufficient_funds",
                                 "The supplier account does not have enough credit for this "
                                 "operation.");
  }
  if (any({"not available", "unavailable", "already registered", "taken"})) {
    return core::Error::conflict("domain_unavailable", "The domain is not available.");
  }
  if (any({"not found", "does not exist", "not in your account"})) {
    core::Error error = core::Error::invalid_request(
        "not_found_at_supplier", "The supplier does not hold this domain in the account.");
    error.status = 404;
    return error;
  }
  if (any({"extension", "not offered", "tld not supported"})) {
    return core::Error::unprocessable("unsupported_tld",
                                      "Domains with this ending are not offered.", "name");
  }
  if (any({"authentication", "token", "unauthori", "username"})) {
    return core::Error::upstream(502, "upstream_authentication_failed",
                                 "The supplier refused the gateway's credentials.");
  }
  if (any({"invalid", "required", "must"})) {
    return core::Error::unprocessable("supplier_rejected",
                                      "The supplier rejected the request as invalid.");
  }
  return core::Error::upstream(502, "upstream_refused", "The supplier refused the request.");
}

core::Error bad_response(bool write) {
  core::Error error = core::Error::upstream(502, "upstream_bad_response",
                                            "The supplier sent a response that could not be read.");
  error.outcome_unknown = write;
  return error;
}

std::optional<core::Error> error_from_status(int status, int retry_after_seconds, bool write) {
  if (status == 429) {
    core::Error error = core::Error::upstream(
        503, "upstream_rate_limited", "The supplier is limiting requests; try again shortly.");
    error.retry_after_seconds = retry_after_seconds;
    return error;
  }
  if (status < 500 || !write) return std::nullopt;
  core::Error error =
      core::Error::upstream(502, "upstream_error", "The supplier failed to process the call.");
  error.outcome_unknown = true;
  return error;
}

bool is_success(const rapidjson::Value& answer) {
  if (answer.IsObject()) return member(answer, "error") == nullptr;
  if (answer.IsString()) {
    return lowercase(trim({answer.GetString(), answer.GetStringLength()})) == "success";
  }
  return false;
}

// ---- contacts -------------------------------------------------------------------------------

PhpForm registration_contact(const core::Contact& contact) {
  PhpForm form;
  for (const auto& field : kContactFields)
    form.add(field.registration_key, contact.*field.field);
  return form;
}

PhpForm contact_details(const core::DomainContacts& contacts) {
  const core::Contact& registrant = contacts.registrant;
  PhpForm form;
  form.add("Registrant", whmcs_contact(registrant));
  form.add("Admin", whmcs_contact(contacts.admin.value_or(registrant)));
  form.add("Tech", whmcs_contact(contacts.tech.value_or(registrant)));
  form.add("Billing", whmcs_contact(contacts.billing.value_or(registrant)));
  return form;
}

core::Result<core::DomainContacts> contacts_from_answer(const rapidjson::Value& answer) {
  const rapidjson::Value* registrant = member(answer, "Registrant");
  if (registrant == nullptr || !registrant->IsObject()) return bad_response(false);
  core::DomainContacts contacts;
  contacts.registrant = *contact_from_whmcs(*registrant);
  if (const auto* admin = member(answer, "Admin")) contacts.admin = contact_from_whmcs(*admin);
  if (const auto* tech = member(answer, "Tech")) contacts.tech = contact_from_whmcs(*tech);
  if (const auto* billing = member(answer, "Billing")) {
    contacts.billing = contact_from_whmcs(*billing);
  }
  return contacts;
}

// ---- DNS ------------------------------------------------------------------------------------

WhmcsRecord to_whmcs(const core::DnsRecord& record) {
  using core::DnsRecordType;
  WhmcsRecord out;
  out.hostname = record.name.empty() ? "@" : record.name;
  out.type = std::string(core::name_of(record.type));
  out.priority = "N/A";
  out.ttl = record.ttl;
  switch (record.type) {
    case DnsRecordType::mx:
      out.address = record.value;
      out.priority = std::to_string(record.priority.value_or(0));
      break;
    case DnsRecordType::srv:
      out.address = std::to_string(record.weight.value_or(0)) + " " +
                    std::to_string(record.port.value_or(0)) + " " + record.value;
      out.priority = std::to_string(record.priority.value_or(0));
      break;
    case DnsRecordType::caa:
      out.address =
          std::to_string(record.flags.value_or(0)) + " " + record.tag + " \"" + record.value + "\"";
      break;
    default:
      out.address = record.value;
      break;
  }
  return out;
}

std::optional<core::DnsRecord> from_whmcs(const WhmcsRecord& record) {
  using core::DnsRecordType;
  const auto type = core::parse_dns_record_type(uppercase(trim(record.type)));
  if (!type) return std::nullopt;
  core::DnsRecord out;
  out.type = *type;
  out.name = trim(record.hostname).empty() ? "@" : std::string(trim(record.hostname));
  out.ttl = record.ttl.value_or(3600);
  switch (*type) {
    case DnsRecordType::mx: {
      out.priority = parse_integer(record.priority);
      if (!out.priority) return std::nullopt;
      out.value = std::string(trim(record.address));
      break;
    }
    case DnsRecordType::srv: {
      const auto parts = split_spaces(record.address, 3);
      out.priority = parse_integer(record.priority);
      if (parts.size() != 3 || !out.priority) return std::nullopt;
      out.weight = parse_integer(parts[0]);
      out.port = parse_integer(parts[1]);
      if (!out.weight || !out.port) return std::nullopt;
      out.value = std::string(parts[2]);
      break;
    }
    case DnsRecordType::caa: {
      const auto parts = split_spaces(record.address, 3);
      if (parts.size() != 3) return std::nullopt;
      out.flags = parse_integer(parts[0]);
      if (!out.flags) return std::nullopt;
      out.tag = std::string(parts[1]);
      std::string_view value = parts[2];
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      out.value = std::string(value);
      break;
    }
    default:
      out.value = record.address;
      break;
  }
  return out;
}

core::Result<std::vector<WhmcsRecord>> zone_from_answer(const rapidjson::Value& answer) {
  std::vector<WhmcsRecord> zone;
  bool well_formed = true;
  const bool listed = for_each_item(answer, [&](const rapidjson::Value& item) {
    if (!item.IsObject() || !text_of(member(item, "type"))) {
      well_formed = false;
      return;
    }
    WhmcsRecord record;
    record.hostname = text_or_empty(item, "hostname");
    record.type = text_or_empty(item, "type");
    record.address = text_or_empty(item, "address");
    record.priority = text_of(member(item, "priority")).value_or("N/A");
    record.ttl = integer_of(member(item, "ttl"));
    zone.push_back(std::move(record));
  });
  if (!listed || !well_formed) return bad_response(false);
  return zone;
}

PhpForm zone_form(const std::vector<WhmcsRecord>& zone) {
  PhpForm records;
  for (std::size_t i = 0; i < zone.size(); ++i) {
    const WhmcsRecord& record = zone[i];
    PhpForm fields;
    fields.add("hostname", record.hostname)
        .add("type", record.type)
        .add("address", record.address)
        .add("priority", record.priority);
    if (record.ttl) fields.add("ttl", *record.ttl);
    records.add(std::to_string(i), std::move(fields));
  }
  return records;
}

bool same_record(const core::DnsRecord& a, const core::DnsRecord& b) {
  using core::DnsRecordType;
  if (a.type != b.type || host_key(a.name) != host_key(b.name) || a.ttl != b.ttl) return false;
  const bool values_match =
      is_host_valued(a.type) ? host_key(a.value) == host_key(b.value) : a.value == b.value;
  if (!values_match) return false;
  switch (a.type) {
    case DnsRecordType::mx:
      return a.priority == b.priority;
    case DnsRecordType::srv:
      return a.priority == b.priority && a.weight == b.weight && a.port == b.port;
    case DnsRecordType::caa:
      return a.flags == b.flags && lowercase(a.tag) == lowercase(b.tag);
    default:
      return true;
  }
}

// ---- domains --------------------------------------------------------------------------------

core::DomainStatus status_from_word(std::string_view word) {
  using core::DomainStatus;
  const std::string text = lowercase(trim(word));
  if (contains(text, "transferred") || contains(text, "away"))
    return DomainStatus::transferred_away;
  if (contains(text, "transfer")) return DomainStatus::pending_transfer;
  if (contains(text, "pending")) return DomainStatus::pending;
  if (contains(text, "expir") || contains(text, "grace") || contains(text, "redemption")) {
    return DomainStatus::expired;
  }
  if (contains(text, "cancel") || contains(text, "delet") || contains(text, "terminat")) {
    return DomainStatus::deleted;
  }
  if (contains(text, "fraud") || contains(text, "fail")) return DomainStatus::failed;
  if (contains(text, "active")) return DomainStatus::active;
  // A word no rule knows claims nothing: the domain is not known to be usable.
  return DomainStatus::pending;
}

std::optional<core::TimePoint> date_from_text(std::string_view text) {
  text = trim(text);
  if (text.size() != 10) return std::nullopt;
  return core::parse_rfc3339(std::string(text) + "T00:00:00Z");
}

core::Result<core::Domain> domain_from_information(const rapidjson::Value& answer,
                                                   std::string_view name) {
  const auto status = text_of(member(answer, "status"));
  if (!answer.IsObject() || !status) return bad_response(false);
  core::Domain domain;
  domain.name = lowercase(text_of(member(answer, "domain")).value_or(std::string(name)));
  domain.status = status_from_word(*status);
  domain.supplier_status = *status;
  domain.expires_at = date_from_text(text_or_empty(answer, "expiryDate"));
  if (const auto* nameservers = member(answer, "nameservers")) {
    for_each_item(*nameservers, [&](const rapidjson::Value& item) {
      if (auto host = text_of(&item); host && !trim(*host).empty()) {
        domain.nameservers.push_back(lowercase(trim(*host)));
      }
    });
  }
  domain.locked = truthy(member(answer, "transferLock"));
  domain.privacy = truthy(member(answer, "idProtectionStatus"));
  return domain;
}

core::Result<core::Domain> domain_from_sync(const rapidjson::Value& answer, std::string_view name) {
  if (!answer.IsObject()) return bad_response(false);
  core::Domain domain;
  domain.name = std::string(name);
  if (truthy(member(answer, "transferredAway"))) {
    domain.status = core::DomainStatus::transferred_away;
  } else if (truthy(member(answer, "expired"))) {
    domain.status = core::DomainStatus::expired;
  } else if (truthy(member(answer, "active"))) {
    domain.status = core::DomainStatus::active;
  } else {
    domain.status = core::DomainStatus::pending;
  }
  domain.expires_at = date_from_text(text_or_empty(answer, "expirydate"));
  return domain;
}

core::Result<core::TransferStatus> transfer_status_from_answer(const rapidjson::Value& answer) {
  if (!answer.IsObject() && !(answer.IsArray() && answer.Empty())) return bad_response(false);
  core::TransferStatus status;
  if (truthy(member(answer, "completed"))) {
    status.state = core::TransferState::completed;
    status.expires_at = date_from_text(text_or_empty(answer, "expirydate"));
  } else if (truthy(member(answer, "failed"))) {
    status.state = core::TransferState::failed;
    // The supplier's reason may name it; the raw text stays in the audit log.
    const std::string reason = lowercase(text_or_empty(answer, "reason"));
    status.reason = contains(reason, "auth") || contains(reason, "epp") || contains(reason, "code")
                        ? "The registry rejected the transfer's auth code."
                        : "The transfer was refused by the registry or the losing registrar.";
  }
  return status;
}

core::Result<std::vector<std::string>> nameservers_from_answer(const rapidjson::Value& answer) {
  std::vector<std::string> nameservers;
  if (answer.IsArray()) {
    for (const auto& item : answer.GetArray()) {
      if (auto host = text_of(&item); host && !trim(*host).empty()) {
        nameservers.push_back(lowercase(trim(*host)));
      }
    }
    return nameservers;
  }
  if (!answer.IsObject()) return bad_response(false);
  for (int slot = 1; slot <= 13; ++slot) {
    const auto host = text_of(member(answer, "ns" + std::to_string(slot)));
    if (host && !trim(*host).empty()) nameservers.push_back(lowercase(trim(*host)));
  }
  return nameservers;
}

core::Result<bool> lock_from_answer(const rapidjson::Value& answer) {
  const auto word = text_of(&answer);
  if (!word) return bad_response(false);
  const std::string text = lowercase(trim(*word));
  if (text == "locked") return true;
  if (text == "unlocked") return false;
  return bad_response(false);
}

core::Result<std::string> auth_code_from_answer(const rapidjson::Value& answer) {
  const auto code = text_of(member(answer, "eppcode"));
  if (!code || code->empty()) return bad_response(false);
  return *code;
}

core::Result<std::vector<core::EmailForward>> forwards_from_answer(const rapidjson::Value& answer) {
  std::vector<core::EmailForward> forwards;
  bool well_formed = true;
  const bool listed = for_each_item(answer, [&](const rapidjson::Value& item) {
    const auto prefix = text_of(member(item, "prefix"));
    const auto forward_to = text_of(member(item, "forwardto"));
    if (!prefix || !forward_to) {
      well_formed = false;
      return;
    }
    forwards.push_back({*prefix, *forward_to});
  });
  if (!listed || !well_formed) return bad_response(false);
  return forwards;
}

void add_forwards(PhpForm& form, const std::vector<core::EmailForward>& forwards) {
  PhpForm prefixes;
  PhpForm targets;
  for (std::size_t i = 0; i < forwards.size(); ++i) {
    prefixes.add(std::to_string(i), forwards[i].prefix);
    targets.add(std::to_string(i), forwards[i].forward_to);
  }
  form.add("prefix", std::move(prefixes));
  form.add("forwardto", std::move(targets));
}

// ---- availability and money -----------------------------------------------------------------

std::optional<std::int64_t> minor_units(std::string_view decimal) {
  decimal = trim(decimal);
  bool negative = false;
  if (!decimal.empty() && (decimal.front() == '-' || decimal.front() == '+')) {
    negative = decimal.front() == '-';
    decimal.remove_prefix(1);
  }
  const auto point = decimal.find('.');
  const std::string_view whole = decimal.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view{} : decimal.substr(point + 1);
  const auto digits = [](std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if ((whole.empty() && fraction.empty()) || !digits(whole) || !digits(fraction) ||
      whole.size() > 15 || (point != std::string_view::npos && fraction.empty())) {
    return std::nullopt;
  }
  std::int64_t units = 0;
  for (const char c : whole)
    units = units * 10 + (c - '0');
  for (std::size_t i = 0; i < 2; ++i)
    units = units * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  if (fraction.size() > 2 && fraction[2] >= '5') ++units;  // half away from zero
  return negative ? -units : units;
}

std::optional<std::int64_t> minor_units(const rapidjson::Value& value) {
  if (value.IsString())
    return minor_units(std::string_view(value.GetString(), value.GetStringLength()));
  if (value.IsInt64()) {
    const std::int64_t whole = value.GetInt64();
    if (whole > std::numeric_limits<std::int64_t>::max() / 100 ||
        whole < std::numeric_limits<std::int64_t>::min() / 100) {
      return std::nullopt;
    }
    return whole * 100;
  }
  if (value.IsDouble()) {
    const double scaled = value.GetDouble() * 100;
    if (!std::isfinite(scaled) || std::fabs(scaled) > 1e15) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(scaled));
  }
  return std::nullopt;
}

core::Result<std::map<std::string, core::DomainAvailability>> availability_from_lookup(
    const rapidjson::Value& answer) {
  std::map<std::string, core::DomainAvailability> results;
  const bool listed = for_each_item(answer, [&](const rapidjson::Value& item) {
    // Non-object items are skipped, as the vendor's client does.
    const auto sld = text_of(member(item, "sld"));
    const auto tld = text_of(member(item, "tld"));
    if (!item.IsObject() || !sld || !tld) return;
    core::DomainAvailability availability;
    availability.name = lowercase(trim(*sld)) + "." + strip_dot(*tld);
    availability.available = lowercase(trim(text_or_empty(item, "status"))) == "available";
    const rapidjson::Value* premium = member(item, "premiumCostPricing");
    availability.premium = truthy(premium);
    if (availability.premium && premium->IsObject()) {
      if (const auto* price = member(*premium, "register")) {
        availability.price_minor = minor_units(*price);
      }
      availability.currency = text_of(member(*premium, "CurrencyCode")).value_or("");
    }
    results.emplace(availability.name, std::move(availability));
  });
  if (!listed) return bad_response(false);
  return results;
}

core::Result<std::map<std::string, TldPrice, std::less<>>> prices_from_answer(
    const rapidjson::Value& answer) {
  std::map<std::string, TldPrice, std::less<>> prices;
  const bool listed = for_each_item(answer, [&](const rapidjson::Value& item) {
    const auto tld = text_of(member(item, "tld"));
    const auto* price = member(item, "registrationPrice");
    if (!item.IsObject() || !tld || price == nullptr) return;
    if (integer_of(member(item, "years")).value_or(1) != 1) return;
    const auto minor = minor_units(*price);
    if (!minor) return;
    prices.emplace(strip_dot(*tld), TldPrice{*minor, text_or_empty(item, "currencyCode")});
  });
  if (!listed) return bad_response(false);
  return prices;
}

core::Result<core::Money> balance_from_answer(const rapidjson::Value& answer) {
  const auto minor = minor_units(answer);
  if (!minor) return bad_response(false);
  return core::Money{*minor, ""};
}

}  // namespace portico::adapters::hostraha
