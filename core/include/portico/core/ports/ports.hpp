#pragma once

// The category ports: one abstract asynchronous interface per product category. Every method
// is a coroutine that returns a Result (a value or a normalized error) and never throws; a
// cancelled call completes with an error. Implementations are driven from the gateway's
// network threads, so they must not block. Only <boost/asio/awaitable.hpp> is included here:
// it declares the coroutine type without pulling Asio's implementation into core.

#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "portico/core/model.hpp"
#include "portico/core/ports/capabilities.hpp"
#include "portico/core/result.hpp"

namespace portico::core {

template <typename T>
using Async = boost::asio::awaitable<Result<T>>;

// Domain names are lowercase ASCII (punycode for IDNs), validated by the caller.
class Registrar {
 public:
  virtual ~Registrar() = default;
  virtual const Capabilities& capabilities() const = 0;

  // Availability of every name, in the order given (names may have different TLDs).
  virtual Async<std::vector<DomainAvailability>> check(const std::vector<std::string>& names) = 0;
  virtual Async<Domain> register_domain(const DomainRegistration& request) = 0;
  // Starts a transfer in; the domain stays pending_transfer until transfer_status says more.
  virtual Async<Domain> transfer(const DomainRegistration& request,
                                 const std::string& auth_code) = 0;
  virtual Async<TransferStatus> transfer_status(const std::string& name) = 0;
  virtual Async<Domain> renew(const std::string& name, int years) = 0;
  // The supplier's current view of a domain in the account.
  virtual Async<Domain> info(const std::string& name) = 0;

  virtual Async<Ok> set_nameservers(const std::string& name,
                                    const std::vector<std::string>& nameservers) = 0;
  virtual Async<Ok> set_lock(const std::string& name, bool locked) = 0;
  virtual Async<Ok> set_privacy(const std::string& name, bool enabled) = 0;
  virtual Async<DomainContacts> contacts(const std::string& name) = 0;
  virtual Async<Ok> set_contacts(const std::string& name, const DomainContacts& contacts) = 0;
  virtual Async<std::string> auth_code(const std::string& name) = 0;

  virtual Async<std::vector<EmailForward>> email_forwards(const std::string& name) = 0;
  // Replaces the whole set.
  virtual Async<Ok> set_email_forwards(const std::string& name,
                                       const std::vector<EmailForward>& forwards) = 0;

  virtual Async<Ok> create_glue(const std::string& name, const GlueRecord& glue) = 0;
  virtual Async<Ok> update_glue(const std::string& name, const GlueRecord& before,
                                const GlueRecord& after) = 0;
  virtual Async<Ok> delete_glue(const std::string& name, const std::string& host) = 0;

  // Hands the domain to another registrar account by its transfer tag (IPS tag for .uk).
  virtual Async<Ok> release(const std::string& name, const std::string& transfer_tag) = 0;
  virtual Async<Ok> remove(const std::string& name) = 0;

  // The account's prepaid balance at the supplier.
  virtual Async<Money> balance() = 0;
};

// Records are addressed by their content: suppliers that keep a zone as one set (no record
// ids) compare whole records. update() and remove() fail with 409 dns_record_changed when
// `before` is no longer in the zone (changed elsewhere), so no change is lost silently.
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

// A certificate order is driven by the gateway: order() answers at once (pending_validation
// with an instruction per name, or issued when the supplier already holds valid validations),
// then refresh()/verify() move it on. `known` is the certificate as the gateway last stored
// it, so adapters get back the per-name handles they set (CertificateValidation::supplier_ref)
// and suppliers without a read endpoint for challenges keep their instructions. A result
// carries the whole current view; when issued it includes the PEMs.
class CertificateAuthority {
 public:
  virtual ~CertificateAuthority() = default;
  virtual const Capabilities& capabilities() const = 0;
  // Costs money: an adapter never retries it after the request may have reached the supplier.
  // request.renewal_of set: the order renews that certificate.
  virtual Async<Certificate> order(const CertificateRequest& request) = 0;
  // After an order() whose outcome is unknown (a timeout or a reset after the request left):
  // the supplier's current view of an order for exactly request.names() that it accepted at
  // or after `since` (allowing for clock skew between us and the supplier) and whose
  // supplier_ref is not among `known_refs` (the orders the gateway already holds); the newest
  // when there are several. nullopt when the supplier holds no such order: it did not act.
  // An error when the supplier cannot tell now (unreachable, ...). Changes nothing at the
  // supplier.
  virtual Async<std::optional<Certificate>> find_order(
      const CertificateRequest& request, TimePoint since,
      const std::vector<std::string>& known_refs) = 0;
  // The supplier's current view; downloads the certificate once issued. Changes nothing there.
  virtual Async<Certificate> refresh(const Certificate& known) = 0;
  // Asks the supplier to check DCV now and moves on whatever passed (a supplier that issues
  // only when asked, issues here once every name is valid).
  virtual Async<Certificate> verify(const Certificate& known) = 0;
  // A new certificate for the same order (new key or names), back through validation.
  virtual Async<Certificate> reissue(const Certificate& known,
                                     const CertificateRequest& request) = 0;
  virtual Async<Ok> cancel(const Certificate& known) = 0;  // an order not yet issued
  virtual Async<Ok> revoke(const Certificate& known) = 0;  // an issued certificate
};

// A package is addressed by the package as the gateway last stored it (`known`), so an
// adapter gets back its supplier_ref and the status the supplier last reported. Plans are
// validated against capabilities().plans before any call; a plan change the supplier refuses
// (a downgrade) is 422 plan_change_refused. Actions on a suspended package that the supplier
// refuses are 409 hosting_suspended.
class HostingProvisioner {
 public:
  virtual ~HostingProvisioner() = default;
  virtual const Capabilities& capabilities() const = 0;
  // Costs money: never retried after the request may have reached the supplier.
  virtual Async<HostingPackage> create(const HostingRequest& request) = 0;
  // The supplier's current view. A package the supplier no longer has comes back with status
  // deleted (not an error).
  virtual Async<HostingPackage> info(const HostingPackage& known) = 0;
  virtual Async<Ok> suspend(const HostingPackage& known) = 0;
  virtual Async<Ok> unsuspend(const HostingPackage& known) = 0;
  // `password` in clear; the adapter encrypts it as the supplier requires.
  virtual Async<Ok> set_password(const HostingPackage& known, const std::string& password) = 0;
  virtual Async<Ok> change_plan(const HostingPackage& known, const std::string& plan) = 0;
  // Costs money: never retried after the request may have reached the supplier.
  virtual Async<Ok> renew(const HostingPackage& known) = 0;
  virtual Async<Ok> remove(const HostingPackage& known) = 0;
  // The account's prepaid balance at the supplier.
  virtual Async<Money> balance() = 0;
};

}  // namespace portico::core
