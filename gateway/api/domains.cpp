#include "portico/api/domains.hpp"

#include "portico/api/intents.hpp"
#include "portico/core/contact.hpp"
#include "portico/core/domain_name.hpp"
#include "portico/core/ids.hpp"
#include "portico/core/names.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::Error;

core::Result<DomainRoute> route_domain(const Services& services, std::string_view name,
                                       bool livemode) {
  const std::size_t dot = name.find('.');
  const std::string tld(dot == std::string_view::npos ? name : name.substr(dot));
  const auto unsupported = [&] {
    return Error::unprocessable("unsupported_tld",
                                "Domains ending in '" + tld.substr(0, 64) + "' are not offered" +
                                    (livemode ? "." : " in test mode."),
                                "name");
  };
  const auto& routes = services.config.routing.domains;
  const std::vector<std::string>* names = services.config.routing.route_domain(name);
  if (names == nullptr) return unsupported();
  DomainRoute route;
  for (const auto& [suffix, instances] : routes) {
    if (&instances == names) route.suffix = suffix;
  }
  for (const std::string& instance_name : *names) {
    const auto found = services.providers.find(instance_name);
    if (found == services.providers.end()) continue;
    adapters::ProviderInstance& instance = *found->second;
    // A test key never reaches a live account, nor a live key a sandbox.
    if (instance.config().sandbox == livemode || instance.registrar() == nullptr) continue;
    route.instances.push_back(&instance);
  }
  if (route.instances.empty()) return unsupported();
  return route;
}

bool supplier_unreachable(const Error& error) {
  if (error.type != core::ErrorType::upstream || error.outcome_unknown) return false;
  // The last three are refusals of the HTTP client's resilience layer (an open circuit, a full
  // queue, no rate-limit slot in time) and of a supplier's 429: nothing was acted on.
  return error.code == "upstream_unavailable" || error.code == "upstream_timeout" ||
         error.code == "upstream_tls_error" || error.code == "upstream_circuit_open" ||
         error.code == "upstream_busy" || error.code == "upstream_rate_limited";
}

net::awaitable<core::Result<store::DomainRecord>> load_domain(const Services& services,
                                                              const RequestContext& context) {
  const std::string id(context.param("id"));
  const Error missing = Error::not_found("Domain not found.", "id");
  if (!core::is_id(id, core::id_prefix::kDomain)) co_return missing;
  const Principal& partner = context.partner();
  const auto mine = [&partner](const store::DomainRecord& domain) {
    return domain.partner_id == partner.partner_id && domain.livemode == partner.livemode;
  };
  // Taken before the read, so that a domain read across a change is not served after it.
  const std::uint64_t version = services.store.object_writes().value();
  const core::TimePoint now = services.clock.now();
  if (auto cached = services.domain_cache.find(id, version, now)) {
    if (!mine(*cached)) co_return missing;
    co_return *cached;
  }
  auto find = [&](store::Database& db) -> core::Result<store::DomainRecord> {
    auto found = store::domains::find(db, partner.partner_id, partner.livemode, id);
    if (!found) return missing;
    return std::move(*found);
  };
  auto found = co_await services.store.read_point<store::DomainRecord>(find);
  if (found) {
    services.domain_cache.remember(id, std::make_shared<const store::DomainRecord>(*found), version,
                                   now);
  }
  co_return found;
}

// The customer named in a body must be one of the caller's.
net::awaitable<core::Status> check_customer(const Services& services, const Principal& partner,
                                            const std::optional<std::string>& customer_id) {
  if (!customer_id) co_return core::Ok{};
  const Error missing = Error::invalid_request(
      "resource_missing", "'customer_id' does not name one of your customers.", "customer_id");
  if (!core::is_id(*customer_id, core::id_prefix::kCustomer)) co_return missing;
  co_return co_await services.store.read<core::Ok>([&](store::Database& db) -> core::Status {
    if (!store::customers::find(db, partner.partner_id, partner.livemode, *customer_id)) {
      return missing;
    }
    return core::Ok{};
  });
}

core::Status require_held(const store::DomainRecord& domain) {
  if (domain.held()) return core::Ok{};
  return Error::conflict("domain_not_held",
                         "This domain is " + std::string(core::name_of(domain.domain.status)) +
                             " and can no longer be read or changed at the supplier.");
}

namespace {

core::Result<adapters::ProviderInstance*> instance_of(const Services& services,
                                                      const store::DomainRecord& domain) {
  const auto found = services.providers.find(domain.provider_instance);
  if (found == services.providers.end()) {
    // The config no longer has the instance this domain lives at: an operator matter.
    return Error::upstream(503, "supplier_not_configured",
                           "The supplier account that holds this domain is not configured.");
  }
  return found->second.get();
}

Error unsupported(core::Operation operation) {
  return Error::unprocessable("operation_unsupported",
                              "The supplier of this domain does not support " +
                                  std::string(core::name_of(operation)) + ".");
}

}  // namespace

core::Result<core::Registrar*> registrar_of(const Services& services,
                                            const store::DomainRecord& domain,
                                            core::Operation operation) {
  auto instance = instance_of(services, domain);
  if (!instance) return instance.error();
  core::Registrar* registrar = (*instance)->registrar();
  if (registrar == nullptr || !registrar->capabilities().supports(operation)) {
    return unsupported(operation);
  }
  return registrar;
}

core::Result<core::DnsHost*> dns_host_of(const Services& services,
                                         const store::DomainRecord& domain,
                                         core::Operation operation) {
  auto instance = instance_of(services, domain);
  if (!instance) return instance.error();
  core::DnsHost* host = (*instance)->dns();
  if (host == nullptr || !host->capabilities().supports(operation)) return unsupported(operation);
  return host;
}

net::awaitable<core::Result<DomainAccess>> open_domain(const Services& services,
                                                       const RequestContext& context,
                                                       core::Operation operation) {
  auto domain = co_await load_domain(services, context);
  if (!domain) co_return domain.error();
  if (auto held = require_held(*domain); !held) co_return held.error();
  auto registrar = registrar_of(services, *domain, operation);
  if (!registrar) co_return registrar.error();
  co_return DomainAccess{std::move(*domain), *registrar};
}

void write_domain(core::json::Writer& out, const store::DomainRecord& record) {
  const core::Domain& domain = record.domain;
  core::json::write(out, "object", "domain");
  core::json::write(out, "id", record.id);
  core::json::write(out, "name", domain.name);
  core::json::write(out, "unicode_name", core::unicode_domain_name(domain.name));
  core::json::write(out, "status", core::name_of(domain.status));
  core::json::write(out, "supplier_status", domain.supplier_status);
  core::json::write_time(out, "expires_at", domain.expires_at);
  core::json::key(out, "nameservers");
  out.StartArray();
  for (const auto& nameserver : domain.nameservers)
    core::json::string(out, nameserver);
  out.EndArray();
  core::json::write(out, "locked", domain.locked);
  core::json::write(out, "privacy", domain.privacy);
  core::json::write(out, "auto_renew", domain.auto_renew);
  core::json::write(out, "customer_id", record.customer_id);
  core::json::write(out, "livemode", record.livemode);
  core::json::write(out, "created_at", core::format_rfc3339(record.created_at));
  core::json::write(out, "updated_at", core::format_rfc3339(record.updated_at));
  core::json::write_time(out, "synced_at", record.synced_at);
}

store::EventRecord make_event(const Services& services, std::string type,
                              const store::DomainRecord& domain, std::string_view request_id,
                              const MembersWriter& previous) {
  return make_event(
      services, std::move(type), domain, domain.id,
      [&domain](core::json::Writer& out) { write_domain(out, domain); }, request_id, previous);
}

store::EventRecord make_event(const Services& services, std::string type,
                              const store::DomainRecord& domain, std::string object_id,
                              const MembersWriter& object, std::string_view request_id,
                              const MembersWriter& previous) {
  return make_object_event(services, std::move(type), domain.partner_id, domain.livemode,
                           std::move(object_id), object, request_id, previous);
}

store::EventRecord make_object_event(const Services& services, std::string type,
                                     std::string partner_id, bool livemode, std::string object_id,
                                     const MembersWriter& object, std::string_view request_id,
                                     const MembersWriter& previous) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  core::json::key(out, "object");
  out.StartObject();
  object(out);
  out.EndObject();
  if (previous) {
    core::json::key(out, "previous_attributes");
    out.StartObject();
    previous(out);
    out.EndObject();
  }
  out.EndObject();
  return {.id = core::make_id(core::id_prefix::kEvent, services.random),
          .partner_id = std::move(partner_id),
          .livemode = livemode,
          .type = std::move(type),
          .object_id = std::move(object_id),
          .data_json = {buffer.GetString(), buffer.GetSize()},
          .request_id = std::string(request_id),
          .created_at = services.clock.now()};
}

void write_previous_attributes(core::json::Writer& out, const core::Domain& before,
                               const core::Domain& after) {
  if (before.status != after.status) {
    core::json::write(out, "status", core::name_of(before.status));
  }
  if (before.expires_at != after.expires_at) {
    core::json::write_time(out, "expires_at", before.expires_at);
  }
  if (before.nameservers != after.nameservers) {
    core::json::key(out, "nameservers");
    out.StartArray();
    for (const auto& nameserver : before.nameservers)
      core::json::string(out, nameserver);
    out.EndArray();
  }
  if (before.locked != after.locked) core::json::write(out, "locked", before.locked);
  if (before.privacy != after.privacy) core::json::write(out, "privacy", before.privacy);
  if (before.auto_renew != after.auto_renew) {
    core::json::write(out, "auto_renew", before.auto_renew);
  }
}

bool attributes_differ(const core::Domain& before, const core::Domain& after) {
  return before.status != after.status || before.expires_at != after.expires_at ||
         before.nameservers != after.nameservers || before.locked != after.locked ||
         before.privacy != after.privacy || before.auto_renew != after.auto_renew;
}

net::awaitable<core::Result<store::DomainRecord>> save_domain(
    const Services& services, store::DomainRecord domain, std::vector<store::EventRecord> events,
    std::optional<NewOrder> order, const store::IntentRecord* intent) {
  domain.updated_at = services.clock.now();
  co_return co_await services.store.write<store::DomainRecord>(
      [&](store::Database& db) -> core::Result<store::DomainRecord> {
        if (intent != nullptr && !settle_intent(db, *intent, domain.updated_at)) {
          return intent_settled_meanwhile();
        }
        store::domains::update(db, domain);
        for (const auto& event : events)
          store::events::append(db, event);
        if (order) insert_order(db, *order);
        return domain;
      });
}

void read_contact(core::json::ObjectReader& reader, std::string_view name, bool required,
                  std::optional<core::Contact>& contact) {
  const rapidjson::Value* value = reader.object(name, required);
  if (value == nullptr) return;
  const std::string path = reader.child_path(name);
  core::json::ObjectReader fields(*value, path);
  constexpr core::json::StringRule kLine{.max_length = 255};
  core::Contact read;
  read.first_name = fields.string("first_name", kLine).value_or("");
  read.last_name = fields.string("last_name", kLine).value_or("");
  read.organization = fields.string("organization", kLine).value_or("");
  read.email = fields.string("email", kLine).value_or("");
  read.phone = fields.string("phone", {.max_length = 32}).value_or("");
  read.address1 = fields.string("address1", kLine).value_or("");
  read.address2 = fields.string("address2", kLine).value_or("");
  read.city = fields.string("city", kLine).value_or("");
  read.state = fields.string("state", kLine).value_or("");
  read.postcode = fields.string("postcode", {.max_length = 32}).value_or("");
  read.country = fields.string("country", {.max_length = 2}).value_or("");
  if (auto error = fields.finish()) {
    reader.adopt(error);
    return;
  }
  auto normalized = core::normalize_contact(std::move(read), path);
  if (!normalized) {
    reader.fail(normalized.error());
    return;
  }
  contact = std::move(*normalized);
}

std::optional<core::DomainContacts> read_contacts(core::json::ObjectReader& body, bool required) {
  const rapidjson::Value* value = body.object("contacts", required);
  if (value == nullptr) return std::nullopt;
  core::json::ObjectReader roles(*value, body.child_path("contacts"));
  std::optional<core::Contact> registrant;
  std::optional<core::Contact> admin;
  std::optional<core::Contact> tech;
  std::optional<core::Contact> billing;
  read_contact(roles, "registrant", true, registrant);
  read_contact(roles, "admin", false, admin);
  read_contact(roles, "tech", false, tech);
  read_contact(roles, "billing", false, billing);
  if (auto error = roles.finish()) {
    body.adopt(error);
    return std::nullopt;
  }
  core::DomainContacts contacts{.registrant = *registrant};
  contacts.admin = admin.value_or(*registrant);
  contacts.tech = tech.value_or(*registrant);
  contacts.billing = billing.value_or(*registrant);
  return contacts;
}

void write_contact(core::json::Writer& out, const core::Contact& contact) {
  out.StartObject();
  core::json::write(out, "first_name", contact.first_name);
  core::json::write(out, "last_name", contact.last_name);
  core::json::write(out, "organization", contact.organization);
  core::json::write(out, "email", contact.email);
  core::json::write(out, "phone", contact.phone);
  core::json::write(out, "address1", contact.address1);
  core::json::write(out, "address2", contact.address2);
  core::json::write(out, "city", contact.city);
  core::json::write(out, "state", contact.state);
  core::json::write(out, "postcode", contact.postcode);
  core::json::write(out, "country", contact.country);
  out.EndObject();
}

core::Result<std::string> domain_name_param(std::string_view text, std::string param) {
  return core::normalize_domain_name(text, std::move(param));
}

}  // namespace portico::api
