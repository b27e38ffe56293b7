#include "portico/sim/test_ca.hpp"

#include <array>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <boost/asio/ip/address.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "portico/core/crypto.hpp"

namespace portico::sim {

namespace {

constexpr long kBackdateSeconds = 300;  // tolerate small clock differences
constexpr long kValiditySeconds = 24L * 60 * 60;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct ExtensionFree {
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, ExtensionFree>;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("test CA: " + what + " failed");
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

PkeyPtr generate_key() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(key != nullptr, "EC key generation");
  return key;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string cert_to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(bio && PEM_write_bio_X509(bio.get(), cert) == 1, "certificate encoding");
  return bio_text(bio.get());
}

std::string key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "key encoding");
  return bio_text(bio.get());
}

X509Ptr cert_from_pem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  check(cert != nullptr, "certificate decoding");
  return cert;
}

PkeyPtr key_from_pem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  check(key != nullptr, "key decoding");
  return key;
}

void set_common_name(X509_NAME* name, const std::string& common_name) {
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) == 1,
        "subject name");
}

// A fresh certificate shell: v3, random 128-bit serial, one day of validity, the subject key.
X509Ptr new_certificate(EVP_PKEY* subject_key, const std::string& common_name) {
  X509Ptr cert(X509_new());
  check(cert != nullptr, "certificate allocation");
  check(X509_set_version(cert.get(), 2) == 1, "certificate version");
  std::array<unsigned char, 16> serial_bytes{};
  check(RAND_bytes(serial_bytes.data(), static_cast<int>(serial_bytes.size())) == 1, "serial");
  serial_bytes[0] &= 0x7F;  // a positive INTEGER
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(
      BN_bin2bn(serial_bytes.data(), static_cast<int>(serial_bytes.size()), nullptr), BN_free);
  check(serial && BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr,
        "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) != nullptr,
        "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds) != nullptr, "notAfter");
  set_common_name(X509_get_subject_name(cert.get()), common_name);
  check(X509_set_pubkey(cert.get(), subject_key) == 1, "public key");
  return cert;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  check(extension != nullptr && X509_add_ext(cert, extension.get(), -1) == 1, "extension");
}

bool is_ip_literal(const std::string& name) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(name, ec);
  return !ec;
}

}  // namespace

TestCa TestCa::generate(std::string common_name) {
  PkeyPtr key = generate_key();
  X509Ptr cert = new_certificate(key.get(), common_name);
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) == 1, "issuer");
  add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "CA signature");
  return TestCa(KeyPair{cert_to_pem(cert.get()), key_to_pem(key.get())});
}

KeyPair TestCa::issue(const std::vector<std::string>& names) const {
  if (names.empty()) throw std::invalid_argument("test CA: a leaf needs at least one name");
  X509Ptr issuer = cert_from_pem(ca_.cert_pem);
  PkeyPtr issuer_key = key_from_pem(ca_.key_pem);
  PkeyPtr key = generate_key();
  X509Ptr cert = new_certificate(key.get(), names.front());
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer.get())) == 1, "issuer");
  std::string alt_names;
  for (const std::string& name : names) {
    if (!alt_names.empty()) alt_names += ",";
    alt_names += (is_ip_literal(name) ? "IP:" : "DNS:") + name;
  }
  add_extension(cert.get(), issuer.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), issuer.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(cert.get(), issuer.get(), NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), issuer.get(), NID_subject_alt_name, alt_names);
  add_extension(cert.get(), issuer.get(), NID_authority_key_identifier, "keyid");
  check(X509_sign(cert.get(), issuer_key.get(), EVP_sha256()) > 0, "leaf signature");
  return KeyPair{cert_to_pem(cert.get()), key_to_pem(key.get())};
}

std::string TestCa::write_ca_file(const std::string& directory) const {
  const std::string digest = core::crypto::hex(core::crypto::sha256(ca_.cert_pem));
  std::string path = directory + "/portico-test-ca-" + digest.substr(0, 16) + ".pem";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << ca_.cert_pem;
  out.close();
  if (!out) throw std::runtime_error("test CA: cannot write " + path);
  return path;
}

}  // namespace portico::sim
