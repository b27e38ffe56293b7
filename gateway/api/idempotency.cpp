#include "portico/api/idempotency.hpp"

#include <exception>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "portico/api/envelope.hpp"
#include "portico/api/intents.hpp"
#include "portico/core/idempotency.hpp"

namespace portico::api {

namespace net = boost::asio;
namespace http = boost::beast::http;
using core::Error;

namespace {

constexpr std::string_view kHeader = "Idempotency-Key";
// The headers of an answer that a replay repeats; X-Request-Id is the retry's own.
constexpr std::string_view kKeptHeaders[] = {"Content-Type", "Retry-After", "Location"};

std::string scope_aad(const store::KeyScope& scope) {
  return "idempotency\n" + scope.partner_id + "\n" + (scope.livemode ? "live" : "test") + "\n" +
         scope.key;
}

Error idempotency_error(int status, std::string code, std::string message) {
  Error error = Error::invalid_request(std::move(code), std::move(message), std::string(kHeader));
  error.type = core::ErrorType::idempotency;
  error.status = status;
  return error;
}

server::Response with_retry_after(server::Response response, std::chrono::seconds after) {
  response.set(http::field::retry_after, std::to_string(std::max<std::int64_t>(1, after.count())));
  return response;
}

core::Result<server::Response> replayed(const Services& services, const store::KeyScope& scope,
                                        const store::StoredResponse& kept) {
  auto body = unseal(services, kept.sealed_body, scope_aad(scope));
  auto headers = core::json::parse(kept.headers_json.empty() ? "{}" : kept.headers_json);
  if (!body || !headers || !headers->IsObject()) {
    return Error::internal("The kept answer for this Idempotency-Key cannot be read back.");
  }
  server::Response response;
  response.result(static_cast<unsigned>(kept.status));
  for (const auto& header : headers->GetObject()) {
    if (header.value.IsString()) {
      response.set(std::string_view(header.name.GetString(), header.name.GetStringLength()),
                   std::string_view(header.value.GetString(), header.value.GetStringLength()));
    }
  }
  response.set("Idempotent-Replayed", "true");
  response.body() = std::move(*body);
  response.prepare_payload();
  return response;
}

// After the handler: keep its answer, hold the key for its intent, or forget the key.
net::awaitable<void> settle_key(Services& services, const RequestContext& context,
                                const store::KeyScope& scope, const server::Response* response) {
  const core::TimePoint now = services.clock.now();
  std::optional<store::StoredResponse> kept;
  if (!context.intent_unresolved && response != nullptr && response->result_int() < 400) {
    kept = kept_response(services, scope, *response);
  }
  auto written = co_await services.store.write<core::Ok>([&](store::Database& db) -> core::Status {
    if (context.intent_unresolved) {
      store::idempotency_keys::hold(db, scope, now);
    } else if (kept) {
      store::idempotency_keys::finish(db, scope, *kept, now);
    } else {
      store::idempotency_keys::release(db, scope);
    }
    return core::Ok{};
  });
  // A key left running is released by the reconciler's pruning; until then a retry gets 409.
  if (!written)
    services.log.error("idempotency key not settled", {{"request_id", context.request_id}});
}

net::awaitable<server::Response> run_holding_key(Services& services, RequestContext& context,
                                                 const store::KeyScope& scope,
                                                 const RouteHandler& handler) {
  server::Response response;
  std::exception_ptr failure;
  try {
    response = co_await handler(context);
  } catch (...) {
    failure = std::current_exception();
  }
  co_await settle_key(services, context, scope, failure ? nullptr : &response);
  if (failure) std::rethrow_exception(failure);
  co_return response;
}

}  // namespace

store::StoredResponse kept_response(const Services& services, const store::KeyScope& scope,
                                    const server::Response& response) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  for (std::string_view name : kKeptHeaders) {
    const auto found = response.find(name);
    if (found != response.end()) core::json::write(out, name, std::string_view(found->value()));
  }
  out.EndObject();
  return {.status = static_cast<int>(response.result_int()),
          .headers_json = {buffer.GetString(), buffer.GetSize()},
          .sealed_body = seal(services, response.body(), scope_aad(scope))};
}

net::awaitable<void> settle_waiting_key(Services& services, const store::IntentRecord& intent,
                                        const Resolution& resolution) {
  if (intent.idempotency_key.empty() || resolution.kind == Resolution::Kind::unknown) co_return;
  const store::KeyScope scope{intent.partner_id, intent.livemode, intent.idempotency_key};
  std::optional<store::StoredResponse> kept;
  if (resolution.kind == Resolution::Kind::happened) {
    kept = kept_response(services, scope, *resolution.response);
  }
  const core::TimePoint now = services.clock.now();
  auto written = co_await services.store.write<core::Ok>([&](store::Database& db) -> core::Status {
    // A key some retry holds meanwhile (running) is settled by that retry itself.
    if (kept) {
      store::idempotency_keys::finish_if_pending(db, scope, *kept, now);
    } else {
      store::idempotency_keys::release_if_pending(db, scope);
    }
    return core::Ok{};
  });
  if (!written) services.log.error("idempotency key not settled", {{"intent", intent.id}});
}

net::awaitable<server::Response> with_idempotency(Services& services, RequestContext& context,
                                                  const RouteHandler& handler) {
  const http::verb method = context.request.method();
  const auto header = context.request.find(kHeader);
  // GET and DELETE are idempotent by themselves: a key there changes nothing.
  if (header == context.request.end() ||
      (method != http::verb::post && method != http::verb::patch)) {
    co_return co_await handler(context);
  }
  const std::string_view key = header->value();
  if (context.request.count(kHeader) > 1 || !core::valid_idempotency_key(key)) {
    Error error = Error::invalid_request(
        "invalid_idempotency_key",
        "'Idempotency-Key' must be one header of 1 to 255 printable characters.",
        std::string(kHeader));
    co_return error_response(context.request_id, error);
  }
  const Principal& partner = context.partner();
  const store::KeyScope scope{partner.partner_id, partner.livemode, std::string(key)};
  const store::KeyRequest request{
      .fingerprint = core::request_fingerprint(context.request.method_string(), context.path,
                                               context.query, context.request.body()),
      .method = std::string(context.request.method_string()),
      .path = context.path,
      .request_id = context.request_id};
  const core::TimePoint now = services.clock.now();
  const core::TimePoint expired_before = now - services.config.idempotency.retention;
  auto claim = co_await services.store.write<store::KeyClaim>(
      [&](store::Database& db) -> core::Result<store::KeyClaim> {
        return store::idempotency_keys::claim(db, scope, request, now, expired_before);
      });
  if (!claim) co_return error_response(context.request_id, claim.error());
  context.idempotency_key = scope.key;

  switch (claim->outcome) {
    case store::KeyClaim::Outcome::claimed:
      break;
    case store::KeyClaim::Outcome::replay: {
      auto response = replayed(services, scope, *claim->response);
      if (!response) co_return error_response(context.request_id, response.error());
      co_return std::move(*response);
    }
    case store::KeyClaim::Outcome::running:
      co_return with_retry_after(
          error_response(context.request_id,
                         idempotency_error(409, "idempotency_key_in_use",
                                           "A request with this Idempotency-Key is still in "
                                           "progress; retry once it has finished.")),
          std::chrono::seconds(1));
    case store::KeyClaim::Outcome::mismatch:
      co_return error_response(
          context.request_id,
          idempotency_error(422, "idempotency_key_reused",
                            "This Idempotency-Key was used for another request (" +
                                claim->first_method + " " + claim->first_path.substr(0, 200) +
                                "); send a new key with a new request."));
    case store::KeyClaim::Outcome::resume: {
      // The first request's costly call has an outcome still unknown: the supplier is asked
      // before anything is done again.
      auto intent = co_await services.store.read<store::IntentRecord>(
          [&claim](store::Database& db) -> core::Result<store::IntentRecord> {
            auto found = store::intents::find(db, claim->intent_id);
            if (!found) return Error::internal("The operation this key waits for is missing.");
            return std::move(*found);
          });
      // Not one conditional expression with a co_await: GCC 12 destroys its result twice.
      Resolution resolution = Resolution::unknown(Error::internal("unresolved"));
      if (intent) {
        resolution = co_await resolve_intent(services, *intent);
      } else {
        resolution = Resolution::unknown(intent.error());
      }
      if (resolution.kind == Resolution::Kind::happened) {
        server::Response response = std::move(*resolution.response);
        co_await settle_key(services, context, scope, &response);
        response.set("Idempotent-Replayed", "true");
        co_return response;
      }
      if (resolution.kind == Resolution::Kind::unknown) {
        context.intent_unresolved = true;
        co_await settle_key(services, context, scope, nullptr);
        co_return with_retry_after(
            error_response(context.request_id,
                           idempotency_error(409, "idempotency_outcome_pending",
                                             "The supplier has not yet told whether the first "
                                             "request with this Idempotency-Key took effect; "
                                             "retry later.")),
            std::chrono::duration_cast<std::chrono::seconds>(
                services.config.idempotency.reconcile_interval));
      }
      break;  // absent: it never happened, so this request runs as the first would have
    }
  }
  co_return co_await run_holding_key(services, context, scope, handler);
}

}  // namespace portico::api
