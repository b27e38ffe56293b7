#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/store/database.hpp"

// Idempotency keys and supplier intents: what lets a partner retry any POST or PATCH, and what
// lets the gateway learn what a supplier did when it never heard back. Same conventions as
// repositories.hpp.
namespace portico::store {

// One partner's key in one mode: keys of different partners (or modes) never meet.
struct KeyScope {
  std::string partner_id;
  bool livemode = false;
  std::string key;
};

// A response kept for replay. The body is sealed (AES-256-GCM, bound to the key's scope): a
// creation response may carry a secret shown once (a password, a signing secret).
struct StoredResponse {
  int status = 0;
  std::string headers_json;  // {"Retry-After":"1",...}: the headers a replay repeats
  std::string sealed_body;
};

// What the first request with a key said about itself.
struct KeyRequest {
  std::string fingerprint;  // hex SHA-256 of method, path and canonical body
  std::string method;
  std::string path;
  std::string request_id;
};

// A key is `running` while a request holds it, `pending` while the supplier call it made has
// an outcome still to be learned (its intent), and `done` once its response is kept.
struct KeyClaim {
  enum class Outcome {
    claimed,   // new (or expired): the caller runs the request
    replay,    // done: the kept response
    running,   // another request holds it now
    mismatch,  // the key was first used for another request
    resume,    // pending: the caller now holds it and must first resolve `intent_id`
  };
  Outcome outcome = Outcome::claimed;
  std::optional<StoredResponse> response;  // replay
  std::string intent_id;                   // resume
  std::string first_method;                // mismatch: the request the key belongs to
  std::string first_path;
};

namespace idempotency_keys {
// One transaction decides, so of concurrent requests with one key exactly one is `claimed`. A
// done key created before `expired_before` counts as absent (and is replaced).
KeyClaim claim(Database& db, const KeyScope& scope, const KeyRequest& request, core::TimePoint now,
               core::TimePoint expired_before);
// Keeps the response: the key is done.
void finish(Database& db, const KeyScope& scope, const StoredResponse& response,
            core::TimePoint now);
// Forgets the key: the request changed nothing, so a retry runs it again.
void release(Database& db, const KeyScope& scope);
// The key's request ended with its intent unresolved: a retry resolves that intent first.
void hold(Database& db, const KeyScope& scope, core::TimePoint now);
// For the intent job: finishes or releases the key of a resolved intent when it is still
// pending (a retry that holds it meanwhile settles it itself). True when something changed.
bool finish_if_pending(Database& db, const KeyScope& scope, const StoredResponse& response,
                       core::TimePoint now);
bool release_if_pending(Database& db, const KeyScope& scope);
// At start-up, before serving: every request that held a key died with the last process.
// Keys with an intent wait for it (pending); the others are released. Returns how many.
std::int64_t recover(Database& db, core::TimePoint now);
// Done keys created before `before` are deleted, and running keys untouched since
// `stale_before` (their request's answer could not be kept) are released. Pending keys stay
// until their intent is resolved. Returns how many rows went.
std::int64_t prune(Database& db, core::TimePoint before, core::TimePoint stale_before);
}  // namespace idempotency_keys

// A costly supplier call (a registration, a certificate order, a package: each charged by the
// supplier) recorded before it is made, so that when its answer is lost (a timeout or reset
// after the request left, or the gateway's own crash) the gateway asks the supplier what
// happened instead of guessing.
enum class IntentState {
  open,     // the call is being made (at start-up: its process died)
  unknown,  // the outcome is still to be learned from the supplier
  done,     // the supplier acted and the object is recorded
  failed,   // the supplier certainly did nothing
};
std::string_view name_of(IntentState state);

struct IntentRecord {
  std::string id;  // itn_...
  std::string partner_id;
  bool livemode = false;
  std::string key_id;           // the API key that asked (orders are billed to it)
  std::string request_id;       // of the request that made the call
  std::string idempotency_key;  // empty when the request had none
  std::string operation;        // "domain.register", "ssl.order", "hosting.provision", ...
  std::string provider_instance;
  std::string lookup;     // what the supplier is asked by (a domain name, a common name)
  std::string object_id;  // the id the object gets once recorded
  IntentState state = IntentState::open;
  // The request (and what the operation needs to finish it), sealed: it may hold a password.
  std::string sealed_request;
  std::int64_t attempts = 0;                     // times the supplier was asked what happened
  std::string last_error;                        // the code of the last failed attempt
  std::optional<core::TimePoint> next_check_at;  // when an unresolved intent is next asked about
  core::TimePoint created_at;
  core::TimePoint updated_at;

  bool settled() const { return state == IntentState::done || state == IntentState::failed; }
};

namespace intents {
// Inserts an open intent, due for a check at `next_check_at` (when its request would be long
// over), and links the idempotency key it serves.
void insert(Database& db, const IntentRecord& intent);
// Failover: the call goes to another instance.
void retarget(Database& db, std::string_view id, std::string_view provider_instance,
              core::TimePoint now);
// open or unknown -> done or failed; false when it was already settled (nothing written).
bool settle(Database& db, std::string_view id, IntentState state, core::TimePoint now);
// open or unknown -> unknown, asked about again at `next_check_at`; counts an attempt.
void defer(Database& db, std::string_view id, core::TimePoint next_check_at,
           std::string_view error_code, core::TimePoint now);
std::optional<IntentRecord> find(Database& db, std::string_view id);
// Unresolved intents due at `now`, oldest due first.
std::vector<IntentRecord> due(Database& db, core::TimePoint now, int limit);
// An unresolved intent of one of `operations` about `lookup` exists (a second registration
// of a name while the first is in doubt is refused, with or without a key).
bool unresolved_for(Database& db, const std::vector<std::string_view>& operations,
                    std::string_view lookup);
// Newest first, for the admin; with `unresolved_only`, the open and unknown ones.
std::vector<IntentRecord> list(Database& db, bool unresolved_only, int limit);
std::int64_t unresolved_count(Database& db);
// When the oldest unresolved intent was written; none when there is none.
std::optional<core::TimePoint> oldest_unresolved(Database& db);
// At start-up: open intents belong to requests that died; each is asked about now.
std::int64_t recover(Database& db, core::TimePoint now);
// Settled intents updated before `before` are deleted. Returns how many.
std::int64_t prune(Database& db, core::TimePoint before);
}  // namespace intents

}  // namespace portico::store
