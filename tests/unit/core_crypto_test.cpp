// Known-answer vectors from the standards (FIPS 180, RFC 4231, RFC 4648, SP 800-38A, and the
// GCM specification's test cases, which NIST's GCM validation uses).
#include <array>

#include <gtest/gtest.h>

#include "portico/core/crypto.hpp"
#include "portico/core/random.hpp"
#include "portico/core/redact.hpp"

namespace portico::core::crypto {
namespace {

TEST(CryptoTest, DigestsMatchPublishedVectors) {
  EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex(hmac_sha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(CryptoTest, Base64FamilyMatchesRfc4648) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64(plain), encoded);
    EXPECT_EQ(from_base64(encoded), plain);
  }
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
  EXPECT_EQ(from_base64url("-_8"), std::string("\xfb\xff"));
  EXPECT_FALSE(from_base64("Zm9v!"));
  EXPECT_FALSE(from_base64("Zm9"));
  EXPECT_EQ(hex(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(from_hex("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(from_hex("0g"));
  EXPECT_FALSE(from_hex("abc"));
}

TEST(CryptoTest, AesCbcMatchesSp80038aAndRoundTrips) {
  const std::string key = *from_hex("2b7e151628aed2a6abf7158809cf4f3c");
  const std::string iv = *from_hex("000102030405060708090a0b0c0d0e0f");
  const std::string plain = *from_hex("6bc1bee22e409f96e93d7e117393172a");
  const auto cipher = aes_cbc_encrypt(key, iv, plain);
  ASSERT_TRUE(cipher);
  ASSERT_EQ(cipher->size(), 32U);  // one block plus a full PKCS#7 padding block
  EXPECT_EQ(hex(cipher->substr(0, 16)), "7649abac8119b246cee98e9b12e9197d");
  EXPECT_EQ(aes_cbc_decrypt(key, iv, *cipher), plain);
  EXPECT_FALSE(aes_cbc_encrypt("short", iv, plain));
  EXPECT_FALSE(aes_cbc_decrypt(key, iv, "not a multiple of sixteen"));
}

// McGrew and Viega, "The Galois/Counter Mode of Operation", test cases 13 and 16 (AES-256);
// the same values come out of python3 cryptography 48's AESGCM, checked when this was written.
TEST(CryptoTest, AesGcmMatchesPublishedVectors) {
  const std::string key =
      *from_hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const std::string nonce = *from_hex("cafebabefacedbaddecaf888");
  const std::string plain = *from_hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
  const std::string aad = *from_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const auto sealed = aes256_gcm_seal(key, nonce, plain, aad);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(hex(*sealed),
            "cafebabefacedbaddecaf888"
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
            "76fc6ece0f4e1768cddf8853bb2d551b");
  EXPECT_EQ(aes256_gcm_open(key, *sealed, aad), plain);

  // Test case 13: zero key and nonce, nothing to encrypt: only the tag.
  const std::string zeros(32, '\0');
  const auto empty = aes256_gcm_seal(zeros, zeros.substr(0, 12), "", "");
  ASSERT_TRUE(empty);
  EXPECT_EQ(hex(*empty), "000000000000000000000000530f8afbc74536b9a963b4f1c4cb738b");
  EXPECT_EQ(aes256_gcm_open(zeros, *empty, ""), "");
}

TEST(CryptoTest, AesGcmRoundTripsAndRefusesAnyChange) {
  SeededRandom random(42);
  std::array<std::uint8_t, 32> key_bytes{};
  std::array<std::uint8_t, 12> nonce_bytes{};
  random.fill(key_bytes);
  random.fill(nonce_bytes);
  const std::string key(key_bytes.begin(), key_bytes.end());
  const std::string nonce(nonce_bytes.begin(), nonce_bytes.end());
  const std::string plain = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG...\n";
  const std::string aad = "cert_8fK2";

  const auto sealed = aes256_gcm_seal(key, nonce, plain, aad);
  ASSERT_TRUE(sealed);
  ASSERT_EQ(sealed->size(), 12 + plain.size() + 16);
  EXPECT_EQ(sealed->substr(0, 12), nonce);
  EXPECT_EQ(sealed->find("PRIVATE"), std::string::npos);
  EXPECT_EQ(aes256_gcm_open(key, *sealed, aad), plain);
  // The same inputs seal the same way: the nonce is the only randomness.
  EXPECT_EQ(aes256_gcm_seal(key, nonce, plain, aad), sealed);

  std::string other_key = key;
  other_key[0] = static_cast<char>(other_key[0] ^ 0x80);
  EXPECT_FALSE(aes256_gcm_open(other_key, *sealed, aad));
  EXPECT_FALSE(aes256_gcm_open(key, *sealed, "cert_8fK3"));
  EXPECT_FALSE(aes256_gcm_open(key, *sealed, ""));
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    std::string flipped = *sealed;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    EXPECT_FALSE(aes256_gcm_open(key, flipped, aad)) << "byte " << i;
  }
  EXPECT_FALSE(aes256_gcm_open(key, sealed->substr(0, sealed->size() - 1), aad));
  EXPECT_FALSE(aes256_gcm_open(key, sealed->substr(0, 27), aad));
  EXPECT_FALSE(aes256_gcm_open(key, *sealed + "x", aad));

  // Only AES-256 with a 96-bit nonce.
  EXPECT_FALSE(aes256_gcm_seal(key.substr(0, 16), nonce, plain, aad));
  EXPECT_FALSE(aes256_gcm_seal(key, nonce.substr(0, 8), plain, aad));
  EXPECT_FALSE(aes256_gcm_open(key.substr(0, 31), *sealed, aad));
}

TEST(CryptoTest, ConstantTimeEqualComparesWholeValues) {
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
}

TEST(RedactorTest, MasksSecretsAndTheirEncodings) {
  Redactor redactor;
  redactor.add_secret("s3cr3t/key+");
  const std::string text = "a=s3cr3t/key+ b=s3cr3t%2Fkey%2B c=" + base64("s3cr3t/key+");
  const std::string masked = redactor.apply(text);
  EXPECT_EQ(masked.find("s3cr3t"), std::string::npos) << masked;
  EXPECT_EQ(masked.find(base64("s3cr3t/key+")), std::string::npos) << masked;
  EXPECT_NE(masked.find("a=[redacted]"), std::string::npos);
}

}  // namespace
}  // namespace portico::core::crypto
