#include "portico/core/pki.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <ctime>
#include <memory>
#include <optional>
#include <set>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "portico/core/crypto.hpp"
#include "portico/core/text.hpp"

namespace portico::core::pki {

namespace {

using core::text::lowercase;

// RAII over the OpenSSL objects this file allocates.
struct OpenSslFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(X509* cert) const { X509_free(cert); }
  void operator()(X509_REQ* request) const { X509_REQ_free(request); }
  void operator()(BIO* bio) const { BIO_free(bio); }
  void operator()(BIGNUM* number) const { BN_free(number); }
  void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
  void operator()(GENERAL_NAME* name) const { GENERAL_NAME_free(name); }
  void operator()(ASN1_IA5STRING* text) const { ASN1_IA5STRING_free(text); }
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
  void operator()(STACK_OF(X509_EXTENSION) * extensions) const {
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  }
  void operator()(char* text) const { OPENSSL_free(text); }
  void operator()(unsigned char* bytes) const { OPENSSL_free(bytes); }
};
template <typename T>
using Owned = std::unique_ptr<T, OpenSslFree>;

// OpenSSL reports failures on a per-thread error queue; leave it empty for the next caller.
class ErrorQueueGuard {
 public:
  ErrorQueueGuard() = default;
  ~ErrorQueueGuard() { ERR_clear_error(); }
  ErrorQueueGuard(const ErrorQueueGuard&) = delete;
  ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
};

// Bounds on what partners and suppliers may send, far above any real CSR or chain.
constexpr std::size_t kMaxCsrText = 64 * 1024;
constexpr std::size_t kMaxChainText = 1024 * 1024;
constexpr std::size_t kMaxChainCertificates = 16;
// X.520 upper bound on a commonName (RFC 5280 ub-common-name).
constexpr std::size_t kMaxCommonName = 64;
constexpr std::size_t kPemLineWidth = 64;

constexpr std::string_view kCertificateLabel = "CERTIFICATE";

Error invalid_csr(std::string message) {
  return Error::invalid_request("invalid_csr", std::move(message), "csr");
}

Error invalid_certificate(std::string message) {
  return Error::invalid_request("invalid_certificate", std::move(message));
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

// ---- PEM ------------------------------------------------------------------------------------

struct PemBlock {
  std::string label;
  std::string der;
};

std::optional<std::string_view> armor_label(std::string_view line, std::string_view kind) {
  constexpr std::string_view kDashes = "-----";
  const std::string prefix = std::string(kDashes) + std::string(kind) + " ";
  if (!line.starts_with(prefix) || !line.ends_with(kDashes)) return std::nullopt;
  if (line.size() < prefix.size() + kDashes.size()) return std::nullopt;
  return line.substr(prefix.size(), line.size() - prefix.size() - kDashes.size());
}

// Reads a text that is nothing but PEM blocks, with blank lines (and CRLF line ends) allowed
// between them; nullopt when anything else is there, a block is unterminated, has headers or
// bad base64. Stops early past `max_blocks`.
std::optional<std::vector<PemBlock>> read_pem_blocks(std::string_view text,
                                                     std::size_t max_blocks) {
  std::vector<PemBlock> blocks;
  std::optional<std::string> open_label;
  std::string body;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    if (!open_label) {
      if (line.empty()) continue;
      const auto label = armor_label(line, "BEGIN");
      if (!label || label->empty()) return std::nullopt;
      if (blocks.size() == max_blocks) return std::nullopt;
      open_label = std::string(*label);
      body.clear();
      continue;
    }
    if (const auto label = armor_label(line, "END")) {
      if (*label != *open_label) return std::nullopt;
      std::optional<std::string> der = crypto::from_base64(body);
      if (!der || der->empty()) return std::nullopt;
      blocks.push_back({std::move(*open_label), std::move(*der)});
      open_label.reset();
      continue;
    }
    // Body lines are base64 only: this refuses RFC 1421 headers (encrypted PEM) and blank lines.
    if (line.empty() ||
        line.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789+/=") != std::string_view::npos) {
      return std::nullopt;
    }
    body.append(line);
  }
  if (open_label) return std::nullopt;
  return blocks;
}

// The DER of the first CERTIFICATE block anywhere in `text`, ignoring what surrounds it.
std::optional<std::string> first_certificate_der(std::string_view text) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  const std::size_t begin = text.find(kBegin);
  if (begin == std::string_view::npos) return std::nullopt;
  const std::size_t body_start = begin + kBegin.size();
  const std::size_t end = text.find(kEnd, body_start);
  if (end == std::string_view::npos) return std::nullopt;
  std::string body;
  for (char c : text.substr(body_start, end - body_start)) {
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') body.push_back(c);
  }
  std::optional<std::string> der = crypto::from_base64(body);
  if (!der || der->empty()) return std::nullopt;
  return der;
}

std::string pem_encode(std::string_view label, std::string_view der) {
  const std::string encoded = crypto::base64(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t at = 0; at < encoded.size(); at += kPemLineWidth) {
    out.append(encoded, at, kPemLineWidth);
    out.push_back('\n');
  }
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

// DER decoders that insist on consuming every byte: trailing data is not silently accepted.
Owned<X509> decode_certificate(std::string_view der) {
  if (der.size() > LONG_MAX) return nullptr;
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  Owned<X509> cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (cert && cursor != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return nullptr;
  }
  return cert;
}

Owned<X509_REQ> decode_request(std::string_view der) {
  if (der.size() > LONG_MAX) return nullptr;
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  Owned<X509_REQ> request(d2i_X509_REQ(nullptr, &cursor, static_cast<long>(der.size())));
  if (request && cursor != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return nullptr;
  }
  return request;
}

std::optional<std::string> bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  if (size < 0 || (size > 0 && data == nullptr)) return std::nullopt;
  return std::string(data, static_cast<std::size_t>(size));
}

// ---- names ----------------------------------------------------------------------------------

std::optional<std::string> asn1_text(const ASN1_STRING* value) {
  if (value == nullptr) return std::nullopt;
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) return std::nullopt;
  Owned<unsigned char> owned(utf8);
  std::string text(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  // An embedded NUL is the classic way to make "good.com\0.evil.com" read as "good.com".
  if (text.find('\0') != std::string::npos) return std::nullopt;
  return text;
}

// The subject's (last) commonName: "" when there is none, nullopt when it is malformed.
std::optional<std::string> common_name(const X509_NAME* name) {
  if (name == nullptr) return std::string();
  int index = -1;
  int last = -1;
  while ((index = X509_NAME_get_index_by_NID(name, NID_commonName, index)) >= 0)
    last = index;
  if (last < 0) return std::string();
  return asn1_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last)));
}

// The dNSNames of a subjectAltName, lowercased, in order; nullopt when one is malformed.
std::optional<std::vector<std::string>> dns_names(const GENERAL_NAMES* names) {
  std::vector<std::string> out;
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* entry = sk_GENERAL_NAME_value(names, i);
    if (entry->type != GEN_DNS) continue;
    std::optional<std::string> text = asn1_text(entry->d.dNSName);
    if (!text || text->empty()) return std::nullopt;
    out.push_back(lowercase(*text));
  }
  return out;
}

// Printable ASCII without spaces or commas: enough for punycode names and wildcards, and
// nothing that could change meaning inside a certificate or an OpenSSL configuration string.
bool is_certificate_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return c > ' ' && c < 0x7F && c != ','; });
}

Owned<GENERAL_NAMES> dns_general_names(const std::vector<std::string>& names) {
  Owned<GENERAL_NAMES> out(sk_GENERAL_NAME_new_null());
  if (!out) return nullptr;
  for (const std::string& name : names) {
    Owned<ASN1_IA5STRING> text(ASN1_IA5STRING_new());
    Owned<GENERAL_NAME> entry(GENERAL_NAME_new());
    if (!text || !entry ||
        ASN1_STRING_set(text.get(), name.data(), static_cast<int>(name.size())) != 1) {
      return nullptr;
    }
    GENERAL_NAME_set0_value(entry.get(), GEN_DNS, text.release());
    if (sk_GENERAL_NAME_push(out.get(), entry.get()) <= 0) return nullptr;
    entry.release();
  }
  return out;
}

TimePoint to_time_point(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return TimePoint{};
  using namespace std::chrono;
  const sys_days day = year(parts.tm_year + 1900) / month(static_cast<unsigned>(parts.tm_mon + 1)) /
                       static_cast<unsigned>(parts.tm_mday);
  return time_point_cast<TimePoint::duration>(day + hours(parts.tm_hour) + minutes(parts.tm_min) +
                                              seconds(parts.tm_sec));
}

std::optional<std::string> serial_hex(const ASN1_INTEGER* serial) {
  Owned<BIGNUM> number(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!number) return std::nullopt;
  if (BN_is_zero(number.get())) return std::string("0");
  Owned<char> text(BN_bn2hex(number.get()));
  if (!text) return std::nullopt;
  std::string digits = lowercase(text.get());
  const bool negative = digits.starts_with('-');
  const std::size_t first = digits.find_first_not_of('0', negative ? 1 : 0);
  return (negative ? "-" : "") + digits.substr(first);
}

}  // namespace

// ---- keys and CSRs --------------------------------------------------------------------------

Result<KeyAndCsr> generate_key_and_csr(const std::vector<std::string>& requested, KeyType type) {
  ErrorQueueGuard clear_errors;
  if (requested.empty()) {
    return Error::invalid_request("invalid_names", "a CSR needs at least one name", "names");
  }
  std::vector<std::string> names;
  for (const std::string& name : requested) {
    if (!is_certificate_name(name)) {
      return Error::invalid_request("invalid_names", "a name cannot be put in a CSR", "names");
    }
    names.push_back(lowercase(name));
  }
  auto failed = [](const char* what) {
    return Error::internal(std::string("CSR generation failed: ") + what);
  };

  Owned<EVP_PKEY> key(type == KeyType::rsa2048
                          ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048})
                          : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return failed("key generation");

  Owned<X509_REQ> request(X509_REQ_new());
  if (!request || X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1) {
    return failed("request allocation");
  }
  // A name longer than a commonName may be stays in the subjectAltName only, as CAs do.
  if (names.front().size() <= kMaxCommonName &&
      X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(request.get()), "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(names.front().c_str()), -1,
                                 -1, 0) != 1) {
    return failed("subject");
  }
  if (X509_REQ_set_pubkey(request.get(), key.get()) != 1) return failed("public key");

  Owned<GENERAL_NAMES> alt_names = dns_general_names(names);
  Owned<STACK_OF(X509_EXTENSION)> extensions(sk_X509_EXTENSION_new_null());
  if (!alt_names || !extensions) return failed("subjectAltName");
  Owned<X509_EXTENSION> san(X509V3_EXT_i2d(NID_subject_alt_name, 0, alt_names.get()));
  if (!san || sk_X509_EXTENSION_push(extensions.get(), san.get()) <= 0) {
    return failed("subjectAltName");
  }
  san.release();
  if (X509_REQ_add_extensions(request.get(), extensions.get()) != 1) return failed("extensions");
  if (X509_REQ_sign(request.get(), key.get(), EVP_sha256()) <= 0) return failed("signature");

  Owned<BIO> key_out(BIO_new(BIO_s_mem()));
  Owned<BIO> csr_out(BIO_new(BIO_s_mem()));
  if (!key_out || !csr_out ||
      PEM_write_bio_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1 ||
      PEM_write_bio_X509_REQ(csr_out.get(), request.get()) != 1) {
    return failed("encoding");
  }
  std::optional<std::string> key_pem = bio_text(key_out.get());
  std::optional<std::string> csr_pem = bio_text(csr_out.get());
  if (!key_pem || !csr_pem) return failed("encoding");
  return KeyAndCsr{std::move(*key_pem), std::move(*csr_pem)};
}

Result<CsrInfo> parse_csr(std::string_view pem) {
  ErrorQueueGuard clear_errors;
  if (pem.size() > kMaxCsrText) return invalid_csr("The CSR is too large.");
  const std::optional<std::vector<PemBlock>> blocks = read_pem_blocks(pem, 1);
  if (!blocks || blocks->size() != 1) {
    return invalid_csr("The CSR must be exactly one PEM certificate request.");
  }
  const PemBlock& block = blocks->front();
  // "NEW CERTIFICATE REQUEST" is what older Microsoft and Netscape tools write.
  if (block.label != "CERTIFICATE REQUEST" && block.label != "NEW CERTIFICATE REQUEST") {
    return invalid_csr("The CSR must be a PEM certificate request.");
  }
  Owned<X509_REQ> request = decode_request(block.der);
  if (!request) return invalid_csr("The CSR does not parse as a PKCS#10 certificate request.");

  EVP_PKEY* key = X509_REQ_get0_pubkey(request.get());
  if (key == nullptr) return invalid_csr("The CSR's public key does not parse.");
  if (X509_REQ_verify(request.get(), key) != 1) {
    return Error::invalid_request("csr_signature_invalid",
                                  "The CSR's signature does not match its public key.", "csr");
  }

  CsrInfo info;
  info.key_bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    info.key_type = "rsa";
    if (info.key_bits < 2048) {
      return Error::invalid_request("csr_key_too_weak",
                                    "The CSR's RSA key must be at least 2048 bits.", "csr");
    }
  } else if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    info.key_type = "ec";
    if (info.key_bits < 256) {
      return Error::invalid_request("csr_key_too_weak",
                                    "The CSR's EC key must be at least 256 bits.", "csr");
    }
    // Public CAs sign only the NIST curves; secp256k1 and friends are refused there.
    char curve[64] = {};
    std::size_t curve_length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof(curve), &curve_length) != 1 ||
        (std::string_view(curve) != "prime256v1" && std::string_view(curve) != "secp384r1" &&
         std::string_view(curve) != "secp521r1")) {
      return invalid_csr("The CSR's EC key must be on P-256, P-384 or P-521.");
    }
  } else {
    return invalid_csr("The CSR's key must be RSA or EC.");
  }

  std::optional<std::string> subject_name = common_name(X509_REQ_get_subject_name(request.get()));
  if (!subject_name) return invalid_csr("The CSR's common name does not parse.");
  info.common_name = std::move(*subject_name);

  Owned<STACK_OF(X509_EXTENSION)> extensions(X509_REQ_get_extensions(request.get()));
  if (extensions) {
    int critical = 0;
    Owned<GENERAL_NAMES> alt_names(static_cast<GENERAL_NAMES*>(
        X509V3_get_d2i(extensions.get(), NID_subject_alt_name, &critical, nullptr)));
    // -1: absent; -2: present more than once; >= 0 with nullptr: present but undecodable.
    if (!alt_names && critical != -1) {
      return invalid_csr("The CSR's subjectAltName does not parse.");
    }
    std::optional<std::vector<std::string>> names = dns_names(alt_names.get());
    if (!names) return invalid_csr("The CSR's subjectAltName does not parse.");
    info.dns_names = std::move(*names);
  }
  return info;
}

Status check_csr_names(const CsrInfo& csr, const std::vector<std::string>& names) {
  std::vector<std::string> asked;  // in the CSR's order: CN first, then the SANs
  if (!csr.common_name.empty()) asked.push_back(lowercase(csr.common_name));
  for (const std::string& name : csr.dns_names)
    asked.push_back(lowercase(name));
  std::set<std::string> wanted;
  for (const std::string& name : names)
    wanted.insert(lowercase(name));
  const std::set<std::string> asked_set(asked.begin(), asked.end());

  auto mismatch = [](std::string message) {
    return Error::invalid_request("csr_name_mismatch", std::move(message), "csr");
  };
  for (const std::string& name : names) {
    if (!asked_set.contains(lowercase(name))) {
      return mismatch("The CSR does not ask for " + lowercase(name) + ".");
    }
  }
  for (const std::string& name : asked) {
    // A CSR name is text the partner wrote: keep only characters safe to echo.
    if (!wanted.contains(name)) {
      return mismatch(is_certificate_name(name)
                          ? "The CSR asks for " + name + ", which the order does not name."
                          : "The CSR asks for a name the order does not name.");
    }
  }
  return Ok{};
}

// ---- certificates ---------------------------------------------------------------------------

Result<CertificateInfo> parse_certificate(std::string_view pem) {
  ErrorQueueGuard clear_errors;
  const std::optional<std::string> der = first_certificate_der(pem);
  if (!der) return invalid_certificate("The text holds no PEM certificate.");
  Owned<X509> cert = decode_certificate(*der);
  if (!cert) return invalid_certificate("The certificate does not parse.");

  CertificateInfo info;
  std::optional<std::string> subject = common_name(X509_get_subject_name(cert.get()));
  std::optional<std::string> issuer = common_name(X509_get_issuer_name(cert.get()));
  if (!subject || !issuer) return invalid_certificate("The certificate's names do not parse.");
  info.subject_common_name = std::move(*subject);
  info.issuer_common_name = std::move(*issuer);

  int critical = 0;
  Owned<GENERAL_NAMES> alt_names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, &critical, nullptr)));
  if (!alt_names && critical != -1) {
    return invalid_certificate("The certificate's subjectAltName does not parse.");
  }
  std::optional<std::vector<std::string>> names = dns_names(alt_names.get());
  if (!names) return invalid_certificate("The certificate's subjectAltName does not parse.");
  info.dns_names = std::move(*names);

  const ASN1_TIME* not_before = X509_get0_notBefore(cert.get());
  const ASN1_TIME* not_after = X509_get0_notAfter(cert.get());
  std::tm unused{};
  if (ASN1_TIME_to_tm(not_before, &unused) != 1 || ASN1_TIME_to_tm(not_after, &unused) != 1) {
    return invalid_certificate("The certificate's validity does not parse.");
  }
  info.not_before = to_time_point(not_before);
  info.not_after = to_time_point(not_after);

  std::optional<std::string> serial = serial_hex(X509_get0_serialNumber(cert.get()));
  if (!serial) return invalid_certificate("The certificate's serial number does not parse.");
  info.serial_hex = std::move(*serial);
  info.sha256_fingerprint = crypto::hex(crypto::sha256(*der));
  return info;
}

Result<std::vector<std::string>> split_pem_chain(std::string_view pem) {
  ErrorQueueGuard clear_errors;
  if (pem.size() > kMaxChainText) return invalid_certificate("The certificate chain is too large.");
  const std::optional<std::vector<PemBlock>> blocks = read_pem_blocks(pem, kMaxChainCertificates);
  if (!blocks) {
    return invalid_certificate("The certificate chain must be PEM certificates and nothing else.");
  }
  if (blocks->empty()) return invalid_certificate("The certificate chain is empty.");
  std::vector<std::string> out;
  for (const PemBlock& block : *blocks) {
    if (block.label != kCertificateLabel || !decode_certificate(block.der)) {
      return invalid_certificate("A block of the certificate chain is not a certificate.");
    }
    out.push_back(pem_encode(kCertificateLabel, block.der));
  }
  return out;
}

bool key_matches_certificate(std::string_view private_key_pem, std::string_view certificate_pem) {
  ErrorQueueGuard clear_errors;
  const std::optional<std::string> der = first_certificate_der(certificate_pem);
  if (!der || private_key_pem.size() > kMaxCsrText) return false;
  Owned<X509> cert = decode_certificate(*der);
  Owned<BIO> bio(BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  if (!cert || !bio) return false;
  // A callback that gives no passphrase: an encrypted key fails instead of prompting a terminal.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return 0; };
  Owned<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  return key && X509_check_private_key(cert.get(), key.get()) == 1;
}

}  // namespace portico::core::pki
