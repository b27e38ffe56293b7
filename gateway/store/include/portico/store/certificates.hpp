#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/model.hpp"
#include "portico/store/database.hpp"
#include "portico/store/repositories.hpp"

// Certificate orders: rows of `objects` (kind "certificate") and their sealed private keys.
// Same conventions as repositories.hpp: synchronous, run inside Store::write / Store::read.
namespace portico::store {

// Who made the certificate's key.
enum class KeySource { partner, gateway, supplier };

struct CertificateRecord {
  std::string id;
  std::string partner_id;
  bool livemode = false;
  std::optional<std::string> customer_id;
  std::string provider_instance;
  core::CertificateRequest request;  // as ordered (or last reissued), CSR included
  core::Certificate certificate;     // the supplier's view; private_key_pem is never stored here
  KeySource key_source = KeySource::partner;
  std::string renewal_of;      // the ssl_ id this one renews
  std::string renewed_by;      // the ssl_ id that renews this one
  core::TimePoint ordered_at;  // when the current order or reissue was placed
  int checks = 0;              // polls since the order or reissue, for the job's backoff
  std::optional<core::TimePoint> next_check_at;  // when the job looks again; none: never
  bool expiry_notified = false;                  // ssl.expiring was sent for this certificate
  core::TimePoint created_at;
  core::TimePoint updated_at;
};

struct CertificateFilter {
  std::optional<std::string> customer_id;
  std::optional<core::CertificateStatus> status;
  std::optional<std::string> common_name;
};

namespace certificates {
// The row is keyed by id; the supplier's order reference is unique per instance.
void insert(Database& db, const CertificateRecord& record);
void update(Database& db, const CertificateRecord& record);
std::optional<CertificateRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                      std::string_view id);
// Newest first; std::nullopt for a cursor that is not one of this partner's certificates.
std::optional<Page<CertificateRecord>> list(Database& db, std::string_view partner_id,
                                            bool livemode, const CertificateFilter& filter,
                                            int limit,
                                            std::optional<std::string_view> starting_after);
// Certificates whose next check is due at `now`, the most overdue first.
std::vector<CertificateRecord> due(Database& db, core::TimePoint now, int limit);
// Marks `id` as renewed by `renewed_by`, touching nothing else of its row.
void set_renewed_by(Database& db, std::string_view id, std::string_view renewed_by,
                    core::TimePoint now);
// The supplier references of the orders an instance holds for a common name (any partner):
// what a supplier's list may show that is already mapped here.
std::vector<std::string> supplier_refs(Database& db, std::string_view provider_instance,
                                       std::string_view common_name);
}  // namespace certificates

// Private keys, sealed by the caller (core::crypto::aes256_gcm_seal bound to the object id).
namespace private_keys {
// Adds the next generation for the object.
void add(Database& db, std::string_view object_id, std::string_view sealed, core::TimePoint now);
// Every generation's sealed key, newest first.
std::vector<std::string> all(Database& db, std::string_view object_id);
}  // namespace private_keys

}  // namespace portico::store
