#include "portico/store/events.hpp"

#include <algorithm>
#include <cstdint>

#include "portico/store/webhooks.hpp"

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

constexpr std::string_view kSelect =
    "SELECT id, partner_id, livemode, type, object_id, data, request_id, created_at "
    "FROM events ";

EventRecord read_row(const Statement& row) {
  return {.id = row.column_text(0),
          .partner_id = row.column_text(1),
          .livemode = row.column_int64(2) != 0,
          .type = row.column_text(3),
          .object_id = row.column_optional_text(4).value_or(""),
          .data_json = row.column_text(5),
          .request_id = row.column_optional_text(6).value_or(""),
          .created_at = from_unix_millis(row.column_int64(7))};
}

void insert(Database& db, const EventRecord& event) {
  Statement insert = db.prepare(
      "INSERT INTO events(id, partner_id, livemode, type, object_id, data, request_id, "
      "created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, event.id)
      .bind(2, event.partner_id)
      .bind(3, flag(event.livemode))
      .bind(4, event.type)
      .bind(5, event.object_id)
      .bind(6, event.data_json)
      .bind(7, non_empty(event.request_id))
      .bind(8, unix_millis(event.created_at));
  insert.step();
}

// The `type` filter as bounds on the column, so the (partner, mode, type, seq) index serves
// it: an exact type is one value, "domain.*" the range ["domain.", "domain/") ('/' follows
// '.'), "*" no bound at all.
struct TypeBounds {
  std::string lower;
  std::string upper;  // exclusive; empty for an exact type
};

std::optional<TypeBounds> type_bounds(std::string_view pattern) {
  if (pattern == "*") return std::nullopt;
  if (pattern.size() > 2 && pattern.ends_with(".*")) {
    std::string prefix(pattern.substr(0, pattern.size() - 1));  // keeps the '.'
    std::string upper = prefix;
    upper.back() = '/';
    return TypeBounds{std::move(prefix), std::move(upper)};
  }
  return TypeBounds{std::string(pattern), {}};
}

}  // namespace

namespace events {

void append(Database& db, const EventRecord& event) {
  insert(db, event);
  webhook_deliveries::enqueue_for_event(db, event);
}

void append_without_deliveries(Database& db, const EventRecord& event) {
  insert(db, event);
}

std::vector<EventRecord> for_object(Database& db, std::string_view object_id) {
  Statement query = db.prepare(std::string(kSelect) + "WHERE object_id = ? ORDER BY seq DESC");
  query.bind(1, object_id);
  std::vector<EventRecord> found;
  while (query.step())
    found.push_back(read_row(query));
  return found;
}

std::optional<EventRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                std::string_view id) {
  Statement query =
      db.prepare(std::string(kSelect) + "WHERE id = ? AND partner_id = ? AND livemode = ?");
  query.bind(1, id).bind(2, partner_id).bind(3, flag(livemode));
  if (!query.step()) return std::nullopt;
  return read_row(query);
}

std::optional<EventRecord> find_by_id(Database& db, std::string_view id) {
  Statement query = db.prepare(std::string(kSelect) + "WHERE id = ?");
  query.bind(1, id);
  if (!query.step()) return std::nullopt;
  return read_row(query);
}

std::optional<Page<EventRecord>> list(Database& db, std::string_view partner_id, bool livemode,
                                      const EventFilter& filter, int limit,
                                      std::optional<std::string_view> starting_after) {
  limit = std::max(limit, 1);
  std::int64_t before_seq = INT64_MAX;
  if (starting_after) {
    Statement cursor =
        db.prepare("SELECT seq FROM events WHERE id = ? AND partner_id = ? AND livemode = ?");
    cursor.bind(1, *starting_after).bind(2, partner_id).bind(3, flag(livemode));
    if (!cursor.step()) return std::nullopt;
    before_seq = cursor.column_int64(0);
  }
  // Only the filters given appear in the text: "?n IS NULL OR ..." would keep SQLite from
  // using the type index.
  const std::optional<TypeBounds> type =
      filter.type ? type_bounds(*filter.type) : std::optional<TypeBounds>();
  std::string where = "WHERE partner_id = ?1 AND livemode = ?2 ";
  if (type) where += type->upper.empty() ? "AND type = ?3 " : "AND type >= ?3 AND type < ?4 ";
  if (filter.object_id) where += "AND object_id = ?5 ";
  if (filter.created_gte) where += "AND created_at >= ?6 ";
  if (filter.created_lt) where += "AND created_at < ?7 ";
  const auto bind_filters = [&](Statement& statement) {
    statement.bind(1, partner_id).bind(2, flag(livemode));
    if (type) {
      statement.bind(3, type->lower);
      if (!type->upper.empty()) statement.bind(4, type->upper);
    }
    if (filter.object_id) statement.bind(5, *filter.object_id);
    if (filter.created_gte) statement.bind(6, unix_millis(*filter.created_gte));
    if (filter.created_lt) statement.bind(7, unix_millis(*filter.created_lt));
  };
  return detail::newest_first_page<EventRecord>(db, "events", kSelect, where, 7, bind_filters,
                                                before_seq, limit, read_row);
}

}  // namespace events

}  // namespace portico::store
