#include "portico/admin/routes.hpp"

#include <algorithm>

#include <boost/beast/http/field.hpp>

#include "portico/admin/accounts.hpp"
#include "portico/api/billing.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/core/ids.hpp"
#include "portico/store/idempotency.hpp"
#include "portico/store/webhooks.hpp"

namespace portico::admin {

namespace net = boost::asio;
namespace http = boost::beast::http;
using api::RequestContext;
using core::Error;
using server::Response;

namespace {

void write_partner(core::json::Writer& out, const store::PartnerRecord& partner) {
  core::json::write(out, "object", "partner");
  core::json::write(out, "id", partner.id);
  core::json::write(out, "name", partner.name);
  core::json::write(out, "created_at", core::format_rfc3339(partner.created_at));
}

void write_key(core::json::Writer& out, const store::ApiKeyRecord& key) {
  core::json::write(out, "object", "api_key");
  core::json::write(out, "id", key.id);
  core::json::write(out, "partner_id", key.partner_id);
  core::json::write(out, "prefix", key.prefix);
  core::json::write(out, "livemode", key.livemode);
  core::json::write(out, "created_at", core::format_rfc3339(key.created_at));
  if (key.revoked_at) {
    core::json::write(out, "revoked_at", core::format_rfc3339(*key.revoked_at));
  } else {
    core::json::write_null(out, "revoked_at");
  }
}

// The prepaid balance is under the instance's configured floor.
bool credit_low(const config::ProviderConfig& provider, const adapters::HealthSnapshot& snapshot) {
  return provider.credit_floor && snapshot.balance &&
         snapshot.balance->amount_minor < *provider.credit_floor;
}

// "credit": the balance as the balance job last read it, its floor and whether it is under.
void write_credit(core::json::Writer& out, const config::ProviderConfig& provider,
                  const adapters::HealthSnapshot& snapshot) {
  if (!snapshot.balance) {
    core::json::write_null(out, "credit");
  } else {
    core::json::key(out, "credit");
    out.StartObject();
    core::json::write(out, "amount", snapshot.balance->amount_minor);
    core::json::write(out, "currency", snapshot.balance->currency);
    core::json::write_time(out, "checked_at", snapshot.balance_checked_at);
    if (provider.credit_floor) {
      core::json::write(out, "floor", *provider.credit_floor);
    } else {
      core::json::write_null(out, "floor");
    }
    core::json::write(out, "low", credit_low(provider, snapshot));
    out.EndObject();
  }
  if (snapshot.balance_error_code.empty()) {
    core::json::write_null(out, "credit_error");
  } else {
    core::json::write(out, "credit_error", snapshot.balance_error_code);
  }
}

void write_latency(core::json::Writer& out, std::string_view name,
                   const std::optional<std::chrono::milliseconds>& latency) {
  if (latency) {
    core::json::write(out, name, static_cast<std::int64_t>(latency->count()));
  } else {
    core::json::write_null(out, name);
  }
}

// One provider instance as far as its calls tell: its circuit, recent error rate and
// latency, what the resilience layer refused or delayed, and its credit.
void write_provider(core::json::Writer& out, const std::string& name,
                    const config::ProviderConfig& provider,
                    const adapters::HealthSnapshot& snapshot) {
  out.StartObject();
  core::json::write(out, "name", name);
  core::json::write(out, "type", provider.type);
  core::json::write(out, "origin", provider.endpoint.origin());
  core::json::write(out, "sandbox", provider.sandbox);
  // "unknown" until a call tells; then the outcome of the latest call decides.
  std::string_view state = "unknown";
  if (snapshot.last_success || snapshot.last_failure) {
    state = (snapshot.last_failure.value_or(core::TimePoint{}) >
             snapshot.last_success.value_or(core::TimePoint{}))
                ? "failing"
                : "ok";
  }
  core::json::write(out, "state", state);
  core::json::key(out, "circuit");
  out.StartObject();
  core::json::write(out, "state", core::circuit_state_name(snapshot.circuit));
  core::json::write_time(out, "since", snapshot.circuit_since);
  out.EndObject();
  core::json::write(out, "calls", snapshot.calls);
  core::json::write(out, "failures", snapshot.failures);
  // Over the latest calls (adapters::Health::kRecentCalls), as latency_ms.
  core::json::key(out, "error_rate");
  out.Double(snapshot.error_rate);
  core::json::key(out, "latency_ms");
  out.StartObject();
  write_latency(out, "p50", snapshot.latency_p50);
  write_latency(out, "p99", snapshot.latency_p99);
  out.EndObject();
  core::json::write(out, "retries", snapshot.retries);
  core::json::key(out, "refused");
  out.StartObject();
  core::json::write(out, "circuit_open", snapshot.circuit_refusals);
  core::json::write(out, "busy", snapshot.busy_refusals);
  core::json::write(out, "rate_limited", snapshot.rate_limit_refusals);
  out.EndObject();
  core::json::write(out, "rate_limit_waits", snapshot.rate_limit_waits);
  core::json::write_time(out, "last_success_at", snapshot.last_success);
  core::json::write_time(out, "last_failure_at", snapshot.last_failure);
  if (snapshot.last_error_code.empty()) {
    core::json::write_null(out, "last_error");
  } else {
    core::json::write(out, "last_error", snapshot.last_error_code);
  }
  write_credit(out, provider, snapshot);
  out.EndObject();
}

// GET /admin/health: 200 while the database answers ("ok", or "degraded" while some instance's
// circuit is open: it is refusing calls), 503 when it does not; each provider instance as far
// as its calls tell, and warnings (a balance under its floor) that need an operator but do not
// stop serving.
net::awaitable<Response> health(api::Services& services, RequestContext& context) {
  auto database = co_await services.store.read<core::Ok>([](store::Database& db) -> core::Status {
    db.exec("SELECT count(*) FROM schema_migrations");
    return core::Ok{};
  });
  const bool database_ok = database.ok();
  struct Outbox {
    std::int64_t pending = 0;
    std::optional<core::TimePoint> next_due;
    std::int64_t unresolved_intents = 0;
    std::optional<core::TimePoint> oldest_intent;
  };
  auto outbox =
      co_await services.store.read<Outbox>([](store::Database& db) -> core::Result<Outbox> {
        return Outbox{.pending = store::webhook_deliveries::pending_count(db),
                      .next_due = store::webhook_deliveries::next_due(db),
                      .unresolved_intents = store::intents::unresolved_count(db),
                      .oldest_intent = store::intents::oldest_unresolved(db)};
      });
  std::vector<adapters::HealthSnapshot> snapshots;
  bool circuit_open = false;
  for (const auto& [name, instance] : services.providers) {
    snapshots.push_back(instance->health().snapshot());
    circuit_open = circuit_open || snapshots.back().circuit == core::CircuitState::open;
  }
  const std::string_view status = !database_ok ? "unavailable" : circuit_open ? "degraded" : "ok";
  Response response =
      api::data_response(context.request_id, database_ok ? 200 : 503, [&](core::json::Writer& out) {
        core::json::write(out, "object", "health");
        core::json::write(out, "status", status);
        core::json::key(out, "database");
        out.StartObject();
        core::json::write(out, "status", database_ok ? "ok" : "unavailable");
        core::json::write(out, "schema_version", services.store.schema_version());
        out.EndObject();
        std::vector<std::pair<std::string, std::string>> low_credit;  // provider, message
        core::json::key(out, "providers");
        out.StartArray();
        auto snapshot = snapshots.begin();
        for (const auto& [name, instance] : services.providers) {
          if (credit_low(instance->config(), *snapshot)) {
            const std::string& currency = snapshot->balance->currency;
            low_credit.emplace_back(
                name, "The prepaid balance (" +
                          api::format_amount(snapshot->balance->amount_minor, currency) + " " +
                          currency + ") is under the floor of " +
                          api::format_amount(*instance->config().credit_floor, currency) +
                          ": top up the account before orders fail.");
          }
          write_provider(out, name, instance->config(), *snapshot++);
        }
        out.EndArray();
        if (outbox) {
          core::json::key(out, "webhooks");
          out.StartObject();
          core::json::write(out, "pending", outbox->pending);
          core::json::write_time(out, "next_due_at", outbox->next_due);
          out.EndObject();
        } else {
          core::json::write_null(out, "webhooks");
        }
        // Costly supplier calls whose outcome is still to be learned (api/intents.hpp).
        if (outbox) {
          core::json::key(out, "supplier_intents");
          out.StartObject();
          core::json::write(out, "unresolved", outbox->unresolved_intents);
          core::json::write_time(out, "oldest_at", outbox->oldest_intent);
          out.EndObject();
        } else {
          core::json::write_null(out, "supplier_intents");
        }
        core::json::key(out, "warnings");
        out.StartArray();
        if (outbox && outbox->unresolved_intents > 0) {
          out.StartObject();
          core::json::write(out, "code", "intents_unresolved");
          core::json::write_null(out, "provider");
          core::json::write(out, "message",
                            std::to_string(outbox->unresolved_intents) +
                                " supplier operations have an outcome still to be learned; "
                                "GET /admin/intents lists them.");
          out.EndObject();
        }
        for (const auto& [name, message] : low_credit) {
          out.StartObject();
          core::json::write(out, "code", "credit_low");
          core::json::write(out, "provider", name);
          core::json::write(out, "message", message);
          out.EndObject();
        }
        out.EndArray();
      });
  co_return response;
}

// Each provider instance's series, the same truths as the health endpoint, labelled by
// instance name (the config's: [a-z0-9_-], no escaping needed). Counts are written exactly.
std::string provider_metrics(const api::Providers& providers) {
  std::string out;
  const auto family = [&out](std::string_view metric, std::string_view type,
                             std::string_view help) {
    out.append("# HELP ").append(metric).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(metric).append(" ").append(type).append("\n");
  };
  const auto sample = [&out](std::string_view metric, const std::string& labels,
                             const std::string& value) {
    out.append(metric).append("{").append(labels).append("} ").append(value).append("\n");
  };
  std::vector<std::pair<std::string, adapters::HealthSnapshot>> all;
  for (const auto& [name, instance] : providers)
    all.emplace_back("instance=\"" + name + "\"", instance->health().snapshot());

  family("portico_upstream_calls_total", "counter",
         "Supplier calls by instance and outcome; refused calls never reached the supplier.");
  for (const auto& [labels, h] : all) {
    const std::pair<const char*, std::int64_t> outcomes[] = {
        {"success", h.calls - h.failures},
        {"failure", h.failures},
        {"circuit_open", h.circuit_refusals},
        {"busy", h.busy_refusals},
        {"rate_limited", h.rate_limit_refusals}};
    for (const auto& [outcome, count] : outcomes) {
      sample("portico_upstream_calls_total", labels + ",outcome=\"" + outcome + "\"",
             std::to_string(count));
    }
  }
  family("portico_upstream_retries_total", "counter", "Attempts after the first, by instance.");
  for (const auto& [labels, h] : all)
    sample("portico_upstream_retries_total", labels, std::to_string(h.retries));
  family("portico_upstream_rate_limit_waits_total", "counter",
         "Calls that waited for the outgoing rate limiter, by instance.");
  for (const auto& [labels, h] : all)
    sample("portico_upstream_rate_limit_waits_total", labels, std::to_string(h.rate_limit_waits));
  family("portico_upstream_latency_seconds", "summary",
         "Supplier call latency: quantiles over the latest calls, sum and count since start.");
  for (const auto& [labels, h] : all) {
    // Named: clang 14 (clang-tidy) refuses a lambda that captures a structured binding.
    const std::string& instance_labels = labels;
    const auto quantile = [&](const char* q, const std::optional<std::chrono::milliseconds>& at) {
      if (!at) return;
      sample("portico_upstream_latency_seconds", instance_labels + ",quantile=\"" + q + "\"",
             server::prometheus_number(std::chrono::duration<double>(*at).count()));
    };
    quantile("0.5", h.latency_p50);
    quantile("0.99", h.latency_p99);
    sample("portico_upstream_latency_seconds_sum", labels,
           server::prometheus_number(h.latency_total_ms / 1000.0));
    sample("portico_upstream_latency_seconds_count", labels, std::to_string(h.calls));
  }
  family("portico_upstream_error_rate", "gauge",
         "Failed share of the latest calls (transport failures and 5xx), by instance.");
  for (const auto& [labels, h] : all)
    sample("portico_upstream_error_rate", labels, server::prometheus_number(h.error_rate));
  family("portico_upstream_circuit_state", "gauge",
         "1 for the state each instance's circuit breaker is in, 0 for the others.");
  for (const auto& [labels, h] : all) {
    for (const core::CircuitState state :
         {core::CircuitState::closed, core::CircuitState::open, core::CircuitState::half_open}) {
      sample("portico_upstream_circuit_state",
             labels + ",state=\"" + std::string(core::circuit_state_name(state)) + "\"",
             h.circuit == state ? "1" : "0");
    }
  }
  family("portico_upstream_credit_balance", "gauge",
         "The supplier's prepaid balance as last read, in its currency's major unit.");
  for (const auto& [labels, h] : all) {
    if (!h.balance) continue;
    // The currency comes from the supplier's answer: only a plain code becomes a label value.
    const std::string& currency = h.balance->currency;
    const bool plain =
        !currency.empty() && currency.size() <= 8 &&
        std::all_of(currency.begin(), currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    sample("portico_upstream_credit_balance",
           labels + ",currency=\"" + (plain ? currency : std::string("unknown")) + "\"",
           api::format_amount(h.balance->amount_minor, currency));
  }
  return out;
}

net::awaitable<Response> metrics(api::Services& services, RequestContext&) {
  // What the store knows: deliveries waiting, supplier outcomes still to be learned. A failed
  // read leaves the series out rather than reporting a false 0.
  struct Waiting {
    std::int64_t deliveries = 0;
    std::int64_t intents = 0;
  };
  auto waiting =
      co_await services.store.read<Waiting>([](store::Database& db) -> core::Result<Waiting> {
        return Waiting{.deliveries = store::webhook_deliveries::pending_count(db),
                       .intents = store::intents::unresolved_count(db)};
      });
  std::string body = services.metrics.render() + provider_metrics(services.providers);
  if (waiting) {
    body +=
        "# HELP portico_webhook_deliveries_pending Webhook deliveries waiting to be sent.\n"
        "# TYPE portico_webhook_deliveries_pending gauge\n"
        "portico_webhook_deliveries_pending " +
        std::to_string(waiting->deliveries) +
        "\n# HELP portico_supplier_intents_unresolved Costly supplier calls whose outcome is "
        "still to be learned.\n"
        "# TYPE portico_supplier_intents_unresolved gauge\n"
        "portico_supplier_intents_unresolved " +
        std::to_string(waiting->intents) + "\n";
  }
  Response response(http::status::ok, 11);
  response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  response.body() = std::move(body);
  co_return response;
}

net::awaitable<Response> create_partner_route(api::Services& services, RequestContext& context) {
  auto document = api::json_body(context);
  if (!document) co_return api::error_response(context.request_id, document.error());
  core::json::ObjectReader body(*document);
  auto name = body.string("name", {.required = true, .min_length = 1, .max_length = 100});
  if (auto error = body.finish()) co_return api::error_response(context.request_id, *error);
  const Actor actor{"admin-api", context.request_id};
  auto partner = co_await services.store.write<store::PartnerRecord>([&](store::Database& db) {
    return create_partner(db, *name, actor, services.clock.now(), services.random);
  });
  if (!partner) co_return api::error_response(context.request_id, partner.error());
  co_return api::data_response(context.request_id, 201,
                               [&](core::json::Writer& out) { write_partner(out, *partner); });
}

net::awaitable<Response> list_partners(api::Services& services, RequestContext& context) {
  auto partners = co_await services.store.read<std::vector<store::PartnerRecord>>(
      [](store::Database& db) -> core::Result<std::vector<store::PartnerRecord>> {
        return store::partners::list(db);
      });
  if (!partners) co_return api::error_response(context.request_id, partners.error());
  co_return api::list_response(context.request_id, *partners, write_partner,
                               static_cast<std::int64_t>(partners->size()), false);
}

net::awaitable<Response> create_key_route(api::Services& services, RequestContext& context) {
  auto document = api::json_body(context);
  if (!document) co_return api::error_response(context.request_id, document.error());
  core::json::ObjectReader body(*document);
  auto mode = body.string("mode", {.max_length = 4});
  if (mode && *mode != "live" && *mode != "test") {
    body.fail(Error::invalid_request("invalid_mode", "'mode' is \"live\" or \"test\".", "mode"));
  }
  if (auto error = body.finish()) co_return api::error_response(context.request_id, *error);
  const bool livemode = mode.value_or("live") == "live";
  const std::string partner_id(context.param("id"));
  const Actor actor{"admin-api", context.request_id};
  auto key = co_await services.store.write<CreatedKey>([&](store::Database& db) {
    return create_key(db, partner_id, livemode, services.config.keys.brand, actor,
                      services.clock.now(), services.random);
  });
  if (!key) co_return api::error_response(context.request_id, key.error());
  co_return api::data_response(context.request_id, 201, [&](core::json::Writer& out) {
    write_key(out, key->record);
    // The one and only time the full key is shown.
    core::json::write(out, "secret", key->plaintext);
  });
}

net::awaitable<Response> list_keys(api::Services& services, RequestContext& context) {
  const std::string partner_id(context.param("id"));
  auto keys = co_await services.store.read<std::vector<store::ApiKeyRecord>>(
      [&](store::Database& db) -> core::Result<std::vector<store::ApiKeyRecord>> {
        if (!store::partners::find_by_id(db, partner_id)) {
          return Error::not_found("Partner not found.", "partner");
        }
        return store::api_keys::list_for_partner(db, partner_id);
      });
  if (!keys) co_return api::error_response(context.request_id, keys.error());
  co_return api::list_response(context.request_id, *keys, write_key,
                               static_cast<std::int64_t>(keys->size()), false);
}

net::awaitable<Response> revoke_key_route(api::Services& services, RequestContext& context) {
  const std::string key_id(context.param("id"));
  const Actor actor{"admin-api", context.request_id};
  auto key = co_await services.store.write<store::ApiKeyRecord>(
      [&](store::Database& db) { return revoke_key(db, key_id, actor, services.clock.now()); });
  if (!key) co_return api::error_response(context.request_id, key.error());
  services.store.key_revocations().add_one();  // committed: cached keys are read again
  co_return api::data_response(context.request_id, 200,
                               [&](core::json::Writer& out) { write_key(out, *key); });
}

// POST /admin/jobs/domain-sync[?all=true], /admin/jobs/certificate-sync[?all=true] and
// /admin/jobs/balance-check: one pass of the job now (everything it looks after with
// all=true, not only what is due), answering what it did. For operators after an incident,
// and for tests.
using JobPass = std::function<net::awaitable<jobs::SyncReport>(bool everything)>;
net::awaitable<Response> run_job(const JobPass& pass, const char* job_name,
                                 RequestContext& context) {
  bool everything = false;
  for (const auto& [name, value] : context.query) {
    if (name != "all" || (value != "true" && value != "false")) {
      co_return api::error_response(
          context.request_id,
          Error::invalid_request("parameter_unknown", "Only all=true|false is accepted.", name));
    }
    everything = value == "true";
  }
  const jobs::SyncReport report = co_await pass(everything);
  co_return api::data_response(context.request_id, 200, [&](core::json::Writer& out) {
    core::json::write(out, "object", "job_run");
    core::json::write(out, "job", job_name);
    core::json::write(out, "checked", report.checked);
    core::json::write(out, "changed", report.changed);
    core::json::write(out, "failed", report.failed);
  });
}

// POST /admin/jobs/webhook-dispatch: one dispatcher pass now, answering once every attempt it
// started is recorded. For tests with an injected clock, and operators.
net::awaitable<Response> run_webhook_dispatch(events::Dispatcher& dispatcher,
                                              RequestContext& context) {
  if (!context.query.empty()) {
    co_return api::error_response(
        context.request_id, Error::invalid_request("parameter_unknown", "No parameter is accepted.",
                                                   context.query.begin()->first));
  }
  const events::DispatchReport report = co_await dispatcher.run_once();
  co_return api::data_response(context.request_id, 200, [&](core::json::Writer& out) {
    core::json::write(out, "object", "job_run");
    core::json::write(out, "job", "webhook_dispatch");
    core::json::write(out, "claimed", report.claimed);
    core::json::write(out, "succeeded", report.succeeded);
    core::json::write(out, "failed", report.failed);
  });
}

}  // namespace

api::Router admin_router(api::Services& services, Jobs jobs) {
  api::Router router;
  auto bind = [&services](auto handler) {
    return [&services, handler](RequestContext& context) { return handler(services, context); };
  };
  router.add({"GET", "/admin/health", api::Access::admin, bind(health)});
  router.add({"GET", "/admin/metrics", api::Access::admin, bind(metrics)});
  router.add({"GET", "/admin/partners", api::Access::admin, bind(list_partners)});
  router.add({"POST", "/admin/partners", api::Access::admin, bind(create_partner_route)});
  router.add({"GET", "/admin/partners/{id}/keys", api::Access::admin, bind(list_keys)});
  router.add({"POST", "/admin/partners/{id}/keys", api::Access::admin, bind(create_key_route)});
  router.add({"DELETE", "/admin/keys/{id}", api::Access::admin, bind(revoke_key_route)});
  const auto add_job = [&router](const char* path, const char* name, JobPass pass) {
    router.add(
        {"POST", path, api::Access::admin, [name, pass = std::move(pass)](RequestContext& context) {
           return run_job(pass, name, context);
         }});
  };
  add_job("/admin/jobs/domain-sync", "domain_sync",
          [&sync = jobs.domain_sync](bool all) { return sync.run_once(all); });
  add_job("/admin/jobs/certificate-sync", "certificate_sync",
          [&sync = jobs.certificate_sync](bool all) { return sync.run_once(all); });
  add_job("/admin/jobs/balance-check", "balance_check",
          [&check = jobs.balance_check](bool) { return check.run_once(); });
  add_job("/admin/jobs/reconcile", "reconcile",
          [&reconciler = jobs.reconciler](bool) { return reconciler.run_once(); });
  router.add({"POST", "/admin/jobs/webhook-dispatch", api::Access::admin,
              [&dispatcher = jobs.webhook_dispatch](RequestContext& context) {
                return run_webhook_dispatch(dispatcher, context);
              }});
  add_supplier_routes(router, services);
  return router;
}

}  // namespace portico::admin
