#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "portico/api/context.hpp"
#include "portico/api/services.hpp"
#include "portico/core/json.hpp"
#include "portico/store/idempotency.hpp"

// Supplier intents: a costly call (a registration, a certificate order, a package; each one
// charged by the supplier) is written down before it is made and settled in the transaction
// that records its outcome. When the answer is lost (a timeout or a reset after the request
// left, or the gateway's own crash in between) the gateway asks the supplier what happened
// (domain information, the order list, the package list) and records what it finds exactly as
// the request would have, instead of guessing, so a retry never orders twice.
namespace portico::api {

// Operation names (store::IntentRecord::operation).
namespace intent_operation_name {
inline constexpr std::string_view kDomainRegister = "domain.register";
inline constexpr std::string_view kDomainTransfer = "domain.transfer";
inline constexpr std::string_view kDomainRenew = "domain.renew";
inline constexpr std::string_view kCertificateOrder = "ssl.order";
inline constexpr std::string_view kHostingProvision = "hosting.provision";
inline constexpr std::string_view kHostingRenew = "hosting.renew";
}  // namespace intent_operation_name

// What asking the supplier about an intent learned.
struct Resolution {
  enum class Kind {
    happened,  // the supplier acted; the outcome is now recorded and `response` answers for it
    absent,    // the supplier shows no trace of it
    unknown,   // the supplier cannot tell now (`error` says why)
  };
  Kind kind = Kind::unknown;
  std::optional<server::Response> response;
  core::Error error;

  static Resolution happened(server::Response response) {
    return {Kind::happened, std::move(response), {}};
  }
  static Resolution absent() { return {Kind::absent, std::nullopt, {}}; }
  static Resolution unknown(core::Error error) {
    return {Kind::unknown, std::nullopt, std::move(error)};
  }
};

// The request an intent was written for, as it arrived, and what its operation added.
struct IntentRequest {
  std::string method;
  std::string target;
  std::string body;
  rapidjson::Document detail;  // an object: what the request alone does not say
};

// One costly operation, implemented by its handler file.
struct IntentOperation {
  std::string_view name;
  // Asks the supplier whether the call happened. When it did, records the outcome as the
  // request would have (settling the intent in that transaction) and answers for it.
  boost::asio::awaitable<Resolution> (*resume)(Services& services, RequestContext& context,
                                               const store::IntentRecord& intent,
                                               const IntentRequest& request);
  // The answer for an intent recorded earlier: its object as it is now.
  boost::asio::awaitable<server::Response> (*answer)(Services& services, RequestContext& context,
                                                     const store::IntentRecord& intent);
  // Only where the supplier's answers cannot show the outcome: records it on an operator's word
  // that it happened. nullptr where the supplier is asked instead.
  boost::asio::awaitable<Resolution> (*confirm)(Services& services, RequestContext& context,
                                                const store::IntentRecord& intent,
                                                const IntentRequest& request) = nullptr;
};

// Defined by the handler files; the explicit list of operations is in intents.cpp.
extern const IntentOperation kDomainRegisterOperation;
extern const IntentOperation kDomainTransferOperation;
extern const IntentOperation kDomainRenewOperation;
extern const IntentOperation kCertificateOrderOperation;
extern const IntentOperation kHostingProvisionOperation;
extern const IntentOperation kHostingRenewOperation;
const IntentOperation* find_intent_operation(std::string_view name);

struct IntentStart {
  std::string_view operation;
  std::string provider_instance;
  std::string lookup;
  std::string object_id;
  // JSON object text: what finishing the operation needs besides the request (sealed with it).
  std::string detail_json = "{}";
};

// Writes the intent before the call, with the request sealed inside, and links the request's
// idempotency key to it. Pass a named IntentStart: GCC 12 destroys an aggregate temporary in a
// co_await expression twice.
boost::asio::awaitable<core::Result<store::IntentRecord>> open_intent(Services& services,
                                                                      const RequestContext& context,
                                                                      const IntentStart& start);
// Failover: the call goes to another instance.
boost::asio::awaitable<core::Status> retarget_intent(Services& services,
                                                     store::IntentRecord& intent,
                                                     const std::string& provider_instance);
// 409 `code` with `message` while a `operation` intent about `lookup` is unresolved: a second
// renewal, with or without a key, would move what the first is recognized by.
boost::asio::awaitable<core::Status> refuse_while_unresolved(const Services& services,
                                                             std::string_view operation,
                                                             std::string lookup, const char* code,
                                                             const char* message);
// The call failed and certainly did nothing (refused, or the supplier could not be reached).
boost::asio::awaitable<void> abandon_intent(Services& services, const store::IntentRecord& intent);
// Inside the transaction that records the outcome: the intent is done. False when it was
// settled meanwhile (the caller rolls back: someone else recorded it).
bool settle_intent(store::Database& db, const store::IntentRecord& intent, core::TimePoint now);
core::Error intent_settled_meanwhile();

// The answer to a request whose costly call ended with its outcome unknown: the supplier is
// asked at once. When it acted, the outcome is recorded and answered as a success; otherwise
// the intent waits for the reconciler (and the request's key for it) and the request gets
// 504 upstream_outcome_unknown.
boost::asio::awaitable<server::Response> answer_unknown_outcome(Services& services,
                                                                RequestContext& context,
                                                                const store::IntentRecord& intent,
                                                                const core::Error& failure);

// Resolves an intent outside its request (the reconciler, a retry with its key): a settled
// intent answers for its object (done) or is absent (failed); an unresolved one is resumed
// under the intent's own partner, key and request id. `absent` is final only once the settle
// time has passed; before it the intent stays unknown. Serialized per intent.
boost::asio::awaitable<Resolution> resolve_intent(Services& services,
                                                  const store::IntentRecord& intent);

// An operator's word on an unresolved intent (POST /admin/intents/{id}/resolve): it did not
// happen (failed; a key waiting for it is released), or it happened, for operations the
// supplier cannot be asked about (recorded; a key waiting for it gets the answer). 409 when the
// intent is settled, or when the supplier can be asked (the reconciler does that).
boost::asio::awaitable<core::Result<Resolution>> resolve_intent_by_operator(
    Services& services, const std::string& intent_id, bool happened);

// Seals and opens what is kept at rest (AES-256-GCM with Services::sealing_key), `aad` naming
// the row it belongs to.
std::string seal(const Services& services, std::string_view plaintext, std::string_view aad);
std::optional<std::string> unseal(const Services& services, std::string_view sealed,
                                  std::string_view aad);

}  // namespace portico::api
