#include "portico/sim/php_form.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include "portico/core/json.hpp"
#include "portico/sim/server.hpp"

namespace portico::sim {

PhpValue::PhpValue() = default;
PhpValue::PhpValue(std::string text) : is_array_(false), text_(std::move(text)) {}
PhpValue::PhpValue(const PhpValue&) = default;
PhpValue::PhpValue(PhpValue&&) noexcept = default;
PhpValue& PhpValue::operator=(const PhpValue&) = default;
PhpValue& PhpValue::operator=(PhpValue&&) noexcept = default;
PhpValue::~PhpValue() = default;

namespace {

// The integer a key names, when PHP turns it into an integer key (ZEND_HANDLE_NUMERIC_STR):
// an optional "-", then "0" or digits without a leading zero, within the 64-bit range; "-0"
// stays a string.
std::optional<std::int64_t> integer_key(std::string_view key) {
  if (key.empty() || key.size() > 20) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), value);
  if (error != std::errc() || end != key.data() + key.size()) return std::nullopt;
  // Only the canonical spelling is an integer key: rejects "05", "-0", "+5".
  if (std::to_string(value) != key) return std::nullopt;
  return value;
}

void write_json(core::json::Writer& out, const PhpValue& value) {
  if (value.is_string()) {
    core::json::string(out, value.text());
    return;
  }
  out.StartObject();
  for (const PhpValue::Entry& entry : value.entries()) {
    core::json::key(out, entry.key);
    write_json(out, entry.value);
  }
  out.EndObject();
}

}  // namespace

std::size_t PhpValue::size() const {
  return entries_.size();
}

const PhpValue* PhpValue::find(std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

const PhpValue* PhpValue::find(std::initializer_list<std::string_view> path) const {
  const PhpValue* current = this;
  for (const std::string_view key : path) {
    current = current->find(key);
    if (current == nullptr) return nullptr;
  }
  return current;
}

std::optional<std::string> PhpValue::string_at(std::initializer_list<std::string_view> path) const {
  const PhpValue* found = find(path);
  if (found == nullptr || found->is_array()) return std::nullopt;
  return found->text();
}

PhpValue* PhpValue::find_mutable(std::string_view key) {
  for (Entry& entry : entries_) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

void PhpValue::make_array() {
  if (is_array_) return;
  is_array_ = true;
  text_.clear();
}

PhpValue& PhpValue::set(std::string_view key, PhpValue value) {
  make_array();
  if (PhpValue* existing = find_mutable(key)) {
    *existing = std::move(value);
    return *existing;
  }
  if (const auto index = integer_key(key)) {
    // As zend_hash: the next append goes one past the largest integer key.
    if (*index >= next_index_) {
      next_index_ = *index < std::numeric_limits<std::int64_t>::max() ? *index + 1 : *index;
    }
  }
  entries_.push_back({std::string(key), std::move(value)});
  return entries_.back().value;
}

PhpValue* PhpValue::append(PhpValue value) {
  make_array();
  const std::int64_t index = next_index_ == kNoIntegerKey ? 0 : next_index_;
  const std::string key = std::to_string(index);
  // After PHP_INT_MAX the next key is PHP_INT_MAX again, which is taken: PHP drops the value.
  if (find(key) != nullptr) return nullptr;
  return &set(key, std::move(value));
}

bool PhpValue::erase(std::string_view key) {
  const auto found = std::find_if(entries_.begin(), entries_.end(),
                                  [&](const Entry& entry) { return entry.key == key; });
  if (found == entries_.end()) return false;
  entries_.erase(found);
  return true;
}

std::string PhpValue::to_json() const {
  rapidjson::StringBuffer text;
  core::json::Writer out(text);
  write_json(out, *this);
  return {text.GetString(), text.GetSize()};
}

bool operator==(const PhpValue& a, const PhpValue& b) {
  return a.is_array_ == b.is_array_ && a.text_ == b.text_ && a.entries_ == b.entries_;
}

namespace {

// php_register_variable_ex for one decoded name and value, into the top-level array `track`.
void register_variable(PhpValue& track, std::string name, std::string value,
                       const PhpFormLimits& limits) {
  // PHP hands the name on as a C string.
  name.resize(std::min(name.size(), name.find('\0')));
  const std::size_t first = std::min(name.size(), name.find_first_not_of(' '));

  std::string var;
  std::size_t bracket = std::string::npos;
  for (std::size_t i = first; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '[') {
      bracket = i;
      break;
    }
    var += (c == ' ' || c == '.') ? '_' : c;
  }
  if (var.empty()) return;
  if (bracket == std::string::npos) {
    track.set(var, PhpValue(std::move(value)));
    return;
  }

  // Where the value goes: `container[key]`, or appended to `container` when key is empty.
  PhpValue* container = &track;
  std::optional<std::string> key = var;
  std::size_t at = bracket;  // at a '['
  for (int level = 1;; ++level) {
    if (level > limits.max_nesting_level) {
      track.erase(var);
      return;
    }
    const std::size_t start = at + 1;
    std::optional<std::string> next_key;
    std::size_t close = start;
    if (start >= name.size() || name[start] != ']') {
      close = name.find(']', start);
      if (close == std::string::npos) {
        // Not an index. At the top level the whole name becomes one literal variable name;
        // deeper down the value lands at the key read so far.
        if (level == 1) {
          std::string literal = var + '_';
          for (std::size_t i = start; i < name.size(); ++i) {
            const char c = name[i];
            literal += (c == ' ' || c == '.' || c == '[') ? '_' : c;
          }
          key = std::move(literal);
        }
        break;
      }
      next_key = name.substr(start, close - start);
    }

    PhpValue* child = nullptr;
    if (!key) {
      child = container->append(PhpValue());
      if (child == nullptr) return;
    } else {
      child = container->find_mutable(*key);
      if (child == nullptr) {
        child = &container->set(*key, PhpValue());
      } else if (!child->is_array()) {
        *child = PhpValue();
      }
    }
    container = child;
    key = std::move(next_key);

    at = close + 1;
    if (at >= name.size() || name[at] != '[') break;
  }

  if (!key) {
    container->append(PhpValue(std::move(value)));
  } else {
    container->set(*key, PhpValue(std::move(value)));
  }
}

}  // namespace

PhpValue parse_php_form(std::string_view body, const PhpFormLimits& limits) {
  PhpValue track;
  std::size_t count = 0;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    if (++count > limits.max_input_vars) break;
    const std::size_t equals = pair.find('=');
    const std::string_view name = pair.substr(0, equals);
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    register_variable(track, percent_decode(name, true), percent_decode(value, true), limits);
  }
  return track;
}

}  // namespace portico::sim
