#pragma once

#include <optional>
#include <string>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/core/ports/ports.hpp"

#include "sslci/client.hpp"
#include "sslci/mapping.hpp"

// The `sslci` provider type's certificate port: DV certificates over SSLCI's ACME front end
// (docs/upstreams/sslci.md, "The adapter's mapping"). SSLCI generates the key and returns it
// once, in the finalize answer; the gateway seals it.
namespace portico::adapters::sslci {

class Authority final : public core::CertificateAuthority {
 public:
  // `clock` must outlive the authority; it dates verifications (the 29-day reuse window).
  Authority(Client client, const core::Clock& clock);

  const core::Capabilities& capabilities() const override { return capabilities_; }

  // One challenge per name, in order; when one fails, the orders already made are deleted
  // (best effort). pending_validation, supplier_ref "42,43".
  core::Async<core::Certificate> order(const core::CertificateRequest& request) override;
  // The account list's pending orders not among `known_refs`, the newest (highest order_id)
  // per name. Every name found: the certificate as order() would have made it, without the
  // challenges (the list does not repeat them). Some names only: a failed certificate holding
  // the orders found, so they can be canceled and are never ordered again by a retry. None:
  // nullopt. `since` cannot be applied: the list dates no pending order.
  core::Async<std::optional<core::Certificate>> find_order(
      const core::CertificateRequest& request, core::TimePoint since,
      const std::vector<std::string>& known_refs) override;
  // The list's view: each validation from its order's row; an issued certificate missing from
  // the list was deleted (revoked), one past its end expired. The PEMs are the known ones (SSLCI
  // has no download); the private key is never repeated.
  core::Async<core::Certificate> refresh(const core::Certificate& known) override;
  // Confirms every name not valid (or verified 29 days ago or more), then finalizes once all are
  // valid: issued with the PEMs, the key and the crt_id.
  core::Async<core::Certificate> verify(const core::Certificate& known) override;
  // Reuses the names verified less than 29 days ago, challenges the others; finalizes at once
  // when every name is reusable.
  core::Async<core::Certificate> reissue(const core::Certificate& known,
                                         const core::CertificateRequest& request) override;
  // Deletes the orders of the certificate that are still pending at the supplier.
  core::Async<core::Ok> cancel(const core::Certificate& known) override;
  // Deletes the certificate: SSLCI offers nothing closer to revocation.
  core::Async<core::Ok> revoke(const core::Certificate& known) override;

 private:
  // Refused before any call: what this supplier cannot order.
  std::optional<core::Error> refusal(const core::CertificateRequest& request) const;
  // Challenges for `names`; on a failure deletes the orders it made and returns the error.
  core::Async<std::vector<core::CertificateValidation>> challenges(
      const std::vector<std::string>& names, core::DcvMethod method);
  // Finalizes the names of `pending` (all valid) and returns it issued. When the answer is
  // lost it returns `pending` marked with issue_requested_at: the certificate that call may
  // have issued is useless without the key only the answer held, so the next finalize first
  // deletes it (remove_lost_issuance) and the account keeps one certificate per order.
  core::Async<core::Certificate> finalize(core::Certificate pending);
  // Deletes the certificates for exactly `names` added since `requested_at`. The list dates to
  // the second: one issued for the same names earlier in that second would go too.
  core::Async<core::Ok> remove_lost_issuance(const std::vector<std::string>& names,
                                             core::TimePoint requested_at);
  // The certificate's crt_id: certificate_ref, else found in the list by its names and end.
  std::optional<std::int64_t> locate(const core::Certificate& known, const Listing& listing) const;
  // Whether a valid validation is young enough to finalize without confirming it again.
  bool reusable(const core::CertificateValidation& validation) const;
  void mark_valid(core::CertificateValidation& validation) const;

  Client client_;
  const core::Clock& clock_;
  core::Capabilities capabilities_;
};

}  // namespace portico::adapters::sslci
