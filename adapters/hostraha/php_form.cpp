#include "hostraha/php_form.hpp"

namespace portico::adapters::hostraha {

std::string php_urlencode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
        (byte >= '0' && byte <= '9') || byte == '-' || byte == '_' || byte == '.') {
      out += c;
    } else if (byte == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

PhpForm& PhpForm::add(std::string_view key, std::string_view value) {
  entries_.push_back({std::string(key), std::string(value), {}, false});
  return *this;
}

PhpForm& PhpForm::add(std::string_view key, std::int64_t value) {
  return add(key, std::string_view(std::to_string(value)));
}

PhpForm& PhpForm::add(std::string_view key, bool value) {
  return add(key, std::string_view(value ? "1" : "0"));
}

PhpForm& PhpForm::add(std::string_view key, const std::optional<std::string>& value) {
  if (value) add(key, std::string_view(*value));
  return *this;
}

PhpForm& PhpForm::add(std::string_view key, PhpForm nested) {
  entries_.push_back({std::string(key), {}, std::move(nested.entries_), true});
  return *this;
}

std::string PhpForm::encode() const {
  std::string out;
  encode_entries(entries_, {}, out);
  return out;
}

// The whole bracketed name is encoded at once, as PHP does: "a[b]" -> "a%5Bb%5D".
void PhpForm::encode_entries(const std::vector<Entry>& entries, const std::string& prefix,
                             std::string& out) {
  for (const Entry& entry : entries) {
    const std::string name = prefix.empty() ? entry.key : prefix + "[" + entry.key + "]";
    if (entry.nested) {
      encode_entries(entry.children, name, out);
      continue;
    }
    if (!out.empty()) out += '&';
    out += php_urlencode(name);
    out += '=';
    out += php_urlencode(entry.value);
  }
}

}  // namespace portico::adapters::hostraha
