#include "portico/store/repositories.hpp"

#include <algorithm>

namespace portico::store {

namespace {

std::int64_t flag(bool value) {
  return value ? 1 : 0;
}

std::optional<std::string_view> null_if_empty(std::string_view text) {
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace

// partners

namespace partners {
namespace {
constexpr std::string_view kColumns = "id, name, created_at";

PartnerRecord read_row(const Statement& row) {
  return PartnerRecord{row.column_text(0), row.column_text(1),
                       from_unix_millis(row.column_int64(2))};
}

std::optional<PartnerRecord> find_where(Database& db, std::string_view column,
                                        std::string_view value) {
  Statement query = db.prepare("SELECT " + std::string(kColumns) + " FROM partners WHERE " +
                               std::string(column) + " = ?");
  query.bind(1, value);
  if (!query.step()) return std::nullopt;
  return read_row(query);
}
}  // namespace

bool insert(Database& db, const PartnerRecord& partner) {
  // DO NOTHING only for the name: a repeated id is a bug and still throws.
  Statement insert = db.prepare(
      "INSERT INTO partners(id, name, created_at) VALUES(?, ?, ?) "
      "ON CONFLICT(name) DO NOTHING");
  insert.bind(1, partner.id).bind(2, partner.name).bind(3, unix_millis(partner.created_at));
  insert.step();
  return db.changes() == 1;
}

std::optional<PartnerRecord> find_by_id(Database& db, std::string_view id) {
  return find_where(db, "id", id);
}

std::optional<PartnerRecord> find_by_name(Database& db, std::string_view name) {
  return find_where(db, "name", name);
}

std::vector<PartnerRecord> list(Database& db) {
  Statement query =
      db.prepare("SELECT " + std::string(kColumns) + " FROM partners ORDER BY created_at, rowid");
  std::vector<PartnerRecord> partners;
  while (query.step())
    partners.push_back(read_row(query));
  return partners;
}

std::vector<PartnerKeyCounts> list_with_key_counts(Database& db) {
  // LEFT JOIN: a partner without keys is listed with zeros (SUM over no rows is NULL).
  Statement query = db.prepare(
      "SELECT p.id, p.name, p.created_at, "
      "COALESCE(SUM(k.revoked_at IS NULL AND k.livemode = 1), 0), "
      "COALESCE(SUM(k.revoked_at IS NULL AND k.livemode = 0), 0), "
      "COALESCE(SUM(k.revoked_at IS NOT NULL), 0) "
      "FROM partners AS p LEFT JOIN api_keys AS k ON k.partner_id = p.id "
      "GROUP BY p.rowid ORDER BY p.created_at, p.rowid");
  std::vector<PartnerKeyCounts> partners;
  while (query.step()) {
    partners.push_back({.partner = read_row(query),
                        .live = static_cast<int>(query.column_int64(3)),
                        .test = static_cast<int>(query.column_int64(4)),
                        .revoked = static_cast<int>(query.column_int64(5))});
  }
  return partners;
}
}  // namespace partners

// api_keys

namespace api_keys {
namespace {
constexpr std::string_view kSelect =
    "SELECT id, partner_id, prefix, hash, livemode, created_at, revoked_at FROM api_keys ";

ApiKeyRecord read_row(const Statement& row) {
  ApiKeyRecord key;
  key.id = row.column_text(0);
  key.partner_id = row.column_text(1);
  key.prefix = row.column_text(2);
  key.hash = row.column_blob(3);
  key.livemode = row.column_int64(4) != 0;
  key.created_at = from_unix_millis(row.column_int64(5));
  if (const auto revoked = row.column_optional_int64(6))
    key.revoked_at = from_unix_millis(*revoked);
  return key;
}

std::optional<ApiKeyRecord> find_one(Statement& query) {
  if (!query.step()) return std::nullopt;
  return read_row(query);
}
}  // namespace

void insert(Database& db, const ApiKeyRecord& key) {
  Statement insert = db.prepare(
      "INSERT INTO api_keys(id, partner_id, prefix, hash, livemode, created_at, revoked_at) "
      "VALUES(?, ?, ?, ?, ?, ?, ?)");
  std::optional<std::int64_t> revoked_at;
  if (key.revoked_at) revoked_at = unix_millis(*key.revoked_at);
  insert.bind(1, key.id)
      .bind(2, key.partner_id)
      .bind(3, key.prefix)
      .bind(4, Blob{key.hash})
      .bind(5, flag(key.livemode))
      .bind(6, unix_millis(key.created_at))
      .bind(7, revoked_at);
  insert.step();
}

std::optional<ApiKeyRecord> find_by_hash(Database& db, std::string_view hash) {
  Statement query = db.prepare(std::string(kSelect) + "WHERE hash = ?");
  query.bind(1, Blob{hash});
  return find_one(query);
}

std::optional<KeyOfPartner> find_with_partner_by_hash(Database& db, std::string_view hash) {
  Statement query = db.prepare(
      "SELECT k.id, k.partner_id, k.prefix, k.hash, k.livemode, k.created_at, k.revoked_at, "
      "p.name FROM api_keys k JOIN partners p ON p.id = k.partner_id WHERE k.hash = ?");
  query.bind(1, Blob{hash});
  if (!query.step()) return std::nullopt;
  return KeyOfPartner{read_row(query), query.column_text(7)};
}

std::optional<ApiKeyRecord> find_by_id(Database& db, std::string_view id) {
  Statement query = db.prepare(std::string(kSelect) + "WHERE id = ?");
  query.bind(1, id);
  return find_one(query);
}

bool revoke(Database& db, std::string_view id, core::TimePoint at) {
  Statement update =
      db.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
  update.bind(1, unix_millis(at)).bind(2, id);
  update.step();
  return db.changes() == 1;
}

std::vector<ApiKeyRecord> list_for_partner(Database& db, std::string_view partner_id) {
  Statement query =
      db.prepare(std::string(kSelect) + "WHERE partner_id = ? ORDER BY created_at, rowid");
  query.bind(1, partner_id);
  std::vector<ApiKeyRecord> keys;
  while (query.step())
    keys.push_back(read_row(query));
  return keys;
}
}  // namespace api_keys

// customers

namespace customers {
namespace {
constexpr std::string_view kSelect =
    "SELECT id, partner_id, livemode, name, email, country, external_id, created_at "
    "FROM customers ";

CustomerRecord read_row(const Statement& row) {
  CustomerRecord customer;
  customer.id = row.column_text(0);
  customer.partner_id = row.column_text(1);
  customer.livemode = row.column_int64(2) != 0;
  customer.name = row.column_text(3);
  customer.email = row.column_text(4);
  customer.country = row.column_optional_text(5);
  customer.external_id = row.column_optional_text(6);
  customer.created_at = from_unix_millis(row.column_int64(7));
  return customer;
}
}  // namespace

InsertOutcome insert(Database& db, const CustomerRecord& customer) {
  // The conflict target names the partial index, so only external_id collisions are absorbed.
  Statement insert = db.prepare(
      "INSERT INTO customers(id, partner_id, livemode, name, email, country, external_id, "
      "created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(partner_id, livemode, external_id) WHERE external_id IS NOT NULL DO NOTHING");
  insert.bind(1, customer.id)
      .bind(2, customer.partner_id)
      .bind(3, flag(customer.livemode))
      .bind(4, customer.name)
      .bind(5, customer.email)
      .bind(6, customer.country)
      .bind(7, customer.external_id)
      .bind(8, unix_millis(customer.created_at));
  insert.step();
  return db.changes() == 1 ? InsertOutcome::inserted : InsertOutcome::duplicate_external_id;
}

std::optional<CustomerRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                   std::string_view id) {
  Statement query =
      db.prepare(std::string(kSelect) + "WHERE id = ? AND partner_id = ? AND livemode = ?");
  query.bind(1, id).bind(2, partner_id).bind(3, flag(livemode));
  if (!query.step()) return std::nullopt;
  return read_row(query);
}

std::optional<Page<CustomerRecord>> list(Database& db, std::string_view partner_id, bool livemode,
                                         int limit,
                                         std::optional<std::string_view> starting_after) {
  limit = std::max(limit, 1);
  // Items strictly older than the cursor; INT64_MAX when there is none.
  std::int64_t before_seq = INT64_MAX;
  if (starting_after) {
    Statement cursor =
        db.prepare("SELECT seq FROM customers WHERE id = ? AND partner_id = ? AND livemode = ?");
    cursor.bind(1, *starting_after).bind(2, partner_id).bind(3, flag(livemode));
    if (!cursor.step()) return std::nullopt;
    before_seq = cursor.column_int64(0);
  }

  Page<CustomerRecord> page;
  Statement count =
      db.prepare("SELECT COUNT(*) FROM customers WHERE partner_id = ? AND livemode = ?");
  count.bind(1, partner_id).bind(2, flag(livemode));
  count.step();
  page.total = count.column_int64(0);

  Statement query = db.prepare(std::string(kSelect) +
                               "WHERE partner_id = ? AND livemode = ? AND seq < ? "
                               "ORDER BY seq DESC LIMIT ?");
  query.bind(1, partner_id)
      .bind(2, flag(livemode))
      .bind(3, before_seq)
      .bind(4, std::int64_t{limit} + 1);
  while (query.step())
    page.items.push_back(read_row(query));
  finish_page(page, limit);
  return page;
}
}  // namespace customers

// audit

namespace audit {
void append(Database& db, const AuditEntry& entry) {
  Statement insert = db.prepare(
      "INSERT INTO audit_log(at, request_id, partner_id, actor, action, target, detail) "
      "VALUES(?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, unix_millis(entry.at))
      .bind(2, null_if_empty(entry.request_id))
      .bind(3, null_if_empty(entry.partner_id))
      .bind(4, entry.actor)
      .bind(5, entry.action)
      .bind(6, null_if_empty(entry.target))
      .bind(7, entry.detail_json.empty() ? std::string_view("{}") : entry.detail_json);
  insert.step();
}

std::vector<AuditEntry> for_request(Database& db, std::string_view request_id) {
  Statement query = db.prepare(
      "SELECT at, request_id, partner_id, actor, action, target, detail FROM audit_log "
      "WHERE request_id = ? ORDER BY seq");
  query.bind(1, request_id);
  std::vector<AuditEntry> entries;
  while (query.step()) {
    AuditEntry entry;
    entry.at = from_unix_millis(query.column_int64(0));
    entry.request_id = query.column_text(1);
    entry.partner_id = query.column_text(2);
    entry.actor = query.column_text(3);
    entry.action = query.column_text(4);
    entry.target = query.column_text(5);
    entry.detail_json = query.column_text(6);
    entries.push_back(std::move(entry));
  }
  return entries;
}
}  // namespace audit

}  // namespace portico::store
