#include "portico/store/certificates.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "portico/core/json.hpp"
#include "portico/core/names.hpp"

#include "list_query.hpp"

namespace portico::store {

namespace {

std::int64_t flag(bool value) {
  return value ? 1 : 0;
}

constexpr std::array<std::pair<KeySource, std::string_view>, 3> kKeySources{{
    {KeySource::partner, "partner"},
    {KeySource::gateway, "gateway"},
    {KeySource::supplier, "supplier"},
}};

std::string_view key_source_name(KeySource source) {
  for (const auto& [value, name] : kKeySources) {
    if (value == source) return name;
  }
  return "partner";
}

KeySource parse_key_source(std::string_view text) {
  for (const auto& [value, name] : kKeySources) {
    if (name == text) return value;
  }
  return KeySource::partner;
}

// Members written only when set, so the column stays small and old rows read back.
void write_text(core::json::Writer& out, std::string_view key, const std::string& value) {
  if (!value.empty()) core::json::write(out, key, value);
}

void write_time(core::json::Writer& out, std::string_view key,
                const std::optional<core::TimePoint>& at) {
  if (at) core::json::write(out, key, unix_millis(*at));
}

void write_strings(core::json::Writer& out, std::string_view key,
                   const std::vector<std::string>& values) {
  core::json::key(out, key);
  out.StartArray();
  for (const auto& value : values)
    core::json::string(out, value);
  out.EndArray();
}

using OrganizationField = std::string core::CertificateOrganization::*;
constexpr std::array<std::pair<std::string_view, OrganizationField>, 13> kOrganizationFields{{
    {"name", &core::CertificateOrganization::name},
    {"address1", &core::CertificateOrganization::address1},
    {"address2", &core::CertificateOrganization::address2},
    {"city", &core::CertificateOrganization::city},
    {"state", &core::CertificateOrganization::state},
    {"postcode", &core::CertificateOrganization::postcode},
    {"country", &core::CertificateOrganization::country},
    {"phone", &core::CertificateOrganization::phone},
    {"contact_first_name", &core::CertificateOrganization::contact_first_name},
    {"contact_last_name", &core::CertificateOrganization::contact_last_name},
    {"contact_email", &core::CertificateOrganization::contact_email},
    {"contact_phone", &core::CertificateOrganization::contact_phone},
    {"contact_job_title", &core::CertificateOrganization::contact_job_title},
}};

void write_validation(core::json::Writer& out, const core::CertificateValidation& validation) {
  out.StartObject();
  core::json::write(out, "name", validation.name);
  core::json::write(out, "method", core::name_of(validation.method));
  core::json::write(out, "status", core::name_of(validation.status));
  write_text(out, "supplier_ref", validation.supplier_ref);
  const core::DcvInstructions& instructions = validation.instructions;
  write_text(out, "url", instructions.url);
  write_text(out, "content", instructions.content);
  write_text(out, "record_name", instructions.record_name);
  if (!instructions.record_name.empty()) {
    core::json::write(out, "record_type", core::name_of(instructions.record_type));
  }
  write_text(out, "record_value", instructions.record_value);
  if (!instructions.emails.empty()) write_strings(out, "emails", instructions.emails);
  write_text(out, "detail", validation.detail);
  write_time(out, "validated_at", validation.validated_at);
  write_time(out, "expires_at", validation.expires_at);
  out.EndObject();
}

// The `data` column: everything the row's columns do not hold.
std::string certificate_data(const CertificateRecord& record) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  const core::CertificateRequest& request = record.request;
  const core::Certificate& certificate = record.certificate;
  out.StartObject();
  core::json::write(out, "type", core::name_of(request.type));
  write_strings(out, "san_names", request.san_names);
  core::json::write(out, "dcv_method", core::name_of(request.dcv_method));
  write_text(out, "csr", request.csr);
  core::json::write(out, "validity_days", request.validity_days);
  if (request.organization) {
    core::json::key(out, "organization");
    out.StartObject();
    for (const auto& [name, field] : kOrganizationFields)
      write_text(out, name, (*request.organization).*field);
    out.EndObject();
  }
  write_text(out, "supplier_renewal_of", request.renewal_of);

  write_text(out, "supplier_status", certificate.supplier_status);
  core::json::key(out, "validations");
  out.StartArray();
  for (const auto& validation : certificate.validations)
    write_validation(out, validation);
  out.EndArray();
  write_text(out, "certificate_ref", certificate.certificate_ref);
  write_text(out, "certificate_pem", certificate.certificate_pem);
  write_text(out, "chain_pem", certificate.chain_pem);
  write_text(out, "detail", certificate.detail);
  write_time(out, "issue_requested_at", certificate.issue_requested_at);

  core::json::write(out, "key_source", key_source_name(record.key_source));
  write_text(out, "renewal_of", record.renewal_of);
  write_text(out, "renewed_by", record.renewed_by);
  core::json::write(out, "ordered_at", unix_millis(record.ordered_at));
  core::json::write(out, "checks", record.checks);
  core::json::write(out, "expiry_notified", record.expiry_notified);
  out.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string text_of(const rapidjson::Value& object, const char* name) {
  const auto found = object.FindMember(name);
  if (found == object.MemberEnd() || !found->value.IsString()) return {};
  return {found->value.GetString(), found->value.GetStringLength()};
}

std::optional<std::int64_t> integer_of(const rapidjson::Value& object, const char* name) {
  const auto found = object.FindMember(name);
  if (found == object.MemberEnd() || !found->value.IsInt64()) return std::nullopt;
  return found->value.GetInt64();
}

std::optional<core::TimePoint> time_of(const rapidjson::Value& object, const char* name) {
  if (auto millis = integer_of(object, name)) return from_unix_millis(*millis);
  return std::nullopt;
}

std::vector<std::string> strings_of(const rapidjson::Value& object, const char* name) {
  std::vector<std::string> values;
  const auto found = object.FindMember(name);
  if (found == object.MemberEnd() || !found->value.IsArray()) return values;
  for (const auto& item : found->value.GetArray()) {
    if (item.IsString()) values.emplace_back(item.GetString(), item.GetStringLength());
  }
  return values;
}

core::CertificateValidation read_validation(const rapidjson::Value& item) {
  core::CertificateValidation validation;
  validation.name = text_of(item, "name");
  validation.method =
      core::parse_dcv_method(text_of(item, "method")).value_or(core::DcvMethod::dns);
  validation.status =
      core::parse_dcv_status(text_of(item, "status")).value_or(core::DcvStatus::pending);
  validation.supplier_ref = text_of(item, "supplier_ref");
  core::DcvInstructions& instructions = validation.instructions;
  instructions.url = text_of(item, "url");
  instructions.content = text_of(item, "content");
  instructions.record_name = text_of(item, "record_name");
  instructions.record_type =
      core::parse_dns_record_type(text_of(item, "record_type")).value_or(core::DnsRecordType::txt);
  instructions.record_value = text_of(item, "record_value");
  instructions.emails = strings_of(item, "emails");
  validation.detail = text_of(item, "detail");
  validation.validated_at = time_of(item, "validated_at");
  validation.expires_at = time_of(item, "expires_at");
  return validation;
}

void read_data(std::string_view text, CertificateRecord& record) {
  auto parsed = core::json::parse(text);
  // The column is only ever written by certificate_data(); anything else is corruption.
  if (!parsed || !parsed->IsObject()) throw StoreError("corrupt certificate data for " + record.id);
  const rapidjson::Value& data = *parsed;
  core::CertificateRequest& request = record.request;
  core::Certificate& certificate = record.certificate;
  request.type =
      core::parse_certificate_type(text_of(data, "type")).value_or(core::CertificateType::dv);
  request.san_names = strings_of(data, "san_names");
  request.dcv_method =
      core::parse_dcv_method(text_of(data, "dcv_method")).value_or(core::DcvMethod::dns);
  request.csr = text_of(data, "csr");
  request.validity_days = static_cast<int>(integer_of(data, "validity_days").value_or(0));
  if (const auto organization = data.FindMember("organization");
      organization != data.MemberEnd() && organization->value.IsObject()) {
    core::CertificateOrganization& read = request.organization.emplace();
    for (const auto& [name, field] : kOrganizationFields)
      read.*field = text_of(organization->value, std::string(name).c_str());
  }
  request.renewal_of = text_of(data, "supplier_renewal_of");

  certificate.supplier_status = text_of(data, "supplier_status");
  if (const auto validations = data.FindMember("validations");
      validations != data.MemberEnd() && validations->value.IsArray()) {
    for (const auto& item : validations->value.GetArray()) {
      if (item.IsObject()) certificate.validations.push_back(read_validation(item));
    }
  }
  certificate.certificate_ref = text_of(data, "certificate_ref");
  certificate.certificate_pem = text_of(data, "certificate_pem");
  certificate.chain_pem = text_of(data, "chain_pem");
  certificate.detail = text_of(data, "detail");
  certificate.issue_requested_at = time_of(data, "issue_requested_at");

  record.key_source = parse_key_source(text_of(data, "key_source"));
  record.renewal_of = text_of(data, "renewal_of");
  record.renewed_by = text_of(data, "renewed_by");
  record.ordered_at = time_of(data, "ordered_at").value_or(record.created_at);
  record.checks = static_cast<int>(integer_of(data, "checks").value_or(0));
  const auto notified = data.FindMember("expiry_notified");
  record.expiry_notified =
      notified != data.MemberEnd() && notified->value.IsBool() && notified->value.GetBool();
}

constexpr std::string_view kSelect =
    "SELECT id, partner_id, livemode, customer_id, provider_instance, supplier_ref, name, state, "
    "data, created_at, updated_at, next_check_at FROM objects ";

CertificateRecord read_row(const Statement& row) {
  CertificateRecord record;
  record.id = row.column_text(0);
  record.partner_id = row.column_text(1);
  record.livemode = row.column_int64(2) != 0;
  record.customer_id = row.column_optional_text(3);
  record.provider_instance = row.column_text(4);
  record.certificate.supplier_ref = row.column_optional_text(5).value_or("");
  record.request.common_name = row.column_text(6);
  record.certificate.status = core::parse_certificate_status(row.column_text(7))
                                  .value_or(core::CertificateStatus::pending_issuance);
  record.created_at = from_unix_millis(row.column_int64(9));
  record.updated_at = from_unix_millis(row.column_int64(10));
  if (auto next = row.column_optional_int64(11)) record.next_check_at = from_unix_millis(*next);
  read_data(row.column_text(8), record);
  return record;
}

std::optional<std::int64_t> optional_millis(const std::optional<core::TimePoint>& at) {
  if (!at) return std::nullopt;
  return unix_millis(*at);
}

std::optional<std::string_view> supplier_ref_of(const CertificateRecord& record) {
  if (record.certificate.supplier_ref.empty()) return std::nullopt;
  return record.certificate.supplier_ref;
}

}  // namespace

namespace certificates {

void insert(Database& db, const CertificateRecord& record) {
  Statement insert = db.prepare(
      "INSERT INTO objects(id, kind, partner_id, livemode, customer_id, provider_instance, "
      "supplier_ref, name, state, data, created_at, updated_at, next_check_at) "
      "VALUES(?, 'certificate', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, record.id)
      .bind(2, record.partner_id)
      .bind(3, flag(record.livemode))
      .bind(4, record.customer_id)
      .bind(5, record.provider_instance)
      .bind(6, supplier_ref_of(record))
      .bind(7, record.request.common_name)
      .bind(8, core::name_of(record.certificate.status))
      .bind(9, certificate_data(record))
      .bind(10, unix_millis(record.created_at))
      .bind(11, unix_millis(record.updated_at))
      .bind(12, optional_millis(record.next_check_at));
  insert.step();
}

void update(Database& db, const CertificateRecord& record) {
  Statement update = db.prepare(
      "UPDATE objects SET supplier_ref = ?, name = ?, state = ?, data = ?, updated_at = ?, "
      "next_check_at = ? WHERE id = ? AND kind = 'certificate'");
  update.bind(1, supplier_ref_of(record))
      .bind(2, record.request.common_name)
      .bind(3, core::name_of(record.certificate.status))
      .bind(4, certificate_data(record))
      .bind(5, unix_millis(record.updated_at))
      .bind(6, optional_millis(record.next_check_at))
      .bind(7, record.id);
  update.step();
  if (db.changes() != 1) throw StoreError("no certificate row " + record.id);
}

std::optional<CertificateRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                      std::string_view id) {
  Statement query = db.prepare(std::string(kSelect) +
                               "WHERE id = ? AND kind = 'certificate' AND partner_id = ? AND "
                               "livemode = ?");
  query.bind(1, id).bind(2, partner_id).bind(3, flag(livemode));
  if (!query.step()) return std::nullopt;
  return read_row(query);
}

std::optional<Page<CertificateRecord>> list(Database& db, std::string_view partner_id,
                                            bool livemode, const CertificateFilter& filter,
                                            int limit,
                                            std::optional<std::string_view> starting_after) {
  detail::ObjectListFilter where{.customer_id = filter.customer_id, .name = filter.common_name};
  if (filter.status) where.state = core::name_of(*filter.status);
  return detail::list_objects<CertificateRecord>(db, "certificate", kSelect, partner_id, livemode,
                                                 where, limit, starting_after, read_row);
}

std::vector<CertificateRecord> due(Database& db, core::TimePoint now, int limit) {
  Statement query = db.prepare(std::string(kSelect) +
                               "WHERE kind = 'certificate' AND next_check_at IS NOT NULL AND "
                               "next_check_at <= ?1 ORDER BY next_check_at, seq LIMIT ?2");
  query.bind(1, unix_millis(now)).bind(2, std::int64_t{limit});
  std::vector<CertificateRecord> found;
  while (query.step())
    found.push_back(read_row(query));
  return found;
}

void set_renewed_by(Database& db, std::string_view id, std::string_view renewed_by,
                    core::TimePoint now) {
  Statement update = db.prepare(
      "UPDATE objects SET data = json_set(data, '$.renewed_by', ?), updated_at = ? "
      "WHERE id = ? AND kind = 'certificate'");
  update.bind(1, renewed_by).bind(2, unix_millis(now)).bind(3, id).step();
  if (db.changes() != 1) throw StoreError("no certificate row " + std::string(id));
}

std::vector<std::string> supplier_refs(Database& db, std::string_view provider_instance,
                                       std::string_view common_name) {
  Statement query = db.prepare(
      "SELECT supplier_ref FROM objects WHERE kind = 'certificate' AND provider_instance = ? "
      "AND name = ? AND supplier_ref IS NOT NULL");
  query.bind(1, provider_instance).bind(2, common_name);
  std::vector<std::string> refs;
  while (query.step())
    refs.push_back(query.column_text(0));
  return refs;
}

}  // namespace certificates

namespace private_keys {

void add(Database& db, std::string_view object_id, std::string_view sealed, core::TimePoint now) {
  Statement insert = db.prepare(
      "INSERT INTO private_keys(object_id, generation, sealed, created_at) "
      "VALUES(?1, (SELECT coalesce(max(generation), 0) + 1 FROM private_keys "
      "WHERE object_id = ?1), ?2, ?3)");
  insert.bind(1, object_id).bind(2, Blob{sealed}).bind(3, unix_millis(now));
  insert.step();
}

std::vector<std::string> all(Database& db, std::string_view object_id) {
  Statement query =
      db.prepare("SELECT sealed FROM private_keys WHERE object_id = ? ORDER BY generation DESC");
  query.bind(1, object_id);
  std::vector<std::string> sealed;
  while (query.step())
    sealed.push_back(query.column_blob(0));
  return sealed;
}

}  // namespace private_keys

}  // namespace portico::store
