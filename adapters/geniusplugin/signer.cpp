#include "geniusplugin/signer.hpp"

#include <array>
#include <cstdint>
#include <limits>

#include "portico/core/crypto.hpp"

namespace portico::adapters::geniusplugin {

namespace {

constexpr std::size_t kAesKeySize = 16;  // AES-128
constexpr std::size_t kIvSize = 16;
constexpr std::string_view kPhpWhitespace{" \t\n\r\0\x0B", 6};

// A uniform draw in [0, bound), by rejection so that no value is favoured.
std::uint64_t uniform_below(core::Random& random, std::uint64_t bound) {
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  for (;;) {
    std::array<std::uint8_t, sizeof(std::uint64_t)> bytes{};
    random.fill(bytes);
    std::uint64_t value = 0;
    for (const std::uint8_t byte : bytes)
      value = (value << 8U) | byte;
    if (value < limit) return value % bound;
  }
}

// PHP's key handling for a fixed-size cipher: cut, or padded with NULs on the right.
std::string fixed_size(std::string_view bytes, std::size_t size) {
  std::string out(bytes.substr(0, size));
  out.resize(size, '\0');
  return out;
}

}  // namespace

std::string_view php_trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(kPhpWhitespace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kPhpWhitespace);
  return text.substr(first, last - first + 1);
}

std::string shuffled_timestamp(core::TimePoint now, core::Random& random) {
  std::string digits = std::to_string(core::unix_seconds(now));
  for (std::size_t i = digits.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(uniform_below(random, i));
    std::swap(digits[i - 1], digits[j]);
  }
  return digits;
}

std::string request_hash(std::string_view api_key, std::string_view domain,
                         std::string_view timestamp) {
  namespace crypto = core::crypto;
  std::string text = crypto::hex(crypto::sha1(php_trim(api_key)));
  text.append(domain);
  text.append(timestamp);
  return crypto::hex(crypto::sha1(text));
}

std::string password_key(std::string_view api_key, PasswordKey choice) {
  switch (choice) {
    case PasswordKey::api_key:
      return std::string(api_key);
    case PasswordKey::api_key_sha1:
      return core::crypto::hex(core::crypto::sha1(php_trim(api_key)));
  }
  return std::string(api_key);
}

std::string encrypt_password(std::string_view key, std::string_view password,
                             std::string_view iv16) {
  namespace crypto = core::crypto;
  const std::string iv = fixed_size(iv16, kIvSize);
  // A 16-byte key and IV are always accepted: AES-128-CBC cannot refuse them.
  const std::string ciphertext =
      *crypto::aes_cbc_encrypt(fixed_size(key, kAesKeySize), iv, password);
  return crypto::base64(iv + crypto::hmac_sha256(key, ciphertext) + ciphertext);
}

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
      out += kHex[byte >> 4U];
      out += kHex[byte & 0x0FU];
    }
  }
  return out;
}

std::string encode_form(const FormFields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += php_urlencode(name);
    out += '=';
    out += php_urlencode(value);
  }
  return out;
}

}  // namespace portico::adapters::geniusplugin
