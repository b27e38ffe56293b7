#include "portico/api/domains.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/core/contact.hpp"
#include "portico/core/ids.hpp"
#include "portico/store/events.hpp"
#include "portico/store/repositories.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::Error;

namespace {

void write_customer(core::json::Writer& out, const store::CustomerRecord& customer) {
  core::json::write(out, "object", "customer");
  core::json::write(out, "id", customer.id);
  core::json::write(out, "name", customer.name);
  core::json::write(out, "email", customer.email);
  core::json::write(out, "country", customer.country);
  core::json::write(out, "external_id", customer.external_id);
  core::json::write(out, "livemode", customer.livemode);
  core::json::write(out, "created_at", core::format_rfc3339(customer.created_at));
}

net::awaitable<server::Response> create_customer(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());

  core::json::ObjectReader body(*document);
  auto name = body.string("name", {.required = true, .min_length = 1, .max_length = 200});
  auto email = body.string("email", {.required = true, .min_length = 3, .max_length = 254});
  auto country = body.string("country", {.max_length = 2});
  auto external_id = body.string("external_id", {.min_length = 1, .max_length = 128});
  if (email && !core::plausible_email(*email)) {
    body.fail(
        Error::invalid_request("invalid_email", "'email' is not an e-mail address.", "email"));
  }
  if (country && !body.failed()) {
    auto code = core::normalize_country_code(*country, "country");
    if (code) {
      country = std::move(*code);
    } else {
      body.fail(code.error());
    }
  }
  if (auto error = body.finish()) co_return error_response(context.request_id, *error);

  store::CustomerRecord customer{.id = core::make_id(core::id_prefix::kCustomer, services.random),
                                 .partner_id = context.partner().partner_id,
                                 .livemode = context.partner().livemode,
                                 .name = std::move(*name),
                                 .email = std::move(*email),
                                 .country = std::move(country),
                                 .external_id = std::move(external_id),
                                 .created_at = services.clock.now()};
  const store::EventRecord event = make_object_event(
      services, "customer.created", customer.partner_id, customer.livemode, customer.id,
      [&customer](core::json::Writer& out) { write_customer(out, customer); }, context.request_id);
  auto inserted = co_await services.store.write<store::CustomerRecord>(
      [&customer, &event](store::Database& db) -> core::Result<store::CustomerRecord> {
        if (store::customers::insert(db, customer) ==
            store::customers::InsertOutcome::duplicate_external_id) {
          return Error::conflict("customer_exists",
                                 "A customer with this external_id already exists.", "external_id");
        }
        store::events::append(db, event);
        return customer;
      });
  if (!inserted) co_return error_response(context.request_id, inserted.error());
  co_return data_response(context.request_id, 201,
                          [&](core::json::Writer& out) { write_customer(out, *inserted); });
}

net::awaitable<server::Response> list_customers(Services& services, RequestContext& context) {
  auto query = list_query(context);
  if (!query) co_return error_response(context.request_id, query.error());
  const Principal& partner = context.partner();
  using Page = store::Page<store::CustomerRecord>;
  // Captured by reference: the coroutine frame outlives the co_await (and GCC 12 mishandles
  // owning temporaries inside co_await expressions).
  auto page = co_await services.store.read<Page>(
      [&partner, &query](store::Database& db) -> core::Result<Page> {
        auto found = store::customers::list(db, partner.partner_id, partner.livemode, query->limit,
                                            query->starting_after);
        if (!found) {
          return Error::invalid_request("invalid_cursor",
                                        "'starting_after' does not name one of your customers.",
                                        "starting_after");
        }
        return std::move(*found);
      });
  if (!page) co_return error_response(context.request_id, page.error());
  co_return list_response(context.request_id, page->items, write_customer, page->total,
                          page->has_more);
}

net::awaitable<server::Response> get_customer(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  const std::string id(context.param("id"));
  const Principal& partner = context.partner();
  const Error missing = Error::not_found("Customer not found.", "id");
  // A malformed id cannot exist: answer as for any unknown id, without a database trip.
  if (!core::is_id(id, core::id_prefix::kCustomer)) {
    co_return error_response(context.request_id, missing);
  }
  auto customer = co_await services.store.read<store::CustomerRecord>(
      [&](store::Database& db) -> core::Result<store::CustomerRecord> {
        auto found = store::customers::find(db, partner.partner_id, partner.livemode, id);
        if (!found) return missing;
        return std::move(*found);
      });
  if (!customer) co_return error_response(context.request_id, customer.error());
  co_return data_response(context.request_id, 200,
                          [&](core::json::Writer& out) { write_customer(out, *customer); });
}

}  // namespace

void add_customer_routes(Router& router, Services& services) {
  add_partner_route(router, services, "POST", "/api/v1/customers", create_customer);
  add_partner_route(router, services, "GET", "/api/v1/customers", list_customers);
  add_partner_route(router, services, "GET", "/api/v1/customers/{id}", get_customer);
}

}  // namespace portico::api
