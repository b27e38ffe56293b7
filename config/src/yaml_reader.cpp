#include "yaml_reader.hpp"

#include <charconv>

#include "values.hpp"

namespace portico::config::detail {

namespace {

constexpr std::string_view kIntTag = "tag:yaml.org,2002:int";
constexpr std::string_view kBoolTag = "tag:yaml.org,2002:bool";

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return node.Tag() == "!" ? "a quoted string" : "a scalar";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

bool is_plain(const YAML::Node& node) {
  return node.Tag() == "?";
}

std::optional<bool> bool_literal(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

// Integers and booleans are never secrets, so their text may be quoted back, shortened.
std::string quote_back(std::string_view text) {
  constexpr std::size_t kMax = 40;
  if (text.size() > kMax) return "'" + std::string(text.substr(0, kMax)) + "...'";
  return "'" + std::string(text) + "'";
}

std::string range_text(std::int64_t min, std::int64_t max) {
  if (min == INT64_MIN) return "at most " + std::to_string(max);
  if (max == INT64_MAX) return "at least " + std::to_string(min);
  return "from " + std::to_string(min) + " to " + std::to_string(max);
}

bool is_simple_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

void Context::fail(const YAML::Mark& mark, std::string_view path, std::string_view message) const {
  std::string text = label_;
  if (mark.line >= 0) {
    text += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  text += ": ";
  if (!path.empty()) {
    text += path;
    text += ": ";
  }
  text += message;
  throw ConfigError(text);
}

std::filesystem::path Context::resolve(std::string_view path) const {
  std::filesystem::path resolved(path);
  if (resolved.is_relative()) resolved = base_dir_ / resolved;
  return resolved.lexically_normal();
}

std::string child_path(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (is_simple_key(key)) {
    if (!path.empty()) path += '.';
    path += key;
  } else {
    path += "[\"";
    path += key;
    path += "\"]";
  }
  return path;
}

std::string item_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string read_string(const Context& context, const Value& value) {
  if (!value.node.IsScalar()) {
    context.fail(value.mark, value.path, "expected a string, got " + describe(value.node));
  }
  if (is_plain(value.node) && bool_literal(value.node.Scalar())) {
    context.fail(value.mark, value.path,
                 "expected a string, got a boolean (quote it if you mean the text)");
  }
  auto expanded = expand_environment(value.node.Scalar(), context.env());
  if (!expanded) context.fail(value.mark, value.path, expanded.error().message);
  if (expanded->empty()) context.fail(value.mark, value.path, "must not be empty");
  return std::move(expanded).value();
}

std::int64_t read_integer(const Context& context, const Value& value, std::int64_t min,
                          std::int64_t max) {
  const YAML::Node& node = value.node;
  if (!node.IsScalar()) {
    context.fail(value.mark, value.path, "expected an integer, got " + describe(node));
  }
  const std::string& text = node.Scalar();
  if (!is_plain(node) && node.Tag() != kIntTag) {
    context.fail(value.mark, value.path,
                 "expected an integer, got " + describe(node) + " (remove the quotes)");
  }
  std::string_view digits = text;
  if (digits.starts_with('+')) digits.remove_prefix(1);
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  const bool whole = end == digits.data() + digits.size() && !digits.empty();
  if (error == std::errc::result_out_of_range && whole) {
    context.fail(value.mark, value.path,
                 "must be " + range_text(min, max) + ", got " + quote_back(text));
  }
  if (error != std::errc() || !whole || digits.starts_with('+')) {
    context.fail(value.mark, value.path, "expected an integer, got " + quote_back(text));
  }
  if (number < min || number > max) {
    context.fail(value.mark, value.path,
                 "must be " + range_text(min, max) + ", got " + quote_back(text));
  }
  return number;
}

bool read_boolean(const Context& context, const Value& value) {
  const YAML::Node& node = value.node;
  if (!node.IsScalar()) {
    context.fail(value.mark, value.path, "expected true or false, got " + describe(node));
  }
  if (!is_plain(node) && node.Tag() != kBoolTag) {
    context.fail(value.mark, value.path,
                 "expected true or false, got " + describe(node) + " (remove the quotes)");
  }
  const auto result = bool_literal(node.Scalar());
  if (!result) {
    context.fail(value.mark, value.path,
                 "expected true or false, got " + quote_back(node.Scalar()));
  }
  return *result;
}

std::vector<Value> read_list(const Context& context, const Value& value) {
  if (!value.node.IsSequence()) {
    context.fail(value.mark, value.path, "expected a list, got " + describe(value.node));
  }
  if (value.node.size() == 0) context.fail(value.mark, value.path, "the list must not be empty");
  std::vector<Value> items;
  for (std::size_t i = 0; i < value.node.size(); ++i) {
    const YAML::Node item = value.node[i];
    items.push_back({item, item.Mark(), item_path(value.path, i)});
  }
  return items;
}

MapReader::MapReader(const Context& context, Value map) : context_(context), self_(std::move(map)) {
  if (!self_.node.IsMap()) fail("expected a map, got " + describe(self_.node));
  // Copies: yaml-cpp's iterator hands out a temporary pair, so references into it dangle.
  for (const auto& pair : self_.node) {
    const YAML::Node key = pair.first;
    const YAML::Node value = pair.second;
    if (!key.IsScalar()) context_.fail(key.Mark(), self_.path, "a key must be a plain name");
    const std::string path = child_path(self_.path, key.Scalar());
    for (const Entry& earlier : entries_) {
      if (earlier.key == key.Scalar()) {
        context_.fail(key.Mark(), path,
                      "duplicate key '" + key.Scalar() + "' (first given on line " +
                          std::to_string(earlier.key_value.mark.line + 1) + ")");
      }
    }
    // yaml-cpp marks an empty value at the start of the next line; its key is the clearer place.
    const YAML::Mark value_mark = value.IsNull() ? key.Mark() : value.Mark();
    entries_.push_back({key.Scalar(), {key, key.Mark(), path}, {value, value_mark, path}});
  }
}

void MapReader::fail(std::string_view message) const {
  context_.fail(self_.mark, self_.path, message);
}

const MapReader::Entry* MapReader::lookup(std::string_view key) {
  if (consumed_.emplace(key).second) asked_.emplace_back(key);
  for (const Entry& entry : entries_) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

std::optional<Value> MapReader::find(std::string_view key, bool null_is_absent) {
  const Entry* entry = lookup(key);
  if (entry == nullptr || (null_is_absent && entry->value.node.IsNull())) return std::nullopt;
  return entry->value;
}

void MapReader::fail_missing(std::string_view key, std::string_view help,
                             const std::vector<std::string>& names) const {
  // A present key that no getter asked for and that looks like this one is a typo of it.
  for (const Entry& entry : entries_) {
    if (consumed_.contains(entry.key)) continue;
    const std::string hint = did_you_mean(entry.key, names);
    if (!hint.empty()) {
      context_.fail(entry.key_value.mark, entry.key_value.path,
                    "unknown key '" + entry.key + "' (did you mean '" + hint + "'?)");
    }
  }
  std::string message = "required field is missing";
  if (!help.empty()) message += " (" + std::string(help) + ")";
  if (names.size() > 1) message += "; give '" + names[0] + "' or '" + names[1] + "'";
  context_.fail(self_.mark, child_path(self_.path, key), message);
}

Value MapReader::require(std::string_view key, std::string_view help) {
  const Entry* entry = lookup(key);
  if (entry == nullptr) fail_missing(key, help, {std::string(key)});
  if (entry->value.node.IsNull()) {
    context_.fail(entry->value.mark, entry->value.path, "required field has no value");
  }
  return entry->value;
}

std::optional<std::string> MapReader::string(std::string_view key, bool required) {
  const std::optional<Value> value = required ? require(key) : find(key);
  if (!value) return std::nullopt;
  return read_string(context_, *value);
}

std::optional<std::int64_t> MapReader::integer(std::string_view key, std::int64_t min,
                                               std::int64_t max, bool required) {
  const std::optional<Value> value = required ? require(key) : find(key);
  if (!value) return std::nullopt;
  return read_integer(context_, *value, min, max);
}

std::optional<bool> MapReader::boolean(std::string_view key, bool required) {
  const std::optional<Value> value = required ? require(key) : find(key);
  if (!value) return std::nullopt;
  return read_boolean(context_, *value);
}

std::optional<core::Secret> MapReader::secret(std::string_view key, bool required,
                                              std::size_t min_length, std::size_t max_length,
                                              std::string_view help) {
  const std::string file_key = std::string(key) + "_file";
  const std::optional<Value> inline_value = find(key);
  const std::optional<Value> file_value = find(file_key);
  if (inline_value && file_value) {
    context_.fail(file_value->mark, file_value->path,
                  "give either '" + std::string(key) + "' or '" + file_key + "', not both");
  }
  if (!inline_value && !file_value) {
    if (required) fail_missing(key, help, {std::string(key), file_key});
    return std::nullopt;
  }

  const Value& value = inline_value ? *inline_value : *file_value;
  std::string text;
  if (inline_value) {
    text = read_string(context_, value);
  } else {
    const std::filesystem::path path = context_.resolve(read_string(context_, value));
    auto contents = read_trimmed_file(path, max_length);
    if (!contents) context_.fail(value.mark, value.path, contents.error().message);
    if (contents->empty())
      context_.fail(value.mark, value.path, "'" + path.string() + "' is empty");
    text = std::move(contents).value();
  }
  // Lengths only: the value itself must not reach the message.
  if (text.size() < min_length) {
    context_.fail(
        value.mark, value.path,
        "the secret is too short (at least " + std::to_string(min_length) + " characters)");
  }
  if (text.size() > max_length) {
    context_.fail(value.mark, value.path,
                  "the secret is too long (at most " + std::to_string(max_length) + " characters)");
  }
  return core::Secret(std::move(text));
}

std::optional<std::string> MapReader::path(std::string_view key, bool required,
                                           bool must_be_readable) {
  const std::optional<Value> value = required ? require(key) : find(key);
  if (!value) return std::nullopt;
  const std::filesystem::path resolved = context_.resolve(read_string(context_, *value));
  if (must_be_readable) {
    const std::string reason = unreadable_reason(resolved);
    if (!reason.empty()) {
      context_.fail(value->mark, value->path, "cannot read '" + resolved.string() + "': " + reason);
    }
  }
  return resolved.string();
}

std::optional<MapReader> MapReader::map(std::string_view key, bool required) {
  const std::optional<Value> value = required ? require(key) : find(key);
  if (!value) return std::nullopt;
  return MapReader(context_, *value);
}

const std::vector<MapReader::Entry>& MapReader::entries() {
  for (const Entry& entry : entries_)
    lookup(entry.key);
  return entries_;
}

void MapReader::finish() const {
  for (const Entry& entry : entries_) {
    if (consumed_.contains(entry.key)) continue;
    std::string message = "unknown key '" + entry.key + "'";
    const std::string hint = did_you_mean(entry.key, asked_);
    if (!hint.empty()) {
      message += " (did you mean '" + hint + "'?)";
    } else if (!asked_.empty()) {
      message += " (known keys: " + join_names(asked_) + ")";
    }
    context_.fail(entry.key_value.mark, entry.key_value.path, message);
  }
}

}  // namespace portico::config::detail
