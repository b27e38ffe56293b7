#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/core/result.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace portico::sim {

// A certificate authority for the certificate suppliers' simulators: a root and an
// intermediate generated at start (EC P-256, SHA-256), issuing real leaves so the gateway
// parses real PEM. Dates are arguments (the simulator's injected clock), serials too.
// Copyable (it holds PEM). generate() throws std::runtime_error when OpenSSL fails.
class IssuingCa {
 public:
  static IssuingCa generate(const std::string& name = "Portico Simulated");

  struct Issued {
    std::string leaf_pem;
    std::string intermediate_pem;
    std::string root_pem;
    std::string private_key_pem;  // only from issue_with_new_key
  };

  // A leaf for the CSR's public key (its self-signature is checked; error invalid_csr) with
  // subject CN = names[0], subjectAltName = names, serverAuth, signed by the intermediate.
  core::Result<Issued> issue(const std::string& csr_pem, const std::vector<std::string>& names,
                             core::TimePoint not_before, core::TimePoint not_after,
                             std::uint64_t serial) const;
  // The same with a key the CA generates (EC P-256), returned PKCS#8 in private_key_pem, for
  // suppliers that generate the customer's key.
  core::Result<Issued> issue_with_new_key(const std::vector<std::string>& names,
                                          core::TimePoint not_before, core::TimePoint not_after,
                                          std::uint64_t serial) const;

  const std::string& root_pem() const { return root_.cert_pem; }
  const std::string& intermediate_pem() const { return intermediate_.cert_pem; }

 private:
  struct Pair {
    std::string cert_pem;
    std::string key_pem;
  };
  IssuingCa(Pair root, Pair intermediate)
      : root_(std::move(root)), intermediate_(std::move(intermediate)) {}
  // The leaf for `subject_key`, both public entry points end here.
  core::Result<Issued> issue_for_key(evp_pkey_st* subject_key,
                                     const std::vector<std::string>& names,
                                     core::TimePoint not_before, core::TimePoint not_after,
                                     std::uint64_t serial) const;
  Pair root_;
  Pair intermediate_;
};

}  // namespace portico::sim
