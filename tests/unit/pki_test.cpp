// core::pki against OpenSSL's own command line: the certificate and CSR below were made with
// `openssl` 3.0 (commands beside them) and the expected values are what it printed.
#include "portico/core/pki.hpp"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "portico/core/crypto.hpp"

namespace portico::core::pki {
namespace {

// openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem
//   -out cert.pem -subj "/O=Portico Test/CN=www.example.com" -set_serial 0x0fab12 -days 397
//   -addext "subjectAltName=DNS:www.example.com,DNS:Example.COM,IP:192.0.2.1" -sha256
// openssl x509 -in cert.pem -noout -text -fingerprint -sha256 printed:
//   Serial Number: 1026834 (0xfab12)
//   Issuer: O = Portico Test, CN = www.example.com
//   Not Before: Nov 22 09:57:44 2026 GMT
//   Not After : Dec 24 09:57:44 2027 GMT
//   Subject: O = Portico Test, CN = www.example.com
//   X509v3 Subject Alternative Name: DNS:www.example.com, DNS:Example.COM, IP Address:192.0.2.1
//   sha256 Fingerprint=05:9F:3E:BF:D3:9C:AC:5A:4B:C0:16:30:9B:B4:B3:12:B3:CD:54:88:0D:F5:45:0A:
//                      8E:72:1B:94:B0:E5:FD:9E
constexpr std::string_view kOpensslCertificate =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB1jCCAX2gAwIBAgIDD6sSMAoGCCqGSM49BAMCMDExFTATBgNVBAoMDFBvcnRp\n"
    "Y28gVGVzdDEYMBYGA1UEAwwPd3d3LmV4YW1wbGUuY29tMB4XDTI2MTEyMjA5NTc0\n"
    "NFoXDTI3MTIyNDA5NTc0NFowMTEVMBMGA1UECgwMUG9ydGljbyBUZXN0MRgwFgYD\n"
    "VQQDDA93d3cuZXhhbXBsZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATu\n"
    "fGuh8uCuZGnrlCBVegRLY5tRFfZkvsKEHgPNX7PP8/jxBbjzxxiwOTf/tvOpQrbb\n"
    "QTNnHWRpuqplFdAZ/cyUo4GDMIGAMB0GA1UdDgQWBBQUE/YGzRIZWM+Xb90F0fQM\n"
    "2BzGJDAfBgNVHSMEGDAWgBQUE/YGzRIZWM+Xb90F0fQM2BzGJDAPBgNVHRMBAf8E\n"
    "BTADAQH/MC0GA1UdEQQmMCSCD3d3dy5leGFtcGxlLmNvbYILRXhhbXBsZS5DT02H\n"
    "BMAAAgEwCgYIKoZIzj0EAwIDRwAwRAIgd07Czs4ijUYsQjSIJ2sSOfBBzQ0erCzR\n"
    "/M557dQST6cCICb967igfbr4J75REZ9jKkw0dzAAoZJxvGrtLPfGfy/z\n"
    "-----END CERTIFICATE-----\n";
// key.pem of the command above: a throwaway key, made for this test only.
constexpr std::string_view kOpensslCertificateKey =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjeunsK6iciehfixk\n"
    "6cSYemkSiJHrlJ9lO80ZOVWVp+qhRANCAATufGuh8uCuZGnrlCBVegRLY5tRFfZk\n"
    "vsKEHgPNX7PP8/jxBbjzxxiwOTf/tvOpQrbbQTNnHWRpuqplFdAZ/cyU\n"
    "-----END PRIVATE KEY-----\n";

// openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key2.pem
//   -out cert2.pem -subj "/CN=Portico Example Issuing CA" -set_serial 7 -days 30
constexpr std::string_view kOpensslSecondCertificate =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBjDCCATKgAwIBAgIBBzAKBggqhkjOPQQDAjAlMSMwIQYDVQQDDBpQb3J0aWNv\n"
    "IEV4YW1wbGUgSXNzdWluZyBDQTAeFw0yNjExMjIwOTU3NThaFw0yNjEyMjIwOTU3\n"
    "NThaMCUxIzAhBgNVBAMMGlBvcnRpY28gRXhhbXBsZSBJc3N1aW5nIENBMFkwEwYH\n"
    "KoZIzj0CAQYIKoZIzj0DAQcDQgAE69PbHCXDIFXXBMqsA+xuv5U3KPWqIEsr3BIU\n"
    "/fUdDfj4qXJOkVMq4aacHXrwLoQA70oOKCHsKBU5/eeCT4C3SqNTMFEwHQYDVR0O\n"
    "BBYEFKESYdKH4qQUXxJJp3ac41mWKx28MB8GA1UdIwQYMBaAFKESYdKH4qQUXxJJ\n"
    "p3ac41mWKx28MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAN5y\n"
    "TOHOiWPWtHHhONMTyJyGWfGX4CRwyVDt5r04S4r7AiAaS3X1xhqhqUC/Egblut9m\n"
    "t46a/nD3fMSgjzWk/7iEoQ==\n"
    "-----END CERTIFICATE-----\n";

// openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout csrkey.pem
//   -out req.pem -subj "/CN=shop.example.org"
//   -addext "subjectAltName=DNS:shop.example.org,DNS:*.Example.org"
constexpr std::string_view kOpensslCsr =
    "-----BEGIN CERTIFICATE REQUEST-----\n"
    "MIIBEjCBugIBADAbMRkwFwYDVQQDDBBzaG9wLmV4YW1wbGUub3JnMFkwEwYHKoZI\n"
    "zj0CAQYIKoZIzj0DAQcDQgAEf8Lx2edCUDaTEnlQZ3umUAOyGal+5krgS4oN8pdQ\n"
    "WBCFshUGnLX2//+AMmZBDCu96DMvl8MADlKNgjEwNe6LWKA9MDsGCSqGSIb3DQEJ\n"
    "DjEuMCwwKgYDVR0RBCMwIYIQc2hvcC5leGFtcGxlLm9yZ4INKi5FeGFtcGxlLm9y\n"
    "ZzAKBggqhkjOPQQDAgNHADBEAiBYUu63TpOy42DF4bjyci+JO8Vqd0ZYGXq1sl8d\n"
    "loEWKgIgCA6CUiirMl9DhzHH6YYKHivU5k5sGwV0NsV3L+KgAUY=\n"
    "-----END CERTIFICATE REQUEST-----\n";

const std::vector<std::string> kNames = {"www.example.com", "example.com", "*.example.com"};

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The DER inside a single PEM block, and back (with `width`-column lines).
std::string der_of(std::string_view pem) {
  const std::size_t start = pem.find('\n') + 1;
  const std::size_t end = pem.find("-----END");
  std::string body;
  for (char c : pem.substr(start, end - start)) {
    if (c != '\n' && c != '\r') body.push_back(c);
  }
  return crypto::from_base64(body).value();
}

std::string pem_of(std::string_view label, std::string_view der, std::size_t width = 64) {
  const std::string encoded = crypto::base64(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t at = 0; at < encoded.size(); at += width)
    out += encoded.substr(at, width) + "\n";
  return out + "-----END " + std::string(label) + "-----\n";
}

// A CSR with an arbitrary key, made with OpenSSL directly (generate_key_and_csr only makes
// acceptable ones).
std::string csr_for_key(EVP_PKEY* key, const std::string& common_name) {
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> request(X509_REQ_new(), X509_REQ_free);
  X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(request.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_REQ_set_pubkey(request.get(), key);
  EXPECT_GT(X509_REQ_sign(request.get(), key, EVP_sha256()), 0);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509_REQ(bio.get(), request.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

void expect_csr_error(std::string_view pem, const std::string& code) {
  const auto parsed = parse_csr(pem);
  ASSERT_FALSE(parsed.ok()) << pem;
  EXPECT_EQ(parsed.error().code, code) << pem;
  EXPECT_EQ(parsed.error().param, "csr");
  EXPECT_EQ(parsed.error().status, 400);
}

TEST(PkiCsrTest, EcKeyAndCsrRoundTrip) {
  const auto generated = generate_key_and_csr(kNames, KeyType::ec_p256);
  ASSERT_TRUE(generated.ok()) << generated.error().message;
  EXPECT_TRUE(generated->private_key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_TRUE(generated->csr_pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
  const auto csr = parse_csr(generated->csr_pem);
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  EXPECT_EQ(csr->common_name, "www.example.com");
  EXPECT_EQ(csr->dns_names, kNames);
  EXPECT_EQ(csr->key_type, "ec");
  EXPECT_EQ(csr->key_bits, 256);
  EXPECT_TRUE(check_csr_names(*csr, kNames).ok());
  EXPECT_TRUE(check_csr_names(*csr, {"*.example.com", "example.com", "www.example.com"}).ok());
}

TEST(PkiCsrTest, RsaKeyAndCsrRoundTrip) {
  const auto generated = generate_key_and_csr({"Shop.Example.org"}, KeyType::rsa2048);
  ASSERT_TRUE(generated.ok()) << generated.error().message;
  EXPECT_TRUE(generated->private_key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
  const auto csr = parse_csr(generated->csr_pem);
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  EXPECT_EQ(csr->common_name, "shop.example.org");
  EXPECT_EQ(csr->dns_names, std::vector<std::string>{"shop.example.org"});
  EXPECT_EQ(csr->key_type, "rsa");
  EXPECT_EQ(csr->key_bits, 2048);
  // The key really is the CSR's: a second generation gives another key.
  const auto other = generate_key_and_csr({"shop.example.org"}, KeyType::rsa2048);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->private_key_pem, generated->private_key_pem);
}

TEST(PkiCsrTest, LongFirstNameStaysInSubjectAltNameOnly) {
  const std::string long_name = std::string(60, 'a') + ".example.com";  // 72 > 64
  const auto generated = generate_key_and_csr({long_name, "example.com"}, KeyType::ec_p256);
  ASSERT_TRUE(generated.ok()) << generated.error().message;
  const auto csr = parse_csr(generated->csr_pem);
  ASSERT_TRUE(csr.ok());
  EXPECT_EQ(csr->common_name, "");
  EXPECT_EQ(csr->dns_names, (std::vector<std::string>{long_name, "example.com"}));
  EXPECT_TRUE(check_csr_names(*csr, {long_name, "example.com"}).ok());
}

TEST(PkiCsrTest, GenerationRefusesUnusableNames) {
  for (const std::vector<std::string>& names : std::vector<std::vector<std::string>>{
           {}, {""}, {"a b.example.com"}, {"a,DNS:evil.com"}, {"ok.com", "caf\xc3\xa9.com"}}) {
    const auto generated = generate_key_and_csr(names, KeyType::ec_p256);
    ASSERT_FALSE(generated.ok());
    EXPECT_EQ(generated.error().code, "invalid_names");
  }
}

TEST(PkiCsrTest, ParsesCsrFromOpensslCommandLine) {
  const auto csr = parse_csr(kOpensslCsr);
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  EXPECT_EQ(csr->common_name, "shop.example.org");
  EXPECT_EQ(csr->dns_names, (std::vector<std::string>{"shop.example.org", "*.example.org"}));
  EXPECT_EQ(csr->key_type, "ec");
  EXPECT_EQ(csr->key_bits, 256);
  EXPECT_TRUE(check_csr_names(*csr, {"*.example.org", "shop.example.org"}).ok());
  // CRLF, surrounding blank lines and the older "NEW CERTIFICATE REQUEST" label are fine.
  const std::string crlf = "\r\n" + replace_all(std::string(kOpensslCsr), "\n", "\r\n") + "\r\n";
  EXPECT_TRUE(parse_csr(crlf).ok());
  EXPECT_TRUE(parse_csr(replace_all(std::string(kOpensslCsr), "CERTIFICATE REQUEST",
                                    "NEW CERTIFICATE REQUEST"))
                  .ok());
}

TEST(PkiCsrTest, TamperedCsrFailsItsSignatureCheck) {
  const auto generated = generate_key_and_csr({"www.example.com"}, KeyType::ec_p256);
  ASSERT_TRUE(generated.ok());
  const std::string der = der_of(generated->csr_pem);
  // Another name in the signed part.
  const std::size_t name_at = der.find("www.example.com");
  ASSERT_NE(name_at, std::string::npos);
  std::string renamed = der;
  renamed[name_at] = 'x';
  expect_csr_error(pem_of("CERTIFICATE REQUEST", renamed), "csr_signature_invalid");
  // A changed signature: the last byte is inside the ECDSA signature's s value.
  std::string resigned = der;
  resigned.back() = static_cast<char>(resigned.back() ^ 0x01);
  expect_csr_error(pem_of("CERTIFICATE REQUEST", resigned), "csr_signature_invalid");
  // The untouched DER still passes, so the failures above are the tampering.
  EXPECT_TRUE(parse_csr(pem_of("CERTIFICATE REQUEST", der)).ok());
}

TEST(PkiCsrTest, WeakAndUnusualKeysAreRefused) {
  Pkey rsa1024(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024}), EVP_PKEY_free);
  ASSERT_TRUE(rsa1024);
  expect_csr_error(csr_for_key(rsa1024.get(), "weak.example.com"), "csr_key_too_weak");

  Pkey p224(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-224"), EVP_PKEY_free);
  ASSERT_TRUE(p224);
  expect_csr_error(csr_for_key(p224.get(), "weak.example.com"), "csr_key_too_weak");

  // 256 bits, but not a curve public CAs sign.
  Pkey k256(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"), EVP_PKEY_free);
  ASSERT_TRUE(k256);
  expect_csr_error(csr_for_key(k256.get(), "odd.example.com"), "invalid_csr");

  Pkey ed25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
  ASSERT_TRUE(ed25519);
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> request(X509_REQ_new(), X509_REQ_free);
  X509_REQ_set_pubkey(request.get(), ed25519.get());
  ASSERT_GT(X509_REQ_sign(request.get(), ed25519.get(), nullptr), 0);
  unsigned char* der = nullptr;
  const int length = i2d_X509_REQ(request.get(), &der);
  ASSERT_GT(length, 0);
  const std::string ed_der(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  expect_csr_error(pem_of("CERTIFICATE REQUEST", ed_der), "invalid_csr");

  // A 2048-bit key made the same way passes: the refusals above are about the keys.
  Pkey rsa2048(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}), EVP_PKEY_free);
  const auto strong = parse_csr(csr_for_key(rsa2048.get(), "ok.example.com"));
  ASSERT_TRUE(strong.ok()) << strong.error().message;
  EXPECT_EQ(strong->common_name, "ok.example.com");
  EXPECT_TRUE(strong->dns_names.empty());
}

TEST(PkiCsrTest, GarbageEmptyAndSeveralBlocksAreInvalid) {
  const std::string csr(kOpensslCsr);
  expect_csr_error("", "invalid_csr");
  expect_csr_error("\n\n", "invalid_csr");
  expect_csr_error("not a csr", "invalid_csr");
  expect_csr_error(csr + "trailing garbage\n", "invalid_csr");
  expect_csr_error("leading garbage\n" + csr, "invalid_csr");
  expect_csr_error(csr + csr, "invalid_csr");
  expect_csr_error(csr.substr(0, csr.size() - 10), "invalid_csr");  // unterminated
  expect_csr_error(kOpensslCertificate, "invalid_csr");
  expect_csr_error(replace_all(csr, "MIIBEjCB", "MIIBEjC!"), "invalid_csr");  // not base64
  // Valid base64 that is not a request, and a request with bytes after its DER.
  expect_csr_error(pem_of("CERTIFICATE REQUEST", "hello world"), "invalid_csr");
  expect_csr_error(pem_of("CERTIFICATE REQUEST", der_of(csr) + "xx"), "invalid_csr");
  // Encrypted-PEM style headers are not a CSR's.
  expect_csr_error(replace_all(csr, "REQUEST-----\n", "REQUEST-----\nProc-Type: 4,ENCRYPTED\n"),
                   "invalid_csr");
  expect_csr_error(std::string(70000, 'A'), "invalid_csr");
}

TEST(PkiCsrTest, NameMismatchNamesTheFirstDifference) {
  const auto csr = parse_csr(kOpensslCsr);
  ASSERT_TRUE(csr.ok());
  // The order names one the CSR lacks.
  auto status = check_csr_names(*csr, {"shop.example.org", "*.example.org", "api.example.org"});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "csr_name_mismatch");
  EXPECT_EQ(status.error().param, "csr");
  EXPECT_NE(status.error().message.find("api.example.org"), std::string::npos);
  // The CSR asks for one the order lacks.
  status = check_csr_names(*csr, {"shop.example.org"});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "csr_name_mismatch");
  EXPECT_NE(status.error().message.find("*.example.org"), std::string::npos);
  // Names compare case-insensitively and as a set; the CN counts as a name.
  EXPECT_TRUE(check_csr_names(*csr, {"*.EXAMPLE.org", "Shop.example.org"}).ok());
  CsrInfo cn_only{"only.example.com", {}, "ec", 256};
  EXPECT_TRUE(check_csr_names(cn_only, {"only.example.com"}).ok());
  EXPECT_FALSE(check_csr_names(cn_only, {"other.example.com"}).ok());
}

TEST(PkiCertificateTest, ReadsWhatOpensslPrinted) {
  const auto info = parse_certificate(kOpensslCertificate);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->subject_common_name, "www.example.com");
  EXPECT_EQ(info->issuer_common_name, "www.example.com");
  // The IP address SAN is not a dNSName; "Example.COM" is lowercased.
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"www.example.com", "example.com"}));
  EXPECT_EQ(format_rfc3339(info->not_before), "2026-11-22T09:57:44Z");
  EXPECT_EQ(format_rfc3339(info->not_after), "2027-12-24T09:57:44Z");
  EXPECT_EQ(info->serial_hex, "fab12");
  EXPECT_EQ(info->sha256_fingerprint,
            "059f3ebfd39cac5a4bc016309bb4b312b3cd54880df5450a8e721b94b0e5fd9e");

  const auto second = parse_certificate(kOpensslSecondCertificate);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->subject_common_name, "Portico Example Issuing CA");
  EXPECT_EQ(second->serial_hex, "7");
  EXPECT_TRUE(second->dns_names.empty());
}

TEST(PkiCertificateTest, TakesTheFirstCertificateOfAnyText) {
  const std::string crlf = replace_all(std::string(kOpensslCertificate), "\n", "\r\n");
  const auto from_crlf = parse_certificate(crlf);
  ASSERT_TRUE(from_crlf.ok()) << from_crlf.error().message;
  EXPECT_EQ(from_crlf->serial_hex, "fab12");
  const auto from_bundle =
      parse_certificate("subject=CN = www.example.com\n" + std::string(kOpensslCertificate) +
                        std::string(kOpensslSecondCertificate));
  ASSERT_TRUE(from_bundle.ok());
  EXPECT_EQ(from_bundle->serial_hex, "fab12");

  for (const std::string& bad :
       {std::string(), std::string("garbage"), std::string(kOpensslCsr),
        std::string(kOpensslCertificate.substr(0, 200)), pem_of("CERTIFICATE", "not DER at all"),
        pem_of("CERTIFICATE", der_of(kOpensslCertificate) + "x")}) {
    const auto parsed = parse_certificate(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, "invalid_certificate");
  }
}

TEST(PkiCertificateTest, KeyMatchesOnlyItsCertificate) {
  EXPECT_TRUE(key_matches_certificate(kOpensslCertificateKey, kOpensslCertificate));
  const auto other = generate_key_and_csr({"www.example.com"}, KeyType::ec_p256);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(key_matches_certificate(other->private_key_pem, kOpensslCertificate));
  EXPECT_FALSE(key_matches_certificate(kOpensslCertificateKey, kOpensslSecondCertificate));
  EXPECT_FALSE(key_matches_certificate("garbage", kOpensslCertificate));
  EXPECT_FALSE(key_matches_certificate(kOpensslCertificateKey, "garbage"));
}

TEST(PkiChainTest, SplitsAndNormalizesBlocks) {
  // CRLF, blank lines around and between blocks, 76-column base64 and trailing spaces.
  const std::string second_wide =
      pem_of("CERTIFICATE", der_of(kOpensslSecondCertificate), 76) + "   \n";
  const std::string bundle = "\r\n" + replace_all(std::string(kOpensslCertificate), "\n", "\r\n") +
                             "\r\n\r\n" + second_wide + "\n\n";
  const auto split = split_pem_chain(bundle);
  ASSERT_TRUE(split.ok()) << split.error().message;
  ASSERT_EQ(split->size(), 2U);
  EXPECT_EQ((*split)[0], kOpensslCertificate);
  EXPECT_EQ((*split)[1], kOpensslSecondCertificate);

  const auto single = split_pem_chain(kOpensslSecondCertificate);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(*single, std::vector<std::string>{std::string(kOpensslSecondCertificate)});
}

TEST(PkiChainTest, RefusesAnythingButCertificates) {
  const std::string first(kOpensslCertificate);
  const std::string second(kOpensslSecondCertificate);
  for (const std::string& bad : {
           std::string(),
           std::string("\n \r\n"),
           first + "garbage\n" + second,
           "Bag Attributes\n" + first,
           first + second.substr(0, second.size() - 26),  // unterminated
           first + std::string(kOpensslCertificateKey),
           first + std::string(kOpensslCsr),
           first + pem_of("CERTIFICATE", "not DER"),
           first + replace_all(second, "END CERTIFICATE", "END X509 CRL"),
       }) {
    const auto split = split_pem_chain(bad);
    ASSERT_FALSE(split.ok()) << bad;
    EXPECT_EQ(split.error().code, "invalid_certificate");
  }
}

}  // namespace
}  // namespace portico::core::pki
