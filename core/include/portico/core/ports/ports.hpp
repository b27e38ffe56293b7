#pragma once

// The category ports: one abstract asynchronous interface per product category. Every method
// is a coroutine that returns a Result (a value or a normalized error) and never throws; a
// cancelled call completes with an error. Implementations are driven from the gateway's
// network threads, so they must not block. Only <boost/asio/awaitable.hpp> is included here:
// it declares the coroutine type without pulling Asio's implementation into core.

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "portico/core/model.hpp"
#include "portico/core/ports/capabilities.hpp"
#include "portico/core/result.hpp"

namespace portico::core {

template <typename T>
using Async = boost::asio::awaitable<Result<T>>;

class Registrar {
 public:
  virtual ~Registrar() = default;
  virtual const Capabilities& capabilities() const = 0;
  virtual Async<DomainAvailability> check(const std::string& name) = 0;
  virtual Async<Domain> register_domain(const DomainRegistration& request) = 0;
  virtual Async<Domain> info(const std::string& name) = 0;
  virtual Async<Domain> renew(const std::string& name, int years) = 0;
  virtual Async<Domain> transfer(const DomainRegistration& request,
                                 const std::string& auth_code) = 0;
  virtual Async<Ok> set_nameservers(const std::string& name,
                                    const std::vector<std::string>& nameservers) = 0;
  virtual Async<Ok> set_lock(const std::string& name, bool locked) = 0;
  virtual Async<std::string> auth_code(const std::string& name) = 0;
};

class DnsHost {
 public:
  virtual ~DnsHost() = default;
  virtual const Capabilities& capabilities() const = 0;
  virtual Async<std::vector<DnsRecord>> list(const std::string& zone) = 0;
  virtual Async<DnsRecord> create(const std::string& zone, const DnsRecord& record) = 0;
  virtual Async<DnsRecord> update(const std::string& zone, const DnsRecord& before,
                                  const DnsRecord& after) = 0;
  virtual Async<Ok> remove(const std::string& zone, const DnsRecord& record) = 0;
};

class CertificateAuthority {
 public:
  virtual ~CertificateAuthority() = default;
  virtual const Capabilities& capabilities() const = 0;
  virtual Async<Certificate> order(const CertificateRequest& request) = 0;
  virtual Async<Certificate> info(const std::string& supplier_ref) = 0;
  virtual Async<Certificate> verify(const std::string& supplier_ref) = 0;
  virtual Async<Certificate> reissue(const std::string& supplier_ref,
                                     const CertificateRequest& request) = 0;
  virtual Async<Ok> cancel(const std::string& supplier_ref) = 0;
};

class HostingProvisioner {
 public:
  virtual ~HostingProvisioner() = default;
  virtual const Capabilities& capabilities() const = 0;
  virtual Async<HostingPackage> create(const HostingRequest& request) = 0;
  virtual Async<HostingPackage> info(const std::string& supplier_ref) = 0;
  virtual Async<Ok> suspend(const std::string& supplier_ref) = 0;
  virtual Async<Ok> unsuspend(const std::string& supplier_ref) = 0;
  virtual Async<Ok> set_password(const std::string& supplier_ref, const std::string& password) = 0;
  virtual Async<Ok> remove(const std::string& supplier_ref) = 0;
};

}  // namespace portico::core
