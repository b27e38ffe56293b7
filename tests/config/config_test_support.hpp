#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "portico/config/config.hpp"

#include "support/temp_dir.hpp"

namespace portico::config::testing {

using portico::testing::TempDir;

inline Environment environment_of(std::map<std::string, std::string, std::less<>> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

// Two small types standing in for the real adapters, plus one that needs a source address and
// has optional fields of each kind.
inline ProviderSchemas test_schemas() {
  ProviderSchemas schemas;
  schemas["alpha"] = {"alpha",
                      {Category::domains},
                      {{"username", FieldKind::string, true, "the reseller login"},
                       {"api_key", FieldKind::secret, true, "the reseller API key"}}};
  schemas["beta"] = {
      "beta",
      {Category::ssl},
      {{"token", FieldKind::secret, true, "the API token"},
       {"organization_id", FieldKind::integer, true, "the organization", 1, INT64_MAX}}};
  schemas["gamma"] = {"gamma",
                      {Category::hosting, Category::ssl},
                      {{"api_key", FieldKind::secret, true},
                       {"region", FieldKind::string, false, "", 2, 8},
                       {"verbose", FieldKind::boolean},
                       {"batch_size", FieldKind::integer, false, "", 0, 5}},
                      true};
  return schemas;
}

}  // namespace portico::config::testing
