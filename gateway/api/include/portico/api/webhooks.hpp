#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "portico/api/services.hpp"
#include "portico/core/json.hpp"
#include "portico/store/events.hpp"
#include "portico/store/webhooks.hpp"

// What the events API, the webhooks API and the dispatcher share: the event object (one
// writer, so a delivery's body is byte for byte what GET /api/v1/events/{id} shows), the
// webhook_endpoint object, and the sealing of signing secrets at rest.
namespace portico::api {

// {"id","object":"event","api_version":"v1","type","created","livemode",
//  "data":{"object":{...},"previous_attributes":{...}?},"request":{"id":...|null}}
void write_event(core::json::Writer& out, const store::EventRecord& event);
std::string event_json(const store::EventRecord& event);

// The webhook_endpoint object. `secret`, when given, is shown (creation and rotation only).
void write_webhook_endpoint(core::json::Writer& out, const store::WebhookEndpointRecord& endpoint,
                            std::optional<std::string_view> secret = std::nullopt);

// A whsec_ secret sealed with the gateway's sealing key, bound to the endpoint's id (a sealed
// value moved to another endpoint does not open).
std::string seal_webhook_secret(const Services& services, std::string_view endpoint_id,
                                std::string_view secret);
std::optional<std::string> open_webhook_secret(const core::Secret& sealing_key,
                                               std::string_view endpoint_id,
                                               std::string_view sealed);

// An event about a webhook endpoint (webhook_endpoint.created, .updated, .deleted,
// .disabled), its object the endpoint without secrets.
store::EventRecord make_endpoint_event(const Services& services, std::string type,
                                       const store::WebhookEndpointRecord& endpoint,
                                       std::string_view request_id);

}  // namespace portico::api
