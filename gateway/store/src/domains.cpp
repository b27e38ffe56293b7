#include "portico/store/domains.hpp"

#include <algorithm>

#include "portico/core/json.hpp"
#include "portico/core/names.hpp"

#include "list_query.hpp"

namespace portico::store {

namespace {

std::int64_t flag(bool value) {
  return value ? 1 : 0;
}

// The `data` column: what the row's columns do not hold.
std::string domain_data(const DomainRecord& record) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  const core::Domain& domain = record.domain;
  out.StartObject();
  core::json::write(out, "supplier_status", domain.supplier_status);
  if (domain.expires_at) {
    core::json::write(out, "expires_at", unix_millis(*domain.expires_at));
  }
  core::json::key(out, "nameservers");
  out.StartArray();
  for (const auto& nameserver : domain.nameservers)
    core::json::string(out, nameserver);
  out.EndArray();
  core::json::write(out, "locked", domain.locked);
  core::json::write(out, "privacy", domain.privacy);
  core::json::write(out, "auto_renew", domain.auto_renew);
  core::json::key(out, "glue");
  out.StartArray();
  for (const auto& glue : record.glue) {
    out.StartObject();
    core::json::write(out, "host", glue.host);
    core::json::write(out, "address", glue.address);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string text_of(const rapidjson::Value& object, const char* name) {
  const auto found = object.FindMember(name);
  if (found == object.MemberEnd() || !found->value.IsString()) return {};
  return {found->value.GetString(), found->value.GetStringLength()};
}

bool flag_of(const rapidjson::Value& object, const char* name) {
  const auto found = object.FindMember(name);
  return found != object.MemberEnd() && found->value.IsBool() && found->value.GetBool();
}

void read_data(std::string_view text, DomainRecord& record) {
  auto parsed = core::json::parse(text);
  // The column is only ever written by domain_data(); anything else is corruption.
  if (!parsed || !parsed->IsObject()) throw StoreError("corrupt domain data for " + record.id);
  const rapidjson::Value& data = *parsed;
  core::Domain& domain = record.domain;
  domain.supplier_status = text_of(data, "supplier_status");
  if (const auto expires = data.FindMember("expires_at");
      expires != data.MemberEnd() && expires->value.IsInt64()) {
    domain.expires_at = from_unix_millis(expires->value.GetInt64());
  }
  if (const auto nameservers = data.FindMember("nameservers");
      nameservers != data.MemberEnd() && nameservers->value.IsArray()) {
    for (const auto& nameserver : nameservers->value.GetArray()) {
      if (nameserver.IsString()) domain.nameservers.emplace_back(nameserver.GetString());
    }
  }
  domain.locked = flag_of(data, "locked");
  domain.privacy = flag_of(data, "privacy");
  domain.auto_renew = flag_of(data, "auto_renew");
  if (const auto glue = data.FindMember("glue");
      glue != data.MemberEnd() && glue->value.IsArray()) {
    for (const auto& item : glue->value.GetArray()) {
      if (item.IsObject()) record.glue.push_back({text_of(item, "host"), text_of(item, "address")});
    }
  }
}

constexpr std::string_view kSelect =
    "SELECT id, partner_id, livemode, customer_id, provider_instance, name, state, data, "
    "created_at, updated_at, synced_at FROM objects ";

DomainRecord read_row(const Statement& row) {
  DomainRecord record;
  record.id = row.column_text(0);
  record.partner_id = row.column_text(1);
  record.livemode = row.column_int64(2) != 0;
  record.customer_id = row.column_optional_text(3);
  record.provider_instance = row.column_text(4);
  record.domain.name = row.column_text(5);
  record.domain.status =
      core::parse_domain_status(row.column_text(6)).value_or(core::DomainStatus::pending);
  read_data(row.column_text(7), record);
  record.created_at = from_unix_millis(row.column_int64(8));
  record.updated_at = from_unix_millis(row.column_int64(9));
  if (auto synced = row.column_optional_int64(10)) record.synced_at = from_unix_millis(*synced);
  return record;
}

std::optional<std::string_view> held_name(const DomainRecord& record) {
  if (!record.held()) return std::nullopt;
  return record.domain.name;
}

}  // namespace

bool DomainRecord::held() const {
  using core::DomainStatus;
  return domain.status != DomainStatus::deleted &&
         domain.status != DomainStatus::transferred_away && domain.status != DomainStatus::failed;
}

namespace domains {

InsertOutcome insert(Database& db, const DomainRecord& record) {
  Statement insert = db.prepare(
      "INSERT INTO objects(id, kind, partner_id, livemode, customer_id, provider_instance, "
      "supplier_ref, name, state, data, created_at, updated_at, synced_at) "
      "VALUES(?, 'domain', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(provider_instance, kind, supplier_ref) WHERE supplier_ref IS NOT NULL "
      "DO NOTHING");
  insert.bind(1, record.id)
      .bind(2, record.partner_id)
      .bind(3, flag(record.livemode))
      .bind(4, record.customer_id)
      .bind(5, record.provider_instance)
      .bind(6, held_name(record))
      .bind(7, record.domain.name)
      .bind(8, core::name_of(record.domain.status))
      .bind(9, domain_data(record))
      .bind(10, unix_millis(record.created_at))
      .bind(11, unix_millis(record.updated_at));
  if (record.synced_at) {
    insert.bind(12, unix_millis(*record.synced_at));
  } else {
    insert.bind(12, std::nullopt);
  }
  insert.step();
  return db.changes() == 1 ? InsertOutcome::inserted : InsertOutcome::name_taken;
}

void update(Database& db, const DomainRecord& record) {
  Statement update = db.prepare(
      "UPDATE objects SET supplier_ref = ?, state = ?, data = ?, updated_at = ?, synced_at = ? "
      "WHERE id = ? AND kind = 'domain'");
  update.bind(1, held_name(record))
      .bind(2, core::name_of(record.domain.status))
      .bind(3, domain_data(record))
      .bind(4, unix_millis(record.updated_at));
  if (record.synced_at) {
    update.bind(5, unix_millis(*record.synced_at));
  } else {
    update.bind(5, std::nullopt);
  }
  update.bind(6, record.id);
  update.step();
  if (db.changes() != 1) throw StoreError("no domain row " + record.id);
}

std::optional<DomainRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                 std::string_view id) {
  Statement query = db.prepare(std::string(kSelect) +
                               "WHERE id = ? AND kind = 'domain' AND partner_id = ? AND "
                               "livemode = ?");
  query.bind(1, id).bind(2, partner_id).bind(3, flag(livemode));
  if (!query.step()) return std::nullopt;
  return read_row(query);
}

std::optional<DomainRecord> find_held(Database& db, std::string_view name) {
  Statement query =
      db.prepare(std::string(kSelect) + "WHERE kind = 'domain' AND supplier_ref = ? LIMIT 1");
  query.bind(1, name);
  if (!query.step()) return std::nullopt;
  return read_row(query);
}

std::optional<Page<DomainRecord>> list(Database& db, std::string_view partner_id, bool livemode,
                                       const DomainFilter& filter, int limit,
                                       std::optional<std::string_view> starting_after) {
  detail::ObjectListFilter where{
      .customer_id = filter.customer_id, .name = filter.name, .name_suffix = filter.tld};
  if (filter.status) where.state = core::name_of(*filter.status);
  return detail::list_objects<DomainRecord>(db, "domain", kSelect, partner_id, livemode, where,
                                            limit, starting_after, read_row);
}

std::vector<DomainRecord> due_for_sync(Database& db, core::TimePoint transfers_before,
                                       core::TimePoint others_before, int limit) {
  Statement query =
      db.prepare(std::string(kSelect) +
                 "WHERE kind = 'domain' AND supplier_ref IS NOT NULL AND ("
                 "(state = 'pending_transfer' AND (synced_at IS NULL OR synced_at < ?1)) OR "
                 "(state <> 'pending_transfer' AND (synced_at IS NULL OR synced_at < ?2))) "
                 "ORDER BY coalesce(synced_at, 0), seq LIMIT ?3");
  query.bind(1, unix_millis(transfers_before))
      .bind(2, unix_millis(others_before))
      .bind(3, std::int64_t{limit});
  std::vector<DomainRecord> due;
  while (query.step())
    due.push_back(read_row(query));
  return due;
}

}  // namespace domains

namespace dns_records {

std::vector<std::string> known_ids(Database& db, std::string_view domain_id,
                                   const std::vector<std::string>& fingerprints) {
  Statement query =
      db.prepare("SELECT id FROM dns_records WHERE domain_id = ? AND fingerprint = ?");
  std::vector<std::string> ids;
  ids.reserve(fingerprints.size());
  for (const auto& fingerprint : fingerprints) {
    query.reset();
    query.bind(1, domain_id).bind(2, fingerprint);
    ids.push_back(query.step() ? query.column_text(0) : std::string());
  }
  return ids;
}

std::vector<std::string> ids_for(Database& db, std::string_view domain_id,
                                 const std::vector<std::string>& fingerprints,
                                 const std::function<std::string()>& new_id, core::TimePoint now) {
  std::vector<std::string> ids = known_ids(db, domain_id, fingerprints);
  Statement insert = db.prepare(
      "INSERT INTO dns_records(id, domain_id, fingerprint, created_at) VALUES(?, ?, ?, ?) "
      "ON CONFLICT(domain_id, fingerprint) DO NOTHING");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].empty()) continue;
    // The same fingerprint twice in one answer gets one id.
    const auto earlier =
        std::find(fingerprints.begin(), fingerprints.begin() + static_cast<std::ptrdiff_t>(i),
                  fingerprints[i]);
    if (earlier != fingerprints.begin() + static_cast<std::ptrdiff_t>(i)) {
      ids[i] = ids[static_cast<std::size_t>(earlier - fingerprints.begin())];
      continue;
    }
    ids[i] = new_id();
    insert.reset();
    insert.bind(1, ids[i]).bind(2, domain_id).bind(3, fingerprints[i]).bind(4, unix_millis(now));
    insert.step();
  }
  return ids;
}

std::optional<std::string> fingerprint_of(Database& db, std::string_view domain_id,
                                          std::string_view id) {
  Statement query =
      db.prepare("SELECT fingerprint FROM dns_records WHERE domain_id = ? AND id = ?");
  query.bind(1, domain_id).bind(2, id);
  if (!query.step()) return std::nullopt;
  return query.column_text(0);
}

void rebind(Database& db, std::string_view domain_id, std::string_view id,
            std::string_view fingerprint) {
  // A stale id bound to the new content (the record existed before under another id) yields.
  Statement drop =
      db.prepare("DELETE FROM dns_records WHERE domain_id = ? AND fingerprint = ? AND id <> ?");
  drop.bind(1, domain_id).bind(2, fingerprint).bind(3, id);
  drop.step();
  Statement update =
      db.prepare("UPDATE dns_records SET fingerprint = ? WHERE domain_id = ? AND id = ?");
  update.bind(1, fingerprint).bind(2, domain_id).bind(3, id);
  update.step();
}

void remove(Database& db, std::string_view domain_id, std::string_view id) {
  Statement drop = db.prepare("DELETE FROM dns_records WHERE domain_id = ? AND id = ?");
  drop.bind(1, domain_id).bind(2, id);
  drop.step();
}

}  // namespace dns_records

}  // namespace portico::store
