#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/store/database.hpp"
#include "portico/store/repositories.hpp"

// Orders (one per billable action), the invoices that group them per customer and calendar
// month, and API usage counts. Same conventions as repositories.hpp: synchronous, run inside
// Store::write / Store::read. An order is written in the same transaction as the object it
// bills, so an object never exists without its order, nor an order without its object.
namespace portico::store {

struct OrderRecord {
  std::string id;  // ord_...
  std::string partner_id;
  bool livemode = false;
  std::optional<std::string> customer_id;
  std::string key_id;  // the API key that placed it; empty when a job did
  // "domain.register", "domain.transfer", "domain.renew", "ssl.order", "ssl.renew",
  // "hosting.provision", "hosting.renew"
  std::string action;
  std::string product;      // the priced product: a TLD route (".co.ke", "*"), an SSL product
                            // ("dv", "wildcard"...) or a hosting plan ("10k")
  std::string object_id;    // dom_, ssl_ or hst_
  std::string description;  // "example.co.ke, 2 years"
  std::string provider_instance;
  std::int64_t quantity = 1;  // years for domains, 1 otherwise
  std::int64_t unit_amount = 0;
  std::int64_t amount = 0;  // quantity * unit_amount, minor units
  std::string currency;
  std::string invoice_id;  // set by orders::insert
  std::string request_id;
  core::TimePoint created_at;
};

// The orders of one customer (or of no customer) in one UTC calendar month and currency.
struct InvoiceRecord {
  std::string id;  // inv_...
  std::string partner_id;
  bool livemode = false;
  std::optional<std::string> customer_id;
  std::string period;  // "2026-11"
  std::string currency;
  std::int64_t total = 0;  // the exact sum of its orders' amounts
  std::int64_t order_count = 0;
  core::TimePoint created_at;  // its first order
  core::TimePoint updated_at;  // its latest order
};

struct OrderFilter {
  std::optional<std::string> customer_id;
  std::optional<std::string> object_id;
  std::optional<std::string> invoice_id;
  std::optional<std::string> action;
};

struct InvoiceFilter {
  std::optional<std::string> customer_id;
  std::optional<std::string> period;
};

// One day of one API key: calls counted by the gateway, orders and units it placed.
struct UsageRow {
  std::string day;  // "2026-11-22", UTC
  std::string key_id;
  std::int64_t api_calls = 0;
  std::int64_t orders = 0;
  std::int64_t billable_units = 0;  // the sum of the orders' quantities
};

// Calls counted in memory, added to the stored counts.
struct UsageIncrement {
  std::string key_id;
  std::string partner_id;
  bool livemode = false;
  std::string day;
  std::int64_t calls = 0;
};

namespace orders {
// Inserts the order and adds it to its invoice (partner, mode, customer, UTC month of
// created_at, currency), creating that invoice with `new_invoice_id` when this is its first
// order. Sets order.invoice_id.
void insert(Database& db, OrderRecord& order, std::string_view new_invoice_id);
std::optional<OrderRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                std::string_view id);
// Newest first; std::nullopt for a cursor that is not one of this partner's orders.
std::optional<Page<OrderRecord>> list(Database& db, std::string_view partner_id, bool livemode,
                                      const OrderFilter& filter, int limit,
                                      std::optional<std::string_view> starting_after);
}  // namespace orders

namespace invoices {
std::optional<InvoiceRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                  std::string_view id);
// Newest period first; std::nullopt for a cursor that is not one of this partner's invoices.
std::optional<Page<InvoiceRecord>> list(Database& db, std::string_view partner_id, bool livemode,
                                        const InvoiceFilter& filter, int limit,
                                        std::optional<std::string_view> starting_after);
}  // namespace invoices

namespace usage {
void add(Database& db, const std::vector<UsageIncrement>& increments);
// Days from `from_day` to `to_day` inclusive ("YYYY-MM-DD"), oldest first, then by key; a day
// and key appear when they had calls or orders. `key_id` empty: every key of the partner.
std::vector<UsageRow> rows(Database& db, std::string_view partner_id, bool livemode,
                           std::string_view from_day, std::string_view to_day,
                           std::string_view key_id);
}  // namespace usage

}  // namespace portico::store
