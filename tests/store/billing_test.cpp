// Orders, the invoices that group them per customer and UTC month, and API usage per key and
// day, against a real SQLite file.
#include "portico/store/billing.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "portico/core/random.hpp"
#include "portico/store/store.hpp"

#include "support/temp_dir.hpp"

namespace portico::store {
namespace {

using namespace std::chrono_literals;
using portico::testing::TempDir;

// A UTC time from its parts.
core::TimePoint utc(int year, unsigned month, unsigned day, int hour = 12, int minute = 0,
                    int second = 0, int millis = 0) {
  const std::chrono::sys_days date =
      std::chrono::year(year) / std::chrono::month(month) / std::chrono::day(day);
  return core::TimePoint(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second) + std::chrono::milliseconds(millis);
}

class BillingStoreTest : public ::testing::Test {
 protected:
  BillingStoreTest() {
    StoreOptions options;
    options.path = dir_.file("billing.db");
    store_ = Store::open(std::move(options));
  }

  template <typename F>
  auto run(F& f, bool writes) {
    using T = std::invoke_result_t<F&, Database&>;
    using Stored = std::conditional_t<std::is_void_v<T>, core::Ok, T>;
    std::function<core::Result<Stored>(Database&)> work =
        [&f](Database& db) -> core::Result<Stored> {
      if constexpr (std::is_void_v<T>) {
        f(db);
        return core::Ok{};
      } else {
        return f(db);
      }
    };
    auto result = writes ? store_->write_now<Stored>(work) : store_->read_now<Stored>(work);
    if (!result.ok()) throw std::runtime_error("store work failed: " + result.error().message);
    if constexpr (!std::is_void_v<T>) return std::move(result).value();
  }
  template <typename F>
  auto write(F f) {
    return run(f, true);
  }
  template <typename F>
  auto read(F f) {
    return run(f, false);
  }

  void SetUp() override {
    write([](Database& db) {
      const core::TimePoint t0 = utc(2026, 1, 1);
      partners::insert(db, {"ptn_a", "Alpha", t0});
      partners::insert(db, {"ptn_b", "Beta", t0});
      api_keys::insert(db, {"key_a1", "ptn_a", "pt_live_pk_aaaa", "hash-a1", true, t0, {}});
      api_keys::insert(db, {"key_a2", "ptn_a", "pt_live_pk_bbbb", "hash-a2", true, t0, {}});
      api_keys::insert(db, {"key_at", "ptn_a", "pt_test_pk_cccc", "hash-at", false, t0, {}});
      api_keys::insert(db, {"key_b1", "ptn_b", "pt_live_pk_dddd", "hash-b1", true, t0, {}});
      for (const char* id : {"cus_1", "cus_2"}) {
        customers::insert(db, {id, "ptn_a", true, "Name", "a@example.com", {}, {}, t0});
      }
      customers::insert(db, {"cus_t", "ptn_a", false, "Test", "t@example.com", {}, {}, t0});
      customers::insert(db, {"cus_b", "ptn_b", true, "Other", "b@example.com", {}, {}, t0});
    });
  }

  // An order of partner A in live mode with the next ids; `customer` empty for none.
  OrderRecord order(core::TimePoint at, std::int64_t unit_amount, std::int64_t quantity = 1,
                    const std::string& customer = "cus_1", const std::string& key = "key_a1") {
    ++orders_made_;
    return {.id = "ord_" + std::to_string(orders_made_),
            .partner_id = "ptn_a",
            .livemode = true,
            .customer_id = customer.empty() ? std::nullopt : std::optional<std::string>(customer),
            .key_id = key,
            .action = "domain.register",
            .product = ".co.ke",
            .object_id = "dom_" + std::to_string(orders_made_),
            .description = "example.co.ke, 1 year",
            .provider_instance = "kenya",
            .quantity = quantity,
            .unit_amount = unit_amount,
            .amount = quantity * unit_amount,
            .currency = "USD",
            .invoice_id = {},
            .request_id = "req_" + std::to_string(orders_made_),
            .created_at = at};
  }

  // Inserts the order with a fresh invoice id; returns the invoice it joined.
  std::string insert(OrderRecord record) {
    const std::string new_invoice = "inv_" + std::to_string(orders_made_);
    return write([&](Database& db) {
      orders::insert(db, record, new_invoice);
      return record.invoice_id;
    });
  }

  InvoiceRecord invoice(const std::string& id, const std::string& partner = "ptn_a",
                        bool livemode = true) {
    auto found = read([&](Database& db) { return invoices::find(db, partner, livemode, id); });
    if (!found) throw std::runtime_error("no invoice " + id);
    return *found;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  int orders_made_ = 0;
};

TEST_F(BillingStoreTest, TheFirstOrderOpensAnInvoiceAndLaterOnesJoinIt) {
  const std::string first = insert(order(utc(2026, 11, 3, 9), 1200, 2));
  EXPECT_EQ(first, "inv_1");
  InvoiceRecord opened = invoice(first);
  EXPECT_EQ(opened.partner_id, "ptn_a");
  EXPECT_TRUE(opened.livemode);
  EXPECT_EQ(opened.customer_id, "cus_1");
  EXPECT_EQ(opened.period, "2026-11");
  EXPECT_EQ(opened.currency, "USD");
  EXPECT_EQ(opened.total, 2400);
  EXPECT_EQ(opened.order_count, 1);
  EXPECT_EQ(opened.created_at, utc(2026, 11, 3, 9));
  EXPECT_EQ(opened.updated_at, utc(2026, 11, 3, 9));

  // The second order brings a fresh id too; it is not used.
  EXPECT_EQ(insert(order(utc(2026, 11, 20, 17), 900)), "inv_1");
  EXPECT_FALSE(read([](Database& db) { return invoices::find(db, "ptn_a", true, "inv_2"); }));
  const InvoiceRecord grown = invoice(first);
  EXPECT_EQ(grown.total, 3300);
  EXPECT_EQ(grown.order_count, 2);
  EXPECT_EQ(grown.created_at, utc(2026, 11, 3, 9));
  EXPECT_EQ(grown.updated_at, utc(2026, 11, 20, 17));

  // The order is stored whole, with its invoice.
  const auto stored = read([](Database& db) { return orders::find(db, "ptn_a", true, "ord_1"); });
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->invoice_id, "inv_1");
  EXPECT_EQ(stored->customer_id, "cus_1");
  EXPECT_EQ(stored->key_id, "key_a1");
  EXPECT_EQ(stored->action, "domain.register");
  EXPECT_EQ(stored->product, ".co.ke");
  EXPECT_EQ(stored->object_id, "dom_1");
  EXPECT_EQ(stored->description, "example.co.ke, 1 year");
  EXPECT_EQ(stored->provider_instance, "kenya");
  EXPECT_EQ(stored->quantity, 2);
  EXPECT_EQ(stored->unit_amount, 1200);
  EXPECT_EQ(stored->amount, 2400);
  EXPECT_EQ(stored->currency, "USD");
  EXPECT_EQ(stored->request_id, "req_1");
  EXPECT_EQ(stored->created_at, utc(2026, 11, 3, 9));
  // Another partner, or the other mode, sees neither.
  EXPECT_FALSE(read([](Database& db) { return orders::find(db, "ptn_b", true, "ord_1"); }));
  EXPECT_FALSE(read([](Database& db) { return orders::find(db, "ptn_a", false, "ord_1"); }));
  EXPECT_FALSE(read([](Database& db) { return invoices::find(db, "ptn_b", true, "inv_1"); }));
}

TEST_F(BillingStoreTest, MonthsEndAtMidnightUtc) {
  const std::string november = insert(order(utc(2026, 11, 30, 23, 59, 59, 999), 100));
  const std::string december = insert(order(utc(2026, 12, 1, 0, 0, 0, 0), 200));
  const std::string late_december = insert(order(utc(2026, 12, 31, 23, 59, 59, 999), 400));
  const std::string january = insert(order(utc(2027, 1, 1, 0, 0, 0, 0), 800));
  EXPECT_NE(november, december);
  EXPECT_EQ(december, late_december);
  EXPECT_NE(december, january);
  EXPECT_EQ(invoice(november).period, "2026-11");
  EXPECT_EQ(invoice(november).total, 100);
  EXPECT_EQ(invoice(december).period, "2026-12");
  EXPECT_EQ(invoice(december).total, 600);
  EXPECT_EQ(invoice(december).order_count, 2);
  EXPECT_EQ(invoice(january).period, "2027-01");
  EXPECT_EQ(invoice(january).total, 800);
}

TEST_F(BillingStoreTest, InvoicesArePerCustomerModeCurrencyAndPartner) {
  const core::TimePoint at = utc(2026, 11, 10);
  const std::string none_1 = insert(order(at, 100, 1, ""));
  const std::string none_2 = insert(order(at + 1h, 200, 1, ""));
  const std::string customer_1 = insert(order(at, 400, 1, "cus_1"));
  const std::string customer_2 = insert(order(at, 800, 1, "cus_2"));
  OrderRecord test_mode = order(at, 1600, 1, "cus_t", "key_at");
  test_mode.livemode = false;
  const std::string test_invoice = insert(test_mode);
  OrderRecord shillings = order(at, 3200, 1, "cus_1");
  shillings.currency = "KES";
  const std::string shilling_invoice = insert(shillings);
  OrderRecord other = order(at, 6400, 1, "cus_b", "key_b1");
  other.partner_id = "ptn_b";
  const std::string other_invoice = insert(other);

  // Orders without a customer share one invoice, which has none.
  EXPECT_EQ(none_1, none_2);
  EXPECT_FALSE(invoice(none_1).customer_id.has_value());
  EXPECT_EQ(invoice(none_1).total, 300);
  const std::vector<std::string> all = {none_1,       customer_1,       customer_2,
                                        test_invoice, shilling_invoice, other_invoice};
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = i + 1; j < all.size(); ++j)
      EXPECT_NE(all[i], all[j]) << i << " " << j;
  }
  EXPECT_EQ(invoice(customer_2).total, 800);
  EXPECT_EQ(invoice(test_invoice, "ptn_a", false).total, 1600);
  EXPECT_EQ(invoice(shilling_invoice).currency, "KES");
  EXPECT_EQ(invoice(shilling_invoice).total, 3200);
  EXPECT_EQ(invoice(other_invoice, "ptn_b").total, 6400);
}

TEST_F(BillingStoreTest, TotalsAreExactOverManyOrders) {
  // 0.10 + 0.20 a thousand times: 300.00 exactly (a double sum drifts).
  std::int64_t expected = 0;
  std::string invoice_id;
  write([&](Database& db) {
    for (int i = 0; i < 1000; ++i) {
      OrderRecord record = order(utc(2026, 11, 1) + std::chrono::minutes(i), i % 2 == 0 ? 10 : 20);
      orders::insert(db, record, "inv_" + std::to_string(orders_made_));
      invoice_id = record.invoice_id;
      expected += record.amount;
    }
  });
  EXPECT_EQ(expected, 15000);
  // And amounts of every size, up to 10^13 minor units each.
  core::SeededRandom random(7);
  const auto below = [&random](std::uint64_t bound) {
    std::uint64_t value = 0;
    random.fill({reinterpret_cast<std::uint8_t*>(&value), sizeof value});  // NOLINT
    return static_cast<std::int64_t>(value % bound);
  };
  write([&](Database& db) {
    for (int i = 0; i < 500; ++i) {
      const std::int64_t unit = below(10'000'000'000'000);
      OrderRecord record = order(utc(2026, 11, 2) + std::chrono::minutes(i), unit, 1 + i % 10);
      orders::insert(db, record, "inv_" + std::to_string(orders_made_));
      expected += record.amount;
    }
  });
  const InvoiceRecord summed = invoice(invoice_id);
  EXPECT_EQ(summed.order_count, 1500);
  EXPECT_EQ(summed.total, expected);
  const auto stored_sum = read([&](Database& db) {
    Statement sum = db.prepare("SELECT SUM(amount) FROM orders WHERE invoice_id = ?");
    sum.bind(1, invoice_id);
    sum.step();
    return sum.column_int64(0);
  });
  EXPECT_EQ(stored_sum, expected);
}

TEST_F(BillingStoreTest, ListsOrdersNewestFirstWithFiltersAndCursors) {
  for (int i = 0; i < 5; ++i) {
    OrderRecord record = order(utc(2026, 11, 1 + i), 100, 1, i % 2 == 0 ? "cus_1" : "cus_2");
    if (i == 3) record.action = "ssl.order";
    insert(record);
  }
  insert(order(utc(2026, 12, 1), 100, 1, "cus_1"));  // ord_6, December's invoice
  OrderRecord other = order(utc(2026, 11, 1), 100, 1, "cus_b", "key_b1");
  other.partner_id = "ptn_b";
  insert(other);  // ord_7

  const auto ids = [](const Page<OrderRecord>& page) {
    std::vector<std::string> out;
    for (const auto& item : page.items)
      out.push_back(item.id);
    return out;
  };
  const auto list = [&](const OrderFilter& filter, int limit,
                        std::optional<std::string> after = std::nullopt) {
    return read([&](Database& db) {
      return orders::list(db, "ptn_a", true, filter, limit,
                          after ? std::optional<std::string_view>(*after) : std::nullopt);
    });
  };

  const auto first = list({}, 4);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(ids(*first), (std::vector<std::string>{"ord_6", "ord_5", "ord_4", "ord_3"}));
  EXPECT_EQ(first->total, 6);
  EXPECT_TRUE(first->has_more);
  const auto second = list({}, 4, "ord_3");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(ids(*second), (std::vector<std::string>{"ord_2", "ord_1"}));
  EXPECT_EQ(second->total, 6);
  EXPECT_FALSE(second->has_more);

  EXPECT_EQ(ids(*list({.customer_id = "cus_2"}, 10)), (std::vector<std::string>{"ord_4", "ord_2"}));
  EXPECT_EQ(ids(*list({.object_id = "dom_5"}, 10)), (std::vector<std::string>{"ord_5"}));
  EXPECT_EQ(ids(*list({.action = "ssl.order"}, 10)), (std::vector<std::string>{"ord_4"}));
  const std::string november =
      read([](Database& db) { return orders::find(db, "ptn_a", true, "ord_1")->invoice_id; });
  const auto in_november = list({.invoice_id = november}, 10);
  EXPECT_EQ(ids(*in_november), (std::vector<std::string>{"ord_5", "ord_3", "ord_1"}));
  EXPECT_EQ(in_november->total, 3);
  const auto combined = list({.customer_id = "cus_1", .invoice_id = november}, 2);
  EXPECT_EQ(ids(*combined), (std::vector<std::string>{"ord_5", "ord_3"}));
  EXPECT_TRUE(combined->has_more);

  // A cursor must be one of this partner's orders in this mode.
  EXPECT_FALSE(list({}, 4, "ord_7").has_value());
  EXPECT_FALSE(list({}, 4, "ord_404").has_value());
  EXPECT_FALSE(read([](Database& db) {
                 return orders::list(db, "ptn_a", false, {}, 4, std::string_view("ord_1"));
               }).has_value());
  EXPECT_EQ(read([](Database& db) { return orders::list(db, "ptn_a", false, {}, 4, {}); })->total,
            0);
}

TEST_F(BillingStoreTest, ListsInvoicesNewestPeriodFirstWithFiltersAndCursors) {
  // Written out of order: October's invoice comes after December's.
  const std::string dec_1 = insert(order(utc(2026, 12, 5), 100, 1, "cus_1"));
  const std::string nov_1 = insert(order(utc(2026, 11, 5), 100, 1, "cus_1"));
  const std::string nov_2 = insert(order(utc(2026, 11, 6), 100, 1, "cus_2"));
  const std::string oct_none = insert(order(utc(2026, 10, 5), 100, 1, ""));
  OrderRecord other = order(utc(2026, 11, 1), 100, 1, "cus_b", "key_b1");
  other.partner_id = "ptn_b";
  insert(other);

  const auto list = [&](const InvoiceFilter& filter, int limit,
                        std::optional<std::string> after = std::nullopt) {
    return read([&](Database& db) {
      return invoices::list(db, "ptn_a", true, filter, limit,
                            after ? std::optional<std::string_view>(*after) : std::nullopt);
    });
  };
  const auto ids = [](const Page<InvoiceRecord>& page) {
    std::vector<std::string> out;
    for (const auto& item : page.items)
      out.push_back(item.id);
    return out;
  };
  const auto first = list({}, 2);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(ids(*first), (std::vector<std::string>{dec_1, nov_2}));
  EXPECT_EQ(first->total, 4);
  EXPECT_TRUE(first->has_more);
  const auto second = list({}, 2, nov_2);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(ids(*second), (std::vector<std::string>{nov_1, oct_none}));
  EXPECT_FALSE(second->has_more);

  EXPECT_EQ(ids(*list({.customer_id = "cus_1"}, 10)), (std::vector<std::string>{dec_1, nov_1}));
  const auto november = list({.period = "2026-11"}, 10);
  EXPECT_EQ(ids(*november), (std::vector<std::string>{nov_2, nov_1}));
  EXPECT_EQ(november->total, 2);
  EXPECT_EQ(list({.customer_id = "cus_2", .period = "2026-12"}, 10)->total, 0);

  EXPECT_FALSE(list({}, 2, "inv_404").has_value());
  EXPECT_EQ(read([](Database& db) { return invoices::list(db, "ptn_b", true, {}, 10, {}); })->total,
            1);
}

TEST_F(BillingStoreTest, UsageRowsCombineCallsAndOrdersPerDayAndKey) {
  const UsageIncrement calls_a1{"key_a1", "ptn_a", true, "2026-11-21", 3};
  write([&](Database& db) {
    usage::add(db, {calls_a1,
                    {"key_a2", "ptn_a", true, "2026-11-21", 1},
                    {"key_a1", "ptn_a", true, "2026-11-22", 7},
                    {"key_at", "ptn_a", false, "2026-11-22", 5},
                    {"key_b1", "ptn_b", true, "2026-11-22", 9}});
  });
  // Added again: the counts grow.
  write([&](Database& db) {
    usage::add(db, {calls_a1, {"key_a1", "ptn_a", true, "2026-11-23", 2}});
  });

  insert(order(utc(2026, 11, 21, 23, 59, 59, 999), 1500, 2));  // key_a1, 21st: 2 units
  insert(order(utc(2026, 11, 22, 0, 0, 0, 0), 1500, 1));       // key_a1, 22nd
  insert(order(utc(2026, 11, 22, 8), 900, 3));                 // key_a1, 22nd
  insert(order(utc(2026, 11, 24, 8), 900, 1, "cus_2", "key_a2"));
  insert(order(utc(2026, 11, 22, 9), 100, 1, "", ""));  // placed by a job: no key
  OrderRecord other = order(utc(2026, 11, 22, 9), 100, 4, "cus_b", "key_b1");
  other.partner_id = "ptn_b";
  insert(other);

  const auto rows = [&](std::string_view from, std::string_view to, std::string_view key) {
    return read([&](Database& db) { return usage::rows(db, "ptn_a", true, from, to, key); });
  };
  struct Expected {
    std::string day;
    std::string key_id;
    std::int64_t calls, orders, units;
  };
  const auto check = [](const std::vector<UsageRow>& got, const std::vector<Expected>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_EQ(got[i].day, want[i].day);
      EXPECT_EQ(got[i].key_id, want[i].key_id);
      EXPECT_EQ(got[i].api_calls, want[i].calls);
      EXPECT_EQ(got[i].orders, want[i].orders);
      EXPECT_EQ(got[i].billable_units, want[i].units);
    }
  };
  // Oldest day first, then by key; the job's orders under an empty key.
  check(rows("2026-11-01", "2026-11-30", ""), {{"2026-11-21", "key_a1", 6, 1, 2},
                                               {"2026-11-21", "key_a2", 1, 0, 0},
                                               {"2026-11-22", "", 0, 1, 1},
                                               {"2026-11-22", "key_a1", 7, 2, 4},
                                               {"2026-11-23", "key_a1", 2, 0, 0},
                                               {"2026-11-24", "key_a2", 0, 1, 1}});
  check(rows("2026-11-22", "2026-11-23", "key_a1"),
        {{"2026-11-22", "key_a1", 7, 2, 4}, {"2026-11-23", "key_a1", 2, 0, 0}});
  check(rows("2026-11-21", "2026-11-21", ""),
        {{"2026-11-21", "key_a1", 6, 1, 2}, {"2026-11-21", "key_a2", 1, 0, 0}});
  check(rows("2026-11-25", "2026-12-31", ""), {});
  // Another partner's key shows nothing; test mode has its own rows.
  check(rows("2026-11-01", "2026-11-30", "key_b1"), {});
  check(read([](Database& db) {
          return usage::rows(db, "ptn_a", false, "2026-11-01", "2026-11-30", "");
        }),
        {{"2026-11-22", "key_at", 5, 0, 0}});
}

}  // namespace
}  // namespace portico::store
