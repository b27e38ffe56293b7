#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "portico/api/billing.hpp"
#include "portico/api/context.hpp"
#include "portico/api/services.hpp"
#include "portico/core/json.hpp"
#include "portico/store/certificates.hpp"
#include "portico/store/domains.hpp"
#include "portico/store/idempotency.hpp"

// What the certificate handlers and the certificate job share: routing by product, loading a
// partner's certificate, applying a supplier's view (with its events and the next check), the
// sealed private keys and the public `certificate` object.
namespace portico::api {

// The routing product of a request: "wildcard", "multi" (OV/EV with several names) or the
// validation level; a product without a route falls back to the level's route.
std::vector<std::string> certificate_products(const core::CertificateRequest& request);

// Why an instance with these capabilities cannot serve the request (422), or nothing.
std::optional<core::Error> certificate_refusal(const core::Capabilities& capabilities,
                                               const core::CertificateRequest& request);

// The instances of this mode that route the request and can serve it (type, names, DCV
// method, CSR, validity), in the route's order. 422 with the first reason otherwise.
core::Result<std::vector<adapters::ProviderInstance*>> route_certificate(
    const Services& services, const core::CertificateRequest& request, bool livemode);

// The caller's certificate named by the {id} route parameter; 404 for anything else.
boost::asio::awaitable<core::Result<store::CertificateRecord>> load_certificate(
    const Services& services, const RequestContext& context);

// The authority of the instance that holds a certificate (503 when no longer configured).
core::Result<core::CertificateAuthority*> authority_of(const Services& services,
                                                       const store::CertificateRecord& record);

// Folds a supplier view into the record: keeps instructions the supplier does not repeat,
// checks an issued PEM parses, resets the backoff on a change, schedules the next check and
// returns the events the change calls for. A key the view carries is sealed into `sealed_key`.
core::Result<std::vector<store::EventRecord>> apply_view(const Services& services,
                                                         store::CertificateRecord& record,
                                                         core::Certificate view,
                                                         std::string_view request_id,
                                                         std::optional<std::string>& sealed_key);

// When the job should look at the record next (none for finished certificates).
std::optional<core::TimePoint> next_check(const Services& services,
                                          const store::CertificateRecord& record);

store::EventRecord certificate_event(const Services& services, std::string type,
                                     const store::CertificateRecord& record,
                                     std::string_view request_id);

// Seals a private key for an object (AES-256-GCM bound to its id) / opens one.
std::string seal_private_key(const Services& services, std::string_view object_id,
                             std::string_view pem);
std::optional<std::string> open_private_key(const Services& services, std::string_view object_id,
                                            std::string_view sealed);

// Writes the record (insert when `insert`: then the certificate it renews, if any, is marked
// renewed by it), a sealed key, the events and the order that bills it (a new order or
// renewal) in one transaction, which also settles the intent of the supplier call when there
// is one.
boost::asio::awaitable<core::Result<store::CertificateRecord>> save_certificate(
    const Services& services, store::CertificateRecord record,
    std::vector<store::EventRecord> events, std::optional<std::string> sealed_key,
    bool insert = false, std::optional<NewOrder> order = std::nullopt,
    const store::IntentRecord* intent = nullptr);

// The public `certificate` object; names and dates of an issued certificate are read from
// its PEM.
void write_certificate(core::json::Writer& out, const store::CertificateRecord& record);

}  // namespace portico::api
