#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "portico/admin/accounts.hpp"
#include "portico/core/clock.hpp"
#include "portico/core/random.hpp"
#include "portico/core/result.hpp"
#include "portico/store/database.hpp"
#include "portico/store/events.hpp"
#include "portico/store/webhooks.hpp"

// Replaying a recorded event to its webhook endpoints (`portico webhooks replay`): an operator's
// tool for a partner who lost deliveries on their side (a bug in their receiver, a restore from
// backup), after the outbox had already settled them.
namespace portico::admin {

struct ReplayedEvent {
  store::EventRecord event;
  std::vector<store::WebhookDeliveryRecord> deliveries;  // as queued, one per endpoint
};

// Queues the event again, as new pending deliveries due at `now` (store::webhook_deliveries::
// requeue), for every enabled endpoint of its partner and mode subscribed to its type, or for
// `endpoint_id` alone; with its audit entry ("event.replayed"), in the caller's transaction. A
// webhook_endpoint.test event goes, as it did the first time, only to the endpoint it tests.
// Refused, with nothing written: an unknown event (404); an endpoint that is unknown, deleted or
// of another partner or mode (404); a disabled one (409 webhook_endpoint_disabled), whose
// delivery would never be sent; one not subscribed to the event's type (409
// webhook_endpoint_not_subscribed); an event no endpoint takes (409 no_subscribed_endpoint).
core::Result<ReplayedEvent> replay_event(store::Database& db, std::string_view event_id,
                                         std::optional<std::string_view> endpoint_id,
                                         const Actor& actor, core::TimePoint now,
                                         core::Random& random);

}  // namespace portico::admin
