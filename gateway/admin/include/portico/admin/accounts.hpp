#pragma once

#include <string>
#include <string_view>

#include "portico/core/clock.hpp"
#include "portico/core/random.hpp"
#include "portico/core/result.hpp"
#include "portico/store/database.hpp"
#include "portico/store/repositories.hpp"

// Partners and their API keys: shared by the admin API and the `portico keys` CLI, each step
// one transaction with its audit entry.
namespace portico::admin {

struct CreatedKey {
  store::ApiKeyRecord record;
  std::string plaintext;  // shown once, never stored
};

struct Actor {
  std::string name;        // "admin-api" or "cli"
  std::string request_id;  // empty for the CLI
};

// Name: 1..100 characters of [A-Za-z0-9 ._-]; a taken name is a 409.
core::Result<store::PartnerRecord> create_partner(store::Database& db, std::string_view name,
                                                  const Actor& actor, core::TimePoint now,
                                                  core::Random& random);
core::Result<CreatedKey> create_key(store::Database& db, std::string_view partner_id, bool livemode,
                                    std::string_view brand, const Actor& actor, core::TimePoint now,
                                    core::Random& random);
core::Result<store::ApiKeyRecord> revoke_key(store::Database& db, std::string_view key_id,
                                             const Actor& actor, core::TimePoint now);

}  // namespace portico::admin
