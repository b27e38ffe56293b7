// The domain life cycle: register, search and availability, list and read, update, transfer
// in, renew, auth code, contacts, release and delete. The supplier acts first; the gateway
// records the outcome (with its event) only when the supplier succeeded, so a refusal leaves
// nothing behind.
#include "portico/api/domains.hpp"

#include <algorithm>
#include <map>

#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/api/intents.hpp"
#include "portico/core/domain_name.hpp"
#include "portico/core/ids.hpp"
#include "portico/core/names.hpp"
#include "portico/store/repositories.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::Error;

namespace {

constexpr std::size_t kMaxNameservers = 5;
constexpr std::size_t kMaxSearchNames = 100;

server::Response domain_response(const RequestContext& context, unsigned status,
                                 const store::DomainRecord& domain) {
  return data_response(context.request_id, status,
                       [&](core::json::Writer& out) { write_domain(out, domain); });
}

// "nameservers": 2 to 5 host names, normalized, without repeats.
std::optional<std::vector<std::string>> read_nameservers(core::json::ObjectReader& body,
                                                         bool required) {
  auto names = body.strings("nameservers", required, kMaxNameservers, {.max_length = 253});
  if (!names) return std::nullopt;
  std::vector<std::string> normalized;
  for (std::size_t i = 0; i < names->size(); ++i) {
    auto host = core::normalize_name_server((*names)[i], "nameservers[" + std::to_string(i) + "]");
    if (!host) {
      body.fail(host.error());
      return std::nullopt;
    }
    if (std::find(normalized.begin(), normalized.end(), *host) == normalized.end()) {
      normalized.push_back(std::move(*host));
    }
  }
  if (normalized.size() < 2) {
    body.fail(Error::invalid_request("invalid_nameservers",
                                     "'nameservers' must list 2 to 5 different name servers.",
                                     "nameservers"));
    return std::nullopt;
  }
  return normalized;
}

// A name already held here: 409, whoever holds it (the supplier would refuse it anyway). So is
// a name whose registration or transfer is still in doubt: the supplier is being asked.
net::awaitable<core::Status> check_not_held(const Services& services, const Principal& partner,
                                            const std::string& name) {
  co_return co_await services.store.read<core::Ok>([&](store::Database& db) -> core::Status {
    if (store::intents::unresolved_for(
            db, {intent_operation_name::kDomainRegister, intent_operation_name::kDomainTransfer},
            name)) {
      return Error::conflict("domain_operation_pending",
                             "An earlier order for this domain has an outcome the supplier has "
                             "not confirmed yet; retry once it has.",
                             "name");
    }
    auto held = store::domains::find_held(db, name);
    if (!held) return core::Ok{};
    if (held->partner_id == partner.partner_id && held->livemode == partner.livemode) {
      return Error::conflict("domain_exists", "You already hold this domain as " + held->id + ".",
                             "name");
    }
    return Error::conflict("domain_unavailable", "This domain is not available.", "name");
  });
}

// The instances of a route that can do `operation` for `years`.
core::Result<std::vector<adapters::ProviderInstance*>> capable(const DomainRoute& route,
                                                               core::Operation operation,
                                                               int years) {
  std::vector<adapters::ProviderInstance*> found;
  bool years_refused = false;
  for (auto* instance : route.instances) {
    const core::Capabilities& capabilities = instance->registrar()->capabilities();
    if (!capabilities.supports(operation)) continue;
    if (years < capabilities.min_years || years > capabilities.max_years) {
      years_refused = true;
      continue;
    }
    found.push_back(instance);
  }
  if (found.empty()) {
    if (years_refused) {
      return Error::unprocessable(
          "invalid_years", "This TLD cannot be ordered for " + std::to_string(years) + " years.",
          "years");
    }
    return Error::unprocessable(
        "operation_unsupported",
        "This TLD does not support " + std::string(core::name_of(operation)) + ".");
  }
  return found;
}

// The parts of a registration or transfer body they share.
struct OrderBody {
  std::string name;
  std::optional<std::string> customer_id;
  int years = 1;
  core::DomainRegistration registration;
};

core::Result<OrderBody> read_order(const rapidjson::Value& document, std::string name,
                                   std::optional<std::string>* auth_code) {
  core::json::ObjectReader body(document);
  OrderBody order;
  if (name.empty()) {
    auto given = body.string("name", {.required = true, .min_length = 1, .max_length = 253});
    if (given) {
      auto normalized = domain_name_param(*given, "name");
      if (normalized) {
        name = std::move(*normalized);
      } else {
        body.fail(normalized.error());
      }
    }
  }
  order.customer_id = body.string("customer_id", {.max_length = 64});
  order.years = static_cast<int>(body.integer("years", {.min = 1, .max = 10}).value_or(1));
  auto nameservers = read_nameservers(body, true);
  auto contacts = read_contacts(body, true);
  const bool privacy = body.boolean("privacy").value_or(false);
  const bool auto_renew = body.boolean("auto_renew").value_or(false);
  if (auth_code != nullptr) {
    *auth_code = body.string("auth_code", {.required = true, .min_length = 1, .max_length = 255});
  }
  if (auto error = body.finish()) return *error;
  order.name = name;
  order.registration = {.name = name,
                        .years = order.years,
                        .nameservers = nameservers.value_or(std::vector<std::string>{}),
                        .contacts = std::move(*contacts),
                        .privacy = privacy,
                        .auto_renew = auto_renew};
  return order;
}

// The pricing key of a name: the longest priced suffix (".co.ke") or "*"; without a
// `pricing:` section, the key of the route that serves it.
std::string priced_suffix(const Services& services, std::string_view name) {
  if (const std::string* key = services.config.pricing.domain_key(name)) return *key;
  if (const std::string* key = services.config.routing.domain_route_key(name)) return *key;
  return "*";
}

std::string years_text(std::int64_t years) {
  return std::to_string(years) + (years == 1 ? " year" : " years");
}

// Records a domain the supplier just created, with its event and its order, in one
// transaction that also settles the intent of the call.
net::awaitable<core::Result<store::DomainRecord>> record_new_domain(
    const Services& services, const RequestContext& context, const OrderBody& order,
    const adapters::ProviderInstance& instance, core::Domain domain, bool transfer,
    const store::IntentRecord& intent) {
  const Principal& partner = context.partner();
  const core::TimePoint now = services.clock.now();
  domain.name = order.name;
  domain.privacy = order.registration.privacy;
  domain.auto_renew = order.registration.auto_renew;
  if (domain.nameservers.empty()) domain.nameservers = order.registration.nameservers;
  if (transfer) domain.status = core::DomainStatus::pending_transfer;
  store::DomainRecord record{.id = intent.object_id,
                             .partner_id = partner.partner_id,
                             .livemode = partner.livemode,
                             .customer_id = order.customer_id,
                             .provider_instance = instance.config().name,
                             .domain = std::move(domain),
                             .glue = {},
                             .created_at = now,
                             .updated_at = now,
                             .synced_at = now};
  store::EventRecord event =
      make_event(services, transfer ? "domain.transfer_started" : "domain.registered", record,
                 context.request_id);
  // A transfer is priced per transfer; a registration per year.
  NewOrder billed = make_order(
      services, context,
      {.action = transfer ? "domain.transfer" : "domain.register",
       .product = priced_suffix(services, order.name),
       .object_id = record.id,
       .customer_id = order.customer_id,
       .description = order.name + (transfer ? ", transfer in" : ", " + years_text(order.years)),
       .provider_instance = instance.config().name,
       .quantity = transfer ? 1 : order.years});
  co_return co_await services.store.write<store::DomainRecord>(
      [&](store::Database& db) -> core::Result<store::DomainRecord> {
        if (!settle_intent(db, intent, now)) return intent_settled_meanwhile();
        if (store::domains::insert(db, record) == store::domains::InsertOutcome::name_taken) {
          return Error::conflict("domain_exists", "This domain is already recorded.", "name");
        }
        store::events::append(db, event);
        insert_order(db, billed);
        return record;
      });
}

// Registration and transfer in: checks everything locally, then asks the route's instances
// in turn (failing over only while one cannot be reached), and records the new domain with
// its event once a supplier accepted it. A transfer reads the body's auth_code.
net::awaitable<server::Response> order_domain(Services& services, RequestContext& context,
                                              std::string name, bool transfer) {
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  std::optional<std::string> auth_code;
  // A transfer's name servers are those the domain takes once it arrives: registrars ask for
  // them up front as for a registration.
  auto order = read_order(*document, std::move(name), transfer ? &auth_code : nullptr);
  if (!order) co_return error_response(context.request_id, order.error());
  const Principal& partner = context.partner();

  auto route = route_domain(services, order->name, partner.livemode);
  if (!route) co_return error_response(context.request_id, route.error());
  auto instances = capable(
      *route, transfer ? core::Operation::domain_transfer : core::Operation::domain_register,
      order->years);
  if (!instances) co_return error_response(context.request_id, instances.error());
  if (auto status = co_await check_customer(services, partner, order->customer_id); !status) {
    co_return error_response(context.request_id, status.error());
  }
  if (auto status = co_await check_not_held(services, partner, order->name); !status) {
    co_return error_response(context.request_id, status.error());
  }

  // Written before the supplier is asked: if its answer is lost, the gateway asks it later.
  const IntentStart start{.operation = transfer ? intent_operation_name::kDomainTransfer
                                                : intent_operation_name::kDomainRegister,
                          .provider_instance = instances->front()->config().name,
                          .lookup = order->name,
                          .object_id = core::make_id(core::id_prefix::kDomain, services.random)};
  auto intent = co_await open_intent(services, context, start);
  if (!intent) co_return error_response(context.request_id, intent.error());
  adapters::ProviderInstance* used = nullptr;
  const core::DomainRegistration& registration = order->registration;
  auto placed = co_await with_failover<core::Domain>(
      *instances,
      [&registration, &auth_code, transfer](adapters::ProviderInstance& instance) {
        return transfer ? instance.registrar()->transfer(registration, *auth_code)
                        : instance.registrar()->register_domain(registration);
      },
      &used,
      [&](adapters::ProviderInstance& instance) {
        return retarget_intent(services, *intent, instance.config().name);
      });
  if (!placed) {
    if (placed.error().outcome_unknown) {
      co_return co_await answer_unknown_outcome(services, context, *intent, placed.error());
    }
    co_await abandon_intent(services, *intent);
    co_return error_response(context.request_id, placed.error());
  }
  auto record = co_await record_new_domain(services, context, *order, *used, std::move(*placed),
                                           transfer, *intent);
  // The supplier acted but nothing was recorded: the intent stays open for the reconciler,
  // and the request's key waits for it.
  if (!record) {
    context.intent_unresolved = true;
    co_return error_response(context.request_id, record.error());
  }
  co_return domain_response(context, transfer ? 202 : 201, *record);
}

// The supplier's view of a name after an order whose answer was lost: there in the account
// (registered, or its transfer under way) means the order happened.
net::awaitable<Resolution> resume_domain_order(Services& services, RequestContext& context,
                                               const store::IntentRecord& intent,
                                               const IntentRequest& request, bool transfer) {
  auto document = core::json::parse(request.body.empty() ? std::string_view("{}") : request.body);
  if (!document) co_return Resolution::unknown(document.error());
  std::optional<std::string> auth_code;
  auto order = read_order(*document, transfer ? intent.lookup : std::string(),
                          transfer ? &auth_code : nullptr);
  if (!order) co_return Resolution::unknown(order.error());
  const auto found = services.providers.find(intent.provider_instance);
  if (found == services.providers.end() || found->second->registrar() == nullptr) {
    co_return Resolution::unknown(Error::upstream(
        503, "supplier_not_configured", "The supplier of this order is no longer configured."));
  }
  adapters::ProviderInstance& instance = *found->second;
  auto domain = co_await instance.registrar()->info(order->name);
  if (!domain) {
    if (domain.error().status == 404) co_return Resolution::absent();
    co_return Resolution::unknown(domain.error());
  }
  const core::DomainStatus status = domain->status;
  const bool placed =
      transfer
          ? status == core::DomainStatus::pending_transfer || status == core::DomainStatus::active
          : status == core::DomainStatus::active || status == core::DomainStatus::pending;
  // A name the account held once (deleted, transferred away) is no trace of this order.
  if (!placed) co_return Resolution::absent();
  auto record = co_await record_new_domain(services, context, *order, instance, std::move(*domain),
                                           transfer, intent);
  if (!record) co_return Resolution::unknown(record.error());
  co_return Resolution::happened(domain_response(context, transfer ? 202 : 201, *record));
}

net::awaitable<server::Response> answer_domain(Services& services, RequestContext& context,
                                               const store::IntentRecord& intent, unsigned status) {
  auto record = co_await services.store.read<store::DomainRecord>(
      [&intent](store::Database& db) -> core::Result<store::DomainRecord> {
        auto found = store::domains::find(db, intent.partner_id, intent.livemode, intent.object_id);
        if (!found) return Error::not_found("Domain not found.");
        return std::move(*found);
      });
  if (!record) co_return error_response(context.request_id, record.error());
  co_return domain_response(context, status, *record);
}

net::awaitable<server::Response> register_domain(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  co_return co_await order_domain(services, context, {}, false);
}

net::awaitable<server::Response> transfer_domain(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto name = domain_name_param(context.param("name"), "name");
  if (!name) co_return error_response(context.request_id, name.error());
  co_return co_await order_domain(services, context, std::move(*name), true);
}

// The members of the availability object of a name, or of a failure to learn it.
void write_availability(core::json::Writer& out, const std::string& name,
                        const core::Result<core::DomainAvailability>& result) {
  core::json::write(out, "object", "domain_availability");
  core::json::write(out, "name", name);
  core::json::write(out, "unicode_name", core::unicode_domain_name(name));
  if (!result) {
    core::json::write_null(out, "available");
    core::json::key(out, "error");
    out.StartObject();
    core::json::write(out, "type", core::error_type_name(result.error().type));
    core::json::write(out, "code", result.error().code);
    core::json::write(out, "message", result.error().message);
    out.EndObject();
    return;
  }
  core::json::write(out, "available", result->available);
  core::json::write(out, "premium", result->premium);
  if (result->price_minor) {
    core::json::key(out, "price");
    out.StartObject();
    core::json::write(out, "amount", *result->price_minor);
    core::json::write(out, "currency", result->currency);
    out.EndObject();
  } else {
    core::json::write_null(out, "price");
  }
}

// Availability of many names: grouped by route, each group asked of its first reachable
// instance in one call. Failures are per name, so one unreachable supplier does not hide the
// answers of the others.
net::awaitable<std::vector<core::Result<core::DomainAvailability>>> check_names(
    const Services& services, const std::vector<std::string>& names, bool livemode) {
  std::vector<core::Result<core::DomainAvailability>> results(
      names.size(), Error::internal("The availability of this name was not checked."));
  std::map<std::string, std::pair<DomainRoute, std::vector<std::size_t>>> groups;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto route = route_domain(services, names[i], livemode);
    if (!route) {
      results[i] = route.error();
      continue;
    }
    auto instances = capable(*route, core::Operation::domain_check, 1);
    if (!instances) {
      results[i] = instances.error();
      continue;
    }
    auto& group = groups[route->suffix];
    group.first.instances = std::move(*instances);
    group.second.push_back(i);
  }
  for (auto& [suffix, group] : groups) {
    std::vector<std::string> asked;
    for (std::size_t index : group.second)
      asked.push_back(names[index]);
    auto answers = co_await with_failover<std::vector<core::DomainAvailability>>(
        group.first.instances, [&asked](adapters::ProviderInstance& instance) {
          return instance.registrar()->check(asked);
        });
    for (std::size_t k = 0; k < group.second.size(); ++k) {
      const std::size_t index = group.second[k];
      if (!answers) {
        results[index] = answers.error();
      } else if (k < answers->size()) {
        results[index] = (*answers)[k];
      } else {
        results[index] = Error::upstream(502, "upstream_bad_response",
                                         "The supplier did not answer for this name.");
      }
    }
  }
  co_return results;
}

net::awaitable<server::Response> availability(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto name = domain_name_param(context.param("name"), "name");
  if (!name) co_return error_response(context.request_id, name.error());
  const std::vector<std::string> names{*name};
  auto results = co_await check_names(services, names, context.partner().livemode);
  // One name: its failure is the response's failure.
  if (!results.front()) co_return error_response(context.request_id, results.front().error());
  co_return data_response(context.request_id, 200, [&](core::json::Writer& out) {
    write_availability(out, *name, results.front());
  });
}

net::awaitable<server::Response> search(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  core::json::ObjectReader body(*document);
  auto names = body.strings("names", false, kMaxSearchNames, {.min_length = 1, .max_length = 253});
  auto query = body.string("query", {.min_length = 1, .max_length = 63});
  auto tlds = body.strings("tlds", false, 50, {.min_length = 1, .max_length = 63});
  if (!body.failed() && (query.has_value() != tlds.has_value())) {
    body.fail(Error::invalid_request("parameter_missing", "'query' and 'tlds' go together.",
                                     query ? "tlds" : "query"));
  }
  if (!body.failed() && !names && !query) {
    body.fail(Error::invalid_request("parameter_missing",
                                     "Give 'names', or 'query' with 'tlds', or both.", "names"));
  }
  if (auto error = body.finish()) co_return error_response(context.request_id, *error);

  std::vector<std::string> candidates;
  std::vector<std::string> params;
  if (names) {
    for (std::size_t i = 0; i < names->size(); ++i) {
      candidates.push_back((*names)[i]);
      params.push_back("names[" + std::to_string(i) + "]");
    }
  }
  if (query) {
    for (std::size_t i = 0; i < tlds->size(); ++i) {
      std::string tld = (*tlds)[i];
      if (!tld.starts_with('.')) tld.insert(0, ".");
      candidates.push_back(*query + tld);
      params.push_back("tlds[" + std::to_string(i) + "]");
    }
  }
  if (candidates.size() > kMaxSearchNames) {
    co_return error_response(
        context.request_id,
        Error::invalid_request(
            "too_many_names",
            "A search covers at most " + std::to_string(kMaxSearchNames) + " names.", "names"));
  }
  std::vector<std::string> normalized;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    auto name = domain_name_param(candidates[i], params[i]);
    if (!name) co_return error_response(context.request_id, name.error());
    if (std::find(normalized.begin(), normalized.end(), *name) == normalized.end()) {
      normalized.push_back(std::move(*name));
    }
  }
  auto results = co_await check_names(services, normalized, context.partner().livemode);
  co_return list_envelope(
      context.request_id,
      [&](core::json::Writer& out) {
        for (std::size_t i = 0; i < normalized.size(); ++i) {
          out.StartObject();
          write_availability(out, normalized[i], results[i]);
          out.EndObject();
        }
      },
      static_cast<std::int64_t>(normalized.size()), false);
}

net::awaitable<server::Response> list_domains(Services& services, RequestContext& context) {
  auto query = list_query(context, {"customer_id", "status", "tld", "name"});
  if (!query) co_return error_response(context.request_id, query.error());
  store::DomainFilter filter;
  if (auto found = context.query.find("customer_id"); found != context.query.end()) {
    filter.customer_id = found->second;
  }
  if (auto found = context.query.find("status"); found != context.query.end()) {
    filter.status = core::parse_domain_status(found->second);
    if (!filter.status) {
      co_return error_response(
          context.request_id,
          Error::invalid_request("invalid_status",
                                 "'status' must be one of pending, active, pending_transfer, "
                                 "expired, transferred_away, deleted, failed.",
                                 "status"));
    }
  }
  if (auto found = context.query.find("tld"); found != context.query.end()) {
    std::string tld = found->second;
    if (!tld.starts_with('.')) tld.insert(0, ".");
    auto valid = domain_name_param("x" + tld, "tld");
    if (!valid) {
      co_return error_response(context.request_id,
                               Error::invalid_request("invalid_tld", "'tld' is not a TLD.", "tld"));
    }
    filter.tld = valid->substr(valid->find('.'));
  }
  if (auto found = context.query.find("name"); found != context.query.end()) {
    auto name = domain_name_param(found->second, "name");
    if (!name) co_return error_response(context.request_id, name.error());
    filter.name = std::move(*name);
  }
  const Principal& partner = context.partner();
  using Page = store::Page<store::DomainRecord>;
  auto page = co_await services.store.read<Page>(
      [&partner, &query, &filter](store::Database& db) -> core::Result<Page> {
        auto found = store::domains::list(db, partner.partner_id, partner.livemode, filter,
                                          query->limit, query->starting_after);
        if (!found) {
          return Error::invalid_request("invalid_cursor",
                                        "'starting_after' does not name one of your domains.",
                                        "starting_after");
        }
        return std::move(*found);
      });
  if (!page) co_return error_response(context.request_id, page.error());
  co_return list_response(context.request_id, page->items, write_domain, page->total,
                          page->has_more);
}

net::awaitable<server::Response> get_domain(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto domain = co_await load_domain(services, context);
  if (!domain) co_return error_response(context.request_id, domain.error());
  co_return domain_response(context, 200, *domain);
}

net::awaitable<server::Response> update_domain(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  core::json::ObjectReader body(*document);
  auto nameservers = read_nameservers(body, false);
  auto locked = body.boolean("locked");
  auto contacts = read_contacts(body, false);
  auto privacy = body.boolean("privacy");
  auto auto_renew = body.boolean("auto_renew");
  if (auto error = body.finish()) co_return error_response(context.request_id, *error);

  // Held until saved: changes to one domain's record never interleave.
  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto loaded = co_await load_domain(services, context);
  if (!loaded) co_return error_response(context.request_id, loaded.error());
  store::DomainRecord domain = std::move(*loaded);
  if (auto status = require_held(domain); !status) {
    co_return error_response(context.request_id, status.error());
  }
  // Every operation asked for must be possible before the first supplier call.
  struct Step {
    core::Operation operation;
    bool wanted;
  };
  const Step steps[] = {{core::Operation::domain_nameservers, nameservers.has_value()},
                        {core::Operation::domain_lock, locked.has_value()},
                        {core::Operation::domain_contacts, contacts.has_value()},
                        {core::Operation::domain_privacy, privacy.has_value()}};
  core::Registrar* registrar = nullptr;
  for (const Step& step : steps) {
    if (!step.wanted) continue;
    auto found = registrar_of(services, domain, step.operation);
    if (!found) co_return error_response(context.request_id, found.error());
    registrar = *found;
  }

  // Suppliers change one setting per call, so an update is several calls; each one that
  // succeeds is recorded even when a later one fails (the response then carries the error).
  const store::DomainRecord before = domain;
  std::optional<Error> failure;
  const std::string& name = domain.domain.name;
  if (nameservers && *nameservers != domain.domain.nameservers) {
    auto done = co_await registrar->set_nameservers(name, *nameservers);
    if (done) {
      domain.domain.nameservers = *nameservers;
    } else {
      failure = done.error();
    }
  }
  if (!failure && locked && *locked != domain.domain.locked) {
    auto done = co_await registrar->set_lock(name, *locked);
    if (done) {
      domain.domain.locked = *locked;
    } else {
      failure = done.error();
    }
  }
  bool contacts_changed = false;
  if (!failure && contacts) {
    auto done = co_await registrar->set_contacts(name, *contacts);
    if (done) {
      contacts_changed = true;
    } else {
      failure = done.error();
    }
  }
  if (!failure && privacy && *privacy != domain.domain.privacy) {
    auto done = co_await registrar->set_privacy(name, *privacy);
    if (done) {
      domain.domain.privacy = *privacy;
    } else {
      failure = done.error();
    }
  }
  if (!failure && auto_renew) domain.domain.auto_renew = *auto_renew;

  const core::Domain& old = before.domain;
  const core::Domain& now = domain.domain;
  if (contacts_changed || attributes_differ(old, now)) {
    std::vector<store::EventRecord> events;
    events.push_back(make_event(services, "domain.updated", domain, context.request_id,
                                [&](core::json::Writer& out) {
                                  write_previous_attributes(out, old, now);
                                  if (contacts_changed) core::json::write_null(out, "contacts");
                                }));
    auto saved = co_await save_domain(services, std::move(domain), std::move(events));
    if (!saved) co_return error_response(context.request_id, saved.error());
    domain = std::move(*saved);
  }
  if (failure) co_return error_response(context.request_id, *failure);
  co_return domain_response(context, 200, domain);
}

// The renewal the supplier made, recorded: the new expiry, the event, the order, and the intent
// of the call settled, in one transaction.
net::awaitable<core::Result<store::DomainRecord>> record_renewal(
    const Services& services, const RequestContext& context, store::DomainRecord domain, int years,
    const core::Domain& renewed, const store::IntentRecord& intent) {
  const auto previous_expiry = domain.domain.expires_at;
  if (renewed.expires_at) {
    domain.domain.expires_at = renewed.expires_at;
  } else if (domain.domain.expires_at) {
    domain.domain.expires_at = *domain.domain.expires_at + std::chrono::hours(24 * 365 * years);
  }
  if (renewed.status != core::DomainStatus::pending) domain.domain.status = renewed.status;
  if (!renewed.supplier_status.empty()) domain.domain.supplier_status = renewed.supplier_status;
  std::vector<store::EventRecord> events;
  events.push_back(make_event(services, "domain.renewed", domain, context.request_id,
                              [&](core::json::Writer& out) {
                                core::json::write_time(out, "expires_at", previous_expiry);
                              }));
  // Named, of the parameter's type: only a plain move happens inside the co_await below.
  std::optional<NewOrder> billed =
      make_order(services, context,
                 {.action = "domain.renew",
                  .product = priced_suffix(services, domain.domain.name),
                  .object_id = domain.id,
                  .customer_id = domain.customer_id,
                  .description = domain.domain.name + ", renewal, " + years_text(years),
                  .provider_instance = domain.provider_instance,
                  .quantity = years});
  co_return co_await save_domain(services, std::move(domain), std::move(events), std::move(billed),
                                 &intent);
}

core::Result<int> read_renewal_years(const rapidjson::Value& document) {
  core::json::ObjectReader body(document);
  const int years = static_cast<int>(body.integer("years", {.min = 1, .max = 10}).value_or(1));
  if (auto error = body.finish()) return *error;
  return years;
}

net::awaitable<server::Response> renew_domain(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  auto years = read_renewal_years(*document);
  if (!years) co_return error_response(context.request_id, years.error());

  // Held until saved: changes to one domain's record never interleave.
  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto loaded = co_await load_domain(services, context);
  if (!loaded) co_return error_response(context.request_id, loaded.error());
  store::DomainRecord domain = std::move(*loaded);
  if (auto status = require_held(domain); !status) {
    co_return error_response(context.request_id, status.error());
  }
  // A renewal in doubt blocks another (with or without its key): the expiry it is recognized
  // by would move for both, one charge would go unrecorded.
  if (auto pending = co_await refuse_while_unresolved(
          services, intent_operation_name::kDomainRenew, domain.domain.name, "renewal_pending",
          "An earlier renewal of this domain has an outcome the supplier has not confirmed yet; "
          "retry once it has.");
      !pending) {
    co_return error_response(context.request_id, pending.error());
  }
  auto registrar = registrar_of(services, domain, core::Operation::domain_renew);
  if (!registrar) co_return error_response(context.request_id, registrar.error());
  const core::Capabilities& capabilities = (*registrar)->capabilities();
  if (*years < capabilities.min_years || *years > capabilities.max_years) {
    co_return error_response(
        context.request_id,
        Error::unprocessable(
            "invalid_years",
            "This domain cannot be renewed for " + std::to_string(*years) + " years.", "years"));
  }
  // The expiry before the call tells later whether a renewal whose answer was lost happened.
  rapidjson::StringBuffer detail;
  {
    core::json::Writer out(detail);
    out.StartObject();
    core::json::write_time(out, "expires_at", domain.domain.expires_at);
    out.EndObject();
  }
  const IntentStart start{.operation = intent_operation_name::kDomainRenew,
                          .provider_instance = domain.provider_instance,
                          .lookup = domain.domain.name,
                          .object_id = domain.id,
                          .detail_json = detail.GetString()};
  auto intent = co_await open_intent(services, context, start);
  if (!intent) co_return error_response(context.request_id, intent.error());
  auto renewed = co_await (*registrar)->renew(domain.domain.name, *years);
  if (!renewed) {
    if (renewed.error().outcome_unknown) {
      guard.release();  // the supplier is asked under the same lock, taken again there
      co_return co_await answer_unknown_outcome(services, context, *intent, renewed.error());
    }
    co_await abandon_intent(services, *intent);
    co_return error_response(context.request_id, renewed.error());
  }
  auto saved =
      co_await record_renewal(services, context, std::move(domain), *years, *renewed, *intent);
  if (!saved) {
    context.intent_unresolved = true;
    co_return error_response(context.request_id, saved.error());
  }
  co_return domain_response(context, 200, *saved);
}

// A renewal whose answer was lost happened when the supplier's expiry moved on by about the
// years asked (a year may be a day shorter or longer at a registry).
net::awaitable<Resolution> resume_renewal(Services& services, RequestContext& context,
                                          const store::IntentRecord& intent,
                                          const IntentRequest& request) {
  auto document = core::json::parse(request.body.empty() ? std::string_view("{}") : request.body);
  if (!document) co_return Resolution::unknown(document.error());
  auto years = read_renewal_years(*document);
  if (!years) co_return Resolution::unknown(years.error());
  const auto before = core::parse_rfc3339(
      core::json::string_of(core::json::member(request.detail, "expires_at")).value_or(""));
  if (!before) {
    co_return Resolution::unknown(
        Error::upstream(502, "outcome_not_observable",
                        "The supplier's answer does not tell whether this renewal happened."));
  }
  auto guard = co_await services.domain_locks.lock(intent.object_id);
  auto loaded = co_await services.store.read<store::DomainRecord>(
      [&intent](store::Database& db) -> core::Result<store::DomainRecord> {
        auto found = store::domains::find(db, intent.partner_id, intent.livemode, intent.object_id);
        if (!found) return Error::not_found("Domain not found.");
        return std::move(*found);
      });
  if (!loaded) co_return Resolution::unknown(loaded.error());
  auto registrar = registrar_of(services, *loaded, core::Operation::domain_renew);
  if (!registrar) co_return Resolution::unknown(registrar.error());
  auto current = co_await (*registrar)->info(loaded->domain.name);
  if (!current) co_return Resolution::unknown(current.error());
  const auto moved_by = std::chrono::hours(24 * (365 * *years - 2));
  if (!current->expires_at || *current->expires_at < *before + moved_by) {
    co_return Resolution::absent();
  }
  auto saved =
      co_await record_renewal(services, context, std::move(*loaded), *years, *current, intent);
  if (!saved) co_return Resolution::unknown(saved.error());
  co_return Resolution::happened(domain_response(context, 200, *saved));
}

net::awaitable<server::Response> auth_code(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto access = co_await open_domain(services, context, core::Operation::domain_auth_code);
  if (!access) co_return error_response(context.request_id, access.error());
  const store::DomainRecord* domain = &access->domain;
  auto code = co_await access->registrar->auth_code(domain->domain.name);
  if (!code) co_return error_response(context.request_id, code.error());
  co_return data_response(context.request_id, 200, [&](core::json::Writer& out) {
    core::json::write(out, "object", "domain_auth_code");
    core::json::write(out, "domain_id", domain->id);
    core::json::write(out, "auth_code", *code);
  });
}

net::awaitable<server::Response> get_contacts(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto access = co_await open_domain(services, context, core::Operation::domain_contacts);
  if (!access) co_return error_response(context.request_id, access.error());
  const store::DomainRecord* domain = &access->domain;
  auto contacts = co_await access->registrar->contacts(domain->domain.name);
  if (!contacts) co_return error_response(context.request_id, contacts.error());
  co_return data_response(context.request_id, 200, [&](core::json::Writer& out) {
    core::json::write(out, "object", "domain_contacts");
    core::json::write(out, "domain_id", domain->id);
    const std::pair<const char*, const std::optional<core::Contact>*> roles[] = {
        {"admin", &contacts->admin}, {"tech", &contacts->tech}, {"billing", &contacts->billing}};
    core::json::key(out, "registrant");
    write_contact(out, contacts->registrant);
    for (const auto& [role, contact] : roles) {
      core::json::key(out, role);
      write_contact(out, contact->value_or(contacts->registrant));
    }
  });
}

// Release and delete: the domain leaves the account; its record stays, no longer held.
net::awaitable<server::Response> end_domain(Services& services, RequestContext& context,
                                            bool release) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  std::optional<std::string> transfer_tag;
  if (release) {
    auto document = json_body(context);
    if (!document) co_return error_response(context.request_id, document.error());
    core::json::ObjectReader body(*document);
    transfer_tag =
        body.string("transfer_tag", {.required = true, .min_length = 1, .max_length = 64});
    if (auto error = body.finish()) co_return error_response(context.request_id, *error);
  }
  // Held until saved: changes to one domain's record never interleave.
  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto loaded = co_await load_domain(services, context);
  if (!loaded) co_return error_response(context.request_id, loaded.error());
  store::DomainRecord domain = std::move(*loaded);
  if (auto status = require_held(domain); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto registrar = registrar_of(
      services, domain, release ? core::Operation::domain_release : core::Operation::domain_delete);
  if (!registrar) co_return error_response(context.request_id, registrar.error());
  // Not one conditional expression of two co_awaits: GCC 12 destroys its result twice (a
  // refusal's Error crashed the hosting twin of this code).
  core::Status done = core::Ok{};
  if (release) {
    done = co_await (*registrar)->release(domain.domain.name, *transfer_tag);
  } else {
    done = co_await (*registrar)->remove(domain.domain.name);
  }
  if (!done) co_return error_response(context.request_id, done.error());

  const core::DomainStatus previous = domain.domain.status;
  domain.domain.status =
      release ? core::DomainStatus::transferred_away : core::DomainStatus::deleted;
  std::vector<store::EventRecord> events;
  events.push_back(make_event(
      services, release ? "domain.released" : "domain.deleted", domain, context.request_id,
      [&](core::json::Writer& out) { core::json::write(out, "status", core::name_of(previous)); }));
  auto saved = co_await save_domain(services, std::move(domain), std::move(events));
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return domain_response(context, 200, *saved);
}

}  // namespace

const IntentOperation kDomainRegisterOperation{
    .name = intent_operation_name::kDomainRegister,
    .resume =
        [](Services& services, RequestContext& context, const store::IntentRecord& intent,
           const IntentRequest& request) {
          return resume_domain_order(services, context, intent, request, false);
        },
    .answer =
        [](Services& services, RequestContext& context, const store::IntentRecord& intent) {
          return answer_domain(services, context, intent, 201);
        }};

const IntentOperation kDomainTransferOperation{
    .name = intent_operation_name::kDomainTransfer,
    .resume =
        [](Services& services, RequestContext& context, const store::IntentRecord& intent,
           const IntentRequest& request) {
          return resume_domain_order(services, context, intent, request, true);
        },
    .answer =
        [](Services& services, RequestContext& context, const store::IntentRecord& intent) {
          return answer_domain(services, context, intent, 202);
        }};

const IntentOperation kDomainRenewOperation{
    .name = intent_operation_name::kDomainRenew,
    .resume = resume_renewal,
    .answer = [](Services& services, RequestContext& context, const store::IntentRecord& intent) {
      return answer_domain(services, context, intent, 200);
    }};

void add_domain_routes(Router& router, Services& services) {
  const auto add = [&](const char* method, const char* pattern, ServiceHandler handler) {
    add_partner_route(router, services, method, pattern, handler);
  };
  add("POST", "/api/v1/domains", register_domain);
  add("GET", "/api/v1/domains", list_domains);
  add("POST", "/api/v1/domains/search", search);
  add("GET", "/api/v1/domains/{name}/availability", availability);
  add("POST", "/api/v1/domains/{name}/transfer", transfer_domain);
  add("GET", "/api/v1/domains/{id}", get_domain);
  add("PATCH", "/api/v1/domains/{id}", update_domain);
  add("DELETE", "/api/v1/domains/{id}",
      [](Services& s, RequestContext& c) { return end_domain(s, c, false); });
  add("POST", "/api/v1/domains/{id}/renew", renew_domain);
  add("POST", "/api/v1/domains/{id}/release",
      [](Services& s, RequestContext& c) { return end_domain(s, c, true); });
  add("GET", "/api/v1/domains/{id}/auth_code", auth_code);
  add("GET", "/api/v1/domains/{id}/contacts", get_contacts);
}

}  // namespace portico::api
