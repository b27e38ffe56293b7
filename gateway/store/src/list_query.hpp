#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "portico/store/database.hpp"
#include "portico/store/repositories.hpp"

// The list queries the store's tables share: a count and one page, newest first.
namespace portico::store::detail {

// The number of `table`'s rows matching `where`, and the page of them with seq < before_seq,
// newest first, at most `limit` (with has_more). `where` uses parameters ?1..?filters, bound by
// `bind_filters`; the page's cursor and size take the two after them.
template <typename Record, typename BindFilters, typename ReadRow>
Page<Record> newest_first_page(Database& db, std::string_view table, std::string_view select,
                               const std::string& where, int filters,
                               const BindFilters& bind_filters, std::int64_t before_seq, int limit,
                               const ReadRow& read_row) {
  Page<Record> page;
  Statement count = db.prepare("SELECT COUNT(*) FROM " + std::string(table) + " " + where);
  bind_filters(count);
  count.step();
  page.total = count.column_int64(0);

  Statement query =
      db.prepare(std::string(select) + where + "AND seq < ?" + std::to_string(filters + 1) +
                 " ORDER BY seq DESC LIMIT ?" + std::to_string(filters + 2));
  bind_filters(query);
  query.bind(filters + 1, before_seq).bind(filters + 2, std::int64_t{limit} + 1);
  while (query.step())
    page.items.push_back(read_row(query));
  finish_page(page, limit);
  return page;
}

struct ObjectListFilter {
  std::optional<std::string> customer_id;
  std::optional<std::string_view> state;
  std::optional<std::string> name;         // exactly
  std::optional<std::string> name_suffix;  // the name ends with it (".ke")
};

// One partner's rows of one kind of `objects` (domains, certificates, hosting packages) in one
// mode, filtered. `select` is the kind's "SELECT <columns> FROM objects " and `read_row` reads one
// of its rows. std::nullopt for a cursor that is not one of this partner's rows of the kind.
template <typename Record, typename ReadRow>
std::optional<Page<Record>> list_objects(Database& db, std::string_view kind,
                                         std::string_view select, std::string_view partner_id,
                                         bool livemode, const ObjectListFilter& filter, int limit,
                                         std::optional<std::string_view> starting_after,
                                         const ReadRow& read_row) {
  limit = std::max(limit, 1);
  const std::int64_t mode = livemode ? 1 : 0;
  std::int64_t before_seq = INT64_MAX;
  if (starting_after) {
    Statement cursor = db.prepare(
        "SELECT seq FROM objects WHERE id = ? AND kind = ? AND partner_id = ? AND livemode = ?");
    cursor.bind(1, *starting_after).bind(2, kind).bind(3, partner_id).bind(4, mode);
    if (!cursor.step()) return std::nullopt;
    before_seq = cursor.column_int64(0);
  }
  // Every filter is a bound parameter that may be NULL: one statement text for all of them.
  const std::string where =
      "WHERE kind = ?1 AND partner_id = ?2 AND livemode = ?3 "
      "AND (?4 IS NULL OR customer_id = ?4) AND (?5 IS NULL OR state = ?5) "
      "AND (?6 IS NULL OR name = ?6) AND (?7 IS NULL OR substr(name, -length(?7)) = ?7) ";
  const auto bind_filters = [&](Statement& statement) {
    statement.bind(1, kind)
        .bind(2, partner_id)
        .bind(3, mode)
        .bind(4, filter.customer_id)
        .bind(5, filter.state)
        .bind(6, filter.name)
        .bind(7, filter.name_suffix);
  };
  return newest_first_page<Record>(db, "objects", select, where, 7, bind_filters, before_seq, limit,
                                   read_row);
}

}  // namespace portico::store::detail
