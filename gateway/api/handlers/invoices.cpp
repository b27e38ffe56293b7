// Invoices: the orders of one customer (or of none) in one UTC calendar month and currency,
// summed exactly in minor units as the orders are written. Read-only; an invoice is open
// until its month ends.
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

// "YYYY-MM" with a month from 01 to 12.
bool is_period(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  const int month = (text[5] - '0') * 10 + (text[6] - '0');
  return month >= 1 && month <= 12;
}

net::awaitable<server::Response> list_invoices(Services& services, RequestContext& context) {
  auto query = list_query(context, {"customer_id", "period"});
  if (!query) co_return error_response(context.request_id, query.error());
  store::InvoiceFilter filter;
  if (auto found = context.query.find("customer_id"); found != context.query.end()) {
    filter.customer_id = found->second;
  }
  if (auto found = context.query.find("period"); found != context.query.end()) {
    if (!is_period(found->second)) {
      co_return error_response(
          context.request_id,
          Error::invalid_request("invalid_period", "'period' must be a month as YYYY-MM.",
                                 "period"));
    }
    filter.period = found->second;
  }
  const Principal& partner = context.partner();
  using Page = store::Page<store::InvoiceRecord>;
  auto page = co_await services.store.read<Page>(
      [&partner, &query, &filter](store::Database& db) -> core::Result<Page> {
        auto found = store::invoices::list(db, partner.partner_id, partner.livemode, filter,
                                           query->limit, query->starting_after);
        if (!found) {
          return Error::invalid_request("invalid_cursor",
                                        "'starting_after' does not name one of your invoices.",
                                        "starting_after");
        }
        return std::move(*found);
      });
  if (!page) co_return error_response(context.request_id, page.error());
  const core::TimePoint now = services.clock.now();
  co_return list_response(
      context.request_id, page->items,
      [now](core::json::Writer& out, const store::InvoiceRecord& invoice) {
        write_invoice(out, invoice, now);
      },
      page->total, page->has_more);
}

// An invoice with its lines: every order on it, oldest first.
struct InvoiceWithLines {
  store::InvoiceRecord invoice;
  std::vector<store::OrderRecord> lines;
};

net::awaitable<server::Response> get_invoice(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  const std::string id(context.param("id"));
  const Error missing = Error::not_found("Invoice not found.", "id");
  if (!core::is_id(id, core::id_prefix::kInvoice)) {
    co_return error_response(context.request_id, missing);
  }
  const Principal& partner = context.partner();
  // One read: the lines and the total come from the same snapshot.
  auto found = co_await services.store.read<InvoiceWithLines>(
      [&](store::Database& db) -> core::Result<InvoiceWithLines> {
        auto invoice = store::invoices::find(db, partner.partner_id, partner.livemode, id);
        if (!invoice) return missing;
        const int count =
            static_cast<int>(std::clamp<std::int64_t>(invoice->order_count, 1, INT32_MAX - 1));
        auto page = store::orders::list(db, partner.partner_id, partner.livemode,
                                        {.invoice_id = invoice->id}, count, std::nullopt);
        InvoiceWithLines result{.invoice = std::move(*invoice), .lines = {}};
        if (page) result.lines.assign(page->items.rbegin(), page->items.rend());
        return result;
      });
  if (!found) co_return error_response(context.request_id, found.error());
  const core::TimePoint now = services.clock.now();
  co_return data_response(context.request_id, 200, [&](core::json::Writer& out) {
    write_invoice(out, found->invoice, now);
    core::json::key(out, "lines");
    out.StartArray();
    for (const store::OrderRecord& line : found->lines) {
      out.StartObject();
      write_order(out, line);
      out.EndObject();
    }
    out.EndArray();
  });
}

}  // namespace

void add_invoice_routes(Router& router, Services& services) {
  add_partner_route(router, services, "GET", "/api/v1/invoices", list_invoices);
  add_partner_route(router, services, "GET", "/api/v1/invoices/{id}", get_invoice);
}

}  // namespace portico::api
