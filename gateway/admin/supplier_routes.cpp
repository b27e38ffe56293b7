// What the gateway did at its suppliers, for operators: supplier intents (costly calls whose
// answer was lost, and how they were resolved) and the audit trail of every supplier call by
// request id.
#include "portico/admin/routes.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/idempotency.hpp"
#include "portico/api/intents.hpp"
#include "portico/core/ids.hpp"
#include "portico/store/idempotency.hpp"
#include "portico/store/repositories.hpp"

namespace portico::admin {

namespace net = boost::asio;
using api::RequestContext;
using core::Error;
using server::Response;

namespace {

void write_intent(core::json::Writer& out, const store::IntentRecord& intent) {
  core::json::write(out, "object", "supplier_intent");
  core::json::write(out, "id", intent.id);
  core::json::write(out, "operation", intent.operation);
  core::json::write(out, "state", store::name_of(intent.state));
  core::json::write(out, "provider", intent.provider_instance);
  core::json::write(out, "lookup", intent.lookup);
  core::json::write(out, "object_id", intent.object_id);
  core::json::write(out, "partner_id", intent.partner_id);
  core::json::write(out, "livemode", intent.livemode);
  core::json::write(out, "request_id", intent.request_id);
  core::json::write(out, "has_idempotency_key", !intent.idempotency_key.empty());
  core::json::write(out, "attempts", intent.attempts);
  if (intent.last_error.empty()) {
    core::json::write_null(out, "last_error");
  } else {
    core::json::write(out, "last_error", intent.last_error);
  }
  core::json::write_time(out, "next_check_at", intent.next_check_at);
  core::json::write(out, "created_at", core::format_rfc3339(intent.created_at));
  core::json::write(out, "updated_at", core::format_rfc3339(intent.updated_at));
}

// GET /admin/intents[?state=unresolved|all][&limit=N]: newest first; unresolved by default.
net::awaitable<Response> list_intents(api::Services& services, RequestContext& context) {
  auto query = api::list_query(context, {"state"});
  if (!query) co_return api::error_response(context.request_id, query.error());
  bool unresolved_only = true;
  if (const auto found = context.query.find("state"); found != context.query.end()) {
    if (found->second != "unresolved" && found->second != "all") {
      co_return api::error_response(
          context.request_id,
          Error::invalid_request("invalid_state", "'state' is unresolved or all.", "state"));
    }
    unresolved_only = found->second == "unresolved";
  }
  auto intents = co_await services.store.read<std::vector<store::IntentRecord>>(
      [&](store::Database& db) -> core::Result<std::vector<store::IntentRecord>> {
        return store::intents::list(db, unresolved_only, query->limit);
      });
  if (!intents) co_return api::error_response(context.request_id, intents.error());
  co_return api::list_response(context.request_id, *intents, write_intent,
                               static_cast<std::int64_t>(intents->size()), false);
}

// POST /admin/intents/{id}/resolve {"happened": bool}: an operator's word, after checking the
// supplier's panel, on an intent the supplier's API cannot settle.
net::awaitable<Response> resolve_intent_route(api::Services& services, RequestContext& context) {
  if (auto status = api::no_query(context); !status) {
    co_return api::error_response(context.request_id, status.error());
  }
  auto document = api::json_body(context);
  if (!document) co_return api::error_response(context.request_id, document.error());
  core::json::ObjectReader body(*document);
  const auto happened = body.boolean("happened", true);
  if (auto error = body.finish()) co_return api::error_response(context.request_id, *error);
  const std::string id(context.param("id"));
  if (!core::is_id(id, core::id_prefix::kIntent)) {
    co_return api::error_response(context.request_id, Error::not_found("No such intent.", "id"));
  }
  auto resolution = co_await api::resolve_intent_by_operator(services, id, *happened);
  if (!resolution) co_return api::error_response(context.request_id, resolution.error());
  auto intent = co_await services.store.read<store::IntentRecord>(
      [&id](store::Database& db) -> core::Result<store::IntentRecord> {
        auto found = store::intents::find(db, id);
        if (!found) return Error::not_found("No such intent.", "id");
        return std::move(*found);
      });
  if (!intent) co_return api::error_response(context.request_id, intent.error());
  co_await api::settle_waiting_key(services, *intent, *resolution);
  services.log.info("intent resolved by an operator", {{"intent", id},
                                                       {"happened", *happened ? "true" : "false"},
                                                       {"request_id", context.request_id}});
  co_return api::data_response(context.request_id, 200,
                               [&](core::json::Writer& out) { write_intent(out, *intent); });
}

// GET /admin/audit?request_id=req_...: every supplier call a request made, in order, with its
// redacted exchange.
net::awaitable<Response> audit_for_request(api::Services& services, RequestContext& context) {
  const auto found = context.query.find("request_id");
  if (found == context.query.end() || context.query.size() != 1) {
    co_return api::error_response(
        context.request_id,
        Error::invalid_request("parameter_missing", "Give exactly 'request_id'.", "request_id"));
  }
  const std::string request_id = found->second;
  auto entries = co_await services.store.read<std::vector<store::AuditEntry>>(
      [&request_id](store::Database& db) -> core::Result<std::vector<store::AuditEntry>> {
        return store::audit::for_request(db, request_id);
      });
  if (!entries) co_return api::error_response(context.request_id, entries.error());
  co_return api::list_response(
      context.request_id, *entries,
      [](core::json::Writer& out, const store::AuditEntry& entry) {
        core::json::write(out, "object", "audit_entry");
        core::json::write(out, "at", core::format_rfc3339(entry.at));
        core::json::write(out, "request_id", entry.request_id);
        core::json::write(out, "actor", entry.actor);
        core::json::write(out, "action", entry.action);
        core::json::write(out, "target", entry.target);
        core::json::key(out, "detail");
        out.RawValue(entry.detail_json.data(), entry.detail_json.size(), rapidjson::kObjectType);
      },
      static_cast<std::int64_t>(entries->size()), false);
}

}  // namespace

void add_supplier_routes(api::Router& router, api::Services& services) {
  auto bind = [&services](auto handler) {
    return [&services, handler](RequestContext& context) { return handler(services, context); };
  };
  router.add({"GET", "/admin/intents", api::Access::admin, bind(list_intents)});
  router.add(
      {"POST", "/admin/intents/{id}/resolve", api::Access::admin, bind(resolve_intent_route)});
  router.add({"GET", "/admin/audit", api::Access::admin, bind(audit_for_request)});
}

}  // namespace portico::admin
