// Hosting (website-firewall) packages: provision, list and read (refreshed from the supplier),
// suspend, unsuspend, rotate the password, renew, change the plan, delete. Everything a request
// can get wrong (plan, password, product, customer, a domain already protected) is refused
// before any supplier call; the supplier acts first and the gateway records the outcome, its
// event and its order in one transaction only when it succeeded. Passwords are shown once and
// never stored.
#include "portico/store/hosting.hpp"

#include <algorithm>

#include "portico/api/billing.hpp"
#include "portico/api/domains.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/api/intents.hpp"
#include "portico/core/contact.hpp"
#include "portico/core/ids.hpp"
#include "portico/core/names.hpp"
#include "portico/core/text.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::Error;
using core::HostingStatus;

namespace {

constexpr std::size_t kGeneratedPasswordLength = 20;
constexpr std::size_t kMinPasswordLength = 12;
constexpr std::size_t kMaxPasswordLength = 128;

// --- Routing and validation -------------------------------------------------------------------

struct HostingRoute {
  std::string product;
  std::vector<adapters::ProviderInstance*> instances;  // of this mode, in the route's order
};

core::Result<HostingRoute> route_hosting(const Services& services,
                                         const std::optional<std::string>& product, bool livemode) {
  const auto& routes = services.config.routing.hosting;
  HostingRoute route;
  if (product) {
    route.product = *product;
  } else if (routes.size() == 1) {
    route.product = routes.begin()->first;
  } else {
    return Error::invalid_request("product_required",
                                  "Several hosting products are offered: name one in 'product'.",
                                  "product");
  }
  const Error unrouted = Error::unprocessable(
      "unsupported_product", "No supplier is configured for '" + route.product + "'.", "product");
  const std::vector<std::string>* names = services.config.routing.route_hosting(route.product);
  if (names == nullptr) return unrouted;
  for (const std::string& name : *names) {
    const auto found = services.providers.find(name);
    if (found == services.providers.end()) continue;
    adapters::ProviderInstance& instance = *found->second;
    // A test key never reaches a live account, nor a live key a sandbox.
    if (instance.config().sandbox == livemode || instance.hosting() == nullptr) continue;
    route.instances.push_back(&instance);
  }
  if (route.instances.empty()) return unrouted;
  return route;
}

// The supplier's spelling of a plan, matched case-insensitively ("free" is "Free").
std::optional<std::string> plan_named(const core::Capabilities& capabilities,
                                      std::string_view plan) {
  const std::string wanted = core::text::lowercase(plan);
  for (const std::string& offered : capabilities.plans) {
    if (core::text::lowercase(offered) == wanted) return offered;
  }
  return std::nullopt;
}

Error invalid_plan(const core::Capabilities& capabilities, std::string_view plan) {
  std::string offered;
  for (const std::string& name : capabilities.plans)
    offered += (offered.empty() ? "" : ", ") + name;
  return Error::unprocessable(
      "invalid_plan",
      "'" + std::string(plan) + "' is not a plan of this product; plans: " + offered + ".", "plan");
}

// Stricter than the supplier's own rule, so a password the gateway accepts is never refused.
core::Status check_password(std::string_view password) {
  const auto has = [&](int (*test)(int)) {
    return std::any_of(password.begin(), password.end(),
                       [test](char c) { return test(static_cast<unsigned char>(c)) != 0; });
  };
  const bool printable = std::all_of(password.begin(), password.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  });
  if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength || !printable ||
      !has(std::islower) || !has(std::isupper) || !has(std::isdigit)) {
    return Error::invalid_request("weak_password",
                                  "'password' needs 12 to 128 printable characters with a "
                                  "lowercase letter, an uppercase letter and a digit.",
                                  "password");
  }
  return core::Ok{};
}

// Random letters and digits (about 119 bits), drawn again until every class is present.
std::string generate_password(core::Random& random) {
  for (;;) {
    std::string password = random.base62(kGeneratedPasswordLength);
    if (check_password(password)) return password;
  }
}

// The body's optional password, or a generated one.
std::optional<std::string> read_password(core::json::ObjectReader& body) {
  // Any length reads: check_password() names the rule, rather than a bare length error.
  return body.string("password", {.max_length = 4096});
}

core::Result<std::string> password_or_generated(const Services& services,
                                                const std::optional<std::string>& given) {
  if (!given) return generate_password(services.random);
  if (auto status = check_password(*given); !status) return status.error();
  return *given;
}

// --- The object, its events, its storage ------------------------------------------------------

void write_hosting(core::json::Writer& out, const store::HostingRecord& record) {
  const core::HostingPackage& package = record.package;
  core::json::write(out, "object", "hosting");
  core::json::write(out, "id", record.id);
  core::json::write(out, "livemode", record.livemode);
  core::json::write(out, "customer_id", record.customer_id);
  core::json::write(out, "product", record.product);
  core::json::write(out, "domain", package.domain);
  core::json::write(out, "plan", package.plan);
  core::json::write(out, "email", record.email);
  core::json::write(out, "status", core::name_of(package.status));
  core::json::write(out, "supplier_status", package.supplier_status);
  if (package.license_token.empty()) {
    core::json::write_null(out, "license_token");
  } else {
    core::json::write(out, "license_token", package.license_token);
  }
  core::json::write(out, "created_at", core::format_rfc3339(record.created_at));
  core::json::write(out, "updated_at", core::format_rfc3339(record.updated_at));
  core::json::write_time(out, "synced_at", record.synced_at);
}

// `password` is shown only in the answers that set it.
server::Response hosting_response(const RequestContext& context, unsigned status,
                                  const store::HostingRecord& record,
                                  const std::string* password = nullptr) {
  return data_response(context.request_id, status, [&](core::json::Writer& out) {
    write_hosting(out, record);
    if (password != nullptr) core::json::write(out, "password", *password);
  });
}

store::EventRecord hosting_event(const Services& services, std::string type,
                                 const store::HostingRecord& record, std::string_view request_id,
                                 const MembersWriter& previous = {}) {
  return make_object_event(
      services, std::move(type), record.partner_id, record.livemode, record.id,
      [&record](core::json::Writer& out) { write_hosting(out, record); }, request_id, previous);
}

// The event a status change calls for, if any.
std::optional<std::string> status_event(HostingStatus before, HostingStatus after) {
  if (before == after) return std::nullopt;
  switch (after) {
    case HostingStatus::active:
      return "hosting.unsuspended";
    case HostingStatus::suspended:
      return "hosting.suspended";
    case HostingStatus::deleted:
      return "hosting.deleted";
  }
  return std::nullopt;
}

BillableAction billable(const store::HostingRecord& record, std::string action) {
  return {.action = std::move(action),
          .product = record.package.plan,
          .object_id = record.id,
          .customer_id = record.customer_id,
          .description = record.package.domain + " firewall package (" + record.package.plan + ")",
          .provider_instance = record.provider_instance,
          .quantity = 1};
}

// Writes the record (inserted when `insert`), its events and its order in one transaction, which
// also settles the intent of the supplier call when there is one.
net::awaitable<core::Result<store::HostingRecord>> save_hosting(
    const Services& services, store::HostingRecord record, std::vector<store::EventRecord> events,
    std::optional<NewOrder> order, bool insert = false,
    const store::IntentRecord* intent = nullptr) {
  co_return co_await services.store.write<store::HostingRecord>(
      [&](store::Database& db) -> core::Result<store::HostingRecord> {
        if (intent != nullptr && !settle_intent(db, *intent, record.updated_at)) {
          return intent_settled_meanwhile();
        }
        if (insert) {
          if (store::hosting::insert(db, record) == store::hosting::InsertOutcome::package_taken) {
            return Error::conflict("hosting_exists", "This domain already has a package.",
                                   "domain");
          }
        } else {
          store::hosting::update(db, record);
        }
        for (const auto& event : events)
          store::events::append(db, event);
        if (order) insert_order(db, *order);
        return record;
      });
}

net::awaitable<core::Result<store::HostingRecord>> load_hosting(const Services& services,
                                                                const RequestContext& context) {
  const std::string id(context.param("id"));
  const Error missing = Error::not_found("Hosting package not found.", "id");
  if (!core::is_id(id, core::id_prefix::kHosting)) co_return missing;
  const Principal& partner = context.partner();
  co_return co_await services.store.read<store::HostingRecord>(
      [&](store::Database& db) -> core::Result<store::HostingRecord> {
        auto found = store::hosting::find(db, partner.partner_id, partner.livemode, id);
        if (!found) return missing;
        return std::move(*found);
      });
}

core::Result<core::HostingProvisioner*> provisioner_of(const Services& services,
                                                       const store::HostingRecord& record) {
  const auto found = services.providers.find(record.provider_instance);
  if (found == services.providers.end() || found->second->hosting() == nullptr) {
    return Error::upstream(503, "supplier_not_configured",
                           "The supplier holding this package is no longer configured.");
  }
  return found->second->hosting();
}

// The caller's held package and its provisioner, loaded under the package's lock (held by the
// caller until it has saved).
struct OpenPackage {
  store::HostingRecord record;
  core::HostingProvisioner* provisioner = nullptr;
};

net::awaitable<core::Result<OpenPackage>> open_package(const Services& services,
                                                       const RequestContext& context) {
  auto loaded = co_await load_hosting(services, context);
  if (!loaded) co_return loaded.error();
  if (!loaded->held()) {
    co_return Error::conflict("hosting_deleted", "This package was deleted.");
  }
  auto provisioner = provisioner_of(services, *loaded);
  if (!provisioner) co_return provisioner.error();
  co_return OpenPackage{std::move(*loaded), *provisioner};
}

// --- Handlers ---------------------------------------------------------------------------------

// A provisioning request, read and checked.
struct ProvisionBody {
  std::optional<std::string> product;
  std::optional<std::string> customer_id;
  std::string domain;
  std::string plan_text;  // as the partner spelled it
  std::string email;
  std::optional<std::string> given_password;
};

core::Result<ProvisionBody> read_provision(const rapidjson::Value& document) {
  core::json::ObjectReader body(document);
  ProvisionBody read;
  read.product = body.string("product", {.min_length = 1, .max_length = 64});
  read.customer_id = body.string("customer_id", {.max_length = 64});
  const auto domain_text = body.string("domain", {.required = true, .max_length = 253});
  const auto plan_text = body.string("plan", {.required = true, .max_length = 32});
  const auto email_text = body.string("email", {.required = true, .max_length = 254});
  read.given_password = read_password(body);
  if (auto error = body.finish()) return *error;
  auto domain = domain_name_param(*domain_text, "domain");
  if (!domain) return domain.error();
  auto email = core::normalize_email(*email_text, "email");
  if (!email) return email.error();
  read.domain = std::move(*domain);
  read.email = std::move(*email);
  read.plan_text = *plan_text;
  return read;
}

// Records a package the supplier just created, with its event and its order, in one
// transaction that also settles the intent of the call.
net::awaitable<core::Result<store::HostingRecord>> record_new_package(
    const Services& services, const RequestContext& context, const ProvisionBody& body,
    const std::string& product, const adapters::ProviderInstance& instance, const std::string& plan,
    core::HostingPackage created, const store::IntentRecord& intent) {
  const Principal& partner = context.partner();
  const core::TimePoint now = services.clock.now();
  store::HostingRecord record{.id = intent.object_id,
                              .partner_id = partner.partner_id,
                              .livemode = partner.livemode,
                              .customer_id = body.customer_id,
                              .provider_instance = instance.config().name,
                              .product = product,
                              .email = body.email,
                              .package = std::move(created),
                              .created_at = now,
                              .updated_at = now,
                              .synced_at = now};
  core::HostingPackage& package = record.package;
  package.domain = body.domain;
  if (package.supplier_ref.empty()) package.supplier_ref = body.domain;
  if (package.plan.empty()) package.plan = plan;
  std::vector<store::EventRecord> events;
  events.push_back(hosting_event(services, "hosting.provisioned", record, context.request_id));
  NewOrder order = make_order(services, context, billable(record, "hosting.provision"));
  co_return co_await save_hosting(services, std::move(record), std::move(events), std::move(order),
                                  true, &intent);
}

// The password of a provisioning, for its intent: a generated one exists nowhere else, and the
// answer (even a late one, found by the reconciler) must show it once.
std::string password_detail(const std::optional<std::string>& given, const std::string& password) {
  if (given) return "{}";
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  core::json::write(out, "generated_password", password);
  out.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

net::awaitable<server::Response> create_hosting(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  auto body = read_provision(*document);
  if (!body) co_return error_response(context.request_id, body.error());
  auto password = password_or_generated(services, body->given_password);
  if (!password) co_return error_response(context.request_id, password.error());
  const Principal& partner = context.partner();
  auto route = route_hosting(services, body->product, partner.livemode);
  if (!route) co_return error_response(context.request_id, route.error());
  // Instances that sell the plan, each under its own spelling of it.
  std::vector<adapters::ProviderInstance*> capable;
  for (adapters::ProviderInstance* instance : route->instances) {
    if (plan_named(instance->hosting()->capabilities(), body->plan_text)) {
      capable.push_back(instance);
    }
  }
  if (capable.empty()) {
    co_return error_response(
        context.request_id,
        invalid_plan(route->instances.front()->hosting()->capabilities(), body->plan_text));
  }
  if (auto status = co_await check_customer(services, partner, body->customer_id); !status) {
    co_return error_response(context.request_id, status.error());
  }

  // One provisioning per domain at a time: a concurrent duplicate waits, then finds it held (or
  // in doubt, while a provisioning's outcome is still to be learned).
  auto guard = co_await services.domain_locks.lock("hosting:" + body->domain);
  auto held = co_await services.store.read<bool>([&body](store::Database& db) {
    return core::Result<bool>(store::hosting::find_held(db, body->domain).has_value() ||
                              store::intents::unresolved_for(
                                  db, {intent_operation_name::kHostingProvision}, body->domain));
  });
  if (!held) co_return error_response(context.request_id, held.error());
  if (*held) {
    co_return error_response(
        context.request_id,
        Error::conflict("hosting_exists", "This domain already has a package.", "domain"));
  }

  // Written before the supplier is asked: if its answer is lost, the gateway asks it later.
  const IntentStart start{.operation = intent_operation_name::kHostingProvision,
                          .provider_instance = capable.front()->config().name,
                          .lookup = body->domain,
                          .object_id = core::make_id(core::id_prefix::kHosting, services.random),
                          .detail_json = password_detail(body->given_password, *password)};
  auto intent = co_await open_intent(services, context, start);
  if (!intent) co_return error_response(context.request_id, intent.error());
  adapters::ProviderInstance* used = nullptr;
  std::string plan;
  auto created = co_await with_failover<core::HostingPackage>(
      capable,
      [&](adapters::ProviderInstance& instance) -> core::Async<core::HostingPackage> {
        core::HostingProvisioner& provisioner = *instance.hosting();
        plan = *plan_named(provisioner.capabilities(), body->plan_text);
        // Named: GCC 12 destroys an aggregate temporary in a co_await twice (store.hpp).
        const core::HostingRequest request{
            .domain = body->domain, .plan = plan, .email = body->email, .password = *password};
        co_return co_await provisioner.create(request);
      },
      &used,
      [&](adapters::ProviderInstance& instance) {
        return retarget_intent(services, *intent, instance.config().name);
      });
  if (!created) {
    if (created.error().outcome_unknown) {
      guard.release();
      co_return co_await answer_unknown_outcome(services, context, *intent, created.error());
    }
    co_await abandon_intent(services, *intent);
    co_return error_response(context.request_id, created.error());
  }
  auto saved = co_await record_new_package(services, context, *body, route->product, *used, plan,
                                           std::move(*created), *intent);
  if (!saved) {
    context.intent_unresolved = true;
    co_return error_response(context.request_id, saved.error());
  }
  co_return hosting_response(context, 201, *saved, &*password);
}

// A provisioning whose answer was lost happened when the supplier now lists a package for the
// domain.
net::awaitable<Resolution> resume_provision(Services& services, RequestContext& context,
                                            const store::IntentRecord& intent,
                                            const IntentRequest& request) {
  auto document = core::json::parse(request.body.empty() ? std::string_view("{}") : request.body);
  if (!document) co_return Resolution::unknown(document.error());
  auto body = read_provision(*document);
  if (!body) co_return Resolution::unknown(body.error());
  std::string password = body->given_password.value_or(
      core::json::string_of(core::json::member(request.detail, "generated_password")).value_or(""));
  auto route = route_hosting(services, body->product, intent.livemode);
  const auto found = services.providers.find(intent.provider_instance);
  if (!route || found == services.providers.end() || found->second->hosting() == nullptr) {
    co_return Resolution::unknown(Error::upstream(
        503, "supplier_not_configured", "The supplier of this package is no longer configured."));
  }
  adapters::ProviderInstance& instance = *found->second;
  const auto plan = plan_named(instance.hosting()->capabilities(), body->plan_text);
  const core::HostingPackage known{.supplier_ref = body->domain, .domain = body->domain};
  auto view = co_await instance.hosting()->info(known);
  if (!view) co_return Resolution::unknown(view.error());
  if (view->status == HostingStatus::deleted) co_return Resolution::absent();
  const std::string plan_name = plan.value_or(body->plan_text);
  auto guard = co_await services.domain_locks.lock("hosting:" + body->domain);
  auto saved = co_await record_new_package(services, context, *body, route->product, instance,
                                           plan_name, std::move(*view), intent);
  if (!saved) co_return Resolution::unknown(saved.error());
  co_return Resolution::happened(hosting_response(context, 201, *saved, &password));
}

net::awaitable<server::Response> answer_hosting(Services& services, RequestContext& context,
                                                const store::IntentRecord& intent,
                                                unsigned status) {
  auto record = co_await services.store.read<store::HostingRecord>(
      [&intent](store::Database& db) -> core::Result<store::HostingRecord> {
        auto found = store::hosting::find(db, intent.partner_id, intent.livemode, intent.object_id);
        if (!found) return Error::not_found("Hosting package not found.");
        return std::move(*found);
      });
  if (!record) co_return error_response(context.request_id, record.error());
  co_return hosting_response(context, status, *record);
}

net::awaitable<server::Response> list_hosting(Services& services, RequestContext& context) {
  auto query = list_query(context, {"customer_id", "status", "domain"});
  if (!query) co_return error_response(context.request_id, query.error());
  store::HostingFilter filter;
  if (auto found = context.query.find("customer_id"); found != context.query.end()) {
    filter.customer_id = found->second;
  }
  if (auto found = context.query.find("status"); found != context.query.end()) {
    filter.status = core::parse_hosting_status(found->second);
    if (!filter.status) {
      co_return error_response(
          context.request_id,
          Error::invalid_request("invalid_status",
                                 "'status' must be one of active, suspended, deleted.", "status"));
    }
  }
  if (auto found = context.query.find("domain"); found != context.query.end()) {
    auto domain = domain_name_param(found->second, "domain");
    if (!domain) co_return error_response(context.request_id, domain.error());
    filter.domain = std::move(*domain);
  }
  const Principal& partner = context.partner();
  using Page = store::Page<store::HostingRecord>;
  auto page = co_await services.store.read<Page>(
      [&partner, &query, &filter](store::Database& db) -> core::Result<Page> {
        auto found = store::hosting::list(db, partner.partner_id, partner.livemode, filter,
                                          query->limit, query->starting_after);
        if (!found) {
          return Error::invalid_request("invalid_cursor",
                                        "'starting_after' does not name one of your packages.",
                                        "starting_after");
        }
        return std::move(*found);
      });
  if (!page) co_return error_response(context.request_id, page.error());
  co_return list_response(context.request_id, page->items, write_hosting, page->total,
                          page->has_more);
}

// The stored package with its status refreshed from the supplier. When the supplier cannot
// answer, the stored view is served: its synced_at says how old it is.
net::awaitable<server::Response> get_hosting(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto loaded = co_await load_hosting(services, context);
  if (!loaded) co_return error_response(context.request_id, loaded.error());
  store::HostingRecord record = std::move(*loaded);
  if (!record.held()) co_return hosting_response(context, 200, record);
  auto provisioner = provisioner_of(services, record);
  if (!provisioner) co_return hosting_response(context, 200, record);
  auto view = co_await (*provisioner)->info(record.package);
  if (!view) {
    services.log.warn("hosting refresh failed",
                      {{"request_id", context.request_id}, {"code", view.error().code}});
    co_return hosting_response(context, 200, record);
  }
  const core::HostingPackage before = record.package;
  core::HostingPackage& package = record.package;
  package.status = view->status;
  if (!view->plan.empty()) package.plan = view->plan;
  if (!view->supplier_status.empty()) package.supplier_status = view->supplier_status;
  const core::TimePoint now = services.clock.now();
  record.synced_at = now;
  std::vector<store::EventRecord> events;
  if (package.status != before.status || package.plan != before.plan ||
      package.supplier_status != before.supplier_status) {
    record.updated_at = now;
  }
  if (auto type = status_event(before.status, package.status)) {
    events.push_back(hosting_event(services, *type, record, context.request_id,
                                   [&before](core::json::Writer& out) {
                                     core::json::write(out, "status", core::name_of(before.status));
                                   }));
  }
  if (package.plan != before.plan) {
    events.push_back(hosting_event(
        services, "hosting.updated", record, context.request_id,
        [&before](core::json::Writer& out) { core::json::write(out, "plan", before.plan); }));
  }
  auto saved = co_await save_hosting(services, std::move(record), std::move(events), std::nullopt);
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return hosting_response(context, 200, *saved);
}

// Suspend or unsuspend: a package already in the wanted status is answered as it is.
net::awaitable<server::Response> set_suspended(Services& services, RequestContext& context,
                                               bool suspend) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  if (auto error = core::json::ObjectReader(*document).finish()) {
    co_return error_response(context.request_id, *error);
  }
  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto open = co_await open_package(services, context);
  if (!open) co_return error_response(context.request_id, open.error());
  store::HostingRecord& record = open->record;
  const HostingStatus wanted = suspend ? HostingStatus::suspended : HostingStatus::active;
  const HostingStatus before = record.package.status;
  if (before == wanted) co_return hosting_response(context, 200, record);
  // Not one conditional expression of two co_awaits: GCC 12 destroys its result twice.
  core::Status done = core::Ok{};
  if (suspend) {
    done = co_await open->provisioner->suspend(record.package);
  } else {
    done = co_await open->provisioner->unsuspend(record.package);
  }
  if (!done) co_return error_response(context.request_id, done.error());
  record.package.status = wanted;
  record.package.supplier_status = suspend ? "suspended" : "active";
  record.updated_at = services.clock.now();
  std::vector<store::EventRecord> events;
  events.push_back(hosting_event(services, *status_event(before, wanted), record,
                                 context.request_id, [before](core::json::Writer& out) {
                                   core::json::write(out, "status", core::name_of(before));
                                 }));
  auto saved = co_await save_hosting(services, std::move(record), std::move(events), std::nullopt);
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return hosting_response(context, 200, *saved);
}

net::awaitable<server::Response> suspend_hosting(Services& services, RequestContext& context) {
  co_return co_await set_suspended(services, context, true);
}

net::awaitable<server::Response> unsuspend_hosting(Services& services, RequestContext& context) {
  co_return co_await set_suspended(services, context, false);
}

net::awaitable<server::Response> rotate_password(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  core::json::ObjectReader body(*document);
  const auto given = read_password(body);
  if (auto error = body.finish()) co_return error_response(context.request_id, *error);
  auto password = password_or_generated(services, given);
  if (!password) co_return error_response(context.request_id, password.error());

  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto open = co_await open_package(services, context);
  if (!open) co_return error_response(context.request_id, open.error());
  store::HostingRecord& record = open->record;
  auto done = co_await open->provisioner->set_password(record.package, *password);
  if (!done) co_return error_response(context.request_id, done.error());
  record.updated_at = services.clock.now();
  std::vector<store::EventRecord> events;
  events.push_back(hosting_event(services, "hosting.password_changed", record, context.request_id));
  auto saved = co_await save_hosting(services, std::move(record), std::move(events), std::nullopt);
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return hosting_response(context, 200, *saved, &*password);
}

net::awaitable<core::Result<store::HostingRecord>> record_package_renewal(
    const Services& services, const RequestContext& context, store::HostingRecord record,
    const store::IntentRecord& intent) {
  record.updated_at = services.clock.now();
  std::vector<store::EventRecord> events;
  events.push_back(hosting_event(services, "hosting.renewed", record, context.request_id));
  NewOrder order = make_order(services, context, billable(record, "hosting.renew"));
  co_return co_await save_hosting(services, std::move(record), std::move(events), std::move(order),
                                  false, &intent);
}

// The supplier's answers show no expiry, so a renewal whose answer was lost cannot be seen
// there: it waits for an operator, who checks the supplier's panel (POST /admin/intents/{id}).
net::awaitable<Resolution> resume_package_renewal(Services&, RequestContext&,
                                                  const store::IntentRecord&,
                                                  const IntentRequest&) {
  co_return Resolution::unknown(Error::upstream(502, "outcome_not_observable",
                                                "The supplier's answers do not tell whether this "
                                                "renewal happened: an operator confirms it."));
}

// The operator's word that the renewal happened: recorded as the request would have.
net::awaitable<Resolution> confirm_package_renewal(Services& services, RequestContext& context,
                                                   const store::IntentRecord& intent,
                                                   const IntentRequest&) {
  auto guard = co_await services.domain_locks.lock(intent.object_id);
  auto record = co_await services.store.read<store::HostingRecord>(
      [&intent](store::Database& db) -> core::Result<store::HostingRecord> {
        auto found = store::hosting::find(db, intent.partner_id, intent.livemode, intent.object_id);
        if (!found) return Error::not_found("Hosting package not found.");
        return std::move(*found);
      });
  if (!record) co_return Resolution::unknown(record.error());
  auto saved = co_await record_package_renewal(services, context, std::move(*record), intent);
  if (!saved) co_return Resolution::unknown(saved.error());
  co_return Resolution::happened(hosting_response(context, 200, *saved));
}

net::awaitable<server::Response> renew_hosting(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  if (auto error = core::json::ObjectReader(*document).finish()) {
    co_return error_response(context.request_id, *error);
  }
  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto open = co_await open_package(services, context);
  if (!open) co_return error_response(context.request_id, open.error());
  store::HostingRecord& record = open->record;
  const IntentStart start{.operation = intent_operation_name::kHostingRenew,
                          .provider_instance = record.provider_instance,
                          .lookup = record.package.domain,
                          .object_id = record.id};
  auto intent = co_await open_intent(services, context, start);
  if (!intent) co_return error_response(context.request_id, intent.error());
  auto done = co_await open->provisioner->renew(record.package);
  if (!done) {
    if (done.error().outcome_unknown) {
      guard.release();
      co_return co_await answer_unknown_outcome(services, context, *intent, done.error());
    }
    co_await abandon_intent(services, *intent);
    co_return error_response(context.request_id, done.error());
  }
  auto saved = co_await record_package_renewal(services, context, std::move(record), *intent);
  if (!saved) {
    context.intent_unresolved = true;
    co_return error_response(context.request_id, saved.error());
  }
  co_return hosting_response(context, 200, *saved);
}

net::awaitable<server::Response> update_hosting(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  core::json::ObjectReader body(*document);
  const auto plan_text = body.string("plan", {.required = true, .max_length = 32});
  if (auto error = body.finish()) co_return error_response(context.request_id, *error);

  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto open = co_await open_package(services, context);
  if (!open) co_return error_response(context.request_id, open.error());
  store::HostingRecord& record = open->record;
  const core::Capabilities& capabilities = open->provisioner->capabilities();
  const auto plan = plan_named(capabilities, *plan_text);
  if (!plan) co_return error_response(context.request_id, invalid_plan(capabilities, *plan_text));
  if (*plan == record.package.plan) co_return hosting_response(context, 200, record);
  auto done = co_await open->provisioner->change_plan(record.package, *plan);
  if (!done) co_return error_response(context.request_id, done.error());
  const std::string before = std::exchange(record.package.plan, *plan);
  record.updated_at = services.clock.now();
  std::vector<store::EventRecord> events;
  events.push_back(hosting_event(
      services, "hosting.updated", record, context.request_id,
      [&before](core::json::Writer& out) { core::json::write(out, "plan", before); }));
  auto saved = co_await save_hosting(services, std::move(record), std::move(events), std::nullopt);
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return hosting_response(context, 200, *saved);
}

// A package the supplier no longer has is deleted all the same: the outcome wanted holds.
net::awaitable<server::Response> delete_hosting(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto open = co_await open_package(services, context);
  if (!open) co_return error_response(context.request_id, open.error());
  store::HostingRecord& record = open->record;
  auto done = co_await open->provisioner->remove(record.package);
  if (!done && done.error().code != "hosting_missing") {
    co_return error_response(context.request_id, done.error());
  }
  const HostingStatus before = record.package.status;
  record.package.status = HostingStatus::deleted;
  record.package.supplier_status.clear();
  record.updated_at = services.clock.now();
  std::vector<store::EventRecord> events;
  events.push_back(hosting_event(services, "hosting.deleted", record, context.request_id,
                                 [before](core::json::Writer& out) {
                                   core::json::write(out, "status", core::name_of(before));
                                 }));
  auto saved = co_await save_hosting(services, std::move(record), std::move(events), std::nullopt);
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return hosting_response(context, 200, *saved);
}

}  // namespace

const IntentOperation kHostingProvisionOperation{
    .name = intent_operation_name::kHostingProvision,
    .resume = resume_provision,
    .answer =
        [](Services& services, RequestContext& context, const store::IntentRecord& intent) {
          return answer_hosting(services, context, intent, 201);
        },
    .confirm = nullptr};

const IntentOperation kHostingRenewOperation{
    .name = intent_operation_name::kHostingRenew,
    .resume = resume_package_renewal,
    .answer =
        [](Services& services, RequestContext& context, const store::IntentRecord& intent) {
          return answer_hosting(services, context, intent, 200);
        },
    .confirm = confirm_package_renewal};

void add_hosting_routes(Router& router, Services& services) {
  const auto add = [&](const char* method, const char* pattern, ServiceHandler handler) {
    add_partner_route(router, services, method, pattern, handler);
  };
  add("POST", "/api/v1/hosting", create_hosting);
  add("GET", "/api/v1/hosting", list_hosting);
  add("GET", "/api/v1/hosting/{id}", get_hosting);
  add("PATCH", "/api/v1/hosting/{id}", update_hosting);
  add("DELETE", "/api/v1/hosting/{id}", delete_hosting);
  add("POST", "/api/v1/hosting/{id}/suspend", suspend_hosting);
  add("POST", "/api/v1/hosting/{id}/unsuspend", unsuspend_hosting);
  add("POST", "/api/v1/hosting/{id}/password", rotate_password);
  add("POST", "/api/v1/hosting/{id}/renew", renew_hosting);
}

}  // namespace portico::api
