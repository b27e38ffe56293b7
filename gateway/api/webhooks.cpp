#include "portico/api/webhooks.hpp"

#include <cstdint>

#include <rapidjson/document.h>

#include "portico/api/intents.hpp"
#include "portico/core/crypto.hpp"
#include "portico/core/ids.hpp"

namespace portico::api {

namespace {

// Bound into the seal: a sealed secret opens only for this endpoint, and never as another kind
// of sealed value (private keys are bound to their object id alone).
std::string seal_context(std::string_view endpoint_id) {
  return "webhook_secret:" + std::string(endpoint_id);
}

}  // namespace

void write_event(core::json::Writer& out, const store::EventRecord& event) {
  out.StartObject();
  core::json::write(out, "object", "event");
  core::json::write(out, "id", event.id);
  core::json::write(out, "type", event.type);
  core::json::write(out, "api_version", "v1");
  core::json::write(out, "livemode", event.livemode);
  core::json::write(out, "created_at", core::format_rfc3339(event.created_at));
  core::json::key(out, "data");
  // Recorded by the gateway's own writer: always an object. Written raw so the bytes stay
  // exactly as recorded.
  out.RawValue(event.data_json.data(), event.data_json.size(), rapidjson::kObjectType);
  core::json::key(out, "request");
  out.StartObject();
  if (event.request_id.empty()) {
    core::json::write_null(out, "id");
  } else {
    core::json::write(out, "id", event.request_id);
  }
  out.EndObject();
  out.EndObject();
}

std::string event_json(const store::EventRecord& event) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  write_event(out, event);
  return {buffer.GetString(), buffer.GetSize()};
}

void write_webhook_endpoint(core::json::Writer& out, const store::WebhookEndpointRecord& endpoint,
                            std::optional<std::string_view> secret) {
  core::json::write(out, "object", "webhook_endpoint");
  core::json::write(out, "id", endpoint.id);
  core::json::write(out, "url", endpoint.url);
  core::json::write(out, "description", endpoint.description);
  core::json::key(out, "events");
  out.StartArray();
  for (const std::string& pattern : endpoint.events)
    core::json::string(out, pattern);
  out.EndArray();
  core::json::write(out, "status", endpoint.status);
  if (endpoint.disabled_reason.empty()) {
    core::json::write_null(out, "disabled_reason");
  } else {
    core::json::write(out, "disabled_reason", endpoint.disabled_reason);
  }
  if (secret) core::json::write(out, "secret", *secret);
  // While a rotated-out secret still signs, partners see until when.
  if (!endpoint.sealed_previous_secret.empty() && endpoint.previous_secret_expires_at) {
    core::json::write(out, "previous_secret_expires_at",
                      core::format_rfc3339(*endpoint.previous_secret_expires_at));
  } else {
    core::json::write_null(out, "previous_secret_expires_at");
  }
  core::json::write(out, "consecutive_failures", endpoint.consecutive_failures);
  core::json::write_time(out, "last_success_at", endpoint.last_success_at);
  core::json::write_time(out, "last_failure_at", endpoint.last_failure_at);
  core::json::write(out, "livemode", endpoint.livemode);
  core::json::write(out, "created_at", core::format_rfc3339(endpoint.created_at));
  core::json::write(out, "updated_at", core::format_rfc3339(endpoint.updated_at));
}

std::string seal_webhook_secret(const Services& services, std::string_view endpoint_id,
                                std::string_view secret) {
  return seal(services, secret, seal_context(endpoint_id));
}

std::optional<std::string> open_webhook_secret(const core::Secret& sealing_key,
                                               std::string_view endpoint_id,
                                               std::string_view sealed) {
  return core::crypto::aes256_gcm_open(sealing_key.reveal(), sealed, seal_context(endpoint_id));
}

store::EventRecord make_endpoint_event(const Services& services, std::string type,
                                       const store::WebhookEndpointRecord& endpoint,
                                       std::string_view request_id) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  core::json::key(out, "object");
  out.StartObject();
  write_webhook_endpoint(out, endpoint);
  out.EndObject();
  out.EndObject();
  return {.id = core::make_id(core::id_prefix::kEvent, services.random),
          .partner_id = endpoint.partner_id,
          .livemode = endpoint.livemode,
          .type = std::move(type),
          .object_id = endpoint.id,
          .data_json = {buffer.GetString(), buffer.GetSize()},
          .request_id = std::string(request_id),
          .created_at = services.clock.now()};
}

}  // namespace portico::api
