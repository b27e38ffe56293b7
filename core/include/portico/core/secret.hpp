#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace portico::core {

// A credential held in memory. It prints as "[redacted]" so that it cannot reach a log or an
// error by accident; reveal() is the one explicit way to read it (signers, comparisons).
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  std::string_view reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend std::ostream& operator<<(std::ostream& out, const Secret&) { return out << "[redacted]"; }
  // Whether two configurations name the same secret (a reload keeps what did not change).
  bool operator==(const Secret&) const = default;

 private:
  std::string value_;
};

}  // namespace portico::core
