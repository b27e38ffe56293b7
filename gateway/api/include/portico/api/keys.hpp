#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "portico/core/random.hpp"

namespace portico::api {

inline constexpr std::size_t kKeySecretChars = 32;
inline constexpr std::size_t kKeyPrefixSecretChars = 4;

// A new API key: the plaintext is shown once; only its hash is stored.
struct IssuedKey {
  std::string plaintext;  // "<brand>_live_pk_<32 base62>"
  std::string prefix;     // "<brand>_live_pk_" + the first 4 characters: safe to log
  std::string hash;       // raw SHA-256 of the plaintext
};

IssuedKey issue_key(std::string_view brand, bool livemode, core::Random& random);

// Checks a presented key's shape; returns its mode, or nothing when it cannot be one of ours.
std::optional<bool> key_livemode(std::string_view brand, std::string_view key);
std::string key_prefix(std::string_view key);  // call only on a well-formed key
std::string key_hash(std::string_view key);

}  // namespace portico::api
