// Known-answer vectors from the standards (FIPS 180, RFC 4231, RFC 4648, SP 800-38A).
#include <gtest/gtest.h>

#include "portico/core/crypto.hpp"
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
