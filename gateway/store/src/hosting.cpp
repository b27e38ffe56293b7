#include "portico/store/hosting.hpp"

#include <algorithm>

#include "portico/core/json.hpp"
#include "portico/core/names.hpp"

#include "list_query.hpp"

namespace portico::store {

namespace {

std::int64_t flag(bool value) {
  return value ? 1 : 0;
}

// The `data` column: everything the row's columns do not hold.
std::string hosting_data(const HostingRecord& record) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  const core::HostingPackage& package = record.package;
  out.StartObject();
  core::json::write(out, "product", record.product);
  core::json::write(out, "email", record.email);
  core::json::write(out, "supplier_ref", package.supplier_ref);
  core::json::write(out, "plan", package.plan);
  core::json::write(out, "supplier_status", package.supplier_status);
  core::json::write(out, "license_token", package.license_token);
  out.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string text_of(const rapidjson::Value& object, const char* name) {
  return core::json::string_of(core::json::member(object, name)).value_or("");
}

constexpr std::string_view kSelect =
    "SELECT id, partner_id, livemode, customer_id, provider_instance, name, state, data, "
    "created_at, updated_at, synced_at FROM objects ";

HostingRecord read_row(const Statement& row) {
  HostingRecord record;
  record.id = row.column_text(0);
  record.partner_id = row.column_text(1);
  record.livemode = row.column_int64(2) != 0;
  record.customer_id = row.column_optional_text(3);
  record.provider_instance = row.column_text(4);
  record.package.domain = row.column_text(5);
  record.package.status =
      core::parse_hosting_status(row.column_text(6)).value_or(core::HostingStatus::active);
  record.created_at = from_unix_millis(row.column_int64(8));
  record.updated_at = from_unix_millis(row.column_int64(9));
  if (auto synced = row.column_optional_int64(10)) record.synced_at = from_unix_millis(*synced);
  auto data = core::json::parse(row.column_text(7));
  // The column is only ever written by hosting_data(); anything else is corruption.
  if (!data || !data->IsObject()) throw StoreError("corrupt hosting data for " + record.id);
  record.product = text_of(*data, "product");
  record.email = text_of(*data, "email");
  record.package.supplier_ref = text_of(*data, "supplier_ref");
  record.package.plan = text_of(*data, "plan");
  record.package.supplier_status = text_of(*data, "supplier_status");
  record.package.license_token = text_of(*data, "license_token");
  return record;
}

std::optional<std::string_view> held_ref(const HostingRecord& record) {
  if (!record.held() || record.package.supplier_ref.empty()) return std::nullopt;
  return record.package.supplier_ref;
}

std::optional<std::int64_t> optional_millis(const std::optional<core::TimePoint>& at) {
  if (!at) return std::nullopt;
  return unix_millis(*at);
}

}  // namespace

namespace hosting {

InsertOutcome insert(Database& db, const HostingRecord& record) {
  Statement insert = db.prepare(
      "INSERT INTO objects(id, kind, partner_id, livemode, customer_id, provider_instance, "
      "supplier_ref, name, state, data, created_at, updated_at, synced_at) "
      "VALUES(?, 'hosting', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(provider_instance, kind, supplier_ref) WHERE supplier_ref IS NOT NULL "
      "DO NOTHING");
  insert.bind(1, record.id)
      .bind(2, record.partner_id)
      .bind(3, flag(record.livemode))
      .bind(4, record.customer_id)
      .bind(5, record.provider_instance)
      .bind(6, held_ref(record))
      .bind(7, record.package.domain)
      .bind(8, core::name_of(record.package.status))
      .bind(9, hosting_data(record))
      .bind(10, unix_millis(record.created_at))
      .bind(11, unix_millis(record.updated_at))
      .bind(12, optional_millis(record.synced_at));
  insert.step();
  return db.changes() == 1 ? InsertOutcome::inserted : InsertOutcome::package_taken;
}

void update(Database& db, const HostingRecord& record) {
  Statement update = db.prepare(
      "UPDATE objects SET supplier_ref = ?, state = ?, data = ?, updated_at = ?, synced_at = ? "
      "WHERE id = ? AND kind = 'hosting'");
  update.bind(1, held_ref(record))
      .bind(2, core::name_of(record.package.status))
      .bind(3, hosting_data(record))
      .bind(4, unix_millis(record.updated_at))
      .bind(5, optional_millis(record.synced_at))
      .bind(6, record.id);
  update.step();
  if (db.changes() != 1) throw StoreError("no hosting row " + record.id);
}

std::optional<HostingRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                  std::string_view id) {
  Statement query = db.prepare(std::string(kSelect) +
                               "WHERE id = ? AND kind = 'hosting' AND partner_id = ? AND "
                               "livemode = ?");
  query.bind(1, id).bind(2, partner_id).bind(3, flag(livemode));
  if (!query.step()) return std::nullopt;
  return read_row(query);
}

std::optional<HostingRecord> find_held(Database& db, std::string_view domain) {
  Statement query = db.prepare(std::string(kSelect) +
                               "WHERE kind = 'hosting' AND name = ? AND supplier_ref IS NOT NULL");
  query.bind(1, domain);
  if (!query.step()) return std::nullopt;
  return read_row(query);
}

std::optional<Page<HostingRecord>> list(Database& db, std::string_view partner_id, bool livemode,
                                        const HostingFilter& filter, int limit,
                                        std::optional<std::string_view> starting_after) {
  detail::ObjectListFilter where{.customer_id = filter.customer_id, .name = filter.domain};
  if (filter.status) where.state = core::name_of(*filter.status);
  return detail::list_objects<HostingRecord>(db, "hosting", kSelect, partner_id, livemode, where,
                                             limit, starting_after, read_row);
}

}  // namespace hosting

}  // namespace portico::store
