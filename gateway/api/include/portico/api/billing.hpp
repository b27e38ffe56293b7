#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "portico/api/context.hpp"
#include "portico/api/services.hpp"
#include "portico/core/json.hpp"
#include "portico/store/billing.hpp"

// Orders for billable actions, priced from the config's `pricing:` section, and the count of
// API calls per key and day. Handlers build an order with make_order() and write it with
// store::orders::insert() inside the same write transaction as the object it bills.
namespace portico::api {

// What is being billed. `product` is the priced product (see store::OrderRecord); `quantity`
// is years for domains, 1 otherwise.
struct BillableAction {
  std::string action;  // "domain.register", ... (store::OrderRecord::action)
  std::string product;
  std::string object_id;
  std::optional<std::string> customer_id;
  std::string description;
  std::string provider_instance;
  std::int64_t quantity = 1;
};

// The unit price of an action from the config (0 when there is no `pricing:` section, or no
// price for the product: config validation makes that impossible when the section exists).
std::int64_t unit_price(const config::PricingConfig& pricing, const BillableAction& action);

// An order for `action`, placed by the context's key, priced, stamped now, with a fresh id.
// The invoice id to use if the order opens a new invoice comes with it.
struct NewOrder {
  store::OrderRecord order;
  std::string new_invoice_id;
};
NewOrder make_order(const Services& services, const RequestContext& context, BillableAction action);

// Writes a NewOrder (inside a Store::write).
void insert_order(store::Database& db, NewOrder& order);

// The public `order` and `invoice` objects. An invoice is "open" until its month has ended at
// `now` (the injected clock's time), "closed" after.
void write_order(core::json::Writer& out, const store::OrderRecord& order);
void write_invoice(core::json::Writer& out, const store::InvoiceRecord& invoice,
                   core::TimePoint now);
// "12.50" for 1250 minor units of a 2-digit currency.
std::string format_amount(std::int64_t minor, std::string_view currency);

// API calls per key and UTC day, counted in memory on every authenticated request and written
// to the store by the usage flush job (and at shutdown). Thread-safe.
class UsageCounter {
 public:
  void count(const Principal& principal, core::TimePoint now);
  // Takes every count out (the flush job writes them; on failure it puts them back).
  std::vector<store::UsageIncrement> take();
  void put_back(const std::vector<store::UsageIncrement>& increments);
  // The counts not yet written, without taking them (GET /usage adds them to the stored ones).
  std::vector<store::UsageIncrement> pending() const;

 private:
  struct Key {
    std::string key_id;
    std::string day;
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy sees the synthesized comparison
    auto operator<=>(const Key&) const = default;
  };
  struct Count {
    std::string partner_id;
    bool livemode = false;
    std::int64_t calls = 0;
  };
  mutable std::mutex mutex_;
  std::map<Key, Count> counts_;
};

}  // namespace portico::api
