// Webhook endpoints: create, list, read, update, delete, rotate the signing secret, send a test
// event, and read the delivery log. Every change writes its webhook_endpoint.* event in the
// transaction of the change (so the outbox owes exactly what happened). The signing secret is
// sealed before it is stored and shown only in the creation and rotation answers. Targets are
// checked when they are given (IP literals, and names resolved with a short deadline) so the
// obvious internal addresses are refused at once; the dispatcher checks again at every attempt.
#include "portico/api/webhooks.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "portico/api/domains.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/core/ids.hpp"
#include "portico/core/webhook.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::Error;
using store::WebhookDeliveryRecord;
using store::WebhookEndpointRecord;

namespace {

constexpr std::size_t kMaxUrlLength = 2048;
constexpr std::size_t kMaxPatterns = 64;
constexpr std::size_t kMaxPatternLength = 128;
constexpr std::size_t kMaxDescriptionLength = 500;
constexpr std::int64_t kMaxRotationSeconds = std::int64_t{7} * 86400;
// Long enough for a working resolver, short enough that a request never hangs on a bad one.
constexpr std::chrono::seconds kResolveDeadline{2};

constexpr std::string_view kDeliveryStatuses[] = {"pending", "succeeded", "failed", "paused",
                                                  "canceled"};

// --- Target URLs ------------------------------------------------------------------------------

using core::webhook::parse_target_url;
using core::webhook::TargetUrl;

// "resolves to a loopback address": what refused_address_reason's reason means, for partners.
std::string address_kind(std::string_view reason) {
  if (reason == "loopback") return "a loopback address";
  if (reason == "private") return "a private address";
  if (reason == "link_local") return "a link-local address";
  if (reason == "metadata") return "a cloud metadata address";
  if (reason == "unspecified") return "an unspecified address";
  if (reason == "multicast") return "a multicast address";
  if (reason == "reserved") return "a reserved address";
  return "an address that is not public";
}

Error target_refused(std::string_view verb, std::string_view reason) {
  // The address itself is left out: what a partner's name resolves to inside the gateway's
  // network is none of the partner's business.
  return Error::unprocessable("webhook_target_refused",
                              "'url' " + std::string(verb) + " " + address_kind(reason) +
                                  ": webhooks are sent to public addresses only.",
                              "url");
}

bool is_localhost(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  constexpr std::string_view kSuffix = ".localhost";
  return host == "localhost" ||
         (host.size() > kSuffix.size() && host.substr(host.size() - kSuffix.size()) == kSuffix);
}

// The addresses `host` resolves to, or none when it does not resolve within the deadline. Runs
// on its own strand, so the resolver's completion and the deadline never race. getaddrinfo
// cannot be interrupted: past the deadline its answer is simply no longer waited for.
net::awaitable<std::vector<std::string>> resolve_addresses(std::string host) {
  using Tcp = net::ip::tcp;
  struct Lookup {
    explicit Lookup(const net::any_io_executor& executor)
        : resolver(executor), deadline(executor) {}
    Tcp::resolver resolver;
    net::steady_timer deadline;
    bool done = false;
    std::vector<std::string> addresses;
  };
  const net::any_io_executor executor = co_await net::this_coro::executor;
  auto lookup = std::make_shared<Lookup>(executor);
  lookup->deadline.expires_after(kResolveDeadline);
  lookup->resolver.async_resolve(
      host, "0", Tcp::resolver::numeric_service,
      net::bind_executor(executor, [lookup](const boost::system::error_code& error,
                                            const Tcp::resolver::results_type& results) {
        lookup->done = true;
        if (!error) {
          for (const auto& entry : results)
            lookup->addresses.push_back(entry.endpoint().address().to_string());
        }
        lookup->deadline.cancel();
      }));
  co_await lookup->deadline.async_wait(net::as_tuple(net::use_awaitable));
  if (!lookup->done) lookup->resolver.cancel();
  co_return lookup->addresses;
}

// Whether webhooks may be sent to `url` from this mode: https in live mode (unless allowed),
// and a public target (unless private ones are allowed). A name that does not resolve is
// accepted: it may exist later, and every attempt checks again.
net::awaitable<core::Status> check_target(const Services& services, const TargetUrl& url,
                                          bool livemode) {
  const config::WebhooksConfig& settings = services.config.webhooks;
  if (livemode && url.scheme == "http" && !settings.allow_http) {
    co_return Error::unprocessable("https_required",
                                   "Live-mode webhook endpoints must use an https URL.", "url");
  }
  if (settings.allow_private_targets) co_return core::Ok{};
  if (url.ip_literal) {
    const std::string reason = core::webhook::refused_address_reason(url.host);
    if (!reason.empty()) co_return target_refused("points at", reason);
    co_return core::Ok{};
  }
  if (is_localhost(url.host)) co_return target_refused("resolves to", "loopback");
  // On a strand of its own (see resolve_addresses), then back on the caller's executor.
  // Named, not temporaries in the co_await: GCC 12 mishandles those (store.hpp).
  const net::any_io_executor executor = co_await net::this_coro::executor;
  const auto strand = net::make_strand(executor);
  auto lookup = resolve_addresses(url.host);
  const std::vector<std::string> addresses =
      co_await net::co_spawn(strand, std::move(lookup), net::use_awaitable);
  for (const std::string& address : addresses) {
    const std::string reason = core::webhook::refused_address_reason(address);
    if (!reason.empty()) co_return target_refused("resolves to", reason);
  }
  co_return core::Ok{};
}

net::awaitable<core::Result<TargetUrl>> checked_url(const Services& services, std::string_view text,
                                                    bool livemode) {
  auto url = parse_target_url(text);
  if (!url) co_return url.error();
  auto allowed = co_await check_target(services, *url, livemode);
  if (!allowed) co_return allowed.error();
  co_return std::move(*url);
}

// --- Request fields ---------------------------------------------------------------------------

// The `events` member: 1 to 64 valid patterns, duplicates dropped, order kept.
std::optional<std::vector<std::string>> read_patterns(core::json::ObjectReader& body,
                                                      bool required) {
  auto given = body.strings("events", required, kMaxPatterns,
                            {.min_length = 1, .max_length = kMaxPatternLength});
  if (!given) return std::nullopt;
  if (given->empty()) {
    body.fail(Error::invalid_request(
        "parameter_invalid_length",
        "'events' must hold 1 to 64 event types or patterns, e.g. [\"domain.*\", \"ssl.issued\"].",
        "events"));
    return std::nullopt;
  }
  std::vector<std::string> patterns;
  for (std::size_t i = 0; i < given->size(); ++i) {
    const std::string& pattern = (*given)[i];
    if (!core::webhook::valid_pattern(pattern)) {
      const std::string param = "events[" + std::to_string(i) + "]";
      body.fail(Error::invalid_request("invalid_event_type",
                                       "'" + param +
                                           "' must be an event type or pattern: \"ssl.issued\", "
                                           "\"domain.*\" or \"*\" (lowercase words, dots).",
                                       param));
      return std::nullopt;
    }
    if (std::find(patterns.begin(), patterns.end(), pattern) == patterns.end()) {
      patterns.push_back(pattern);
    }
  }
  return patterns;
}

// --- Objects ----------------------------------------------------------------------------------

struct DeliveryView {
  WebhookDeliveryRecord delivery;
  std::vector<store::WebhookAttemptRecord> attempts;
};

void write_delivery(core::json::Writer& out, const DeliveryView& view) {
  const WebhookDeliveryRecord& delivery = view.delivery;
  core::json::write(out, "object", "webhook_delivery");
  core::json::write(out, "id", delivery.id);
  core::json::write(out, "endpoint_id", delivery.endpoint_id);
  core::json::write(out, "event_id", delivery.event_id);
  core::json::write(out, "event_type", delivery.event_type);
  core::json::write(out, "status", delivery.status);
  core::json::write(out, "attempts", delivery.attempts);
  core::json::write_time(out, "next_attempt_at", delivery.next_attempt_at);
  if (delivery.last_status_code) {
    core::json::write(out, "last_status_code", *delivery.last_status_code);
  } else {
    core::json::write_null(out, "last_status_code");
  }
  if (delivery.last_error.empty()) {
    core::json::write_null(out, "last_error");
  } else {
    core::json::write(out, "last_error", delivery.last_error);
  }
  core::json::write_time(out, "last_attempt_at", delivery.last_attempt_at);
  core::json::write(out, "created_at", core::format_rfc3339(delivery.created_at));
  core::json::key(out, "attempt_history");
  out.StartArray();
  for (const store::WebhookAttemptRecord& attempt : view.attempts) {
    out.StartObject();
    core::json::write(out, "number", attempt.number);
    core::json::write(out, "at", core::format_rfc3339(attempt.at));
    if (attempt.status_code) {
      core::json::write(out, "status_code", *attempt.status_code);
    } else {
      core::json::write_null(out, "status_code");
    }
    if (attempt.error.empty()) {
      core::json::write_null(out, "error");
    } else {
      core::json::write(out, "error", attempt.error);
    }
    core::json::write(out, "duration_ms", static_cast<std::int64_t>(attempt.duration.count()));
    out.EndObject();
  }
  out.EndArray();
}

server::Response endpoint_response(const RequestContext& context, unsigned status,
                                   const WebhookEndpointRecord& endpoint,
                                   std::optional<std::string_view> secret = std::nullopt) {
  return data_response(context.request_id, status, [&](core::json::Writer& out) {
    write_webhook_endpoint(out, endpoint, secret);
  });
}

// A webhook_endpoint.updated event whose previous_attributes hold what `before` had.
store::EventRecord updated_event(const Services& services, const WebhookEndpointRecord& after,
                                 std::string_view request_id, const MembersWriter& previous) {
  return make_object_event(
      services, "webhook_endpoint.updated", after.partner_id, after.livemode, after.id,
      [&after](core::json::Writer& out) { write_webhook_endpoint(out, after); }, request_id,
      previous);
}

Error endpoint_missing() {
  return Error::not_found("Webhook endpoint not found.", "id");
}

// The endpoint id of the path, or a 404 for one that cannot exist.
core::Result<std::string> endpoint_id(const RequestContext& context) {
  std::string id(context.param("id"));
  if (!core::is_id(id, core::id_prefix::kWebhook)) return endpoint_missing();
  return id;
}

// --- Handlers ---------------------------------------------------------------------------------

net::awaitable<server::Response> create_webhook(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  core::json::ObjectReader body(*document);
  const auto url_text = body.string("url", {.required = true, .max_length = kMaxUrlLength});
  auto patterns = read_patterns(body, true);
  auto description = body.string("description", {.max_length = kMaxDescriptionLength});
  if (auto error = body.finish()) co_return error_response(context.request_id, *error);

  const Principal& partner = context.partner();
  auto url = co_await checked_url(services, *url_text, partner.livemode);
  if (!url) co_return error_response(context.request_id, url.error());

  const core::TimePoint now = services.clock.now();
  const std::string secret = core::webhook::make_secret(services.random);
  WebhookEndpointRecord endpoint{.id = core::make_id(core::id_prefix::kWebhook, services.random),
                                 .partner_id = partner.partner_id,
                                 .livemode = partner.livemode,
                                 .url = std::move(url->text),
                                 .description = description.value_or(""),
                                 .events = std::move(*patterns),
                                 .created_at = now,
                                 .updated_at = now};
  endpoint.sealed_secret = seal_webhook_secret(services, endpoint.id, secret);
  const store::EventRecord event =
      make_endpoint_event(services, "webhook_endpoint.created", endpoint, context.request_id);
  const std::int64_t limit = services.config.webhooks.max_endpoints_per_partner;
  auto saved = co_await services.store.write<core::Ok>([&](store::Database& db) -> core::Status {
    // Counted in the writer's transaction: two concurrent creations cannot both pass.
    if (store::webhook_endpoints::count(db, endpoint.partner_id, endpoint.livemode) >= limit) {
      return Error::conflict("too_many_webhook_endpoints",
                             "You have " + std::to_string(limit) +
                                 " webhook endpoints in this mode, the most allowed: delete one "
                                 "first.");
    }
    store::webhook_endpoints::insert(db, endpoint);
    store::events::append(db, event);
    return core::Ok{};
  });
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return endpoint_response(context, 201, endpoint, secret);
}

net::awaitable<server::Response> list_webhooks(Services& services, RequestContext& context) {
  auto query = list_query(context);
  if (!query) co_return error_response(context.request_id, query.error());
  const Principal& partner = context.partner();
  using Page = store::Page<WebhookEndpointRecord>;
  auto page = co_await services.store.read<Page>(
      [&partner, &query](store::Database& db) -> core::Result<Page> {
        auto found = store::webhook_endpoints::list(db, partner.partner_id, partner.livemode,
                                                    query->limit, query->starting_after);
        if (!found) {
          return Error::invalid_request(
              "invalid_cursor", "'starting_after' does not name one of your webhook endpoints.",
              "starting_after");
        }
        return std::move(*found);
      });
  if (!page) co_return error_response(context.request_id, page.error());
  co_return list_response(
      context.request_id, page->items,
      [](core::json::Writer& out, const WebhookEndpointRecord& endpoint) {
        write_webhook_endpoint(out, endpoint);
      },
      page->total, page->has_more);
}

net::awaitable<server::Response> get_webhook(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto id = endpoint_id(context);
  if (!id) co_return error_response(context.request_id, id.error());
  const Principal& partner = context.partner();
  auto endpoint = co_await services.store.read<WebhookEndpointRecord>(
      [&](store::Database& db) -> core::Result<WebhookEndpointRecord> {
        auto found = store::webhook_endpoints::find(db, partner.partner_id, partner.livemode, *id);
        if (!found) return endpoint_missing();
        return std::move(*found);
      });
  if (!endpoint) co_return error_response(context.request_id, endpoint.error());
  co_return endpoint_response(context, 200, *endpoint);
}

net::awaitable<server::Response> update_webhook(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto id = endpoint_id(context);
  if (!id) co_return error_response(context.request_id, id.error());
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  core::json::ObjectReader body(*document);
  const auto url_text = body.string("url", {.max_length = kMaxUrlLength});
  const auto patterns = read_patterns(body, false);
  const auto description = body.string("description", {.max_length = kMaxDescriptionLength});
  const auto status = body.string("status", {.max_length = 16});
  if (status && *status != "enabled" && *status != "disabled") {
    body.fail(Error::invalid_request("invalid_status", "'status' must be enabled or disabled.",
                                     "status"));
  }
  if (auto error = body.finish()) co_return error_response(context.request_id, *error);

  const Principal& partner = context.partner();
  std::optional<std::string> url;
  if (url_text) {
    auto checked = co_await checked_url(services, *url_text, partner.livemode);
    if (!checked) co_return error_response(context.request_id, checked.error());
    url = std::move(checked->text);
  }

  const core::TimePoint now = services.clock.now();
  // Read, changed and written in one write transaction: the writer is the only one, so nothing
  // (another request, the dispatcher) changes the endpoint in between.
  auto saved = co_await services.store.write<WebhookEndpointRecord>(
      [&](store::Database& db) -> core::Result<WebhookEndpointRecord> {
        auto found = store::webhook_endpoints::find(db, partner.partner_id, partner.livemode, *id);
        if (!found) return endpoint_missing();
        const WebhookEndpointRecord before = *found;
        WebhookEndpointRecord after = std::move(*found);
        if (url) after.url = *url;
        if (patterns) after.events = *patterns;
        if (description) after.description = *description;
        const bool fields_changed = after.url != before.url || after.events != before.events ||
                                    after.description != before.description;
        const bool status_changed = status && *status != before.status;
        if (!fields_changed && !status_changed) return after;
        if (fields_changed) {
          after.updated_at = now;
          store::webhook_endpoints::update(db, after);
        }
        if (status_changed) {
          // Disabling pauses the endpoint's deliveries; enabling resumes them now.
          const std::string_view reason = *status == "disabled" ? "manual" : "";
          if (!store::webhook_endpoints::set_status(db, after.id, *status, reason, now)) {
            return endpoint_missing();
          }
        }
        auto current =
            store::webhook_endpoints::find(db, partner.partner_id, partner.livemode, after.id);
        if (!current) return endpoint_missing();
        const store::EventRecord event =
            updated_event(services, *current, context.request_id, [&](core::json::Writer& out) {
              if (current->url != before.url) core::json::write(out, "url", before.url);
              if (current->events != before.events) {
                core::json::key(out, "events");
                out.StartArray();
                for (const std::string& pattern : before.events)
                  core::json::string(out, pattern);
                out.EndArray();
              }
              if (current->description != before.description) {
                core::json::write(out, "description", before.description);
              }
              if (current->status != before.status) {
                core::json::write(out, "status", before.status);
                if (before.disabled_reason.empty()) {
                  core::json::write_null(out, "disabled_reason");
                } else {
                  core::json::write(out, "disabled_reason", before.disabled_reason);
                }
              }
            });
        store::events::append(db, event);
        return std::move(*current);
      });
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return endpoint_response(context, 200, *saved);
}

// A soft delete: the endpoint disappears from the API, its undelivered deliveries are canceled,
// and its rows stay for the record.
net::awaitable<server::Response> delete_webhook(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto id = endpoint_id(context);
  if (!id) co_return error_response(context.request_id, id.error());
  const Principal& partner = context.partner();
  const core::TimePoint now = services.clock.now();
  auto deleted = co_await services.store.write<WebhookEndpointRecord>(
      [&](store::Database& db) -> core::Result<WebhookEndpointRecord> {
        auto found = store::webhook_endpoints::find(db, partner.partner_id, partner.livemode, *id);
        if (!found || !store::webhook_endpoints::remove(db, found->id, now)) {
          return endpoint_missing();
        }
        // Recorded after the removal, so the deleted endpoint is not sent its own deletion.
        store::events::append(db, make_endpoint_event(services, "webhook_endpoint.deleted", *found,
                                                      context.request_id));
        return std::move(*found);
      });
  if (!deleted) co_return error_response(context.request_id, deleted.error());
  co_return data_response(context.request_id, 200, [&](core::json::Writer& out) {
    write_webhook_endpoint(out, *deleted);
    core::json::write(out, "deleted", true);
  });
}

// A new secret; the one it replaces keeps signing beside it for `expires_in` seconds (default
// webhooks.rotation_window; 0 retires it at once), so receivers can switch without losing
// deliveries. A rotation during another's window retires the older secret at once.
net::awaitable<server::Response> rotate_secret(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto id = endpoint_id(context);
  if (!id) co_return error_response(context.request_id, id.error());
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  core::json::ObjectReader body(*document);
  const auto expires_in = body.integer("expires_in", {.min = 0, .max = kMaxRotationSeconds});
  if (auto error = body.finish()) co_return error_response(context.request_id, *error);

  const std::chrono::seconds window = expires_in ? std::chrono::seconds(*expires_in)
                                                 : std::chrono::duration_cast<std::chrono::seconds>(
                                                       services.config.webhooks.rotation_window);
  const Principal& partner = context.partner();
  const core::TimePoint now = services.clock.now();
  const std::string secret = core::webhook::make_secret(services.random);
  auto rotated = co_await services.store.write<WebhookEndpointRecord>(
      [&](store::Database& db) -> core::Result<WebhookEndpointRecord> {
        auto found = store::webhook_endpoints::find(db, partner.partner_id, partner.livemode, *id);
        if (!found) return endpoint_missing();
        WebhookEndpointRecord endpoint = std::move(*found);
        const std::optional<core::TimePoint> before = endpoint.sealed_previous_secret.empty()
                                                          ? std::nullopt
                                                          : endpoint.previous_secret_expires_at;
        if (window.count() > 0) {
          // Sealed for this endpoint already: kept as it is.
          endpoint.sealed_previous_secret = std::move(endpoint.sealed_secret);
          endpoint.previous_secret_expires_at = now + window;
        } else {
          endpoint.sealed_previous_secret.clear();
          endpoint.previous_secret_expires_at.reset();
        }
        endpoint.sealed_secret = seal_webhook_secret(services, endpoint.id, secret);
        endpoint.updated_at = now;
        store::webhook_endpoints::update(db, endpoint);
        store::events::append(db, updated_event(services, endpoint, context.request_id,
                                                [&before](core::json::Writer& out) {
                                                  core::json::write_time(
                                                      out, "previous_secret_expires_at", before);
                                                }));
        return endpoint;
      });
  if (!rotated) co_return error_response(context.request_id, rotated.error());
  co_return endpoint_response(context, 200, *rotated, secret);
}

// Records a webhook_endpoint.test event and queues it for this endpoint only (not for the
// partner's other endpoints, as a normal event would be).
net::awaitable<server::Response> send_test(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto id = endpoint_id(context);
  if (!id) co_return error_response(context.request_id, id.error());
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  if (auto error = core::json::ObjectReader(*document).finish()) {
    co_return error_response(context.request_id, *error);
  }
  const Principal& partner = context.partner();
  const core::TimePoint now = services.clock.now();
  auto queued = co_await services.store.write<WebhookDeliveryRecord>(
      [&](store::Database& db) -> core::Result<WebhookDeliveryRecord> {
        auto endpoint =
            store::webhook_endpoints::find(db, partner.partner_id, partner.livemode, *id);
        if (!endpoint) return endpoint_missing();
        if (endpoint->status != "enabled") {
          return Error::conflict("webhook_endpoint_disabled",
                                 "This webhook endpoint is disabled: enable it (PATCH status "
                                 "enabled) to send it a test event.");
        }
        const store::EventRecord event =
            make_endpoint_event(services, "webhook_endpoint.test", *endpoint, context.request_id);
        store::events::append_without_deliveries(db, event);
        WebhookDeliveryRecord delivery{.id = core::webhook::delivery_id(event.id, endpoint->id),
                                       .endpoint_id = endpoint->id,
                                       .event_id = event.id,
                                       .event_type = event.type,
                                       .partner_id = endpoint->partner_id,
                                       .livemode = endpoint->livemode,
                                       .status = "pending",
                                       .attempts = 0,
                                       .next_attempt_at = event.created_at,
                                       .created_at = now,
                                       .updated_at = now};
        store::webhook_deliveries::insert(db, delivery);
        return delivery;
      });
  if (!queued) co_return error_response(context.request_id, queued.error());
  co_return data_response(context.request_id, 202, [&](core::json::Writer& out) {
    write_delivery(out, DeliveryView{*queued, {}});
  });
}

net::awaitable<server::Response> list_deliveries(Services& services, RequestContext& context) {
  auto query = list_query(context, {"status"});
  if (!query) co_return error_response(context.request_id, query.error());
  auto id = endpoint_id(context);
  if (!id) co_return error_response(context.request_id, id.error());
  std::optional<std::string> status;
  if (const auto found = context.query.find("status"); found != context.query.end()) {
    if (std::find(std::begin(kDeliveryStatuses), std::end(kDeliveryStatuses), found->second) ==
        std::end(kDeliveryStatuses)) {
      co_return error_response(
          context.request_id,
          Error::invalid_request(
              "invalid_status",
              "'status' must be one of pending, succeeded, failed, paused, canceled.", "status"));
    }
    status = found->second;
  }
  const Principal& partner = context.partner();
  using Page = store::Page<DeliveryView>;
  auto page = co_await services.store.read<Page>([&](store::Database& db) -> core::Result<Page> {
    if (!store::webhook_endpoints::find(db, partner.partner_id, partner.livemode, *id)) {
      return endpoint_missing();
    }
    auto found =
        store::webhook_deliveries::list(db, *id, status, query->limit, query->starting_after);
    if (!found) {
      return Error::invalid_request("invalid_cursor",
                                    "'starting_after' does not name a delivery of this endpoint.",
                                    "starting_after");
    }
    Page views{.total = found->total, .has_more = found->has_more};
    for (WebhookDeliveryRecord& delivery : found->items) {
      auto attempts = store::webhook_deliveries::attempts(db, delivery.id);
      views.items.push_back({std::move(delivery), std::move(attempts)});
    }
    return views;
  });
  if (!page) co_return error_response(context.request_id, page.error());
  co_return list_response(context.request_id, page->items, write_delivery, page->total,
                          page->has_more);
}

net::awaitable<server::Response> get_delivery(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto id = endpoint_id(context);
  if (!id) co_return error_response(context.request_id, id.error());
  const std::string delivery_id(context.param("delivery_id"));
  const Error missing = Error::not_found("Webhook delivery not found.", "delivery_id");
  if (!core::is_id(delivery_id, core::id_prefix::kDelivery)) {
    co_return error_response(context.request_id, missing);
  }
  const Principal& partner = context.partner();
  auto view = co_await services.store.read<DeliveryView>(
      [&](store::Database& db) -> core::Result<DeliveryView> {
        if (!store::webhook_endpoints::find(db, partner.partner_id, partner.livemode, *id)) {
          return endpoint_missing();
        }
        auto found = store::webhook_deliveries::find(db, *id, delivery_id);
        if (!found) return missing;
        auto attempts = store::webhook_deliveries::attempts(db, found->id);
        return DeliveryView{std::move(*found), std::move(attempts)};
      });
  if (!view) co_return error_response(context.request_id, view.error());
  co_return data_response(context.request_id, 200,
                          [&](core::json::Writer& out) { write_delivery(out, *view); });
}

}  // namespace

void add_webhook_routes(Router& router, Services& services) {
  const auto add = [&](const char* method, const char* pattern, ServiceHandler handler) {
    add_partner_route(router, services, method, pattern, handler);
  };
  add("POST", "/api/v1/webhooks", create_webhook);
  add("GET", "/api/v1/webhooks", list_webhooks);
  add("GET", "/api/v1/webhooks/{id}", get_webhook);
  add("PATCH", "/api/v1/webhooks/{id}", update_webhook);
  add("DELETE", "/api/v1/webhooks/{id}", delete_webhook);
  add("POST", "/api/v1/webhooks/{id}/rotate-secret", rotate_secret);
  add("POST", "/api/v1/webhooks/{id}/test", send_test);
  add("GET", "/api/v1/webhooks/{id}/deliveries", list_deliveries);
  add("GET", "/api/v1/webhooks/{id}/deliveries/{delivery_id}", get_delivery);
}

}  // namespace portico::api
