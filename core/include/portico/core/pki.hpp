#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/core/result.hpp"

// X.509 over OpenSSL: keys and CSRs for certificate orders, and what an issued certificate
// says about itself. The API reports names and dates read from the real PEM, never from what
// a supplier claims beside it.
namespace portico::core::pki {

enum class KeyType { rsa2048, ec_p256 };

struct KeyAndCsr {
  std::string private_key_pem;  // PKCS#8, unencrypted: the caller seals it at once
  std::string csr_pem;
};

// A new key and a CSR signed with it (SHA-256): subject CN = names[0], subjectAltName = every
// name as a dNSName, in order. Names are lowercase ASCII ("*.example.com" allowed).
Result<KeyAndCsr> generate_key_and_csr(const std::vector<std::string>& names, KeyType type);

struct CsrInfo {
  std::string common_name;             // empty when the subject has none
  std::vector<std::string> dns_names;  // subjectAltName dNSNames, lowercased, in order
  std::string key_type;                // "rsa" or "ec"
  int key_bits = 0;
};

// Parses one PEM CSR and checks its self-signature. Errors (invalid_request, param "csr"):
// invalid_csr (not a CSR PEM, or trailing garbage), csr_signature_invalid, csr_key_too_weak
// (RSA below 2048 bits, EC below 256).
Result<CsrInfo> parse_csr(std::string_view pem);

// The names a CSR asks for (CN plus SANs, lowercased, deduplicated) must be exactly `names`
// as a set; otherwise invalid_request csr_name_mismatch (param "csr") naming the first name
// that differs.
Status check_csr_names(const CsrInfo& csr, const std::vector<std::string>& names);

struct CertificateInfo {
  std::string subject_common_name;
  std::vector<std::string> dns_names;  // subjectAltName dNSNames, lowercased, in order
  TimePoint not_before;
  TimePoint not_after;
  std::string serial_hex;  // lowercase, no leading zeros
  std::string issuer_common_name;
  std::string sha256_fingerprint;  // lowercase hex of the DER
};

// The first certificate of a PEM text (CRLF tolerated); invalid_request invalid_certificate
// when there is none or it does not parse (callers reading a supplier's answer map that to
// their own error).
Result<CertificateInfo> parse_certificate(std::string_view pem);

// Splits a PEM bundle ("pem_all": leaf, intermediates, root) into its certificates, each
// normalized to "-----BEGIN CERTIFICATE-----\n<base64 in 64-column lines>\n-----END
// CERTIFICATE-----\n". CRLF and blank lines between blocks are tolerated; anything else outside
// the blocks, an unterminated block or a block that does not parse is invalid_certificate.
Result<std::vector<std::string>> split_pem_chain(std::string_view pem);

// Whether `private_key_pem` is the key of the certificate's public key.
bool key_matches_certificate(std::string_view private_key_pem, std::string_view certificate_pem);

}  // namespace portico::core::pki
