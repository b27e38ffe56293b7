#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/store/database.hpp"
#include "portico/store/events.hpp"
#include "portico/store/repositories.hpp"

// Webhook endpoints and the durable delivery outbox. Same conventions as repositories.hpp.
//
// A delivery is one event owed to one endpoint. While it can still be sent it is `pending`
// with `next_attempt_at` set, and only then: the index on next_attempt_at holds exactly the
// work there is, so finding what is due stays O(log n) however many deliveries wait. A claim
// moves next_attempt_at to the end of a lease; an attempt's result settles it or schedules
// the next attempt; a crash leaves the claim behind, and release_claims() makes it due again
// at start-up (each delivery is then sent at least once, its id letting receivers drop a
// duplicate).
namespace portico::store {

struct WebhookEndpointRecord {
  std::string id;  // wh_...
  std::string partner_id;
  bool livemode = false;
  std::string url;
  std::string description;
  std::vector<std::string> events;  // subscription patterns, as given
  std::string status = "enabled";   // "enabled" | "disabled"
  // Why it is disabled: "manual" (PATCH), "consecutive_failures", "gone" (a 410); empty when
  // enabled.
  std::string disabled_reason;
  std::string sealed_secret;  // the current whsec_..., AES-256-GCM sealed (api/webhooks.hpp)
  // A rotated-out secret that still signs beside the current one until it expires; empty
  // when there is none.
  std::string sealed_previous_secret;
  std::optional<core::TimePoint> previous_secret_expires_at;
  int consecutive_failures = 0;  // failed attempts since the last success
  std::optional<core::TimePoint> last_success_at;
  std::optional<core::TimePoint> last_failure_at;
  core::TimePoint created_at;
  core::TimePoint updated_at;
};

struct WebhookDeliveryRecord {
  std::string id;  // dlv_..., core::webhook::delivery_id(event, endpoint)
  std::string endpoint_id;
  std::string event_id;
  std::string event_type;
  std::string partner_id;
  bool livemode = false;
  // "pending" (to be sent), "succeeded", "failed" (abandoned after the last attempt),
  // "paused" (its endpoint is disabled; resumes when re-enabled), "canceled" (endpoint
  // deleted).
  std::string status = "pending";
  int attempts = 0;                                // attempts made
  std::optional<core::TimePoint> next_attempt_at;  // set exactly while pending
  std::optional<core::TimePoint> claimed_at;       // set while an attempt is in flight
  std::optional<int> last_status_code;             // the receiver's last HTTP status
  std::string last_error;  // the last failure, e.g. "http_500", "timeout", "connect_refused"
  std::optional<core::TimePoint> last_attempt_at;
  core::TimePoint created_at;
  core::TimePoint updated_at;
};

// One attempt as recorded, newest last.
struct WebhookAttemptRecord {
  std::string delivery_id;
  int number = 0;  // 1-based
  core::TimePoint at;
  std::optional<int> status_code;  // empty when no response was read
  std::string error;               // empty on success
  std::chrono::milliseconds duration{0};
};

namespace webhook_endpoints {
// Throws StoreError for an unknown partner.
void insert(Database& db, const WebhookEndpointRecord& endpoint);
// Only this partner's, in this mode, not deleted.
std::optional<WebhookEndpointRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                          std::string_view id);
// Any partner's, not deleted: the dispatcher's read.
std::optional<WebhookEndpointRecord> find_by_id(Database& db, std::string_view id);
// Newest first, deleted ones left out; std::nullopt for an unknown starting_after.
std::optional<Page<WebhookEndpointRecord>> list(Database& db, std::string_view partner_id,
                                                bool livemode, int limit,
                                                std::optional<std::string_view> starting_after);
// Not deleted, both statuses.
std::int64_t count(Database& db, std::string_view partner_id, bool livemode);
// The ids of every enabled endpoint, for the dispatcher.
std::vector<std::string> enabled_ids(Database& db);
// The enabled, not deleted endpoints of the event's partner and mode whose patterns match its
// type, oldest first: those an event is delivered to.
std::vector<std::string> subscribed_ids(Database& db, const EventRecord& event);
// Writes url, description, events, the secrets and updated_at. Status changes go through
// set_status (they move deliveries).
void update(Database& db, const WebhookEndpointRecord& endpoint);
// Disabling pauses the endpoint's pending deliveries (claimed ones pause when their attempt is
// recorded). Enabling resets consecutive_failures and makes the paused deliveries pending,
// due at `now`. False when the endpoint is unknown or deleted.
bool set_status(Database& db, std::string_view id, std::string_view status,
                std::string_view disabled_reason, core::TimePoint now);
// Marks it deleted and cancels its pending and paused deliveries. False when unknown or
// already deleted.
bool remove(Database& db, std::string_view id, core::TimePoint now);
}  // namespace webhook_endpoints

// What recording an attempt did to the endpoint.
enum class EndpointChange { none, disabled_consecutive_failures, disabled_gone };

struct AttemptResult {
  bool succeeded = false;          // a 2xx
  std::optional<int> status_code;  // empty when no response was read
  std::string error;               // empty on success
  std::chrono::milliseconds duration{0};
  bool gone = false;  // a 410: disable the endpoint now
  // When the next attempt is due; std::nullopt abandons the delivery (status "failed").
  // Ignored on success.
  std::optional<core::TimePoint> retry_at;
};

namespace webhook_deliveries {
// Queues one pending delivery, due at event.created_at, for every enabled, not deleted
// endpoint of the event's partner and mode whose patterns match event.type. Returns how many.
// Called by events::append.
int enqueue_for_event(Database& db, const EventRecord& event);
// One delivery as given (the test event's). Marks the connection for the commit listener.
void insert(Database& db, const WebhookDeliveryRecord& delivery);
// Queues a recorded event again (`portico webhooks replay`): one new pending delivery, due at
// `now`, per endpoint of `endpoint_ids`, which the caller has checked may receive it. Each gets
// a fresh id from `make_id` rather than core::webhook::delivery_id, which would be the first
// delivery's row again: a replay is a new delivery, and receivers that drop duplicates by
// delivery id must take it. Returns the deliveries as inserted and marks the connection for
// the commit listener. Throws StoreError for an unknown endpoint.
std::vector<WebhookDeliveryRecord> requeue(Database& db, const EventRecord& event,
                                           const std::vector<std::string>& endpoint_ids,
                                           core::TimePoint now,
                                           const std::function<std::string()>& make_id);

struct Due {
  WebhookDeliveryRecord delivery;  // as claimed: attempts is the count before this attempt
  EventRecord event;
};
// Claims at most `limit` pending deliveries of this endpoint due at `now` (next_attempt_at <=
// now), earliest due first: sets claimed_at = now and next_attempt_at = lease_until.
std::vector<Due> claim(Database& db, std::string_view endpoint_id, core::TimePoint now,
                       core::TimePoint lease_until, int limit);
// The earliest next_attempt_at of any pending delivery (claimed ones included: their lease's
// end), std::nullopt when none is pending. O(log n) by the due index.
std::optional<core::TimePoint> next_due(Database& db);
// At start-up: every claimed pending delivery (an attempt lost with the previous process)
// becomes due at `now`. Returns how many.
int release_claims(Database& db, core::TimePoint now);
// Records attempt number delivery.attempts + 1 made at `at` and settles the delivery: success
// -> "succeeded"; failure -> "pending" at result.retry_at, or "failed" without one. The
// endpoint's consecutive_failures resets on success and grows on failure; a 410, or reaching
// `disable_after_failures`, disables it (set_status, which pauses its deliveries, this one
// included when it would be retried). A delivery whose endpoint was disabled or deleted while
// the attempt was in flight is paused or canceled instead of rescheduled. False when the
// delivery is unknown or not claimed (nothing is written).
struct Recorded {
  bool recorded = false;
  EndpointChange endpoint_change = EndpointChange::none;
};
Recorded record_attempt(Database& db, std::string_view delivery_id, core::TimePoint at,
                        const AttemptResult& result, int disable_after_failures);

std::optional<WebhookDeliveryRecord> find(Database& db, std::string_view endpoint_id,
                                          std::string_view id);
// This endpoint's deliveries, newest first, optionally only one status; std::nullopt for an
// unknown starting_after.
std::optional<Page<WebhookDeliveryRecord>> list(Database& db, std::string_view endpoint_id,
                                                std::optional<std::string_view> status, int limit,
                                                std::optional<std::string_view> starting_after);
// Oldest first.
std::vector<WebhookAttemptRecord> attempts(Database& db, std::string_view delivery_id);
// Pending deliveries in all (admin health).
std::int64_t pending_count(Database& db);
}  // namespace webhook_deliveries

}  // namespace portico::store
