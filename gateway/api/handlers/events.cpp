// Events: one per state change, recorded in the transaction of the change. Read-only here. An
// event object is written by api::write_event, the writer the webhook deliveries use, so what
// GET /api/v1/events/{id} shows is byte for byte what a receiver was sent.
#include <boost/beast/http/field.hpp>

#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/api/webhooks.hpp"
#include "portico/core/ids.hpp"
#include "portico/core/webhook.hpp"

namespace portico::api {

namespace net = boost::asio;
namespace http = boost::beast::http;
using core::Error;

namespace {

// The data_response envelope around a whole object written by write_event (data_response
// writes members, write_event the object with its braces).
server::Response event_response(std::string_view request_id, const store::EventRecord& event) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  core::json::key(out, "data");
  write_event(out, event);
  core::json::key(out, "meta");
  out.StartObject();
  core::json::write(out, "request_id", request_id);
  out.EndObject();
  out.EndObject();
  server::Response response(http::status::ok, 11);
  response.set(http::field::content_type, "application/json");
  response.set("X-Request-Id", request_id);
  response.body().assign(buffer.GetString(), buffer.GetSize());
  return response;
}

core::Result<store::EventFilter> read_filter(const RequestContext& context) {
  store::EventFilter filter;
  for (const auto& [name, value] : context.query) {
    if (name == "type") {
      if (!core::webhook::valid_pattern(value)) {
        return Error::invalid_request("invalid_event_type",
                                      "'type' must be an event type or pattern: \"ssl.issued\", "
                                      "\"domain.*\" or \"*\".",
                                      "type");
      }
      filter.type = value;
    } else if (name == "object_id") {
      filter.object_id = value;
    } else if (name == "created_gte" || name == "created_lt") {
      const auto at = core::parse_rfc3339(value);
      if (!at) {
        return Error::invalid_request(
            "invalid_timestamp",
            "'" + name + "' must be an RFC 3339 time such as 2026-01-31T12:00:00Z.", name);
      }
      (name == "created_gte" ? filter.created_gte : filter.created_lt) = *at;
    }
  }
  return filter;
}

net::awaitable<server::Response> list_events(Services& services, RequestContext& context) {
  auto query = list_query(context, {"type", "object_id", "created_gte", "created_lt"});
  if (!query) co_return error_response(context.request_id, query.error());
  auto filter = read_filter(context);
  if (!filter) co_return error_response(context.request_id, filter.error());
  const Principal& partner = context.partner();
  using Page = store::Page<store::EventRecord>;
  auto page = co_await services.store.read<Page>([&partner, &query, &filter](
                                                     store::Database& db) -> core::Result<Page> {
    auto found = store::events::list(db, partner.partner_id, partner.livemode, *filter,
                                     query->limit, query->starting_after);
    if (!found) {
      return Error::invalid_request(
          "invalid_cursor", "'starting_after' does not name one of your events.", "starting_after");
    }
    return std::move(*found);
  });
  if (!page) co_return error_response(context.request_id, page.error());
  co_return list_envelope(
      context.request_id,
      [&page](core::json::Writer& out) {
        for (const store::EventRecord& event : page->items)
          write_event(out, event);
      },
      page->total, page->has_more);
}

net::awaitable<server::Response> get_event(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  const std::string id(context.param("id"));
  const Error missing = Error::not_found("Event not found.", "id");
  if (!core::is_id(id, core::id_prefix::kEvent)) {
    co_return error_response(context.request_id, missing);
  }
  const Principal& partner = context.partner();
  auto event = co_await services.store.read<store::EventRecord>(
      [&](store::Database& db) -> core::Result<store::EventRecord> {
        auto found = store::events::find(db, partner.partner_id, partner.livemode, id);
        if (!found) return missing;
        return std::move(*found);
      });
  if (!event) co_return error_response(context.request_id, event.error());
  co_return event_response(context.request_id, *event);
}

}  // namespace

void add_event_routes(Router& router, Services& services) {
  add_partner_route(router, services, "GET", "/api/v1/events", list_events);
  add_partner_route(router, services, "GET", "/api/v1/events/{id}", get_event);
}

}  // namespace portico::api
