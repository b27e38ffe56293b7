// API usage per UTC day and key: the calls the gateway counted (written by the usage flush
// job, plus those still in memory) and the orders each key placed with their billable units.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <tuple>

#include "portico/api/billing.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/core/ids.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::Error;
using std::chrono::days;
using std::chrono::sys_days;

namespace {

constexpr int kDefaultDays = 30;
constexpr int kMaxDays = 366;

// "YYYY-MM-DD", a real calendar day.
std::optional<sys_days> parse_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int value[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int part = 0; part < 3; ++part) {
    for (std::size_t i = starts[part]; i < starts[part] + lengths[part]; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value[part] = value[part] * 10 + (text[i] - '0');
    }
  }
  const std::chrono::year_month_day date{std::chrono::year(value[0]),
                                         std::chrono::month(static_cast<unsigned>(value[1])),
                                         std::chrono::day(static_cast<unsigned>(value[2]))};
  if (!date.ok()) return std::nullopt;
  return sys_days(date);
}

std::string format_day(sys_days day) {
  return core::format_rfc3339(core::TimePoint(day)).substr(0, 10);
}

struct UsageQuery {
  sys_days from;
  sys_days to;
  std::string key_id;  // empty: every key
};

core::Result<UsageQuery> read_query(const RequestContext& context, core::TimePoint now) {
  std::optional<sys_days> from;
  std::optional<sys_days> to;
  UsageQuery query;
  for (const auto& [name, value] : context.query) {
    if (name == "from" || name == "to") {
      auto day = parse_day(value);
      if (!day) {
        return Error::invalid_request("invalid_date", "'" + name + "' must be a day as YYYY-MM-DD.",
                                      name);
      }
      (name == "from" ? from : to) = *day;
    } else if (name == "key_id") {
      if (!core::is_id(value, core::id_prefix::kApiKey)) {
        return Error::invalid_request("resource_missing",
                                      "'key_id' does not name one of your API keys.", "key_id");
      }
      query.key_id = value;
    } else {
      return Error::invalid_request(
          "parameter_unknown", "Received unknown query parameter '" + name.substr(0, 100) + "'.",
          name.substr(0, 100));
    }
  }
  // By default the 30 UTC days ending today; one end given, the other follows from it.
  const sys_days today = std::chrono::floor<days>(now);
  if (!to) to = from ? std::max(*from, today) : today;
  if (!from) from = *to - days(kDefaultDays - 1);
  if (*from > *to) {
    return Error::invalid_request("invalid_date_range", "'from' must not be after 'to'.", "from");
  }
  if ((*to - *from).count() + 1 > kMaxDays) {
    return Error::invalid_request(
        "date_range_too_long",
        "At most " + std::to_string(kMaxDays) + " days can be asked for at once.", "from");
  }
  query.from = *from;
  query.to = *to;
  return query;
}

void write_usage(core::json::Writer& out, const store::UsageRow& row) {
  core::json::write(out, "object", "usage");
  core::json::write(out, "day", row.day);
  if (row.key_id.empty()) {
    core::json::write_null(out, "key_id");  // orders placed by the gateway's own jobs
  } else {
    core::json::write(out, "key_id", row.key_id);
  }
  core::json::write(out, "api_calls", row.api_calls);
  core::json::write(out, "orders", row.orders);
  core::json::write(out, "billable_units", row.billable_units);
}

// Adds the calls counted but not yet written to the stored rows, keeping day-then-key order.
void add_pending(std::vector<store::UsageRow>& rows,
                 const std::vector<store::UsageIncrement>& pending, const Principal& partner,
                 const std::string& from, const std::string& to, const std::string& key_id) {
  for (const store::UsageIncrement& increment : pending) {
    if (increment.partner_id != partner.partner_id || increment.livemode != partner.livemode ||
        increment.day < from || increment.day > to ||
        (!key_id.empty() && increment.key_id != key_id)) {
      continue;
    }
    const auto row =
        std::find_if(rows.begin(), rows.end(), [&increment](const store::UsageRow& existing) {
          return existing.day == increment.day && existing.key_id == increment.key_id;
        });
    if (row != rows.end()) {
      row->api_calls += increment.calls;
    } else {
      rows.push_back(
          {.day = increment.day, .key_id = increment.key_id, .api_calls = increment.calls});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const store::UsageRow& a, const store::UsageRow& b) {
    return std::tie(a.day, a.key_id) < std::tie(b.day, b.key_id);
  });
}

net::awaitable<server::Response> get_usage(Services& services, RequestContext& context) {
  auto query = read_query(context, services.clock.now());
  if (!query) co_return error_response(context.request_id, query.error());
  const Principal& partner = context.partner();
  const std::string from = format_day(query->from);
  const std::string to = format_day(query->to);
  auto rows = co_await services.store.read<std::vector<store::UsageRow>>(
      [&](store::Database& db) -> core::Result<std::vector<store::UsageRow>> {
        if (!query->key_id.empty()) {
          const auto key = store::api_keys::find_by_id(db, query->key_id);
          if (!key || key->partner_id != partner.partner_id) {
            return Error::invalid_request("resource_missing",
                                          "'key_id' does not name one of your API keys.", "key_id");
          }
        }
        return store::usage::rows(db, partner.partner_id, partner.livemode, from, to,
                                  query->key_id);
      });
  if (!rows) co_return error_response(context.request_id, rows.error());
  add_pending(*rows, services.usage.pending(), partner, from, to, query->key_id);
  co_return list_response(context.request_id, *rows, write_usage,
                          static_cast<std::int64_t>(rows->size()), false);
}

}  // namespace

void add_usage_routes(Router& router, Services& services) {
  add_partner_route(router, services, "GET", "/api/v1/usage", get_usage);
}

}  // namespace portico::api
