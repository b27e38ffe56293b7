#include "portico/admin/webhook_replay.hpp"

#include <algorithm>
#include <string>

#include "portico/core/ids.hpp"
#include "portico/core/json.hpp"
#include "portico/core/webhook.hpp"
#include "portico/store/repositories.hpp"

namespace portico::admin {

using core::Error;

namespace {

// The one event type that is not fanned out by subscription (api/handlers/webhooks.cpp,
// send_test): its object is the endpoint it was sent to.
constexpr std::string_view kTestEventType = "webhook_endpoint.test";

std::string mode_name(bool livemode) {
  return livemode ? "live" : "test";
}

// The endpoint named on the command line, if it may receive this event.
core::Result<std::string> chosen_endpoint(store::Database& db, const store::EventRecord& event,
                                          std::string_view endpoint_id) {
  auto endpoint = store::webhook_endpoints::find(db, event.partner_id, event.livemode, endpoint_id);
  if (!endpoint) {
    return Error::not_found("No webhook endpoint " + std::string(endpoint_id) + " of partner " +
                                event.partner_id + " in " + mode_name(event.livemode) +
                                " mode (the event's).",
                            "endpoint");
  }
  if (endpoint->status != "enabled") {
    return Error::conflict("webhook_endpoint_disabled",
                           "Webhook endpoint " + endpoint->id +
                               " is disabled; enable it first, or its delivery would wait.",
                           "endpoint");
  }
  const bool subscribed =
      event.type == kTestEventType
          ? event.object_id == endpoint->id
          : std::any_of(endpoint->events.begin(), endpoint->events.end(),
                        [&](const std::string& pattern) {
                          return core::webhook::event_matches(pattern, event.type);
                        });
  if (!subscribed) {
    return Error::conflict("webhook_endpoint_not_subscribed",
                           "Webhook endpoint " + endpoint->id + " does not take " + event.type +
                               " events" +
                               (event.type == kTestEventType ? " of another endpoint." : "."),
                           "endpoint");
  }
  return std::move(endpoint->id);
}

std::string audit_detail(const ReplayedEvent& replayed) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  core::json::write(out, "type", replayed.event.type);
  core::json::write(out, "livemode", replayed.event.livemode);
  core::json::key(out, "deliveries");
  out.StartArray();
  for (const auto& delivery : replayed.deliveries) {
    out.StartObject();
    core::json::write(out, "id", delivery.id);
    core::json::write(out, "endpoint_id", delivery.endpoint_id);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

core::Result<ReplayedEvent> replay_event(store::Database& db, std::string_view event_id,
                                         std::optional<std::string_view> endpoint_id,
                                         const Actor& actor, core::TimePoint now,
                                         core::Random& random) {
  auto event = store::events::find_by_id(db, event_id);
  if (!event)
    return Error::not_found("No event " + std::string(event_id) + " is recorded.", "event");

  std::vector<std::string> endpoints;
  if (endpoint_id) {
    auto chosen = chosen_endpoint(db, *event, *endpoint_id);
    if (!chosen) return chosen.error();
    endpoints.push_back(std::move(*chosen));
  } else if (event->type == kTestEventType) {
    auto tested = chosen_endpoint(db, *event, event->object_id);
    if (!tested) return tested.error();
    endpoints.push_back(std::move(*tested));
  } else {
    endpoints = store::webhook_endpoints::subscribed_ids(db, *event);
    if (endpoints.empty()) {
      return Error::conflict("no_subscribed_endpoint",
                             "No enabled webhook endpoint of partner " + event->partner_id +
                                 " in " + mode_name(event->livemode) + " mode takes " +
                                 event->type + " events; nothing was queued.");
    }
  }

  ReplayedEvent replayed{.event = std::move(*event), .deliveries = {}};
  replayed.deliveries = store::webhook_deliveries::requeue(
      db, replayed.event, endpoints, now,
      [&random] { return core::make_id(core::id_prefix::kDelivery, random); });
  store::audit::append(db, {.at = now,
                            .request_id = actor.request_id,
                            .partner_id = replayed.event.partner_id,
                            .actor = actor.name,
                            .action = "event.replayed",
                            .target = replayed.event.id,
                            .detail_json = audit_detail(replayed)});
  return replayed;
}

}  // namespace portico::admin
