#include "portico/core/ids.hpp"

namespace portico::core {

std::string make_id(std::string_view prefix, Random& random) {
  std::string id(prefix);
  id.push_back('_');
  id += random.base62(kIdRandomChars);
  return id;
}

bool is_id(std::string_view id, std::string_view prefix) {
  if (id.size() != prefix.size() + 1 + kIdRandomChars) return false;
  if (id.substr(0, prefix.size()) != prefix || id[prefix.size()] != '_') return false;
  for (char c : id.substr(prefix.size() + 1)) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!alnum) return false;
  }
  return true;
}

}  // namespace portico::core
