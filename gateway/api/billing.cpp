#include "portico/api/billing.hpp"

#include <chrono>

#include "portico/core/ids.hpp"

namespace portico::api {

namespace {

// The price of a domain route key (".co.ke" or "*") as the config lists it.
const config::DomainPrices* domain_prices(const config::PricingConfig& pricing,
                                          std::string_view suffix) {
  for (const auto& [key, prices] : pricing.domains) {
    if (key == suffix) return &prices;
  }
  return nullptr;
}

// The first day of an invoice's month ("2026-11") and of the month after, in UTC.
struct Period {
  core::TimePoint start;
  core::TimePoint end;
};

std::optional<Period> period_bounds(std::string_view period) {
  const auto digits = [period](std::size_t from, std::size_t count) -> std::optional<int> {
    int value = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (period[i] < '0' || period[i] > '9') return std::nullopt;
      value = value * 10 + (period[i] - '0');
    }
    return value;
  };
  if (period.size() != 7 || period[4] != '-') return std::nullopt;
  const auto year = digits(0, 4);
  const auto month = digits(5, 2);
  if (!year || !month) return std::nullopt;
  const std::chrono::year_month first{std::chrono::year(*year),
                                      std::chrono::month(static_cast<unsigned>(*month))};
  if (!first.ok()) return std::nullopt;
  const std::chrono::year_month next = first + std::chrono::months(1);
  return Period{core::TimePoint(std::chrono::sys_days(first / 1)),
                core::TimePoint(std::chrono::sys_days(next / 1))};
}

std::string utc_day(core::TimePoint at) {
  return core::format_rfc3339(at).substr(0, 10);  // "2026-11-22"
}

}  // namespace

std::int64_t unit_price(const config::PricingConfig& pricing, const BillableAction& action) {
  if (!pricing.configured) return 0;
  const std::string_view kind = action.action;
  if (kind.starts_with("domain.")) {
    const config::DomainPrices* prices = domain_prices(pricing, action.product);
    if (prices == nullptr) return 0;
    if (kind == "domain.register") return prices->register_per_year;
    if (kind == "domain.transfer") return prices->transfer;
    if (kind == "domain.renew") return prices->renew_per_year;
    return 0;
  }
  if (kind.starts_with("ssl.")) return pricing.certificate(action.product).value_or(0);
  if (kind.starts_with("hosting.")) return pricing.hosting_plan(action.product).value_or(0);
  return 0;
}

NewOrder make_order(const Services& services, const RequestContext& context,
                    BillableAction action) {
  const Principal& partner = context.partner();
  const std::int64_t unit_amount = unit_price(services.config.pricing, action);
  NewOrder made{.order = {.id = core::make_id(core::id_prefix::kOrder, services.random),
                          .partner_id = partner.partner_id,
                          .livemode = partner.livemode,
                          .customer_id = std::move(action.customer_id),
                          .key_id = partner.key_id,
                          .action = std::move(action.action),
                          .product = std::move(action.product),
                          .object_id = std::move(action.object_id),
                          .description = std::move(action.description),
                          .provider_instance = std::move(action.provider_instance),
                          .quantity = action.quantity,
                          .unit_amount = unit_amount,
                          .amount = action.quantity * unit_amount,
                          .currency = services.config.pricing.currency,
                          .invoice_id = {},
                          .request_id = context.request_id,
                          .created_at = services.clock.now()},
                .new_invoice_id = core::make_id(core::id_prefix::kInvoice, services.random)};
  return made;
}

void insert_order(store::Database& db, NewOrder& order) {
  store::orders::insert(db, order.order, order.new_invoice_id);
}

void write_order(core::json::Writer& out, const store::OrderRecord& order) {
  core::json::write(out, "object", "order");
  core::json::write(out, "id", order.id);
  core::json::write(out, "livemode", order.livemode);
  core::json::write(out, "customer_id", order.customer_id);
  core::json::write(out, "action", order.action);
  core::json::write(out, "product", order.product);
  core::json::write(out, "object_id", order.object_id);
  core::json::write(out, "description", order.description);
  core::json::write(out, "quantity", order.quantity);
  core::json::write(out, "unit_amount", order.unit_amount);
  core::json::write(out, "amount", order.amount);
  core::json::write(out, "currency", order.currency);
  core::json::write(out, "invoice_id", order.invoice_id);
  core::json::write(out, "created_at", core::format_rfc3339(order.created_at));
}

void write_invoice(core::json::Writer& out, const store::InvoiceRecord& invoice,
                   core::TimePoint now) {
  core::json::write(out, "object", "invoice");
  core::json::write(out, "id", invoice.id);
  core::json::write(out, "livemode", invoice.livemode);
  core::json::write(out, "customer_id", invoice.customer_id);
  core::json::write(out, "period", invoice.period);
  const std::optional<Period> bounds = period_bounds(invoice.period);
  if (bounds) {
    core::json::write(out, "period_start", core::format_rfc3339(bounds->start));
    core::json::write(out, "period_end", core::format_rfc3339(bounds->end));
  } else {
    core::json::write_null(out, "period_start");
    core::json::write_null(out, "period_end");
  }
  core::json::write(out, "currency", invoice.currency);
  core::json::write(out, "total", invoice.total);
  core::json::write(out, "order_count", invoice.order_count);
  core::json::write(out, "status", bounds && now < bounds->end ? "open" : "closed");
  core::json::write(out, "created_at", core::format_rfc3339(invoice.created_at));
  core::json::write(out, "updated_at", core::format_rfc3339(invoice.updated_at));
}

std::string format_amount(std::int64_t minor, std::string_view currency) {
  const int exponent = config::currency_exponent(currency);
  // Through unsigned arithmetic: the magnitude of INT64_MIN does not fit an int64_t.
  const std::uint64_t magnitude =
      minor < 0 ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
  const std::string digits = std::to_string(magnitude);
  const auto places = static_cast<std::size_t>(exponent);
  // At least one digit before the point: 5 minor units of USD are "0.05".
  const std::string padded =
      digits.size() > places ? digits : std::string(places + 1 - digits.size(), '0') + digits;
  const std::size_t point = padded.size() - places;
  std::string out = minor < 0 ? "-" : "";
  out.append(padded, 0, point);
  if (places > 0) {
    out += '.';
    out.append(padded, point, places);
  }
  return out;
}

void UsageCounter::count(const Principal& principal, core::TimePoint now) {
  Key key{principal.key_id, utc_day(now)};
  const std::lock_guard lock(mutex_);
  auto [entry, inserted] = counts_.try_emplace(std::move(key));
  if (inserted) {
    entry->second.partner_id = principal.partner_id;
    entry->second.livemode = principal.livemode;
  }
  ++entry->second.calls;
}

std::vector<store::UsageIncrement> UsageCounter::take() {
  std::map<Key, Count> taken;
  {
    std::lock_guard lock(mutex_);
    taken.swap(counts_);
  }
  std::vector<store::UsageIncrement> increments;
  increments.reserve(taken.size());
  for (auto& [key, count] : taken) {
    increments.push_back({.key_id = key.key_id,
                          .partner_id = std::move(count.partner_id),
                          .livemode = count.livemode,
                          .day = key.day,
                          .calls = count.calls});
  }
  return increments;
}

void UsageCounter::put_back(const std::vector<store::UsageIncrement>& increments) {
  std::lock_guard lock(mutex_);
  for (const store::UsageIncrement& increment : increments) {
    Count& count = counts_[Key{increment.key_id, increment.day}];
    count.partner_id = increment.partner_id;
    count.livemode = increment.livemode;
    count.calls += increment.calls;
  }
}

std::vector<store::UsageIncrement> UsageCounter::pending() const {
  std::lock_guard lock(mutex_);
  std::vector<store::UsageIncrement> increments;
  increments.reserve(counts_.size());
  for (const auto& [key, count] : counts_) {
    increments.push_back({.key_id = key.key_id,
                          .partner_id = count.partner_id,
                          .livemode = count.livemode,
                          .day = key.day,
                          .calls = count.calls});
  }
  return increments;
}

}  // namespace portico::api
