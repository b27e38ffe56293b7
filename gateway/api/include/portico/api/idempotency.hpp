#pragma once

#include <boost/asio/awaitable.hpp>

#include "portico/api/intents.hpp"
#include "portico/api/router.hpp"
#include "portico/api/services.hpp"
#include "portico/store/idempotency.hpp"

// Idempotency-Key on every POST and PATCH of the public API, scoped to the partner and mode.
// The first request with a key runs; its answer is kept and a retry gets it again with
// `Idempotent-Replayed: true`. The same key on another request is a 422, and while the first
// still runs a 409. An answer that changed nothing (any error) is not kept, so a retry runs
// again. A costly supplier call whose outcome is unknown holds the key until the supplier has
// told (intents.hpp): a retry first asks it, so the call is never made twice.
namespace portico::api {

// Runs a partner route's handler under the request's Idempotency-Key, if it has one.
boost::asio::awaitable<server::Response> with_idempotency(Services& services,
                                                          RequestContext& context,
                                                          const RouteHandler& handler);

// The answer kept for a key: status, the headers a replay repeats, and the body sealed to the
// key's scope (a creation answer may hold a secret shown once).
store::StoredResponse kept_response(const Services& services, const store::KeyScope& scope,
                                    const server::Response& response);

// After an intent was resolved outside its request (the reconciler, an operator): the key
// waiting for it gets the answer when the call happened, and is released when it did not.
boost::asio::awaitable<void> settle_waiting_key(Services& services,
                                                const store::IntentRecord& intent,
                                                const Resolution& resolution);

}  // namespace portico::api
