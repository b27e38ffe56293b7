#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "portico/config/config.hpp"

// Reading a YAML document into config values with positions: every problem becomes one
// ConfigError "<file>:<line>:<column>: <yaml.path>: <message>" raised through Context::fail.
namespace portico::config::detail {

// The file being read: how to name a place in it and how to resolve what it refers to.
class Context {
 public:
  Context(std::string label, std::filesystem::path base_dir, const Environment& env)
      : label_(std::move(label)), base_dir_(std::move(base_dir)), env_(env) {}

  [[noreturn]] void fail(const YAML::Mark& mark, std::string_view path,
                         std::string_view message) const;
  const Environment& env() const { return env_; }
  // Absolute and normalized; relative paths are taken from the config file's directory.
  std::filesystem::path resolve(std::string_view path) const;

 private:
  std::string label_;
  std::filesystem::path base_dir_;
  const Environment& env_;
};

// A node of the document and where it is.
struct Value {
  YAML::Node node;
  YAML::Mark mark;
  std::string path;  // dotted YAML path, e.g. providers.main.endpoint
};

std::string child_path(std::string_view parent, std::string_view key);
std::string item_path(std::string_view parent, std::size_t index);

// Scalar conversions. Strings get ${VAR} expansion and must not be empty; integers and
// booleans must be plain (unquoted) scalars, so "true" in quotes is a string, not a boolean.
// A secret's value is never repeated in a message.
std::string read_string(const Context& context, const Value& value);
std::int64_t read_integer(const Context& context, const Value& value, std::int64_t min,
                          std::int64_t max);
bool read_boolean(const Context& context, const Value& value);
// A non-empty list; the items are returned unconverted.
std::vector<Value> read_list(const Context& context, const Value& value);

// Reads one map block. Getters consume keys; finish() refuses keys that no getter asked for,
// with a hint among those that were asked for. A key with an empty (null) value counts as
// absent. Typical use:
//
//   MapReader server(context, value);
//   config.threads = server.integer("threads", 1, 64).value_or(2);
//   server.finish();
class MapReader {
 public:
  struct Entry {
    std::string key;
    Value key_value;  // the key node itself, for errors about names
    Value value;
  };

  // Refuses a non-map, keys that are not scalars, and duplicate keys.
  MapReader(const Context& context, Value map);

  const Value& self() const { return self_; }
  [[noreturn]] void fail(std::string_view message) const;

  // The value of `key`, or nothing when it is absent (or null, unless null_is_absent is false).
  std::optional<Value> find(std::string_view key, bool null_is_absent = true);
  // Like find(); a missing key is an error (or, when a present unknown key looks like a typo of
  // it, that key is reported instead). `help` says what the field is for.
  Value require(std::string_view key, std::string_view help = {});

  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      bool required = false);
  std::optional<bool> boolean(std::string_view key, bool required = false);
  // `key` inline (or ${VAR}) or `key_file` (a file's trimmed contents), not both.
  std::optional<core::Secret> secret(std::string_view key, bool required,
                                     std::size_t min_length = 4, std::size_t max_length = 65536,
                                     std::string_view help = {});
  // A path resolved against the config directory, optionally checked to be readable now.
  std::optional<std::string> path(std::string_view key, bool required, bool must_be_readable);
  std::optional<MapReader> map(std::string_view key, bool required = false);

  // Every entry, all consumed: for maps whose keys are names (providers, routes).
  const std::vector<Entry>& entries();

  void finish() const;

 private:
  const Entry* lookup(std::string_view key);
  [[noreturn]] void fail_missing(std::string_view key, std::string_view help,
                                 const std::vector<std::string>& names) const;

  const Context& context_;
  Value self_;
  std::vector<Entry> entries_;
  std::vector<std::string> asked_;  // in the order asked, for hints
  std::set<std::string, std::less<>> consumed_;
};

}  // namespace portico::config::detail
