#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// PHP's reading of an application/x-www-form-urlencoded body (parse_str, $_POST), for the
// simulators of suppliers whose servers are PHP: a PHP server sees exactly this tree, so a
// simulator that reads bodies another way accepts what the real one would not.
namespace portico::sim {

// One value of a PHP request array: a string, or an array. PHP arrays are ordered maps: the
// entries keep the order in which their keys first appeared, and replacing a key's value keeps
// its place. Keys are kept as text; an integer key ("5", "-3", never "05" or "-0") is the
// decimal text PHP would print for it.
class PhpValue {
 public:
  struct Entry;

  // Out of line: Entry (which holds a PhpValue) is complete only after the class.
  PhpValue();  // an empty array
  explicit PhpValue(std::string text);
  PhpValue(const PhpValue&);
  PhpValue(PhpValue&&) noexcept;
  PhpValue& operator=(const PhpValue&);
  PhpValue& operator=(PhpValue&&) noexcept;
  ~PhpValue();

  bool is_array() const { return is_array_; }
  bool is_string() const { return !is_array_; }
  // The text of a string value; empty for an array.
  const std::string& text() const { return text_; }
  // The entries of an array in order; empty for a string.
  const std::vector<Entry>& entries() const { return entries_; }
  std::size_t size() const;

  // The entry under `key`, or nullptr (also for a string value).
  const PhpValue* find(std::string_view key) const;
  // Follows the keys one level each: find({"contacts", "registrant", "email"}).
  const PhpValue* find(std::initializer_list<std::string_view> path) const;
  // The string at `path`; nullopt when it is absent or an array.
  std::optional<std::string> string_at(std::initializer_list<std::string_view> path) const;

  PhpValue* find_mutable(std::string_view key);

  // Builders, with PHP's semantics ($a[$key] = $value, $a[] = $value, unset($a[$key])).
  // A string value becomes an empty array first.
  PhpValue& set(std::string_view key, PhpValue value);
  // Appends under the next integer key (one past the largest integer key so far, or 0);
  // returns nullptr and changes nothing when no key is left (PHP_INT_MAX was used).
  PhpValue* append(PhpValue value);
  bool erase(std::string_view key);

  // The value as PHP's json_encode($value, JSON_FORCE_OBJECT | JSON_UNESCAPED_SLASHES |
  // JSON_UNESCAPED_UNICODE) prints it, for tests and logs.
  std::string to_json() const;

  friend bool operator==(const PhpValue& a, const PhpValue& b);

 private:
  static constexpr std::int64_t kNoIntegerKey = INT64_MIN;

  void make_array();

  bool is_array_ = true;
  std::string text_;
  std::vector<Entry> entries_;
  // PHP's nNextFreeElement: the key $a[] uses next.
  std::int64_t next_index_ = kNoIntegerKey;
};

struct PhpValue::Entry {
  std::string key;
  PhpValue value;

  friend bool operator==(const Entry& a, const Entry& b) = default;
};

// PHP's request limits (php.ini defaults), which a real server applies before its code runs.
struct PhpFormLimits {
  // max_input_vars: the variables after this many are dropped.
  std::size_t max_input_vars = 1000;
  // max_input_nesting_level: a variable nested deeper is dropped, and with it everything
  // already read under the same top-level name.
  int max_nesting_level = 64;
};

// Parses a form body or query string as PHP 8 does: pairs split on "&" (empty ones skipped),
// "+" is a space, "%XX" is decoded (a malformed escape stays as it is), a name without "=" has
// the value "". Names: a NUL ends them, leading spaces are dropped, at the top level " " and
// "." become "_"; "a[b][c]=v" nests, "a[]=v" appends, keys inside brackets are kept verbatim
// (spaces too), text after a "]" that is not "[" is ignored, and an unclosed "[" makes the
// top-level name literal (with "[", " ", "." turned into "_"). A later duplicate wins.
PhpValue parse_php_form(std::string_view body, const PhpFormLimits& limits = {});

}  // namespace portico::sim
