// Orders: one per billable action (registration, transfer, renewal, certificate order,
// hosting provisioning or renewal), read-only. They are written by the handler of the action,
// in the transaction that records the object.
#include <algorithm>

#include "portico/api/billing.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/core/ids.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::Error;

namespace {

constexpr std::string_view kActions[] = {"domain.register", "domain.transfer", "domain.renew",
                                         "ssl.order",       "ssl.renew",       "hosting.provision",
                                         "hosting.renew"};

net::awaitable<server::Response> list_orders(Services& services, RequestContext& context) {
  auto query = list_query(context, {"customer_id", "object_id", "invoice_id", "action"});
  if (!query) co_return error_response(context.request_id, query.error());
  store::OrderFilter filter;
  const auto given = [&context](std::string_view name) -> std::optional<std::string> {
    const auto found = context.query.find(name);
    if (found == context.query.end()) return std::nullopt;
    return found->second;
  };
  filter.customer_id = given("customer_id");
  filter.object_id = given("object_id");
  filter.invoice_id = given("invoice_id");
  filter.action = given("action");
  if (filter.action &&
      std::find(std::begin(kActions), std::end(kActions), *filter.action) == std::end(kActions)) {
    co_return error_response(
        context.request_id,
        Error::invalid_request("invalid_action",
                               "'action' must be one of domain.register, domain.transfer, "
                               "domain.renew, ssl.order, ssl.renew, hosting.provision, "
                               "hosting.renew.",
                               "action"));
  }
  const Principal& partner = context.partner();
  using Page = store::Page<store::OrderRecord>;
  auto page = co_await services.store.read<Page>([&partner, &query, &filter](
                                                     store::Database& db) -> core::Result<Page> {
    auto found = store::orders::list(db, partner.partner_id, partner.livemode, filter, query->limit,
                                     query->starting_after);
    if (!found) {
      return Error::invalid_request(
          "invalid_cursor", "'starting_after' does not name one of your orders.", "starting_after");
    }
    return std::move(*found);
  });
  if (!page) co_return error_response(context.request_id, page.error());
  co_return list_response(context.request_id, page->items, write_order, page->total,
                          page->has_more);
}

net::awaitable<server::Response> get_order(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  const std::string id(context.param("id"));
  const Error missing = Error::not_found("Order not found.", "id");
  if (!core::is_id(id, core::id_prefix::kOrder))
    co_return error_response(context.request_id, missing);
  const Principal& partner = context.partner();
  auto order = co_await services.store.read<store::OrderRecord>(
      [&](store::Database& db) -> core::Result<store::OrderRecord> {
        auto found = store::orders::find(db, partner.partner_id, partner.livemode, id);
        if (!found) return missing;
        return std::move(*found);
      });
  if (!order) co_return error_response(context.request_id, order.error());
  co_return data_response(context.request_id, 200,
                          [&](core::json::Writer& out) { write_order(out, *order); });
}

}  // namespace

void add_order_routes(Router& router, Services& services) {
  add_partner_route(router, services, "GET", "/api/v1/orders", list_orders);
  add_partner_route(router, services, "GET", "/api/v1/orders/{id}", get_order);
}

}  // namespace portico::api
