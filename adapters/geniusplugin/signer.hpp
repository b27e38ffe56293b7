#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/core/random.hpp"

// What GeniusPlugin's server checks in each request, as its PHP documentation computes it
// (docs/upstreams/geniusplugin.md, "Authentication" and "Passwords: gpfPassEncrypt"), and the
// form body it reads. Pure: time and randomness are arguments.
namespace portico::adapters::geniusplugin {

// PHP's trim(): without leading and trailing " \t\n\r\0\x0B" (not \f, unlike core::text::trim).
std::string_view php_trim(std::string_view text);

// PHP's str_shuffle(time()): the decimal digits of the Unix seconds of `now` in an order drawn
// from `random` (Fisher-Yates, as str_shuffle does). Text, never a number: it may start with 0.
std::string shuffled_timestamp(core::TimePoint now, core::Random& random);

// sha1(sha1(trim(api_key)) . domain . timestamp), both sha1s as lowercase hex text.
std::string request_hash(std::string_view api_key, std::string_view domain,
                         std::string_view timestamp);

// Which key gpfPassEncrypt is given (the instance's `password_key`).
enum class PasswordKey {
  api_key,       // the API key as configured, untrimmed (the page: "your apikey")
  api_key_sha1,  // the lowercase hex sha1(trim(api_key)), in case the server wants that
};

// The key string gpfPassEncrypt gets under `choice`.
std::string password_key(std::string_view api_key, PasswordKey choice);

// gpfPassEncrypt($key, $password) with the given IV: base64(iv ‖ HMAC-SHA256(ciphertext, key) ‖
// AES-128-CBC(password)). As PHP's openssl_encrypt, the AES key is the key's first 16 bytes,
// NUL-padded when shorter, while the HMAC uses the whole key; an IV that is not 16 bytes is
// NUL-padded or cut as PHP does (with a warning there). gpfPassEncrypt answers null for an
// empty key or password: callers refuse those first.
std::string encrypt_password(std::string_view key, std::string_view password,
                             std::string_view iv16);

// PHP's urlencode(): "A-Za-z0-9-_." stay, a space becomes "+", every other byte "%XX"
// (upper-case hex). So a base64 "+" travels as "%2B".
std::string php_urlencode(std::string_view text);

using FormFields = std::vector<std::pair<std::string, std::string>>;

// http_build_query() of a flat array, in the order given: "domain=example.com&package=10k".
std::string encode_form(const FormFields& fields);

}  // namespace portico::adapters::geniusplugin
