#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The request body the Domains Reseller server reads: PHP's http_build_query() of a nested
// array (docs/upstreams/hostraha.md, "Encoding").
namespace portico::adapters::hostraha {

// PHP's urlencode(): "A-Za-z0-9-_." stay, a space becomes "+", every other byte "%XX" with
// upper-case hex.
std::string php_urlencode(std::string_view text);

// An ordered PHP array of scalars and nested arrays, encoded as http_build_query() would:
// nested keys as a[b][c] (brackets percent-encoded), absent values omitted, booleans as 1/0.
class PhpForm {
 public:
  PhpForm& add(std::string_view key, std::string_view value);
  PhpForm& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  PhpForm& add(std::string_view key, const std::string& value) {
    return add(key, std::string_view(value));
  }
  PhpForm& add(std::string_view key, std::int64_t value);
  PhpForm& add(std::string_view key, int value) { return add(key, std::int64_t{value}); }
  PhpForm& add(std::string_view key, bool value);
  // PHP's null: nothing is written.
  PhpForm& add(std::string_view key, const std::optional<std::string>& value);
  // A nested array; an empty one writes nothing, as in PHP.
  PhpForm& add(std::string_view key, PhpForm nested);

  bool empty() const { return entries_.empty(); }
  // "a=1&b%5Bc%5D=x+y"
  std::string encode() const;

 private:
  struct Entry {
    std::string key;
    std::string value;
    std::vector<Entry> children;
    bool nested = false;
  };
  static void encode_entries(const std::vector<Entry>& entries, const std::string& prefix,
                             std::string& out);

  std::vector<Entry> entries_;
};

}  // namespace portico::adapters::hostraha
