#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "portico/api/billing.hpp"
#include "portico/api/context.hpp"
#include "portico/api/services.hpp"
#include "portico/core/json.hpp"
#include "portico/store/domains.hpp"
#include "portico/store/idempotency.hpp"

// What the domain, DNS, e-mail forward and glue handlers (and the domain refresh job) share:
// routing by TLD, failover, loading a partner's domain, its JSON and its events.
namespace portico::api {

// The instances serving a name's TLD for one mode (live keys use instances not marked
// sandbox, test keys those marked sandbox), in the route's order.
struct DomainRoute {
  std::string suffix;  // the matched route key: ".co.ke", ".ke" or "*"
  std::vector<adapters::ProviderInstance*> instances;
};
// 422 unsupported_tld when no route, or no instance of this mode, serves the name.
core::Result<DomainRoute> route_domain(const Services& services, std::string_view name,
                                       bool livemode);

// The supplier certainly did nothing (it could not be reached, or the call was refused before
// it was sent), so another instance may be asked. A timeout after the request was sent is not
// such a failure: it may have acted.
bool supplier_unreachable(const core::Error& error);

// Calls `call` on each instance in order, moving on only while the supplier was unreachable.
// `used` receives the instance that answered (or the last one tried). `before`, when set, runs
// before each call (a costly call's intent follows it to the instance) and its failure ends the
// attempts.
template <typename T>
using InstanceCall = std::function<core::Async<T>(adapters::ProviderInstance&)>;
template <typename T>
boost::asio::awaitable<core::Result<T>> with_failover(
    const std::vector<adapters::ProviderInstance*>& instances, const InstanceCall<T>& call,
    adapters::ProviderInstance** used = nullptr, const InstanceCall<core::Ok>& before = {}) {
  std::optional<core::Error> last;
  for (adapters::ProviderInstance* instance : instances) {
    if (used != nullptr) *used = instance;
    if (before) {
      core::Status ready = co_await before(*instance);
      if (!ready) co_return std::move(ready).error();
    }
    core::Result<T> result = co_await call(*instance);
    if (result || !supplier_unreachable(result.error())) co_return result;
    last = std::move(result).error();
  }
  co_return *last;
}

// The caller's domain named by the {id} route parameter; 404 for anything else.
boost::asio::awaitable<core::Result<store::DomainRecord>> load_domain(
    const Services& services, const RequestContext& context);

// The customer named in a body must be one of the caller's (400 resource_missing).
boost::asio::awaitable<core::Status> check_customer(const Services& services,
                                                    const Principal& partner,
                                                    const std::optional<std::string>& customer_id);

// 409 domain_not_held for a domain that left the account (deleted, transferred away, a failed
// transfer): nothing about it is asked of the supplier any more.
core::Status require_held(const store::DomainRecord& domain);

// The ports of the instance that holds a domain. 503 when that instance is no longer
// configured; 422 when its type cannot do `operation`.
core::Result<core::Registrar*> registrar_of(const Services& services,
                                            const store::DomainRecord& domain,
                                            core::Operation operation);
core::Result<core::DnsHost*> dns_host_of(const Services& services,
                                         const store::DomainRecord& domain,
                                         core::Operation operation);

// The caller's held domain with the registrar that can do `operation` on it.
struct DomainAccess {
  store::DomainRecord domain;
  core::Registrar* registrar = nullptr;
};
boost::asio::awaitable<core::Result<DomainAccess>> open_domain(const Services& services,
                                                               const RequestContext& context,
                                                               core::Operation operation);

// The public `domain` object.
void write_domain(core::json::Writer& out, const store::DomainRecord& domain);

// An event about a domain or one of its parts: {"object":{...},"previous_attributes":{...}}.
// `previous` writes the members of previous_attributes (none when empty).
using MembersWriter = std::function<void(core::json::Writer&)>;
store::EventRecord make_event(const Services& services, std::string type,
                              const store::DomainRecord& domain, std::string_view request_id,
                              const MembersWriter& previous = {});
// The same for a part of a domain (a DNS record...): `object` writes its members.
store::EventRecord make_event(const Services& services, std::string type,
                              const store::DomainRecord& domain, std::string object_id,
                              const MembersWriter& object, std::string_view request_id,
                              const MembersWriter& previous = {});

// Any object's event, for the partner that owns it.
store::EventRecord make_object_event(const Services& services, std::string type,
                                     std::string partner_id, bool livemode, std::string object_id,
                                     const MembersWriter& object, std::string_view request_id,
                                     const MembersWriter& previous = {});

// The domain attributes that differ between `before` and `after`, with their old values (an
// event's previous_attributes members), and whether there is any.
void write_previous_attributes(core::json::Writer& out, const core::Domain& before,
                               const core::Domain& after);
bool attributes_differ(const core::Domain& before, const core::Domain& after);

// Saves a changed domain, its events and the order that bills the change (a renewal) in one
// transaction, which also settles the intent of the supplier call when there is one; returns
// the saved record.
boost::asio::awaitable<core::Result<store::DomainRecord>> save_domain(
    const Services& services, store::DomainRecord domain, std::vector<store::EventRecord> events,
    std::optional<NewOrder> order = std::nullopt, const store::IntentRecord* intent = nullptr);

// Reads a contact object ({"first_name",...}) into `contact`, failing through `reader`.
void read_contact(core::json::ObjectReader& reader, std::string_view name, bool required,
                  std::optional<core::Contact>& contact);
// The "contacts" member of a registration or update; roles missing default to the registrant.
std::optional<core::DomainContacts> read_contacts(core::json::ObjectReader& body, bool required);
void write_contact(core::json::Writer& out, const core::Contact& contact);

// Normalizes the name in a path or body (IDN to punycode, lowercase) or fails with `param`.
core::Result<std::string> domain_name_param(std::string_view text, std::string param);

}  // namespace portico::api
