#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace portico::core {

// Masks secrets in text bound for a log or the audit trail: every occurrence of a known secret
// value (and of its URL- and base64-encoded forms) becomes "[redacted]".
class Redactor {
 public:
  void add_secret(std::string_view secret);
  std::string apply(std::string_view text) const;
  bool empty() const { return needles_.empty(); }

 private:
  std::vector<std::string> needles_;  // longest first, so no partial mask is left behind
};

}  // namespace portico::core
