#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Crypto primitives over OpenSSL EVP. Digests return raw bytes in a std::string; encode them
// with hex()/base64() where a dialect wants text. Suppliers' signers only compose these.
namespace portico::core::crypto {

std::string sha1(std::string_view data);
std::string sha256(std::string_view data);
std::string hmac_sha1(std::string_view key, std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);

std::string hex(std::string_view bytes);  // lowercase, as PHP's hash functions print
std::optional<std::string> from_hex(std::string_view text);
std::string base64(std::string_view bytes);  // standard alphabet, padded
std::optional<std::string> from_base64(std::string_view text);
std::string base64url(std::string_view bytes);  // URL alphabet, unpadded (RFC 4648 section 5)
std::optional<std::string> from_base64url(std::string_view text);

// AES-CBC with PKCS#7 padding; the key length (16, 24 or 32 bytes) picks AES-128/192/256.
std::optional<std::string> aes_cbc_encrypt(std::string_view key, std::string_view iv,
                                           std::string_view plaintext);
std::optional<std::string> aes_cbc_decrypt(std::string_view key, std::string_view iv,
                                           std::string_view ciphertext);

// AES-256-GCM for secrets at rest. seal() returns nonce (12 bytes) || ciphertext || tag (16
// bytes); the nonce comes from the caller's Random, so tests are deterministic. `aad` is bound
// to the result (e.g. the owning object's id) so a sealed value cannot be moved to another
// row. open() returns nullopt when the key, the aad or any byte is wrong. The key is 32 bytes.
std::optional<std::string> aes256_gcm_seal(std::string_view key, std::string_view nonce,
                                           std::string_view plaintext, std::string_view aad);
std::optional<std::string> aes256_gcm_open(std::string_view key, std::string_view sealed,
                                           std::string_view aad);

// Compares in time that depends only on the lengths, never on where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace portico::core::crypto
