#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/crypto.hpp"
#include "portico/core/random.hpp"

#include "geniusplugin/signer.hpp"

namespace portico::adapters::geniusplugin {
namespace {

namespace crypto = core::crypto;
using namespace std::string_view_literals;

// Known answers computed by PHP itself with the vendor's formulas (research/verify/vectors.php,
// quoted in research/upstreams.md sections 2.3 and 2.5).
constexpr std::string_view kPhpKey = "MYAPIKEY";
constexpr std::string_view kPhpInnerSha1 = "323069884568155a2526127ac2c3a5c81ffc2efa";
constexpr std::string_view kPhpHash = "45d1250c309c63a86c493ad5c591ecf315cedf39";
constexpr std::string_view kPlainPassword = "P@ssw0rd!";
constexpr std::string_view kShortKeyBlob =
    "AAECAwQFBgcICQoLDA0OD5OfAVQxhXWjv3tINlHIuhi+LrzkB86irFYs/Gk1Yh7PH1RDmQBbVPcmfcL63dzNAw==";
constexpr std::string_view kShortKeyCiphertext = "1f544399005b54f7267dc2fadddccd03";
constexpr std::string_view kShortKeyHmac =
    "939f0154318575a3bf7b483651c8ba18be2ebce407cea2ac562cfc6935621ecf";
constexpr std::string_view kLongKey = "0123456789abcdefXYZ";
constexpr std::string_view kLongKeyBlob =
    "AAECAwQFBgcICQoLDA0OD13mv7D5v9KIB/jLoUkaiiZSi5RyMuzeVjrK0LhkXY9bjN4gafasu/1s/Q6YbdusdQ==";
constexpr std::string_view kLongKeyCiphertext = "8cde2069f6acbbfd6cfd0e986ddbac75";
constexpr std::string_view kLongKeyHmac =
    "5de6bfb0f9bfd28807f8cba1491a8a26528b947232ecde563acad0b8645d8f5b";

// Bytes 00..0f, the IV of the vectors.
std::string counting_iv() {
  std::string iv;
  for (int i = 0; i < 16; ++i)
    iv += static_cast<char>(i);
  return iv;
}

std::string sorted(std::string text) {
  std::sort(text.begin(), text.end());
  return text;
}

// ---- the request hash -----------------------------------------------------------------------

TEST(GeniusPluginSignerTest, HashMatchesPhp) {
  EXPECT_EQ(crypto::hex(crypto::sha1(kPhpKey)), kPhpInnerSha1);
  EXPECT_EQ(request_hash(kPhpKey, "example.com", "0511700050"), kPhpHash);
  // The leading zero is part of the hashed text: the number would give another hash.
  EXPECT_NE(request_hash(kPhpKey, "example.com", "511700050"), kPhpHash);
  EXPECT_NE(request_hash(kPhpKey, "example.org", "0511700050"), kPhpHash);
}

TEST(GeniusPluginSignerTest, TrimsTheKeyAsPhpDoes) {
  for (const std::string_view padded :
       {" MYAPIKEY"sv, "MYAPIKEY\n"sv, "\t\r\nMYAPIKEY \x0B"sv, "\0MYAPIKEY\0"sv}) {
    EXPECT_EQ(request_hash(padded, "example.com", "0511700050"), kPhpHash) << crypto::hex(padded);
  }
  // PHP's trim() leaves a form feed (core::text::trim would not).
  EXPECT_NE(request_hash("\fMYAPIKEY", "example.com", "0511700050"), kPhpHash);
  EXPECT_EQ(php_trim("\fkey\f"), "\fkey\f");
  EXPECT_EQ(php_trim(" \t\n\r\0\x0B"sv), "");
  EXPECT_EQ(php_trim(" a b "), "a b");
}

// ---- the shuffled timestamp -----------------------------------------------------------------

TEST(GeniusPluginSignerTest, TimestampIsThePermutedDigitsOfTheTime) {
  const core::TimePoint now = core::from_unix_seconds(1715000000);
  core::SeededRandom random(42);
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string timestamp = shuffled_timestamp(now, random);
    ASSERT_EQ(timestamp.size(), 10U) << timestamp;
    EXPECT_TRUE(std::all_of(timestamp.begin(), timestamp.end(),
                            [](char c) { return c >= '0' && c <= '9'; }));
    EXPECT_EQ(sorted(timestamp), sorted("1715000000")) << timestamp;
    seen.insert(timestamp);
  }
  // Shuffled, not copied: 50 draws of 2520 orders give many distinct texts.
  EXPECT_GT(seen.size(), 40U);
}

TEST(GeniusPluginSignerTest, TimestampIsDeterministicWithASeededRandom) {
  const core::TimePoint now = core::from_unix_seconds(1715000000);
  core::SeededRandom first(7);
  core::SeededRandom second(7);
  core::SeededRandom other(8);
  const std::string a = shuffled_timestamp(now, first);
  EXPECT_EQ(a, shuffled_timestamp(now, second));
  EXPECT_EQ(shuffled_timestamp(now, first), shuffled_timestamp(now, second));
  EXPECT_NE(a + shuffled_timestamp(now, first),
            shuffled_timestamp(now, other) + shuffled_timestamp(now, other));
}

TEST(GeniusPluginSignerTest, TimestampKeepsALeadingZero) {
  const core::TimePoint now = core::from_unix_seconds(1715000000);  // six zeros of ten
  core::SeededRandom random(1);
  int leading_zeros = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string timestamp = shuffled_timestamp(now, random);
    ASSERT_EQ(timestamp.size(), 10U);
    if (timestamp.front() == '0') {
      ++leading_zeros;
      EXPECT_EQ(sorted(timestamp), sorted("1715000000"));
    }
  }
  EXPECT_GT(leading_zeros, 30);  // 60% expected
}

TEST(GeniusPluginSignerTest, EveryDigitCanComeFirst) {
  // Ten distinct digits: each should lead about a tenth of the time (Fisher-Yates is uniform).
  const core::TimePoint now = core::from_unix_seconds(1023456789);
  core::SeededRandom random(2024);
  std::array<int, 10> first{};
  constexpr int kDraws = 2000;
  for (int i = 0; i < kDraws; ++i)
    ++first[static_cast<std::size_t>(shuffled_timestamp(now, random).front() - '0')];
  for (std::size_t digit = 0; digit < first.size(); ++digit)
    EXPECT_GT(first[digit], kDraws / 20) << "digit " << digit;
}

// ---- gpfPassEncrypt -------------------------------------------------------------------------

TEST(GeniusPluginSignerTest, PasswordBlobMatchesPhpWithAShortKey) {
  EXPECT_EQ(encrypt_password(kPhpKey, kPlainPassword, counting_iv()), kShortKeyBlob);
}

TEST(GeniusPluginSignerTest, PasswordBlobMatchesPhpWithALongKey) {
  EXPECT_EQ(encrypt_password(kLongKey, kPlainPassword, counting_iv()), kLongKeyBlob);
}

// Independently of encrypt_password: the PHP blobs open with the AES key PHP derives (16 bytes,
// NUL-padded or cut) and their HMAC is over the ciphertext alone, keyed with the whole key.
TEST(GeniusPluginSignerTest, PhpBlobsOpenWithPhpsKeyRules) {
  struct Case {
    std::string_view key;
    std::string aes_key;
    std::string_view blob;
    std::string_view ciphertext_hex;
    std::string_view hmac_hex;
  };
  const Case cases[] = {
      {kPhpKey, std::string("MYAPIKEY") + std::string(8, '\0'), kShortKeyBlob, kShortKeyCiphertext,
       kShortKeyHmac},
      {kLongKey, "0123456789abcdef", kLongKeyBlob, kLongKeyCiphertext, kLongKeyHmac},
  };
  for (const Case& c : cases) {
    const auto raw = crypto::from_base64(c.blob);
    ASSERT_TRUE(raw.has_value());
    ASSERT_EQ(raw->size(), 64U);  // 16 + 32 + one block
    const std::string iv = raw->substr(0, 16);
    const std::string mac = raw->substr(16, 32);
    const std::string ciphertext = raw->substr(48);
    EXPECT_EQ(iv, counting_iv());
    EXPECT_EQ(crypto::hex(ciphertext), c.ciphertext_hex);
    EXPECT_EQ(crypto::hex(mac), c.hmac_hex);
    EXPECT_TRUE(crypto::constant_time_equal(crypto::hmac_sha256(c.key, ciphertext), mac));
    ASSERT_EQ(c.aes_key.size(), 16U);
    EXPECT_EQ(crypto::aes_cbc_decrypt(c.aes_key, iv, ciphertext), std::string(kPlainPassword));
  }
  // The long key's HMAC is not that of its first 16 bytes: the trap of section 2.5.
  const std::string ciphertext = *crypto::from_hex(kLongKeyCiphertext);
  EXPECT_NE(crypto::hex(crypto::hmac_sha256("0123456789abcdef", ciphertext)), kLongKeyHmac);
}

TEST(GeniusPluginSignerTest, PasswordBlobRoundTripsWithAFreshIv) {
  const std::string key = "a-reseller-key-longer-than-sixteen";
  const std::string iv = "\x10\x32\x54\x76\x98\xba\xdc\xfe\x01\x23\x45\x67\x89\xab\xcd\xef";
  const std::string password = "Correct-Horse-9 battery+staple/=";
  const auto raw = crypto::from_base64(encrypt_password(key, password, iv));
  ASSERT_TRUE(raw.has_value());
  ASSERT_EQ((raw->size() - 48) % 16, 0U);
  EXPECT_EQ(raw->substr(0, 16), iv);
  EXPECT_EQ(raw->substr(16, 32), crypto::hmac_sha256(key, raw->substr(48)));
  EXPECT_EQ(crypto::aes_cbc_decrypt(key.substr(0, 16), iv, raw->substr(48)), password);
  // Another IV, another blob.
  EXPECT_NE(encrypt_password(key, password, counting_iv()), encrypt_password(key, password, iv));
}

TEST(GeniusPluginSignerTest, AnIvOfAnotherLengthIsPaddedOrCutAsPhpDoes) {
  const std::string iv = counting_iv();
  EXPECT_EQ(encrypt_password(kPhpKey, kPlainPassword, iv + "extra"), kShortKeyBlob);
  EXPECT_EQ(encrypt_password(kPhpKey, kPlainPassword, iv.substr(0, 10)),
            encrypt_password(kPhpKey, kPlainPassword, iv.substr(0, 10) + std::string(6, '\0')));
}

TEST(GeniusPluginSignerTest, PasswordKeyIsTheKeyOrItsSha1) {
  EXPECT_EQ(password_key(" MYAPIKEY ", PasswordKey::api_key), " MYAPIKEY ");  // untrimmed
  EXPECT_EQ(password_key(" MYAPIKEY ", PasswordKey::api_key_sha1), kPhpInnerSha1);
  // The 40-character key: AES takes its first 16 characters, the HMAC all 40.
  const std::string key = password_key(kPhpKey, PasswordKey::api_key_sha1);
  const auto raw = crypto::from_base64(encrypt_password(key, kPlainPassword, counting_iv()));
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(crypto::aes_cbc_decrypt(key.substr(0, 16), raw->substr(0, 16), raw->substr(48)),
            std::string(kPlainPassword));
  EXPECT_EQ(raw->substr(16, 32), crypto::hmac_sha256(key, raw->substr(48)));
}

// ---- the form body --------------------------------------------------------------------------

TEST(GeniusPluginSignerTest, FormEncodesAsHttpBuildQuery) {
  // A base64 blob's "+", "/" and "=" must not arrive as a space, a path or a separator.
  EXPECT_EQ(encode_form({{"password", "ab+c/d=="}}), "password=ab%2Bc%2Fd%3D%3D");
  EXPECT_EQ(encode_form({{"domain", "example.com"},
                         {"uemail", "ann+gp@example.com"},
                         {"note", "a b&c=d"},
                         {"package", "100k"}}),
            "domain=example.com&uemail=ann%2Bgp%40example.com&note=a+b%26c%3Dd&package=100k");
  EXPECT_EQ(php_urlencode("-_.~*'"), "-_.%7E%2A%27");  // urlencode, not rawurlencode
  EXPECT_EQ(php_urlencode("\xC3\xA9\n"), "%C3%A9%0A");
  EXPECT_EQ(encode_form({}), "");
  EXPECT_EQ(encode_form({{"empty", ""}}), "empty=");
  EXPECT_EQ(
      encode_form({{"password", std::string(kShortKeyBlob)}}),
      "password=AAECAwQFBgcICQoLDA0OD5OfAVQxhXWjv3tINlHIuhi%2BLrzkB86irFYs%2FGk1Yh7PH1RDmQBbVPcm"
      "fcL63dzNAw%3D%3D");
}

}  // namespace
}  // namespace portico::adapters::geniusplugin
