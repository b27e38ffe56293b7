#include "portico/api/keys.hpp"

#include "portico/core/crypto.hpp"

namespace portico::api {

namespace {
std::string head(std::string_view brand, bool livemode) {
  return std::string(brand) + (livemode ? "_live_pk_" : "_test_pk_");
}
}  // namespace

IssuedKey issue_key(std::string_view brand, bool livemode, core::Random& random) {
  IssuedKey key;
  key.plaintext = head(brand, livemode) + random.base62(kKeySecretChars);
  key.prefix = key_prefix(key.plaintext);
  key.hash = key_hash(key.plaintext);
  return key;
}

std::optional<bool> key_livemode(std::string_view brand, std::string_view key) {
  for (const bool livemode : {true, false}) {
    const std::string expected = head(brand, livemode);
    if (key.size() != expected.size() + kKeySecretChars || !key.starts_with(expected)) continue;
    for (char c : key.substr(expected.size())) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0) return std::nullopt;
    }
    return livemode;
  }
  return std::nullopt;
}

std::string key_prefix(std::string_view key) {
  return std::string(key.substr(0, key.size() - kKeySecretChars + kKeyPrefixSecretChars));
}

std::string key_hash(std::string_view key) {
  return core::crypto::sha256(key);
}

}  // namespace portico::api
