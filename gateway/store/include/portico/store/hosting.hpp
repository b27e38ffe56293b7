#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "portico/core/model.hpp"
#include "portico/store/database.hpp"
#include "portico/store/repositories.hpp"

// Hosting (website-firewall) packages: rows of `objects` (kind "hosting"). Same conventions as
// repositories.hpp: synchronous, run inside Store::write / Store::read. Passwords are never
// stored: the supplier keeps them, the partner is shown them once.
namespace portico::store {

// While a package is held (not deleted) its supplier_ref is the row's supplier_ref, unique per
// instance, so one supplier package is never recorded twice.
struct HostingRecord {
  std::string id;
  std::string partner_id;
  bool livemode = false;
  std::optional<std::string> customer_id;
  std::string provider_instance;
  std::string product;  // the routing.hosting key it was ordered through
  std::string email;
  core::HostingPackage package;
  core::TimePoint created_at;
  core::TimePoint updated_at;
  std::optional<core::TimePoint> synced_at;  // last read from the supplier

  bool held() const { return package.status != core::HostingStatus::deleted; }
};

struct HostingFilter {
  std::optional<std::string> customer_id;
  std::optional<core::HostingStatus> status;
  std::optional<std::string> domain;
};

namespace hosting {
enum class InsertOutcome { inserted, package_taken };
// package_taken when the instance already holds a package with that supplier_ref.
InsertOutcome insert(Database& db, const HostingRecord& record);
void update(Database& db, const HostingRecord& record);
std::optional<HostingRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                  std::string_view id);
// The held package of this domain, whoever holds it and at whichever instance.
std::optional<HostingRecord> find_held(Database& db, std::string_view domain);
// Newest first; std::nullopt for a cursor that is not one of this partner's packages.
std::optional<Page<HostingRecord>> list(Database& db, std::string_view partner_id, bool livemode,
                                        const HostingFilter& filter, int limit,
                                        std::optional<std::string_view> starting_after);
}  // namespace hosting

}  // namespace portico::store
