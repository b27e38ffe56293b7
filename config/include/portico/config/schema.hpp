#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/rate_limiter.hpp"

// What a provider type accepts in its config block. Adapters register one schema per type; the
// loader checks every instance against it, so an adapter never sees an unvalidated setting.
namespace portico::config {

enum class Category { domains, ssl, hosting };

// "domains", "ssl" or "hosting": the key under `routing:`.
std::string_view category_name(Category category);

enum class FieldKind { string, integer, boolean, secret };

// One key of a type's own block. A secret may instead be given as `<name>_file: path`.
// For integers, min and max bound the value; for strings and secrets they bound the length
// when set (secrets are at least 4 characters in any case, so the log redactor can mask them).
struct FieldSpec {
  std::string name;
  FieldKind kind = FieldKind::string;
  bool required = false;
  std::string help = {};  // shown when the field is missing
  std::int64_t min = INT64_MIN;
  std::int64_t max = INT64_MAX;
};

struct ProviderSchema {
  std::string type;
  std::set<Category> categories;  // the routes an instance of this type may appear in
  std::vector<FieldSpec> fields;
  bool requires_source_address = false;  // the supplier binds the account to a source IP
  // The limits the supplier publishes, applied to every instance unless its block gives
  // `rate_limits` of its own.
  std::vector<core::RateLimit> default_rate_limits = {};
};

using ProviderSchemas = std::map<std::string, ProviderSchema, std::less<>>;

}  // namespace portico::config
