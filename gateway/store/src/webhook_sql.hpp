#pragma once

#include <string_view>

// The dispatcher's two hot queries, apart so that a test can check with EXPLAIN QUERY PLAN that
// SQLite answers them from the due indexes (webhook_deliveries_endpoint_due and
// webhook_deliveries_due), never by scanning the deliveries.
namespace portico::store::detail {

// ?1 endpoint id, ?2 now, ?3 limit. The index's order (next_attempt_at, then the rowid seq)
// is the ORDER BY, so SQLite reads the first `limit` due entries and stops.
inline constexpr std::string_view kClaimDueSql =
    "SELECT d.seq, d.id, d.endpoint_id, d.event_id, d.event_type, d.partner_id, d.livemode, "
    "d.status, d.attempts, d.next_attempt_at, d.claimed_at, d.last_status_code, d.last_error, "
    "d.last_attempt_at, d.created_at, d.updated_at, "
    "e.id, e.partner_id, e.livemode, e.type, e.object_id, e.data, e.request_id, e.created_at "
    "FROM webhook_deliveries AS d JOIN events AS e ON e.id = d.event_id "
    "WHERE d.endpoint_id = ?1 AND d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= ?2 "
    "ORDER BY d.next_attempt_at, d.seq LIMIT ?3";

// The first entry of the due index.
inline constexpr std::string_view kNextDueSql =
    "SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL";

}  // namespace portico::store::detail
