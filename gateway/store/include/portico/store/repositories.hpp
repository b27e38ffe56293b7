#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/store/database.hpp"

// Synchronous queries on one connection, to be run inside Store::write / Store::read. Ids come
// from the caller (core::make_id) and times are passed in, so tests are exact. Expected
// outcomes (a name already taken, an unknown cursor) are return values; anything else from
// SQLite (a foreign key to nothing, an id that collides) throws StoreError, which the Store
// turns into a rolled-back transaction and core::Error::internal.
namespace portico::store {

struct PartnerRecord {
  std::string id;
  std::string name;
  core::TimePoint created_at;
};

struct ApiKeyRecord {
  std::string id;
  std::string partner_id;
  std::string prefix;  // the loggable start of the key
  std::string hash;    // raw SHA-256 bytes of the whole key
  bool livemode = false;
  core::TimePoint created_at;
  std::optional<core::TimePoint> revoked_at;
};

struct CustomerRecord {
  std::string id;
  std::string partner_id;
  bool livemode = false;
  std::string name;
  std::string email;
  std::optional<std::string> country;
  std::optional<std::string> external_id;
  core::TimePoint created_at;
};

// One page of a list, newest first.
template <typename T>
struct Page {
  std::vector<T> items;
  std::int64_t total = 0;  // every item of the list, on all pages
  bool has_more = false;   // more items after the last one here
};

// Lists fetch limit + 1 rows: the extra one only says that more follow, and is dropped here.
template <typename T>
void finish_page(Page<T>& page, int limit) {
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    page.items.pop_back();
    page.has_more = true;
  }
}

// Empty request_id, partner_id and target are stored as NULL and read back as empty; an empty
// detail_json is stored as "{}".
struct AuditEntry {
  core::TimePoint at;
  std::string request_id;
  std::string partner_id;
  std::string actor;
  std::string action;
  std::string target;
  std::string detail_json;
};

// A partner with how many keys it has, for `portico partners list`.
struct PartnerKeyCounts {
  PartnerRecord partner;
  int live = 0;     // active live-mode keys
  int test = 0;     // active test-mode keys
  int revoked = 0;  // revoked keys of either mode
};

namespace partners {
// False when the name is already taken (nothing is written).
bool insert(Database& db, const PartnerRecord& partner);
std::optional<PartnerRecord> find_by_id(Database& db, std::string_view id);
std::optional<PartnerRecord> find_by_name(Database& db, std::string_view name);
// Oldest first.
std::vector<PartnerRecord> list(Database& db);
// Oldest first, each with its key counts, in one query.
std::vector<PartnerKeyCounts> list_with_key_counts(Database& db);
}  // namespace partners

namespace api_keys {
// Throws StoreError for an unknown partner or a hash already stored (keys are random: a
// repeated hash is a bug, not an expected outcome).
void insert(Database& db, const ApiKeyRecord& key);
// Revoked keys are found too: the caller checks revoked_at.
std::optional<ApiKeyRecord> find_by_hash(Database& db, std::string_view hash);
// The same with the name of the key's partner, in one statement: the lookup of every request.
struct KeyOfPartner {
  ApiKeyRecord key;
  std::string partner_name;
};
std::optional<KeyOfPartner> find_with_partner_by_hash(Database& db, std::string_view hash);
std::optional<ApiKeyRecord> find_by_id(Database& db, std::string_view id);
// False if the key is unknown or already revoked (the first revocation time stays).
bool revoke(Database& db, std::string_view id, core::TimePoint at);
// Oldest first, revoked ones included.
std::vector<ApiKeyRecord> list_for_partner(Database& db, std::string_view partner_id);
}  // namespace api_keys

namespace customers {
enum class InsertOutcome { inserted, duplicate_external_id };
// duplicate_external_id when this partner already has, in this mode, a customer with the same
// external_id (nothing is written). Throws StoreError for an unknown partner.
InsertOutcome insert(Database& db, const CustomerRecord& customer);
// Only this partner's customer in this mode: another partner's id is not found.
std::optional<CustomerRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                   std::string_view id);
// Newest first, at most `limit` items (a limit below 1 counts as 1). `starting_after` is the
// id of an item from a previous page of this partner and mode; std::nullopt when it is not one
// (the caller answers 400). Run it inside one read so total and items agree.
std::optional<Page<CustomerRecord>> list(Database& db, std::string_view partner_id, bool livemode,
                                         int limit, std::optional<std::string_view> starting_after);
}  // namespace customers

namespace audit {
void append(Database& db, const AuditEntry& entry);
// In the order they were appended.
std::vector<AuditEntry> for_request(Database& db, std::string_view request_id);
}  // namespace audit

}  // namespace portico::store
