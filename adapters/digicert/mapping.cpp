#include "digicert/mapping.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "portico/core/json.hpp"
#include "portico/core/pki.hpp"
#include "portico/core/text.hpp"

namespace portico::adapters::digicert {

namespace {

using core::json::member;
using core::json::string_of;
using core::text::lowercase;

namespace json = core::json;
using core::CertificateStatus;
using core::DcvMethod;
using core::DcvStatus;

// The constructed addresses DigiCert mails for email DCV ("base_emails").
constexpr std::string_view kConstructedMailboxes[] = {"admin", "administrator", "hostmaster",
                                                      "postmaster", "webmaster"};
constexpr std::size_t kMaxCodeInMessage = 64;

// DigiCert's ids are integers; a client that stores them as text must read either.
std::optional<std::string> id_of(const rapidjson::Value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->IsUint64() && value->GetUint64() > 0) return std::to_string(value->GetUint64());
  if (value->IsString() && value->GetStringLength() > 0) {
    const std::string_view text(value->GetString(), value->GetStringLength());
    const bool digits =
        std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
    if (digits && text.find_first_not_of('0') != std::string_view::npos) return std::string(text);
  }
  return std::nullopt;
}

std::optional<std::int64_t> positive_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

// Only a code's own characters reach a message: the code names the refusal, the supplier's
// words stay out (they may name the supplier).
std::string printable_code(std::string_view code) {
  if (code.empty() || code.size() > kMaxCodeInMessage) return {};
  const bool plain = std::all_of(code.begin(), code.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '|' || c == '-' || c == '.';
  });
  return plain ? std::string(code) : std::string();
}

std::string with_code(std::string message, std::string_view code) {
  const std::string shown = printable_code(code);
  if (shown.empty()) return message + ".";
  return message + " (" + shown + ").";
}

std::vector<std::string> unique_names(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& name : names) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

void write_certificate_block(json::Writer& out, const core::CertificateRequest& request) {
  json::key(out, "certificate");
  out.StartObject();
  json::write(out, "common_name", request.common_name);
  json::key(out, "dns_names");
  out.StartArray();
  for (const auto& name : unique_names(request.names()))
    json::string(out, name);
  out.EndArray();
  json::write(out, "csr", request.csr);
  json::write(out, "signature_hash", "sha256");
  json::key(out, "server_platform");
  out.StartObject();
  json::write(out, "id", -1);  // "other": Portico does not know the partner's server
  out.EndObject();
  out.EndObject();
}

std::string finish(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string pending_detail(const core::CertificateValidation& validation) {
  const std::string domain = domain_of(validation.name);
  switch (validation.method) {
    case DcvMethod::dns:
      return "No TXT record holding the token was found at _dnsauth." + domain + " yet.";
    case DcvMethod::http:
      return "The token was not found at http://" + validation.name +
             "/.well-known/pki-validation/fileauth.txt yet.";
    case DcvMethod::email:
      return "The approval e-mail for " + domain + " has not been answered yet.";
  }
  return "The name is not validated yet.";
}

// The names of an order's certificate block (order info, list rows), lowercase.
void read_names(const rapidjson::Value* certificate, std::string& common_name,
                std::vector<std::string>& dns_names) {
  if (certificate == nullptr || !certificate->IsObject()) return;
  common_name = lowercase(string_of(member(*certificate, "common_name")).value_or(std::string()));
  if (const rapidjson::Value* names = member(*certificate, "dns_names");
      names != nullptr && names->IsArray()) {
    for (const auto& name : names->GetArray()) {
      if (name.IsString()) dns_names.push_back(lowercase(name.GetString()));
    }
  }
}

// RFC 3986: everything but the unreserved characters as %XX (a wildcard's "*" too).
std::string query_escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4U];
      out += kHex[c & 0x0fU];
    }
  }
  return out;
}

void mark_valid(core::CertificateValidation& validation, core::TimePoint now) {
  validation.status = DcvStatus::valid;
  validation.detail.clear();
  if (!validation.validated_at) validation.validated_at = now;
}

}  // namespace

// ---- errors ---------------------------------------------------------------------------------

std::string supplier_error_code(std::string_view body) {
  auto parsed = json::parse(body);
  if (!parsed.ok()) return {};
  const rapidjson::Value* errors = member(*parsed, "errors");
  if (errors == nullptr) return {};
  const rapidjson::Value* first = errors;
  if (errors->IsArray()) {
    if (errors->Empty()) return {};
    first = &(*errors)[0];
  }
  return string_of(member(*first, "code")).value_or(std::string());
}

core::Error rate_limited(int retry_after_seconds) {
  core::Error error = core::Error::upstream(
      503, "upstream_rate_limited", "The supplier is limiting requests; try again shortly.");
  error.retry_after_seconds = retry_after_seconds;
  return error;
}

core::Error not_found_at_supplier() {
  core::Error error = core::Error::invalid_request(
      "not_found_at_supplier", "The supplier does not hold this order in the account.");
  error.status = 404;
  return error;
}

core::Error bad_response(bool write) {
  core::Error error = core::Error::upstream(502, "upstream_bad_response",
                                            "The supplier sent a response that could not be read.");
  error.outcome_unknown = write;
  return error;
}

core::Error error_from_reply(int status, std::string_view body, bool write) {
  const std::string code = supplier_error_code(body);
  if (status == 401 || status == 403) {
    return core::Error::upstream(502, "upstream_authentication_failed",
                                 "The supplier refused the configured credentials.");
  }
  if (status == 404) {
    // An unknown product or route is this gateway's mistake, not a missing order.
    if (code.starts_with("not_found|product") || code.starts_with("not_found|route")) {
      return core::Error::upstream(502, "upstream_error",
                                   with_code("The supplier does not offer this operation", code));
    }
    return not_found_at_supplier();
  }
  if (status == 429) return rate_limited(5);
  if (status == 400 || status == 409 || status == 422) {
    return core::Error::unprocessable("supplier_rejected",
                                      with_code("The supplier rejected the request", code));
  }
  core::Error error =
      status >= 500
          ? core::Error::upstream(502, "upstream_error", "The supplier failed to process the call.")
          : core::Error::upstream(
                502, "upstream_error",
                "The supplier answered with an unexpected status " + std::to_string(status) + ".");
  // A server error after an order reached it says nothing about whether the order exists.
  error.outcome_unknown = write;
  return error;
}

// ---- ordering -------------------------------------------------------------------------------

bool has_wildcard(const core::CertificateRequest& request) {
  const auto names = request.names();
  return std::any_of(names.begin(), names.end(),
                     [](const std::string& name) { return name.starts_with("*."); });
}

std::optional<std::string_view> product_for(const core::CertificateRequest& request) {
  const bool several = unique_names(request.names()).size() > 1;
  const bool wildcard = has_wildcard(request);
  switch (request.type) {
    case core::CertificateType::dv:
      return wildcard ? "wildcard_dv_geotrust" : "ssl_dv_geotrust";
    case core::CertificateType::ov:
      if (wildcard) return "ssl_wildcard";
      return several ? "ssl_multi_domain" : "ssl_basic";
    case core::CertificateType::ev:
      if (wildcard) return std::nullopt;  // EV Guidelines 9.8.1: no EV wildcards
      return several ? "ssl_ev_multi_domain" : "ssl_ev_basic";
  }
  return std::nullopt;
}

std::string_view dcv_method_name(DcvMethod method) {
  switch (method) {
    case DcvMethod::dns:
      return "dns-txt-token";
    case DcvMethod::http:
      return "http-token";
    case DcvMethod::email:
      return "email";
  }
  return "dns-txt-token";
}

std::optional<DcvMethod> dcv_method_from_name(std::string_view name) {
  const std::string word = lowercase(name);
  if (word == "dns-txt-token" || word == "dns-cname-token") return DcvMethod::dns;
  if (word == "http-token") return DcvMethod::http;
  if (word == "email") return DcvMethod::email;
  return std::nullopt;
}

std::string domain_of(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  return lowercase(name);
}

std::string order_body(const core::CertificateRequest& request,
                       std::optional<std::int64_t> organization_id) {
  rapidjson::StringBuffer buffer;
  json::Writer out(buffer);
  out.StartObject();
  write_certificate_block(out, request);
  if (organization_id) {
    json::key(out, "organization");
    out.StartObject();
    json::write(out, "id", *organization_id);
    out.EndObject();
  }
  json::key(out, "order_validity");
  out.StartObject();
  json::write(out, "days", request.validity_days > 0 ? request.validity_days : kMaxValidityDays);
  out.EndObject();
  json::write(out, "dcv_method", dcv_method_name(request.dcv_method));
  // Without it the order waits for an administrator of the account as needs_approval.
  json::write(out, "skip_approval", true);
  json::write(out, "payment_method", "balance");
  if (const auto renewed = positive_integer(request.renewal_of)) {
    json::write(out, "renewal_of_order_id", *renewed);
  }
  json::write(out, "comments", "Ordered through Portico.");
  out.EndObject();
  return finish(buffer);
}

std::string reissue_body(const core::CertificateRequest& request) {
  rapidjson::StringBuffer buffer;
  json::Writer out(buffer);
  out.StartObject();
  write_certificate_block(out, request);
  json::write(out, "dcv_method", dcv_method_name(request.dcv_method));
  json::write(out, "skip_approval", true);
  out.EndObject();
  return finish(buffer);
}

std::string organization_body(const core::CertificateOrganization& organization) {
  rapidjson::StringBuffer buffer;
  json::Writer out(buffer);
  const auto optional = [&out](std::string_view key, const std::string& value) {
    if (!value.empty()) json::write(out, key, value);
  };
  out.StartObject();
  json::write(out, "name", organization.name);
  json::write(out, "address", organization.address1);
  optional("address2", organization.address2);
  optional("zip", organization.postcode);
  json::write(out, "city", organization.city);
  optional("state", organization.state);
  json::write(out, "country", lowercase(organization.country));  // DigiCert wants "us"
  optional("telephone", organization.phone);
  json::key(out, "organization_contact");
  out.StartObject();
  json::write(out, "first_name", organization.contact_first_name);
  json::write(out, "last_name", organization.contact_last_name);
  json::write(out, "email", organization.contact_email);
  json::write(out, "telephone",
              organization.contact_phone.empty() ? organization.phone : organization.contact_phone);
  optional("job_title", organization.contact_job_title);
  out.EndObject();
  out.EndObject();
  return finish(buffer);
}

core::Result<std::int64_t> organization_id_from_answer(const rapidjson::Value& answer) {
  const auto id = id_of(member(answer, "id"));
  if (!id) return bad_response(false);
  const auto value = positive_integer(*id);
  if (!value) return bad_response(false);
  return *value;
}

std::string cancel_body() {
  rapidjson::StringBuffer buffer;
  json::Writer out(buffer);
  out.StartObject();
  json::write(out, "status", "canceled");  // lowercase, as documented (Lemur sends CANCELED)
  json::write(out, "note", "Canceled through Portico.");
  out.EndObject();
  return finish(buffer);
}

std::string revoke_body() {
  rapidjson::StringBuffer buffer;
  json::Writer out(buffer);
  out.StartObject();
  json::write(out, "comments", "Revoked through Portico.");
  // Without it the revocation waits for an administrator as a revoke request.
  json::write(out, "skip_approval", true);
  out.EndObject();
  return finish(buffer);
}

// ---- answers --------------------------------------------------------------------------------

core::Result<OrderPlaced> order_from_answer(const rapidjson::Value& answer) {
  const auto id = id_of(member(answer, "id"));
  if (!answer.IsObject() || !id) return bad_response(false);
  OrderPlaced placed;
  placed.order_id = *id;
  placed.dcv_random_value = string_of(member(answer, "dcv_random_value")).value_or(std::string());
  const rapidjson::Value* chain = member(answer, "certificate_chain");
  if (chain == nullptr || chain->IsNull()) return placed;

  if (!chain->IsArray() || chain->Empty()) return bad_response(false);
  std::string bundle;
  for (const auto& item : chain->GetArray()) {
    const auto pem = string_of(member(item, "pem"));
    if (!pem) return bad_response(false);
    bundle += *pem;
    bundle += "\n";
  }
  auto pems = split_pem_all(bundle);
  if (!pems.ok()) return std::move(pems).error();
  placed.certificate_id = id_of(member(answer, "certificate_id")).value_or(std::string());
  placed.certificate_pem = std::move(pems->certificate_pem);
  placed.chain_pem = std::move(pems->chain_pem);
  return placed;
}

core::Result<RandomValue> random_value_from_answer(const rapidjson::Value& answer) {
  const auto value = string_of(member(answer, "dcv_random_value"));
  if (!value || value->empty()) return bad_response(false);
  RandomValue token;
  token.value = *value;
  if (const auto expires = string_of(member(answer, "expiration_date"))) {
    token.expires_at = core::parse_rfc3339(*expires);
  }
  return token;
}

std::string order_list_target(std::string_view common_name, std::int64_t offset,
                              std::int64_t limit) {
  // The brackets escaped, and the sort's sign explicit: without one the sort is not applied
  // (riboseinc issue #117), and a "+" would arrive as a space.
  return "/order/certificate?filters%5Bcommon_name%5D=" + query_escape(common_name) +
         "&sort=-date_created&offset=" + std::to_string(offset) + "&limit=" + std::to_string(limit);
}

core::Result<OrderPage> order_page_from_answer(const rapidjson::Value& answer) {
  const rapidjson::Value* orders = member(answer, "orders");
  if (!answer.IsObject() || orders == nullptr || !orders->IsArray()) return bad_response(false);
  OrderPage page;
  for (const auto& row : orders->GetArray()) {
    const auto id = id_of(member(row, "id"));
    if (!id) return bad_response(false);
    ListedOrder listed;
    listed.order_id = *id;
    read_names(member(row, "certificate"), listed.common_name, listed.dns_names);
    if (const rapidjson::Value* product = member(row, "product")) {
      listed.product = string_of(member(*product, "name_id")).value_or(std::string());
    }
    if (const auto created = string_of(member(row, "date_created"))) {
      listed.created_at = core::parse_rfc3339(*created);
    }
    page.orders.push_back(std::move(listed));
  }
  page.total = static_cast<std::int64_t>(page.orders.size());
  if (const rapidjson::Value* about = member(answer, "page")) {
    if (const rapidjson::Value* total = member(*about, "total"); total != nullptr) {
      if (!total->IsInt64() || total->GetInt64() < 0) return bad_response(false);
      page.total = total->GetInt64();
    }
  }
  return page;
}

core::Result<OrderInfo> order_info_from_answer(const rapidjson::Value& answer) {
  const auto id = id_of(member(answer, "id"));
  const auto status = string_of(member(answer, "status"));
  if (!answer.IsObject() || !id || !status) return bad_response(false);
  OrderInfo info;
  info.order_id = *id;
  info.status = *status;
  const rapidjson::Value* certificate = member(answer, "certificate");
  read_names(certificate, info.common_name, info.dns_names);
  if (certificate != nullptr && certificate->IsObject()) {
    info.certificate_id = id_of(member(*certificate, "id")).value_or(std::string());
  }
  if (const auto method = string_of(member(answer, "dcv_method"))) {
    info.dcv_method = dcv_method_from_name(*method);
  }
  return info;
}

CertificateStatus status_from_order(std::string_view status, bool every_name_validated) {
  const std::string word = lowercase(status);
  if (word == "needs_approval" || word == "pending" || word == "reissue_pending") {
    return every_name_validated ? CertificateStatus::pending_issuance
                                : CertificateStatus::pending_validation;
  }
  if (word == "issued") return CertificateStatus::issued;
  if (word == "rejected") return CertificateStatus::failed;
  if (word == "revoked") return CertificateStatus::revoked;
  if (word == "canceled" || word == "cancelled") return CertificateStatus::canceled;
  if (word == "expired") return CertificateStatus::expired;
  // waiting_pickup, processing, riboseinc's "approved", and words no page documents yet.
  return CertificateStatus::pending_issuance;
}

core::Result<DcvCheck> dcv_check_from_answer(const rapidjson::Value& answer) {
  if (!answer.IsObject()) return bad_response(false);
  DcvCheck check;
  check.order_status = string_of(member(answer, "order_status")).value_or(std::string());
  check.dcv_status = lowercase(string_of(member(answer, "dcv_status")).value_or(std::string()));
  check.certificate_id = id_of(member(answer, "certificate_id")).value_or(std::string());
  const rapidjson::Value* names = member(answer, "dns_name_validations");
  if (names != nullptr && !names->IsNull()) {
    if (!names->IsArray()) return bad_response(false);
    for (const auto& item : names->GetArray()) {
      const auto name = string_of(member(item, "dns_name"));
      const auto status = string_of(member(item, "status"));
      if (!name || !status) return bad_response(false);
      check.name_statuses[lowercase(*name)] = lowercase(*status);
    }
  }
  if (check.order_status.empty() && check.dcv_status.empty() && check.name_statuses.empty()) {
    return bad_response(false);
  }
  return check;
}

std::optional<DcvCheck> dcv_check_from_error(std::string_view code) {
  if (code != "invalid_dns_txt" && code != "file_random_value_not_found") return std::nullopt;
  DcvCheck check;
  check.failure_code = std::string(code);
  return check;
}

void apply_dcv_check(const DcvCheck& check, std::vector<core::CertificateValidation>& validations,
                     core::TimePoint now) {
  for (auto& validation : validations) {
    if (validation.status == DcvStatus::valid) continue;  // a validation does not go back
    if (check.dcv_status == "valid") {
      mark_valid(validation, now);
      continue;
    }
    // A wildcard's line may name the wildcard or its domain.
    auto found = check.name_statuses.find(lowercase(validation.name));
    if (found == check.name_statuses.end())
      found = check.name_statuses.find(domain_of(validation.name));
    if (found != check.name_statuses.end()) {
      const std::string& status = found->second;
      if (status == "approved" || status == "valid" || status == "completed") {
        mark_valid(validation, now);
      } else if (status == "rejected" || status == "failed" || status == "invalid") {
        validation.status = DcvStatus::invalid;
        validation.detail = "The supplier could not validate this name.";
      } else {
        validation.status = DcvStatus::pending;
        validation.detail = pending_detail(validation);
      }
    } else if (!check.failure_code.empty() || check.name_statuses.empty()) {
      // The older style's 400, or a 200 that names no name: nothing passed yet.
      validation.status = DcvStatus::pending;
      validation.detail = pending_detail(validation);
    }
  }
}

// ---- validations ----------------------------------------------------------------------------

core::DcvInstructions instructions_for(std::string_view name, DcvMethod method,
                                       std::string_view random_value) {
  core::DcvInstructions instructions;
  const std::string domain = domain_of(name);
  switch (method) {
    case DcvMethod::dns:
      instructions.record_name = "_dnsauth." + domain;
      instructions.record_type = core::DnsRecordType::txt;
      instructions.record_value = std::string(random_value);
      break;
    case DcvMethod::http:
      instructions.url = "http://" + lowercase(name) + "/.well-known/pki-validation/fileauth.txt";
      instructions.content = std::string(random_value);
      break;
    case DcvMethod::email:
      for (const auto mailbox : kConstructedMailboxes)
        instructions.emails.push_back(std::string(mailbox) + "@" + domain);
      break;
  }
  return instructions;
}

std::vector<core::CertificateValidation> pending_validations(const std::vector<std::string>& names,
                                                             DcvMethod method,
                                                             const RandomValue& token) {
  std::vector<core::CertificateValidation> validations;
  for (const auto& name : unique_names(names)) {
    core::CertificateValidation validation;
    validation.name = name;
    validation.method = method;
    validation.status = DcvStatus::pending;
    validation.instructions = instructions_for(name, method, token.value);
    if (method != DcvMethod::email) validation.expires_at = token.expires_at;
    validations.push_back(std::move(validation));
  }
  return validations;
}

// ---- certificates ---------------------------------------------------------------------------

core::Result<Pems> split_pem_all(std::string_view pem_all) {
  auto blocks = core::pki::split_pem_chain(pem_all);
  if (!blocks.ok() || blocks->empty()) return bad_response(false);
  Pems pems;
  pems.certificate_pem = (*blocks)[0];
  for (std::size_t i = 1; i < blocks->size(); ++i)
    pems.chain_pem += (*blocks)[i];
  return pems;
}

}  // namespace portico::adapters::digicert
