#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/core/ports/ports.hpp"

#include "digicert/client.hpp"
#include "digicert/mapping.hpp"

// The `digicert` provider type's certificate port: DV, OV and EV certificates (wildcard and
// multi-domain) through CertCentral's Services API v2 (docs/upstreams/digicert.md).
namespace portico::adapters::digicert {

struct Settings {
  // The validated organization OV and EV orders use when the request brings none.
  std::int64_t organization_id = 0;
};

class Authority final : public core::CertificateAuthority {
 public:
  // `clock` must outlive the authority.
  Authority(Client client, const core::Clock& clock, Settings settings);

  const core::Capabilities& capabilities() const override { return capabilities_; }

  // The POST is sent once and never retried: a duplicate order costs money. An answer that
  // cannot be read, after the request may have arrived, is an error with outcome_unknown.
  core::Async<core::Certificate> order(const core::CertificateRequest& request) override;
  // Lists the orders of the request's common name, newest first (GET /order/certificate,
  // page by page), and takes the newest of the request's product whose names equal the
  // request's, created at or after `since` less kClockSkew, not among `known_refs`; then reads
  // it as refresh() does (order info, DCV random value, pem_all once issued).
  core::Async<std::optional<core::Certificate>> find_order(
      const core::CertificateRequest& request, core::TimePoint since,
      const std::vector<std::string>& known_refs) override;
  // GET of the order; pem_all is downloaded only when the certificate id is new or the PEM is
  // missing. Fetches the DCV random value when pending names lack it (or it expired).
  core::Async<core::Certificate> refresh(const core::Certificate& known) override;
  // PUT check-dcv (either answer style); the supplier issues inside it once every name passed.
  core::Async<core::Certificate> verify(const core::Certificate& known) override;
  core::Async<core::Certificate> reissue(const core::Certificate& known,
                                         const core::CertificateRequest& request) override;
  core::Async<core::Ok> cancel(const core::Certificate& known) override;
  core::Async<core::Ok> revoke(const core::Certificate& known) override;

 private:
  // The request within the capabilities (the gateway checks first; a paid call is not the
  // place to find out).
  std::optional<core::Error> check_request(const core::CertificateRequest& request) const;
  // OV/EV: the request's organization created (or found: the supplier de-duplicates), else
  // the configured one. DV: none.
  core::Async<std::optional<std::int64_t>> organization_for(
      const core::CertificateRequest& request);
  // PUT dcv-random-value: the order's current token.
  core::Async<RandomValue> random_value(const std::string& order_id);
  // Gives pending dns/http names a token when they have none or theirs expired.
  core::Async<core::Ok> ensure_tokens(core::Certificate& certificate);
  core::Async<OrderInfo> order_info(const std::string& order_id);
  // Moves `certificate` to what the order says; downloads pem_all when issued with a
  // certificate id other than the one whose PEM is held.
  core::Async<core::Ok> settle(core::Certificate& certificate, const std::string& status,
                               const std::string& certificate_id);
  core::Async<core::Certificate> with_order_info(core::Certificate certificate,
                                                 const OrderInfo& info);

  Client client_;
  const core::Clock& clock_;
  Settings settings_;
  core::Capabilities capabilities_;
};

}  // namespace portico::adapters::digicert
