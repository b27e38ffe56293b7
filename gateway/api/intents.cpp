#include "portico/api/intents.hpp"

#include <algorithm>
#include <array>

#include <boost/beast/http/verb.hpp>

#include "portico/api/envelope.hpp"
#include "portico/core/crypto.hpp"
#include "portico/core/ids.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::Error;

namespace {

constexpr std::size_t kNonceBytes = 12;
// An open intent belongs to a request still running; past this it is an orphan (its request
// failed to settle it, say the database was unwritable for a moment) and the reconciler asks.
constexpr std::chrono::minutes kOpenIntentGrace{15};
constexpr std::chrono::hours kMaxRecheckInterval{1};

const std::array<const IntentOperation*, 6>& operations() {
  static const std::array<const IntentOperation*, 6> all = {
      &kDomainRegisterOperation,   &kDomainTransferOperation,   &kDomainRenewOperation,
      &kCertificateOrderOperation, &kHostingProvisionOperation, &kHostingRenewOperation};
  return all;
}

std::string request_json(const RequestContext& context, std::string_view detail_json) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  core::json::write(out, "method", std::string_view(context.request.method_string()));
  core::json::write(out, "target", std::string_view(context.request.target()));
  core::json::write(out, "body", std::string_view(context.request.body()));
  core::json::key(out, "detail");
  out.RawValue(detail_json.data(), detail_json.size(), rapidjson::kObjectType);
  out.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

core::Result<IntentRequest> open_request(const Services& services,
                                         const store::IntentRecord& intent) {
  const Error corrupt = Error::internal("A recorded supplier operation cannot be read back.");
  auto opened = unseal(services, intent.sealed_request, intent.id);
  if (!opened) return corrupt;
  auto document = core::json::parse(*opened, 64);
  if (!document || !document->IsObject()) return corrupt;
  IntentRequest request;
  request.method = core::json::string_of(core::json::member(*document, "method")).value_or("");
  request.target = core::json::string_of(core::json::member(*document, "target")).value_or("");
  request.body = core::json::string_of(core::json::member(*document, "body")).value_or("");
  const rapidjson::Value* detail = core::json::member(*document, "detail");
  if (detail == nullptr || !detail->IsObject()) return corrupt;
  request.detail.CopyFrom(*detail, request.detail.GetAllocator());
  return request;
}

// The request an intent was written for, rebuilt, and a context for it that speaks for the
// intent's partner, key and request id: what the operation records carries the original ids.
struct ResumeScope {
  server::Request request;
  RequestContext context;

  ResumeScope(const store::IntentRecord& intent, const IntentRequest& original)
      : request(boost::beast::http::string_to_verb(original.method), original.target, 11),
        context{.request_id = intent.request_id, .request = request} {
    request.body() = original.body;
    request.set(boost::beast::http::field::content_type, "application/json");
    context.principal = std::make_shared<const Principal>(Principal{.partner_id = intent.partner_id,
                                                                    .partner_name = {},
                                                                    .key_id = intent.key_id,
                                                                    .key_prefix = {},
                                                                    .livemode = intent.livemode});
    context.idempotency_key = intent.idempotency_key;
  }
};

// Backs off per attempt: the interval, doubled each time, at most hourly.
core::TimePoint next_check(const Services& services, const store::IntentRecord& intent,
                           core::TimePoint now) {
  auto delay = services.config.idempotency.reconcile_interval;
  for (std::int64_t i = 0; i < intent.attempts && delay < kMaxRecheckInterval; ++i)
    delay *= 2;
  return now + std::min<std::chrono::milliseconds>(delay, kMaxRecheckInterval);
}

net::awaitable<void> defer_intent(Services& services, const store::IntentRecord& intent,
                                  core::TimePoint at, const std::string& code) {
  const core::TimePoint now = services.clock.now();
  auto written = co_await services.store.write<core::Ok>([&](store::Database& db) -> core::Status {
    store::intents::defer(db, intent.id, at, code, now);
    return core::Ok{};
  });
  if (!written) {
    services.log.error("intent not deferred", {{"intent", intent.id}});
  }
}

Error outcome_unknown() {
  return Error::upstream(504, "upstream_outcome_unknown",
                         "The supplier did not confirm this operation in time. It will not be "
                         "repeated: Portico asks the supplier until it knows, and records the "
                         "outcome with its event if it happened. Retry with the same "
                         "Idempotency-Key to learn it.");
}

// A supplier that shows no trace of the call: final once the settle time has passed.
bool absence_is_final(const Services& services, const store::IntentRecord& intent,
                      core::TimePoint now) {
  return now >= intent.created_at + services.config.idempotency.settle;
}

}  // namespace

const IntentOperation* find_intent_operation(std::string_view name) {
  for (const IntentOperation* operation : operations()) {
    if (operation->name == name) return operation;
  }
  return nullptr;
}

std::string seal(const Services& services, std::string_view plaintext, std::string_view aad) {
  std::string nonce(kNonceBytes, '\0');
  services.random.fill(
      {reinterpret_cast<std::uint8_t*>(nonce.data()), nonce.size()});  // NOLINT(*-reinterpret-cast)
  auto sealed = core::crypto::aes256_gcm_seal(services.sealing_key.reveal(), nonce, plaintext, aad);
  // The key is checked at start-up (32 bytes): sealing cannot fail afterwards.
  return sealed.value_or(std::string());
}

std::optional<std::string> unseal(const Services& services, std::string_view sealed,
                                  std::string_view aad) {
  return core::crypto::aes256_gcm_open(services.sealing_key.reveal(), sealed, aad);
}

net::awaitable<core::Result<store::IntentRecord>> open_intent(Services& services,
                                                              const RequestContext& context,
                                                              const IntentStart& start) {
  const Principal& partner = context.partner();
  const core::TimePoint now = services.clock.now();
  std::chrono::milliseconds grace = kOpenIntentGrace;
  if (const auto found = services.providers.find(start.provider_instance);
      found != services.providers.end()) {
    grace = std::max<std::chrono::milliseconds>(grace, 4 * found->second->config().timeout);
  }
  store::IntentRecord intent{.id = core::make_id(core::id_prefix::kIntent, services.random),
                             .partner_id = partner.partner_id,
                             .livemode = partner.livemode,
                             .key_id = partner.key_id,
                             .request_id = context.request_id,
                             .idempotency_key = context.idempotency_key,
                             .operation = std::string(start.operation),
                             .provider_instance = start.provider_instance,
                             .lookup = start.lookup,
                             .object_id = start.object_id,
                             .state = store::IntentState::open,
                             .sealed_request = {},
                             .attempts = 0,
                             .last_error = {},
                             .next_check_at = now + grace,
                             .created_at = now,
                             .updated_at = now};
  intent.sealed_request = seal(services, request_json(context, start.detail_json), intent.id);
  auto written = co_await services.store.write<core::Ok>([&intent](store::Database& db) {
    store::intents::insert(db, intent);
    return core::Status(core::Ok{});
  });
  if (!written) co_return written.error();
  co_return intent;
}

net::awaitable<core::Status> retarget_intent(Services& services, store::IntentRecord& intent,
                                             const std::string& provider_instance) {
  if (intent.provider_instance == provider_instance) co_return core::Ok{};
  intent.provider_instance = provider_instance;
  const core::TimePoint now = services.clock.now();
  co_return co_await services.store.write<core::Ok>([&](store::Database& db) -> core::Status {
    store::intents::retarget(db, intent.id, intent.provider_instance, now);
    return core::Ok{};
  });
}

net::awaitable<core::Status> refuse_while_unresolved(const Services& services,
                                                     std::string_view operation, std::string lookup,
                                                     const char* code, const char* message) {
  co_return co_await services.store.read<core::Ok>([&](store::Database& db) -> core::Status {
    if (!store::intents::unresolved_for(db, {operation}, lookup)) return core::Ok{};
    return Error::conflict(code, message);
  });
}

net::awaitable<void> abandon_intent(Services& services, const store::IntentRecord& intent) {
  const core::TimePoint now = services.clock.now();
  auto written = co_await services.store.write<core::Ok>([&](store::Database& db) -> core::Status {
    store::intents::settle(db, intent.id, store::IntentState::failed, now);
    return core::Ok{};
  });
  // Left open, the reconciler finds it later and learns the same from the supplier.
  if (!written) services.log.warn("intent not abandoned", {{"intent", intent.id}});
}

bool settle_intent(store::Database& db, const store::IntentRecord& intent, core::TimePoint now) {
  return store::intents::settle(db, intent.id, store::IntentState::done, now);
}

Error intent_settled_meanwhile() {
  return Error::conflict("intent_settled",
                         "This operation's outcome was recorded by another request meanwhile.");
}

net::awaitable<server::Response> answer_unknown_outcome(Services& services, RequestContext& context,
                                                        const store::IntentRecord& intent,
                                                        const Error& failure) {
  const IntentOperation* operation = find_intent_operation(intent.operation);
  auto request = open_request(services, intent);
  Resolution resolution = Resolution::unknown(failure);
  if (operation != nullptr && request) {
    auto guard = co_await services.domain_locks.lock("intent:" + intent.id);
    resolution = co_await operation->resume(services, context, intent, *request);
  }
  if (resolution.kind == Resolution::Kind::happened) co_return std::move(*resolution.response);
  const core::TimePoint now = services.clock.now();
  // A garbled answer is still an answer: the supplier is done with the request, so no trace
  // of it is final at once. After a timeout or a reset it may still be acting.
  const bool supplier_done = failure.code == "upstream_bad_response";
  if (resolution.kind == Resolution::Kind::absent &&
      (supplier_done || absence_is_final(services, intent, now))) {
    co_await abandon_intent(services, intent);
    co_return error_response(context.request_id, failure);
  }
  // No trace yet is not proof: a slow supplier may still be acting. It is asked again when
  // the settle time is over.
  const core::TimePoint at = resolution.kind == Resolution::Kind::absent
                                 ? intent.created_at + services.config.idempotency.settle
                                 : next_check(services, intent, now);
  co_await defer_intent(services, intent, at, failure.code);
  context.intent_unresolved = true;
  services.log.warn("supplier outcome unknown", {{"request_id", context.request_id},
                                                 {"intent", intent.id},
                                                 {"operation", intent.operation},
                                                 {"provider", intent.provider_instance},
                                                 {"code", failure.code}});
  co_return error_response(context.request_id, outcome_unknown());
}

net::awaitable<Resolution> resolve_intent(Services& services, const store::IntentRecord& given) {
  auto guard = co_await services.domain_locks.lock("intent:" + given.id);
  // Read again under the lock: another resolution may have settled it meanwhile.
  auto current = co_await services.store.read<store::IntentRecord>(
      [&given](store::Database& db) -> core::Result<store::IntentRecord> {
        auto found = store::intents::find(db, given.id);
        if (!found) return Error::not_found("No such intent.");
        return std::move(*found);
      });
  if (!current) co_return Resolution::unknown(current.error());
  const store::IntentRecord& intent = *current;
  const IntentOperation* operation = find_intent_operation(intent.operation);
  auto request = open_request(services, intent);
  if (operation == nullptr || !request) {
    co_return Resolution::unknown(
        Error::internal("A recorded supplier operation cannot be resumed."));
  }
  ResumeScope scope(intent, *request);
  if (intent.state == store::IntentState::failed) co_return Resolution::absent();
  if (intent.state == store::IntentState::done) {
    co_return Resolution::happened(co_await operation->answer(services, scope.context, intent));
  }
  Resolution resolution = co_await operation->resume(services, scope.context, intent, *request);
  const core::TimePoint now = services.clock.now();
  if (resolution.kind == Resolution::Kind::absent) {
    if (absence_is_final(services, intent, now)) {
      auto settled =
          co_await services.store.write<core::Ok>([&](store::Database& db) -> core::Status {
            store::intents::settle(db, intent.id, store::IntentState::failed, now);
            return core::Ok{};
          });
      if (settled) co_return resolution;
      co_return Resolution::unknown(settled.error());
    }
    co_await defer_intent(services, intent, intent.created_at + services.config.idempotency.settle,
                          "no_trace_yet");
    co_return Resolution::unknown(outcome_unknown());
  }
  if (resolution.kind == Resolution::Kind::unknown) {
    co_await defer_intent(services, intent, next_check(services, intent, now),
                          resolution.error.code);
  }
  co_return resolution;
}

net::awaitable<core::Result<Resolution>> resolve_intent_by_operator(Services& services,
                                                                    const std::string& intent_id,
                                                                    bool happened) {
  auto guard = co_await services.domain_locks.lock("intent:" + intent_id);
  auto current = co_await services.store.read<store::IntentRecord>(
      [&intent_id](store::Database& db) -> core::Result<store::IntentRecord> {
        auto found = store::intents::find(db, intent_id);
        if (!found) return Error::not_found("No such intent.", "id");
        return std::move(*found);
      });
  if (!current) co_return current.error();
  const store::IntentRecord& intent = *current;
  if (intent.settled()) {
    co_return Error::conflict(
        "intent_settled",
        "This intent is already " + std::string(store::name_of(intent.state)) + ".");
  }
  const IntentOperation* operation = find_intent_operation(intent.operation);
  if (operation == nullptr) co_return Error::internal("Unknown operation.");
  if (!happened) {
    const core::TimePoint now = services.clock.now();
    auto settled =
        co_await services.store.write<core::Ok>([&](store::Database& db) -> core::Status {
          store::intents::settle(db, intent.id, store::IntentState::failed, now);
          return core::Ok{};
        });
    if (!settled) co_return settled.error();
    co_return Resolution::absent();
  }
  if (operation->confirm == nullptr) {
    co_return Error::conflict("outcome_observable",
                              "The supplier can tell whether this happened: the reconciler asks "
                              "it (POST /admin/jobs/reconcile).");
  }
  auto request = open_request(services, intent);
  if (!request) co_return request.error();
  ResumeScope scope(intent, *request);
  Resolution resolution = co_await operation->confirm(services, scope.context, intent, *request);
  if (resolution.kind != Resolution::Kind::happened) co_return resolution.error;
  co_return resolution;
}

}  // namespace portico::api
