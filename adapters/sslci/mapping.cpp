#include "sslci/mapping.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "portico/core/crypto.hpp"
#include "portico/core/json.hpp"
#include "portico/core/text.hpp"

namespace portico::adapters::sslci {

namespace {

using core::json::member;
using core::json::string_of;
using core::text::lowercase;
using core::text::trim;

// A non-empty string member, else nothing.
std::optional<std::string> text_member(const rapidjson::Value& object, std::string_view name) {
  auto text = string_of(member(object, name));
  if (!text || trim(*text).empty()) return std::nullopt;
  return text;
}

// PHP servers send ids and times as numbers or numeric strings alike.
std::optional<std::int64_t> integer_of(const rapidjson::Value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->IsInt64()) return value->GetInt64();
  if (value->IsString()) return parse_id(trim({value->GetString(), value->GetStringLength()}));
  return std::nullopt;
}

bool is_pem(std::string_view text, std::string_view label) {
  return text.find("-----BEGIN " + std::string(label) + "-----") != std::string_view::npos &&
         text.find("-----END " + std::string(label) + "-----") != std::string_view::npos;
}

std::set<std::string> name_set(const std::vector<std::string>& names) {
  std::set<std::string> out;
  for (const auto& name : names)
    out.insert(lowercase(trim(name)));
  return out;
}

}  // namespace

// ---- answers and errors ---------------------------------------------------------------------

bool is_success(const rapidjson::Value& answer) {
  const auto* status = member(answer, "status");
  return status != nullptr && status->IsBool() && status->GetBool();
}

bool has_boolean_status(const rapidjson::Value& answer) {
  const auto* status = member(answer, "status");
  return status != nullptr && status->IsBool();
}

std::string failure_message(const rapidjson::Value& answer) {
  if (auto message = text_member(answer, "message")) return std::string(trim(*message));
  if (auto error = text_member(answer, "error")) return std::string(trim(*error));
  return {};
}

core::Error error_for_status(int http_status, bool write) {
  if (http_status == 401) {
    return core::Error::upstream(502, "upstream_authentication_failed",
                                 "The supplier refused the gateway's credentials.");
  }
  if (http_status == 403) {
    return core::Error::upstream(502, "upstream_refused",
                                 "The supplier refused the request: the record is not the "
                                 "account's.");
  }
  if (http_status == 400 || (http_status >= 200 && http_status < 300)) {
    return core::Error::unprocessable("supplier_rejected",
                                      "The supplier rejected the request as invalid.");
  }
  core::Error error =
      core::Error::upstream(502, "upstream_error", "The supplier could not handle the request.");
  // A server error may come after the supplier acted.
  error.outcome_unknown = write && http_status >= 500;
  return error;
}

core::Error bad_response(bool write) {
  core::Error error = core::Error::upstream(502, "upstream_bad_response",
                                            "The supplier sent a response that could not be read.");
  error.outcome_unknown = write;
  return error;
}

// ---- challenge ------------------------------------------------------------------------------

std::string_view method_name(core::DcvMethod method) {
  switch (method) {
    case core::DcvMethod::http:
      return "http";
    case core::DcvMethod::dns:
      return "dns";
    case core::DcvMethod::email:
      break;
  }
  return "";
}

std::string dns_record_name(std::string_view name) {
  std::string base = lowercase(trim(name));
  if (base.starts_with("*.")) base.erase(0, 2);
  return "_acme-challenge." + base;
}

std::string dns_txt_value(std::string_view key_authorization) {
  return core::crypto::base64url(core::crypto::sha256(key_authorization));
}

core::Result<core::CertificateValidation> validation_from_challenge(const rapidjson::Value& answer,
                                                                    std::string_view name,
                                                                    core::DcvMethod method) {
  if (!is_success(answer)) return bad_response(true);
  const auto order_id = integer_of(member(answer, "order_id"));
  const auto* verification = member(answer, "verification");
  if (!order_id || *order_id <= 0 || verification == nullptr || !verification->IsObject()) {
    return bad_response(true);
  }

  core::CertificateValidation validation;
  validation.name = std::string(name);
  validation.method = method;
  validation.status = core::DcvStatus::pending;
  validation.supplier_ref = std::to_string(*order_id);

  const auto content = text_member(*verification, "content");
  core::DcvInstructions& instructions = validation.instructions;
  if (method == core::DcvMethod::http) {
    auto url = text_member(*verification, "url");
    if (!url || !content) return bad_response(true);
    instructions.url = std::move(*url);
    instructions.content = *content;
    return validation;
  }

  // dns: the page documents none of record/type/value, so what is missing is computed.
  instructions.record_name = text_member(*verification, "record").value_or(dns_record_name(name));
  while (instructions.record_name.ends_with('.'))
    instructions.record_name.pop_back();
  instructions.record_type = core::DnsRecordType::txt;
  if (auto type = text_member(*verification, "type"); type && lowercase(*type) == "cname") {
    instructions.record_type = core::DnsRecordType::cname;
  }
  if (auto value = text_member(*verification, "value")) {
    instructions.record_value = std::move(*value);
  } else if (content && content->find('.') != std::string::npos) {
    instructions.record_value = dns_txt_value(*content);  // a key authorization
  } else if (content) {
    instructions.record_value = *content;  // already the TXT value
  } else {
    return bad_response(true);
  }
  return validation;
}

// ---- list -----------------------------------------------------------------------------------

const ListedCertificate* Listing::certificate(std::int64_t crt_id) const {
  const auto found =
      std::find_if(certificates.begin(), certificates.end(),
                   [&](const ListedCertificate& row) { return row.crt_id == crt_id; });
  return found == certificates.end() ? nullptr : &*found;
}

const ListedOrder* Listing::order(std::int64_t order_id) const {
  const auto found = std::find_if(pending_orders.begin(), pending_orders.end(),
                                  [&](const ListedOrder& row) { return row.order_id == order_id; });
  return found == pending_orders.end() ? nullptr : &*found;
}

std::optional<std::vector<std::string>> domains_of(const rapidjson::Value& value) {
  std::vector<std::string> names;
  const auto add = [&names](std::string_view text) {
    std::size_t start = 0;
    while (start <= text.size()) {
      const auto end = text.find_first_of(", \t\r\n", start);
      const auto piece =
          text.substr(start, end == std::string_view::npos ? text.npos : end - start);
      if (!piece.empty()) names.push_back(lowercase(piece));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
  };
  if (value.IsString()) {
    add({value.GetString(), value.GetStringLength()});
    return names;
  }
  if (value.IsArray()) {
    for (const auto& item : value.GetArray()) {
      if (!item.IsString()) return std::nullopt;
      add({item.GetString(), item.GetStringLength()});
    }
    return names;
  }
  return std::nullopt;
}

core::Result<Listing> listing_from_answer(const rapidjson::Value& answer) {
  if (!is_success(answer)) return bad_response(false);
  Listing listing;

  const auto* certificates = member(answer, "certificates");
  if (certificates != nullptr && !certificates->IsNull()) {
    if (!certificates->IsArray()) return bad_response(false);
    for (const auto& row : certificates->GetArray()) {
      const auto crt_id = integer_of(member(row, "crt_id"));
      const auto* domains = member(row, "domains");
      if (!crt_id || domains == nullptr) return bad_response(false);
      auto names = domains_of(*domains);
      if (!names) return bad_response(false);
      ListedCertificate listed;
      listed.crt_id = *crt_id;
      listed.domains = std::move(*names);
      if (auto added = integer_of(member(row, "add_time"))) {
        listed.added_at = core::from_unix_seconds(*added);
      }
      if (auto ends = integer_of(member(row, "end_time"))) {
        listed.ends_at = core::from_unix_seconds(*ends);
      }
      listing.certificates.push_back(std::move(listed));
    }
  }

  const auto* orders = member(answer, "pending_orders");
  if (orders != nullptr && !orders->IsNull()) {
    if (!orders->IsArray()) return bad_response(false);
    for (const auto& row : orders->GetArray()) {
      const auto order_id = integer_of(member(row, "order_id"));
      if (!order_id) return bad_response(false);
      ListedOrder listed;
      listed.order_id = *order_id;
      if (const auto* domains = member(row, "domains")) {
        auto names = domains_of(*domains);
        if (!names) return bad_response(false);
        listed.domains = std::move(*names);
      }
      listed.status = string_of(member(row, "status")).value_or("pending");
      listing.pending_orders.push_back(std::move(listed));
    }
  }
  return listing;
}

core::DcvStatus dcv_status_from_word(std::string_view word) {
  const std::string text = lowercase(trim(word));
  if (text == "verified" || text == "valid") return core::DcvStatus::valid;
  if (text == "invalid" || text == "failed") return core::DcvStatus::invalid;
  if (text == "expired") return core::DcvStatus::expired;
  return core::DcvStatus::pending;
}

std::vector<std::int64_t> certificates_added_since(const Listing& listing,
                                                   const std::vector<std::string>& names,
                                                   core::TimePoint since) {
  const auto wanted = name_set(names);
  const core::TimePoint from = std::chrono::floor<std::chrono::seconds>(since);
  std::vector<std::int64_t> ids;
  for (const auto& row : listing.certificates) {
    if (name_set(row.domains) == wanted && row.added_at && *row.added_at >= from) {
      ids.push_back(row.crt_id);
    }
  }
  return ids;
}

std::optional<std::int64_t> find_certificate_id(const Listing& listing,
                                                const std::vector<std::string>& names,
                                                std::optional<core::TimePoint> valid_to) {
  const auto wanted = name_set(names);
  const ListedCertificate* best = nullptr;
  for (const auto& row : listing.certificates) {
    if (name_set(row.domains) != wanted) continue;
    if (valid_to && row.ends_at != valid_to) continue;
    const auto added = row.added_at.value_or(core::TimePoint{});
    // Newest first; among equals the higher id, which is the later one.
    if (best == nullptr || added > best->added_at.value_or(core::TimePoint{}) ||
        (added == best->added_at.value_or(core::TimePoint{}) && row.crt_id > best->crt_id)) {
      best = &row;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->crt_id;
}

std::set<std::int64_t> order_ids_of(const std::vector<std::string>& supplier_refs) {
  std::set<std::int64_t> ids;
  for (std::string_view ref : supplier_refs) {
    while (!ref.empty()) {
      const auto comma = ref.find(',');
      if (const auto id = parse_id(trim(ref.substr(0, comma)))) ids.insert(*id);
      ref = comma == std::string_view::npos ? std::string_view() : ref.substr(comma + 1);
    }
  }
  return ids;
}

const ListedOrder* newest_order_for(const Listing& listing, std::string_view name,
                                    const std::set<std::int64_t>& excluded) {
  const std::vector<std::string> wanted = {lowercase(trim(name))};
  const ListedOrder* newest = nullptr;
  for (const auto& row : listing.pending_orders) {
    if (row.domains != wanted || excluded.contains(row.order_id)) continue;
    // [I] Ids grow with time: the list dates no pending order.
    if (newest == nullptr || row.order_id > newest->order_id) newest = &row;
  }
  return newest;
}

// ---- confirm --------------------------------------------------------------------------------

bool verified_from_confirm(const rapidjson::Value& answer) {
  if (!is_success(answer)) return false;
  const auto* verified = member(answer, "verified");
  if (verified == nullptr || verified->IsNull()) return true;
  return verified->IsBool() && verified->GetBool();
}

// ---- finalize -------------------------------------------------------------------------------

std::string normalize_pem(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') continue;
      out.push_back('\n');  // a lone CR
      continue;
    }
    out.push_back(text[i]);
  }
  // Blocks glued together ("-----END CERTIFICATE----------BEGIN ...") get their line end back,
  // and the text ends with one.
  std::string result;
  std::size_t at = 0;
  while (at < out.size()) {
    const auto end = out.find("-----END ", at);
    if (end == std::string::npos) {
      result.append(out, at, std::string::npos);
      break;
    }
    const auto close = out.find("-----", end + 9);
    if (close == std::string::npos) {
      result.append(out, at, std::string::npos);
      break;
    }
    result.append(out, at, close + 5 - at);
    at = close + 5;
    if (at >= out.size() || out[at] != '\n') result.push_back('\n');
  }
  return result;
}

core::Result<Issued> issued_from_finalize(const rapidjson::Value& answer) {
  if (!is_success(answer)) return bad_response(true);
  const auto key = text_member(answer, "key");
  const auto crt = text_member(answer, "crt");
  // A key in any PEM form (PKCS#8 "PRIVATE KEY", or "EC"/"RSA PRIVATE KEY") is accepted.
  if (!key || !crt || key->find("PRIVATE KEY-----") == std::string::npos ||
      !is_pem(*crt, "CERTIFICATE")) {
    return bad_response(true);
  }

  Issued issued;
  issued.certificate_pem = normalize_pem(*crt);
  issued.private_key_pem = normalize_pem(*key);

  const auto* ca = member(answer, "ca");
  if (ca == nullptr) return bad_response(true);
  if (ca->IsString()) {
    issued.chain_pem = normalize_pem({ca->GetString(), ca->GetStringLength()});
  } else if (ca->IsArray()) {
    for (const auto& item : ca->GetArray()) {
      if (!item.IsString()) return bad_response(true);
      issued.chain_pem += normalize_pem({item.GetString(), item.GetStringLength()});
    }
  } else {
    return bad_response(true);
  }
  if (!is_pem(issued.chain_pem, "CERTIFICATE")) return bad_response(true);

  if (auto crt_id = integer_of(member(answer, "crt_id")); crt_id && *crt_id > 0) {
    issued.crt_id = crt_id;
  }
  if (const auto* details = member(answer, "details"); details != nullptr) {
    if (auto from = string_of(member(*details, "valid_from"))) {
      issued.valid_from = parse_details_time(*from);
    }
    if (auto to = string_of(member(*details, "valid_to"))) {
      issued.valid_to = parse_details_time(*to);
    }
  }
  return issued;
}

std::optional<core::TimePoint> parse_details_time(std::string_view text) {
  text = trim(text);
  // "2026-08-11 00:00:00" is RFC 3339's form with a space for the T and UTC implied.
  if (text.size() == 19 && text[10] == ' ') {
    std::string rfc3339(text);
    rfc3339[10] = 'T';
    rfc3339 += 'Z';
    return core::parse_rfc3339(rfc3339);
  }
  return core::parse_rfc3339(text);
}

// ---- handles --------------------------------------------------------------------------------

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t out = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

std::string joined_order_ids(const std::vector<core::CertificateValidation>& validations) {
  std::string out;
  for (const auto& validation : validations) {
    if (validation.supplier_ref.empty()) continue;
    if (!out.empty()) out += ',';
    out += validation.supplier_ref;
  }
  return out;
}

}  // namespace portico::adapters::sslci
