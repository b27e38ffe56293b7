#include "portico/sim/issuing_ca.hpp"

#include <array>
#include <memory>
#include <optional>
#include <stdexcept>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "portico/core/pki.hpp"

namespace portico::sim {

namespace {

using core::Error;

struct OpenSslFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(X509* cert) const { X509_free(cert); }
  void operator()(X509_REQ* request) const { X509_REQ_free(request); }
  void operator()(BIO* bio) const { BIO_free(bio); }
  void operator()(BIGNUM* number) const { BN_free(number); }
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
  void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
  void operator()(GENERAL_NAME* name) const { GENERAL_NAME_free(name); }
  void operator()(ASN1_IA5STRING* text) const { ASN1_IA5STRING_free(text); }
};
template <typename T>
using Owned = std::unique_ptr<T, OpenSslFree>;

// Leaves OpenSSL's per-thread error queue empty for whoever runs next on the thread.
class ErrorQueueGuard {
 public:
  ErrorQueueGuard() = default;
  ~ErrorQueueGuard() { ERR_clear_error(); }
  ErrorQueueGuard(const ErrorQueueGuard&) = delete;
  ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
};

// The CA certificates do not know the simulator's clock, so they cover any date it may use.
constexpr std::int64_t kCaNotBefore = 946'684'800;   // 2000-01-01T00:00:00Z
constexpr std::int64_t kCaNotAfter = 4'102'444'800;  // 2100-01-01T00:00:00Z
constexpr std::size_t kMaxCommonName = 64;           // RFC 5280 ub-common-name

// Building a certificate fails only when OpenSSL does (memory, a broken build); that is an
// exception at generate() and an api error when issuing.
struct OpenSslFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(bool ok, const char* what) {
  if (!ok) throw OpenSslFailure(std::string("issuing CA: ") + what + " failed");
}

Owned<EVP_PKEY> generate_key() {
  Owned<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(key != nullptr, "EC key generation");
  return key;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  check(size >= 0, "PEM encoding");
  return std::string(data, static_cast<std::size_t>(size));
}

std::string cert_to_pem(X509* cert) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  check(bio && PEM_write_bio_X509(bio.get(), cert) == 1, "certificate encoding");
  return bio_text(bio.get());
}

std::string key_to_pem(EVP_PKEY* key) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  check(bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "key encoding");
  return bio_text(bio.get());
}

Owned<BIO> read_bio(const std::string& pem) {
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  check(bio != nullptr, "buffer allocation");
  return bio;
}

Owned<X509> cert_from_pem(const std::string& pem) {
  Owned<X509> cert(PEM_read_bio_X509(read_bio(pem).get(), nullptr, nullptr, nullptr));
  check(cert != nullptr, "certificate decoding");
  return cert;
}

Owned<EVP_PKEY> key_from_pem(const std::string& pem) {
  Owned<EVP_PKEY> key(PEM_read_bio_PrivateKey(read_bio(pem).get(), nullptr, nullptr, nullptr));
  check(key != nullptr, "key decoding");
  return key;
}

void set_time(ASN1_TIME* field, std::int64_t unix_seconds) {
  check(ASN1_TIME_set(field, static_cast<time_t>(unix_seconds)) != nullptr, "validity");
}

// A v3 certificate shell: serial, validity, subject CN (when it fits), issuer and key.
Owned<X509> new_certificate(ASN1_INTEGER* serial, std::int64_t not_before, std::int64_t not_after,
                            const std::string& common_name, const X509_NAME* issuer,
                            EVP_PKEY* subject_key) {
  Owned<X509> cert(X509_new());
  check(cert != nullptr, "certificate allocation");
  check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "certificate version");
  check(X509_set_serialNumber(cert.get(), serial) == 1, "serial");
  set_time(X509_getm_notBefore(cert.get()), not_before);
  set_time(X509_getm_notAfter(cert.get()), not_after);
  // A longer first name lives in the subjectAltName only, as public CAs issue it.
  if (common_name.size() <= kMaxCommonName) {
    check(X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0) == 1,
          "subject name");
  }
  check(X509_set_issuer_name(cert.get(), issuer ? issuer : X509_get_subject_name(cert.get())) == 1,
        "issuer name");
  check(X509_set_pubkey(cert.get(), subject_key) == 1, "public key");
  return cert;
}

Owned<ASN1_INTEGER> random_serial() {
  std::array<unsigned char, 16> bytes{};
  check(RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1, "serial");
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7F) | 0x01);  // positive, full length
  Owned<BIGNUM> number(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  check(number != nullptr, "serial");
  Owned<ASN1_INTEGER> serial(BN_to_ASN1_INTEGER(number.get(), nullptr));
  check(serial != nullptr, "serial");
  return serial;
}

// Extensions from OpenSSL's configuration syntax, for values this file writes itself.
void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION> extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  check(extension != nullptr && X509_add_ext(cert, extension.get(), -1) == 1, "extension");
}

// The subjectAltName built as a structure, so no name can inject configuration syntax.
void add_dns_names(X509* cert, const std::vector<std::string>& names) {
  Owned<GENERAL_NAMES> alt_names(sk_GENERAL_NAME_new_null());
  check(alt_names != nullptr, "subjectAltName");
  for (const std::string& name : names) {
    Owned<ASN1_IA5STRING> text(ASN1_IA5STRING_new());
    Owned<GENERAL_NAME> entry(GENERAL_NAME_new());
    check(text && entry &&
              ASN1_STRING_set(text.get(), name.data(), static_cast<int>(name.size())) == 1,
          "subjectAltName");
    GENERAL_NAME_set0_value(entry.get(), GEN_DNS, text.release());
    check(sk_GENERAL_NAME_push(alt_names.get(), entry.get()) > 0, "subjectAltName");
    entry.release();
  }
  check(X509_add1_ext_i2d(cert, NID_subject_alt_name, alt_names.get(), 0, X509V3_ADD_DEFAULT) == 1,
        "subjectAltName");
}

bool is_dns_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (c <= ' ' || c >= 0x7F || c == ',') return false;
  }
  return true;
}

// `text` with CR, and spaces or tabs around each line, removed.
std::string plain_lines(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::size_t first = text.find_first_not_of(" \t\r", start);
    if (first < end) {
      const std::size_t last = text.find_last_not_of(" \t\r", end - 1);
      out.append(text, first, last - first + 1);
    }
    out.push_back('\n');
    start = end + 1;
  }
  return out;
}

std::optional<Error> check_order(const std::vector<std::string>& names, core::TimePoint not_before,
                                 core::TimePoint not_after, std::uint64_t serial) {
  if (names.empty()) {
    return Error::invalid_request("invalid_names", "A certificate needs at least one name.",
                                  "names");
  }
  for (const std::string& name : names) {
    if (!is_dns_name(name)) {
      return Error::invalid_request("invalid_names", "A name cannot be put in a certificate.",
                                    "names");
    }
  }
  if (not_after <= not_before) {
    return Error::invalid_request("invalid_validity", "notAfter must be after notBefore.");
  }
  if (serial == 0) {
    return Error::invalid_request("invalid_serial", "A serial number must be positive.");
  }
  return std::nullopt;
}

}  // namespace

IssuingCa IssuingCa::generate(const std::string& name) {
  ErrorQueueGuard clear_errors;
  Owned<EVP_PKEY> root_key = generate_key();
  Owned<X509> root = new_certificate(random_serial().get(), kCaNotBefore, kCaNotAfter,
                                     name + " Root CA", nullptr, root_key.get());
  add_extension(root.get(), root.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(root.get(), root.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(root.get(), root.get(), NID_subject_key_identifier, "hash");
  check(X509_sign(root.get(), root_key.get(), EVP_sha256()) > 0, "root signature");

  Owned<EVP_PKEY> intermediate_key = generate_key();
  Owned<X509> intermediate =
      new_certificate(random_serial().get(), kCaNotBefore, kCaNotAfter, name + " Issuing CA",
                      X509_get_subject_name(root.get()), intermediate_key.get());
  add_extension(intermediate.get(), root.get(), NID_basic_constraints,
                "critical,CA:TRUE,pathlen:0");
  add_extension(intermediate.get(), root.get(), NID_key_usage,
                "critical,digitalSignature,keyCertSign,cRLSign");
  add_extension(intermediate.get(), root.get(), NID_subject_key_identifier, "hash");
  add_extension(intermediate.get(), root.get(), NID_authority_key_identifier, "keyid:always");
  check(X509_sign(intermediate.get(), root_key.get(), EVP_sha256()) > 0, "intermediate signature");

  return IssuingCa(Pair{cert_to_pem(root.get()), key_to_pem(root_key.get())},
                   Pair{cert_to_pem(intermediate.get()), key_to_pem(intermediate_key.get())});
}

core::Result<IssuingCa::Issued> IssuingCa::issue(const std::string& csr_pem,
                                                 const std::vector<std::string>& names,
                                                 core::TimePoint not_before,
                                                 core::TimePoint not_after,
                                                 std::uint64_t serial) const {
  ErrorQueueGuard clear_errors;
  const auto csr = core::pki::parse_csr(csr_pem);
  if (!csr.ok()) {
    return Error::invalid_request("invalid_csr", csr.error().message, "csr");
  }
  // parse_csr accepted exactly one well-formed request; OpenSSL's reader finds the same one
  // once the line ends and indentation parse_csr tolerates are gone.
  const std::string normalized = plain_lines(csr_pem);
  Owned<BIO> bio(BIO_new_mem_buf(normalized.data(), static_cast<int>(normalized.size())));
  Owned<X509_REQ> request(bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr)
                              : nullptr);
  if (!request) return Error::invalid_request("invalid_csr", "The CSR does not parse.", "csr");
  Owned<EVP_PKEY> key(X509_REQ_get_pubkey(request.get()));
  if (!key) return Error::invalid_request("invalid_csr", "The CSR has no public key.", "csr");
  return issue_for_key(key.get(), names, not_before, not_after, serial);
}

core::Result<IssuingCa::Issued> IssuingCa::issue_with_new_key(const std::vector<std::string>& names,
                                                              core::TimePoint not_before,
                                                              core::TimePoint not_after,
                                                              std::uint64_t serial) const {
  ErrorQueueGuard clear_errors;
  Owned<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Error::internal("issuing CA: key generation failed");
  auto issued = issue_for_key(key.get(), names, not_before, not_after, serial);
  if (!issued.ok()) return issued;
  try {
    issued->private_key_pem = key_to_pem(key.get());
  } catch (const OpenSslFailure& failure) {
    return Error::internal(failure.what());
  }
  return issued;
}

core::Result<IssuingCa::Issued> IssuingCa::issue_for_key(EVP_PKEY* subject_key,
                                                         const std::vector<std::string>& names,
                                                         core::TimePoint not_before,
                                                         core::TimePoint not_after,
                                                         std::uint64_t serial) const {
  if (auto refused = check_order(names, not_before, not_after, serial)) return *refused;
  try {
    Owned<X509> issuer = cert_from_pem(intermediate_.cert_pem);
    Owned<EVP_PKEY> issuer_key = key_from_pem(intermediate_.key_pem);
    Owned<ASN1_INTEGER> serial_number(ASN1_INTEGER_new());
    check(serial_number && ASN1_INTEGER_set_uint64(serial_number.get(), serial) == 1, "serial");
    Owned<X509> leaf = new_certificate(serial_number.get(), core::unix_seconds(not_before),
                                       core::unix_seconds(not_after), names.front(),
                                       X509_get_subject_name(issuer.get()), subject_key);
    const bool rsa = EVP_PKEY_get_base_id(subject_key) == EVP_PKEY_RSA;
    add_extension(leaf.get(), issuer.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(leaf.get(), issuer.get(), NID_key_usage,
                  rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature");
    add_extension(leaf.get(), issuer.get(), NID_ext_key_usage, "serverAuth");
    add_dns_names(leaf.get(), names);
    add_extension(leaf.get(), issuer.get(), NID_subject_key_identifier, "hash");
    add_extension(leaf.get(), issuer.get(), NID_authority_key_identifier, "keyid:always");
    check(X509_sign(leaf.get(), issuer_key.get(), EVP_sha256()) > 0, "leaf signature");
    return Issued{cert_to_pem(leaf.get()), intermediate_.cert_pem, root_.cert_pem, {}};
  } catch (const OpenSslFailure& failure) {
    return Error::internal(failure.what());
  }
}

}  // namespace portico::sim
