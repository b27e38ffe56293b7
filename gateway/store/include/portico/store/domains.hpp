#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/model.hpp"
#include "portico/store/database.hpp"
#include "portico/store/events.hpp"
#include "portico/store/repositories.hpp"

// Domains and their DNS record ids. Same conventions
// as repositories.hpp: synchronous, run inside Store::write / Store::read.
namespace portico::store {

// A domain a partner holds through one provider instance: a row of `objects` (kind "domain").
// While the domain is held (not deleted, transferred away or failed) its name is the row's
// supplier_ref, unique per instance, so one name cannot be recorded twice.
struct DomainRecord {
  std::string id;
  std::string partner_id;
  bool livemode = false;
  std::optional<std::string> customer_id;
  std::string provider_instance;
  core::Domain domain;
  std::vector<core::GlueRecord> glue;  // registered through Portico, with their addresses
  core::TimePoint created_at;
  core::TimePoint updated_at;
  std::optional<core::TimePoint> synced_at;  // last refresh from the supplier

  bool held() const;  // the supplier still has it in the account
};

struct DomainFilter {
  std::optional<std::string> customer_id;
  std::optional<core::DomainStatus> status;
  std::optional<std::string> tld;  // ".ke" matches every name ending in it
  std::optional<std::string> name;
};

namespace domains {
enum class InsertOutcome { inserted, name_taken };
// name_taken when the instance already holds a domain of that name (nothing is written).
InsertOutcome insert(Database& db, const DomainRecord& record);
// Writes every mutable field (status, data, updated_at, synced_at) of an existing row.
void update(Database& db, const DomainRecord& record);
std::optional<DomainRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                 std::string_view id);
// The held domain of this name, whoever holds it.
std::optional<DomainRecord> find_held(Database& db, std::string_view name);
// Newest first; std::nullopt for a cursor that is not one of this partner's domains.
std::optional<Page<DomainRecord>> list(Database& db, std::string_view partner_id, bool livemode,
                                       const DomainFilter& filter, int limit,
                                       std::optional<std::string_view> starting_after);
// Domains whose supplier view is older than their interval: pending transfers not synced
// since `transfers_before`, other held domains not synced since `others_before`; least
// recently synced first.
std::vector<DomainRecord> due_for_sync(Database& db, core::TimePoint transfers_before,
                                       core::TimePoint others_before, int limit);
}  // namespace domains

// Stable ids for DNS records of suppliers that have none: a record's id is bound to its
// fingerprint (core::dns_record_fingerprint) within its domain.
namespace dns_records {
// The id of each fingerprint, in order; unknown fingerprints get a new id from `new_id`.
std::vector<std::string> ids_for(Database& db, std::string_view domain_id,
                                 const std::vector<std::string>& fingerprints,
                                 const std::function<std::string()>& new_id, core::TimePoint now);
// Ids already known (no writes): empty strings for unknown fingerprints.
std::vector<std::string> known_ids(Database& db, std::string_view domain_id,
                                   const std::vector<std::string>& fingerprints);
std::optional<std::string> fingerprint_of(Database& db, std::string_view domain_id,
                                          std::string_view id);
// Binds an existing id to a record's new content.
void rebind(Database& db, std::string_view domain_id, std::string_view id,
            std::string_view fingerprint);
void remove(Database& db, std::string_view domain_id, std::string_view id);
}  // namespace dns_records

}  // namespace portico::store
