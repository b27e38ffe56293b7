#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/store/database.hpp"
#include "portico/store/repositories.hpp"

// Events: one per state change, recorded in the transaction of the change. Recording one also
// queues its webhook deliveries (webhooks.hpp) in that same transaction, so an event that was
// committed is never without the deliveries it owes. Same conventions as repositories.hpp.
namespace portico::store {

struct EventRecord {
  std::string id;
  std::string partner_id;
  bool livemode = false;
  std::string type;  // "domain.registered", ...
  std::string object_id;
  std::string data_json;  // {"object":{...},"previous_attributes":{...}?}
  std::string request_id;
  core::TimePoint created_at;
};

struct EventFilter {
  std::optional<std::string> type;  // a subscription pattern: "ssl.issued", "domain.*", "*"
  std::optional<std::string> object_id;
  std::optional<core::TimePoint> created_gte;
  std::optional<core::TimePoint> created_lt;
};

namespace events {
// Inserts the event and one pending webhook delivery (due at once) for every enabled endpoint
// of the event's partner and mode whose patterns match its type (webhook_deliveries::
// enqueue_for_event). Marks the connection so the Store tells its commit listener.
void append(Database& db, const EventRecord& event);
// The event alone, with no deliveries: the test event of POST /webhooks/{id}/test, which goes
// to one endpoint only (its delivery is inserted by the caller).
void append_without_deliveries(Database& db, const EventRecord& event);
// Newest first, for tests and the events API.
std::vector<EventRecord> for_object(Database& db, std::string_view object_id);
// Only this partner's event in this mode.
std::optional<EventRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                std::string_view id);
// Any partner's: the dispatcher's read.
std::optional<EventRecord> find_by_id(Database& db, std::string_view id);
// Newest first; std::nullopt when starting_after is not an event of this partner and mode.
std::optional<Page<EventRecord>> list(Database& db, std::string_view partner_id, bool livemode,
                                      const EventFilter& filter, int limit,
                                      std::optional<std::string_view> starting_after);
}  // namespace events

}  // namespace portico::store
