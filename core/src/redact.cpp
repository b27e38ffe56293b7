#include "portico/core/redact.hpp"

#include <algorithm>

#include "portico/core/crypto.hpp"

namespace portico::core {

namespace {
std::string url_encode(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<std::uint8_t>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4U];
      out += kHex[byte & 15U];
    }
  }
  return out;
}
}  // namespace

void Redactor::add_secret(std::string_view secret) {
  // Very short values would mask ordinary words; secrets that short are refused by config.
  if (secret.size() < 4) return;
  for (std::string form : {std::string(secret), url_encode(secret), crypto::base64(secret)}) {
    if (std::find(needles_.begin(), needles_.end(), form) == needles_.end()) {
      needles_.push_back(std::move(form));
    }
  }
  std::sort(needles_.begin(), needles_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Redactor::apply(std::string_view text) const {
  std::string out(text);
  for (const std::string& needle : needles_) {
    std::size_t at = 0;
    while ((at = out.find(needle, at)) != std::string::npos) {
      out.replace(at, needle.size(), "[redacted]");
      at += 10;
    }
  }
  return out;
}

}  // namespace portico::core
