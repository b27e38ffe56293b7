#include "portico/core/crypto.hpp"

#include <climits>
#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace portico::core::crypto {

namespace {

// Fetched once: EVP_sha256() and friends make OpenSSL 3 look the algorithm up again on every
// digest, which took three quarters of hashing an API key. A fetched EVP_MD is shared safely.
const EVP_MD* fetched(const char* name) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) throw std::runtime_error(std::string("OpenSSL has no ") + name);
  return md;
}

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out, &length, md, nullptr);
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

const EVP_CIPHER* cbc_cipher(std::size_t key_length) {
  switch (key_length) {
    case 16:
      return EVP_aes_128_cbc();
    case 24:
      return EVP_aes_192_cbc();
    case 32:
      return EVP_aes_256_cbc();
    default:
      return nullptr;
  }
}

std::optional<std::string> cbc(bool encrypt, std::string_view key, std::string_view iv,
                               std::string_view input) {
  const EVP_CIPHER* cipher = cbc_cipher(key.size());
  if (cipher == nullptr || iv.size() != 16) return std::nullopt;
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  if (!ctx || EVP_CipherInit_ex(
                  ctx.get(), cipher, nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                  reinterpret_cast<const unsigned char*>(iv.data()), encrypt ? 1 : 0) != 1) {
    return std::nullopt;
  }
  std::string out(input.size() + 16, '\0');
  int written = 0;
  int tail = 0;
  auto* out_bytes = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_CipherUpdate(ctx.get(), out_bytes, &written,
                       reinterpret_cast<const unsigned char*>(input.data()),
                       static_cast<int>(input.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out_bytes + written, &tail) != 1) {
    return std::nullopt;
  }
  out.resize(static_cast<std::size_t>(written) + static_cast<std::size_t>(tail));
  return out;
}

constexpr std::size_t kGcmKeySize = 32;
constexpr std::size_t kGcmNonceSize = 12;
constexpr std::size_t kGcmTagSize = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// Feeds the associated data, then the input, through an initialized GCM context; appends the
// output to `out`. Empty inputs are skipped: OpenSSL wants no zero-length updates there.
bool gcm_update(EVP_CIPHER_CTX* ctx, std::string_view aad, std::string_view input,
                std::string& out) {
  if (aad.size() > INT_MAX || input.size() > INT_MAX) return false;
  int written = 0;
  if (!aad.empty() &&
      EVP_CipherUpdate(ctx, nullptr, &written, bytes_of(aad), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  if (input.empty()) return true;
  const std::size_t start = out.size();
  out.resize(start + input.size());
  if (EVP_CipherUpdate(ctx, reinterpret_cast<unsigned char*>(out.data() + start), &written,
                       bytes_of(input), static_cast<int>(input.size())) != 1) {
    return false;
  }
  out.resize(start + static_cast<std::size_t>(written));
  return true;
}

CipherContext gcm_context(bool encrypt, std::string_view key, std::string_view nonce) {
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (!ctx) return ctx;
  const int direction = encrypt ? 1 : 0;
  const int nonce_length = static_cast<int>(nonce.size());
  // The cipher first, then the nonce length, then key and nonce: GCM's documented order.
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, direction) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonce_length, nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, bytes_of(key), bytes_of(nonce), -1) != 1) {
    ctx.reset();
  }
  return ctx;
}

constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kB64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode64(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t n = (static_cast<std::uint8_t>(bytes[i]) << 16U) |
                            (static_cast<std::uint8_t>(bytes[i + 1]) << 8U) |
                            static_cast<std::uint8_t>(bytes[i + 2]);
    out += alphabet[(n >> 18U) & 63U];
    out += alphabet[(n >> 12U) & 63U];
    out += alphabet[(n >> 6U) & 63U];
    out += alphabet[n & 63U];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<std::uint8_t>(bytes[i]) << 16U;
    if (rest == 2) n |= static_cast<std::uint8_t>(bytes[i + 1]) << 8U;
    out += alphabet[(n >> 18U) & 63U];
    out += alphabet[(n >> 12U) & 63U];
    if (rest == 2) out += alphabet[(n >> 6U) & 63U];
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

std::optional<std::string> decode64(std::string_view text, std::string_view alphabet, bool padded) {
  if (padded) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t pads = 0;
    while (!text.empty() && text.back() == '=' && pads < 2) {
      text.remove_suffix(1);
      ++pads;
    }
  }
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const std::size_t value = alphabet.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6U) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
    }
  }
  return out;
}

}  // namespace

std::string sha1(std::string_view data) {
  static const EVP_MD* const md = fetched("SHA1");
  return digest(md, data);
}
std::string sha256(std::string_view data) {
  static const EVP_MD* const md = fetched("SHA256");
  return digest(md, data);
}
std::string hmac_sha1(std::string_view key, std::string_view data) {
  return hmac(EVP_sha1(), key, data);
}
std::string hmac_sha256(std::string_view key, std::string_view data) {
  return hmac(EVP_sha256(), key, data);
}

std::string hex(std::string_view bytes) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto byte = static_cast<std::uint8_t>(c);
    out += kDigits[byte >> 4U];
    out += kDigits[byte & 15U];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = nibble(text[i]);
    const int low = nibble(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
  }
  return out;
}

std::string base64(std::string_view bytes) {
  return encode64(bytes, kB64, true);
}
std::optional<std::string> from_base64(std::string_view text) {
  return decode64(text, kB64, true);
}
std::string base64url(std::string_view bytes) {
  return encode64(bytes, kB64Url, false);
}
std::optional<std::string> from_base64url(std::string_view text) {
  return decode64(text, kB64Url, false);
}

std::optional<std::string> aes_cbc_encrypt(std::string_view key, std::string_view iv,
                                           std::string_view plaintext) {
  return cbc(true, key, iv, plaintext);
}
std::optional<std::string> aes_cbc_decrypt(std::string_view key, std::string_view iv,
                                           std::string_view ciphertext) {
  return cbc(false, key, iv, ciphertext);
}

std::optional<std::string> aes256_gcm_seal(std::string_view key, std::string_view nonce,
                                           std::string_view plaintext, std::string_view aad) {
  if (key.size() != kGcmKeySize || nonce.size() != kGcmNonceSize) return std::nullopt;
  CipherContext ctx = gcm_context(true, key, nonce);
  if (!ctx) return std::nullopt;
  std::string sealed(nonce);
  sealed.reserve(nonce.size() + plaintext.size() + kGcmTagSize);
  if (!gcm_update(ctx.get(), aad, plaintext, sealed)) return std::nullopt;
  int tail = 0;
  unsigned char tag[kGcmTagSize];
  if (EVP_CipherFinal_ex(ctx.get(), tag, &tail) != 1 || tail != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagSize), tag) !=
          1) {
    return std::nullopt;
  }
  sealed.append(reinterpret_cast<const char*>(tag), kGcmTagSize);
  return sealed;
}

std::optional<std::string> aes256_gcm_open(std::string_view key, std::string_view sealed,
                                           std::string_view aad) {
  if (key.size() != kGcmKeySize || sealed.size() < kGcmNonceSize + kGcmTagSize) {
    return std::nullopt;
  }
  const std::string_view nonce = sealed.substr(0, kGcmNonceSize);
  const std::string_view ciphertext =
      sealed.substr(kGcmNonceSize, sealed.size() - kGcmNonceSize - kGcmTagSize);
  std::string tag(sealed.substr(sealed.size() - kGcmTagSize));
  CipherContext ctx = gcm_context(false, key, nonce);
  if (!ctx) return std::nullopt;
  std::string plaintext;
  if (!gcm_update(ctx.get(), aad, ciphertext, plaintext) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagSize),
                          tag.data()) != 1) {
    return std::nullopt;
  }
  int tail = 0;
  unsigned char scratch[16];
  // Final checks the tag; on a mismatch the decrypted bytes are discarded, never returned.
  if (EVP_CipherFinal_ex(ctx.get(), scratch, &tail) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return std::nullopt;
  }
  return plaintext;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace portico::core::crypto
