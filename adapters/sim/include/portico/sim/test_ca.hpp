#pragma once

#include <string>
#include <vector>

namespace portico::sim {

struct KeyPair {
  std::string cert_pem;
  std::string key_pem;  // PKCS#8
};

// A throwaway certificate authority for simulators and tests: EC P-256 keys, SHA-256
// signatures, certificates valid for one day from five minutes ago. Copyable (it holds PEM).
// Throws std::runtime_error when OpenSSL fails.
class TestCa {
 public:
  static TestCa generate(std::string common_name = "Portico Test CA");

  const std::string& ca_pem() const { return ca_.cert_pem; }

  // A server leaf for the given DNS names and IP literals (subjectAltName), e.g.
  // {"localhost", "127.0.0.1"}; the first name is also the subject's common name.
  KeyPair issue(const std::vector<std::string>& names) const;

  // Writes ca_pem() to <directory>/<name derived from the certificate>.pem and returns the
  // path, for a client's ca_file.
  std::string write_ca_file(const std::string& directory) const;

 private:
  explicit TestCa(KeyPair ca) : ca_(std::move(ca)) {}
  KeyPair ca_;
};

}  // namespace portico::sim
