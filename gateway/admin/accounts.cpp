#include "portico/admin/accounts.hpp"

#include "portico/api/keys.hpp"
#include "portico/core/ids.hpp"

namespace portico::admin {

using core::Error;

namespace {

bool valid_partner_name(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  for (char c : name) {
    const bool allowed = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == ' ' || c == '.' ||
                         c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

void audit(store::Database& db, const Actor& actor, core::TimePoint now,
           std::string_view partner_id, std::string_view action, std::string_view target,
           std::string detail_json = "{}") {
  store::audit::append(db, {.at = now,
                            .request_id = actor.request_id,
                            .partner_id = std::string(partner_id),
                            .actor = actor.name,
                            .action = std::string(action),
                            .target = std::string(target),
                            .detail_json = std::move(detail_json)});
}

}  // namespace

core::Result<store::PartnerRecord> create_partner(store::Database& db, std::string_view name,
                                                  const Actor& actor, core::TimePoint now,
                                                  core::Random& random) {
  if (!valid_partner_name(name)) {
    return Error::invalid_request(
        "invalid_partner_name",
        "A partner name is 1 to 100 characters of letters, digits, space, '.', '_' and '-'.",
        "name");
  }
  store::PartnerRecord partner{core::make_id(core::id_prefix::kPartner, random), std::string(name),
                               now};
  if (!store::partners::insert(db, partner)) {
    return Error::conflict("partner_exists", "A partner with this name already exists.", "name");
  }
  audit(db, actor, now, partner.id, "partner.created", partner.id);
  return partner;
}

core::Result<CreatedKey> create_key(store::Database& db, std::string_view partner_id, bool livemode,
                                    std::string_view brand, const Actor& actor, core::TimePoint now,
                                    core::Random& random) {
  if (!store::partners::find_by_id(db, partner_id)) {
    return Error::not_found("Partner not found.", "partner");
  }
  api::IssuedKey issued = api::issue_key(brand, livemode, random);
  store::ApiKeyRecord record{.id = core::make_id(core::id_prefix::kApiKey, random),
                             .partner_id = std::string(partner_id),
                             .prefix = issued.prefix,
                             .hash = issued.hash,
                             .livemode = livemode,
                             .created_at = now,
                             .revoked_at = std::nullopt};
  store::api_keys::insert(db, record);
  // The audit trail names the key by id and prefix, never by its secret part.
  audit(db, actor, now, partner_id, "api_key.created", record.id,
        "{\"prefix\":\"" + record.prefix + "\"}");
  return CreatedKey{std::move(record), std::move(issued.plaintext)};
}

core::Result<store::ApiKeyRecord> revoke_key(store::Database& db, std::string_view key_id,
                                             const Actor& actor, core::TimePoint now) {
  auto key = store::api_keys::find_by_id(db, key_id);
  if (!key) return Error::not_found("API key not found.", "key");
  if (key->revoked_at) {
    return Error::conflict("api_key_already_revoked", "This API key is already revoked.", "key");
  }
  store::api_keys::revoke(db, key_id, now);
  key->revoked_at = now;
  audit(db, actor, now, key->partner_id, "api_key.revoked", key->id,
        "{\"prefix\":\"" + key->prefix + "\"}");
  return std::move(*key);
}

}  // namespace portico::admin
