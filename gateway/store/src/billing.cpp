#include "portico/store/billing.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "list_query.hpp"

namespace portico::store {

namespace {

std::int64_t flag(bool value) {
  return value ? 1 : 0;
}

std::optional<std::string_view> non_empty(std::string_view text) {
  if (text.empty()) return std::nullopt;
  return text;
}

// "2026-11": the UTC calendar month of a time.
std::string month_of(core::TimePoint at) {
  const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(at)};
  char text[16];
  const int length = std::snprintf(text, sizeof text, "%04d-%02u", static_cast<int>(date.year()),
                                   static_cast<unsigned>(date.month()));
  return {text, static_cast<std::size_t>(length)};
}

constexpr std::string_view kOrderColumns =
    "SELECT id, partner_id, livemode, customer_id, key_id, action, product, object_id, "
    "description, provider_instance, quantity, unit_amount, amount, currency, invoice_id, "
    "request_id, created_at FROM orders ";

OrderRecord read_order(const Statement& row) {
  return {.id = row.column_text(0),
          .partner_id = row.column_text(1),
          .livemode = row.column_int64(2) != 0,
          .customer_id = row.column_optional_text(3),
          .key_id = row.column_optional_text(4).value_or(""),
          .action = row.column_text(5),
          .product = row.column_text(6),
          .object_id = row.column_text(7),
          .description = row.column_text(8),
          .provider_instance = row.column_text(9),
          .quantity = row.column_int64(10),
          .unit_amount = row.column_int64(11),
          .amount = row.column_int64(12),
          .currency = row.column_text(13),
          .invoice_id = row.column_text(14),
          .request_id = row.column_optional_text(15).value_or(""),
          .created_at = from_unix_millis(row.column_int64(16))};
}

constexpr std::string_view kInvoiceColumns =
    "SELECT id, partner_id, livemode, customer_id, period, currency, total, order_count, "
    "created_at, updated_at, seq FROM invoices ";

InvoiceRecord read_invoice(const Statement& row) {
  return {.id = row.column_text(0),
          .partner_id = row.column_text(1),
          .livemode = row.column_int64(2) != 0,
          .customer_id = row.column_optional_text(3),
          .period = row.column_text(4),
          .currency = row.column_text(5),
          .total = row.column_int64(6),
          .order_count = row.column_int64(7),
          .created_at = from_unix_millis(row.column_int64(8)),
          .updated_at = from_unix_millis(row.column_int64(9))};
}

}  // namespace

namespace orders {

void insert(Database& db, OrderRecord& order, std::string_view new_invoice_id) {
  const std::int64_t created = unix_millis(order.created_at);
  const std::string period = month_of(order.created_at);
  const std::string customer_key = order.customer_id.value_or("");
  // The invoice of the order's group: created with this order, or added to. Orders may be
  // stamped out of order (clocks), so the invoice's times are the extremes of its orders'.
  Statement upsert = db.prepare(
      "INSERT INTO invoices(id, partner_id, livemode, customer_key, customer_id, period, "
      "currency, total, order_count, created_at, updated_at) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?9) "
      "ON CONFLICT(partner_id, livemode, customer_key, period, currency) DO UPDATE SET "
      "total = total + excluded.total, order_count = order_count + 1, "
      "created_at = min(created_at, excluded.created_at), "
      "updated_at = max(updated_at, excluded.updated_at)");
  upsert.bind(1, new_invoice_id)
      .bind(2, order.partner_id)
      .bind(3, flag(order.livemode))
      .bind(4, customer_key)
      .bind(5, order.customer_id)
      .bind(6, period)
      .bind(7, order.currency)
      .bind(8, order.amount)
      .bind(9, created);
  upsert.step();

  Statement invoice = db.prepare(
      "SELECT id FROM invoices WHERE partner_id = ? AND livemode = ? AND customer_key = ? AND "
      "period = ? AND currency = ?");
  invoice.bind(1, order.partner_id)
      .bind(2, flag(order.livemode))
      .bind(3, customer_key)
      .bind(4, period)
      .bind(5, order.currency);
  if (!invoice.step()) throw StoreError("no invoice for order " + order.id);
  order.invoice_id = invoice.column_text(0);

  Statement insert = db.prepare(
      "INSERT INTO orders(id, partner_id, livemode, customer_id, key_id, action, product, "
      "object_id, description, provider_instance, quantity, unit_amount, amount, currency, "
      "invoice_id, request_id, created_at) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, order.id)
      .bind(2, order.partner_id)
      .bind(3, flag(order.livemode))
      .bind(4, order.customer_id)
      .bind(5, non_empty(order.key_id))
      .bind(6, order.action)
      .bind(7, order.product)
      .bind(8, order.object_id)
      .bind(9, order.description)
      .bind(10, order.provider_instance)
      .bind(11, order.quantity)
      .bind(12, order.unit_amount)
      .bind(13, order.amount)
      .bind(14, order.currency)
      .bind(15, order.invoice_id)
      .bind(16, non_empty(order.request_id))
      .bind(17, created);
  insert.step();
}

std::optional<OrderRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                std::string_view id) {
  Statement query =
      db.prepare(std::string(kOrderColumns) + "WHERE id = ? AND partner_id = ? AND livemode = ?");
  query.bind(1, id).bind(2, partner_id).bind(3, flag(livemode));
  if (!query.step()) return std::nullopt;
  return read_order(query);
}

std::optional<Page<OrderRecord>> list(Database& db, std::string_view partner_id, bool livemode,
                                      const OrderFilter& filter, int limit,
                                      std::optional<std::string_view> starting_after) {
  limit = std::max(limit, 1);
  std::int64_t before_seq = INT64_MAX;
  if (starting_after) {
    Statement cursor =
        db.prepare("SELECT seq FROM orders WHERE id = ? AND partner_id = ? AND livemode = ?");
    cursor.bind(1, *starting_after).bind(2, partner_id).bind(3, flag(livemode));
    if (!cursor.step()) return std::nullopt;
    before_seq = cursor.column_int64(0);
  }
  const std::string where =
      "WHERE partner_id = ?1 AND livemode = ?2 AND (?3 IS NULL OR customer_id = ?3) "
      "AND (?4 IS NULL OR object_id = ?4) AND (?5 IS NULL OR invoice_id = ?5) "
      "AND (?6 IS NULL OR action = ?6) ";
  const auto bind_filters = [&](Statement& statement) {
    statement.bind(1, partner_id)
        .bind(2, flag(livemode))
        .bind(3, filter.customer_id)
        .bind(4, filter.object_id)
        .bind(5, filter.invoice_id)
        .bind(6, filter.action);
  };
  return detail::newest_first_page<OrderRecord>(db, "orders", kOrderColumns, where, 6, bind_filters,
                                                before_seq, limit, read_order);
}

}  // namespace orders

namespace invoices {

std::optional<InvoiceRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                  std::string_view id) {
  Statement query =
      db.prepare(std::string(kInvoiceColumns) + "WHERE id = ? AND partner_id = ? AND livemode = ?");
  query.bind(1, id).bind(2, partner_id).bind(3, flag(livemode));
  if (!query.step()) return std::nullopt;
  return read_invoice(query);
}

std::optional<Page<InvoiceRecord>> list(Database& db, std::string_view partner_id, bool livemode,
                                        const InvoiceFilter& filter, int limit,
                                        std::optional<std::string_view> starting_after) {
  limit = std::max(limit, 1);
  // Newest period first, then newest invoice: the cursor is a (period, seq) position.
  std::string after_period = "9999-99";
  std::int64_t after_seq = INT64_MAX;
  if (starting_after) {
    Statement cursor = db.prepare(
        "SELECT period, seq FROM invoices WHERE id = ? AND partner_id = ? AND livemode = ?");
    cursor.bind(1, *starting_after).bind(2, partner_id).bind(3, flag(livemode));
    if (!cursor.step()) return std::nullopt;
    after_period = cursor.column_text(0);
    after_seq = cursor.column_int64(1);
  }
  const std::string where =
      "WHERE partner_id = ?1 AND livemode = ?2 AND (?3 IS NULL OR customer_id = ?3) "
      "AND (?4 IS NULL OR period = ?4) ";
  const auto bind_filters = [&](Statement& statement) {
    statement.bind(1, partner_id)
        .bind(2, flag(livemode))
        .bind(3, filter.customer_id)
        .bind(4, filter.period);
  };
  Page<InvoiceRecord> page;
  Statement count = db.prepare("SELECT COUNT(*) FROM invoices " + where);
  bind_filters(count);
  count.step();
  page.total = count.column_int64(0);

  Statement query = db.prepare(std::string(kInvoiceColumns) + where +
                               "AND (period < ?5 OR (period = ?5 AND seq < ?6)) "
                               "ORDER BY period DESC, seq DESC LIMIT ?7");
  bind_filters(query);
  query.bind(5, after_period).bind(6, after_seq).bind(7, std::int64_t{limit} + 1);
  while (query.step())
    page.items.push_back(read_invoice(query));
  finish_page(page, limit);
  return page;
}

}  // namespace invoices

namespace usage {

void add(Database& db, const std::vector<UsageIncrement>& increments) {
  Statement upsert = db.prepare(
      "INSERT INTO api_usage(key_id, day, partner_id, livemode, calls) VALUES(?, ?, ?, ?, ?) "
      "ON CONFLICT(key_id, day) DO UPDATE SET calls = calls + excluded.calls");
  for (const UsageIncrement& increment : increments) {
    upsert.bind(1, increment.key_id)
        .bind(2, increment.day)
        .bind(3, increment.partner_id)
        .bind(4, flag(increment.livemode))
        .bind(5, increment.calls);
    upsert.step();
    upsert.reset();
  }
}

std::vector<UsageRow> rows(Database& db, std::string_view partner_id, bool livemode,
                           std::string_view from_day, std::string_view to_day,
                           std::string_view key_id) {
  // Calls from api_usage, orders and their units from the orders of those UTC days (an order
  // a job placed has no key: its key_id reads as ''), merged per day and key.
  Statement query = db.prepare(
      "SELECT day, key, SUM(calls), SUM(placed), SUM(units) FROM ("
      "  SELECT day, key_id AS key, calls, 0 AS placed, 0 AS units FROM api_usage"
      "  WHERE partner_id = ?1 AND livemode = ?2 AND day >= ?3 AND day <= ?4"
      "  AND (?5 = '' OR key_id = ?5)"
      "  UNION ALL"
      "  SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day,"
      "  coalesce(key_id, '') AS key, 0, 1, quantity FROM orders"
      "  WHERE partner_id = ?1 AND livemode = ?2"
      "  AND created_at >= strftime('%s', ?3) * 1000"
      "  AND created_at < strftime('%s', ?4, '+1 day') * 1000"
      "  AND (?5 = '' OR key_id = ?5)"
      ") GROUP BY day, key ORDER BY day, key");
  query.bind(1, partner_id)
      .bind(2, flag(livemode))
      .bind(3, from_day)
      .bind(4, to_day)
      .bind(5, key_id);
  std::vector<UsageRow> found;
  while (query.step()) {
    found.push_back({.day = query.column_text(0),
                     .key_id = query.column_text(1),
                     .api_calls = query.column_int64(2),
                     .orders = query.column_int64(3),
                     .billable_units = query.column_int64(4)});
  }
  return found;
}

}  // namespace usage

}  // namespace portico::store
