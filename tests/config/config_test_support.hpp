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

namespace portico::config::testing {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "portico-config-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `contents` to a path relative to the directory, creating folders; returns it.
  std::filesystem::path write(const std::string& relative, std::string_view contents) const {
    const std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << contents;
    return file;
  }

 private:
  std::filesystem::path path_;
};

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
                       {"retries", FieldKind::integer, false, "", 0, 5}},
                      true};
  return schemas;
}

}  // namespace portico::config::testing
