#include "portico/store/webhooks.hpp"

#include <algorithm>

#include "portico/core/json.hpp"
#include "portico/core/webhook.hpp"

#include "list_query.hpp"
#include "webhook_sql.hpp"

namespace portico::store {

namespace {

std::int64_t flag(bool value) {
  return value ? 1 : 0;
}

std::optional<std::string_view> non_empty(std::string_view text) {
  if (text.empty()) return std::nullopt;
  return text;
}

std::optional<std::int64_t> millis_of(const std::optional<core::TimePoint>& at) {
  if (!at) return std::nullopt;
  return unix_millis(*at);
}

std::optional<core::TimePoint> optional_time(const Statement& row, int column) {
  if (auto millis = row.column_optional_int64(column)) return from_unix_millis(*millis);
  return std::nullopt;
}

std::optional<int> optional_int(const Statement& row, int column) {
  if (auto value = row.column_optional_int64(column)) return static_cast<int>(*value);
  return std::nullopt;
}

// Endpoints

std::string patterns_json(const std::vector<std::string>& patterns) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartArray();
  for (const auto& pattern : patterns)
    core::json::string(out, pattern);
  out.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

std::vector<std::string> read_patterns(std::string_view text, std::string_view endpoint_id) {
  auto parsed = core::json::parse(text);
  // Only patterns_json() writes the column; anything else is corruption.
  if (!parsed || !parsed->IsArray()) {
    throw StoreError("corrupt webhook endpoint events for " + std::string(endpoint_id));
  }
  std::vector<std::string> patterns;
  for (const auto& pattern : parsed->GetArray()) {
    if (pattern.IsString()) patterns.emplace_back(pattern.GetString(), pattern.GetStringLength());
  }
  return patterns;
}

constexpr std::string_view kEndpointColumns =
    "SELECT id, partner_id, livemode, url, description, events, status, disabled_reason, "
    "sealed_secret, sealed_previous_secret, previous_secret_expires_at, consecutive_failures, "
    "last_success_at, last_failure_at, created_at, updated_at, seq FROM webhook_endpoints ";

WebhookEndpointRecord read_endpoint(const Statement& row) {
  WebhookEndpointRecord endpoint;
  endpoint.id = row.column_text(0);
  endpoint.partner_id = row.column_text(1);
  endpoint.livemode = row.column_int64(2) != 0;
  endpoint.url = row.column_text(3);
  endpoint.description = row.column_text(4);
  endpoint.events = read_patterns(row.column_text(5), endpoint.id);
  endpoint.status = row.column_text(6);
  endpoint.disabled_reason = row.column_optional_text(7).value_or("");
  endpoint.sealed_secret = row.column_blob(8);
  endpoint.sealed_previous_secret = row.column_blob(9);
  endpoint.previous_secret_expires_at = optional_time(row, 10);
  endpoint.consecutive_failures = static_cast<int>(row.column_int64(11));
  endpoint.last_success_at = optional_time(row, 12);
  endpoint.last_failure_at = optional_time(row, 13);
  endpoint.created_at = from_unix_millis(row.column_int64(14));
  endpoint.updated_at = from_unix_millis(row.column_int64(15));
  return endpoint;
}

std::optional<Blob> optional_blob(const std::string& bytes) {
  if (bytes.empty()) return std::nullopt;
  return Blob{bytes};
}

// Deliveries

constexpr std::string_view kDeliveryColumns =
    "SELECT seq, id, endpoint_id, event_id, event_type, partner_id, livemode, status, attempts, "
    "next_attempt_at, claimed_at, last_status_code, last_error, last_attempt_at, created_at, "
    "updated_at FROM webhook_deliveries ";

// The 15 columns after seq, from `first` on (kDeliveryColumns and kClaimDueSql share them).
WebhookDeliveryRecord read_delivery(const Statement& row, int first) {
  WebhookDeliveryRecord delivery;
  delivery.id = row.column_text(first);
  delivery.endpoint_id = row.column_text(first + 1);
  delivery.event_id = row.column_text(first + 2);
  delivery.event_type = row.column_text(first + 3);
  delivery.partner_id = row.column_text(first + 4);
  delivery.livemode = row.column_int64(first + 5) != 0;
  delivery.status = row.column_text(first + 6);
  delivery.attempts = static_cast<int>(row.column_int64(first + 7));
  delivery.next_attempt_at = optional_time(row, first + 8);
  delivery.claimed_at = optional_time(row, first + 9);
  delivery.last_status_code = optional_int(row, first + 10);
  delivery.last_error = row.column_optional_text(first + 11).value_or("");
  delivery.last_attempt_at = optional_time(row, first + 12);
  delivery.created_at = from_unix_millis(row.column_int64(first + 13));
  delivery.updated_at = from_unix_millis(row.column_int64(first + 14));
  return delivery;
}

// The 8 event columns of kClaimDueSql, from `first` on.
EventRecord read_event(const Statement& row, int first) {
  return {.id = row.column_text(first),
          .partner_id = row.column_text(first + 1),
          .livemode = row.column_int64(first + 2) != 0,
          .type = row.column_text(first + 3),
          .object_id = row.column_optional_text(first + 4).value_or(""),
          .data_json = row.column_text(first + 5),
          .request_id = row.column_optional_text(first + 6).value_or(""),
          .created_at = from_unix_millis(row.column_int64(first + 7))};
}

// The state of a delivery's endpoint when an attempt is recorded; deleted ones included.
struct EndpointState {
  bool enabled = false;
  bool deleted = true;
};

EndpointState endpoint_state(Database& db, std::string_view id) {
  Statement query =
      db.prepare("SELECT status, deleted_at IS NOT NULL FROM webhook_endpoints WHERE id = ?");
  query.bind(1, id);
  if (!query.step()) return {};
  return {.enabled = query.column_text(0) == "enabled", .deleted = query.column_int64(1) != 0};
}

}  // namespace

namespace webhook_endpoints {

void insert(Database& db, const WebhookEndpointRecord& endpoint) {
  Statement insert = db.prepare(
      "INSERT INTO webhook_endpoints(id, partner_id, livemode, url, description, events, "
      "status, disabled_reason, sealed_secret, sealed_previous_secret, "
      "previous_secret_expires_at, consecutive_failures, last_success_at, last_failure_at, "
      "created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, endpoint.id)
      .bind(2, endpoint.partner_id)
      .bind(3, flag(endpoint.livemode))
      .bind(4, endpoint.url)
      .bind(5, endpoint.description)
      .bind(6, patterns_json(endpoint.events))
      .bind(7, endpoint.status)
      .bind(8, non_empty(endpoint.disabled_reason))
      .bind(9, Blob{endpoint.sealed_secret})
      .bind(10, optional_blob(endpoint.sealed_previous_secret))
      .bind(11, millis_of(endpoint.previous_secret_expires_at))
      .bind(12, std::int64_t{endpoint.consecutive_failures})
      .bind(13, millis_of(endpoint.last_success_at))
      .bind(14, millis_of(endpoint.last_failure_at))
      .bind(15, unix_millis(endpoint.created_at))
      .bind(16, unix_millis(endpoint.updated_at));
  insert.step();
}

std::optional<WebhookEndpointRecord> find(Database& db, std::string_view partner_id, bool livemode,
                                          std::string_view id) {
  Statement query = db.prepare(std::string(kEndpointColumns) +
                               "WHERE id = ? AND partner_id = ? AND livemode = ? AND "
                               "deleted_at IS NULL");
  query.bind(1, id).bind(2, partner_id).bind(3, flag(livemode));
  if (!query.step()) return std::nullopt;
  return read_endpoint(query);
}

std::optional<WebhookEndpointRecord> find_by_id(Database& db, std::string_view id) {
  Statement query =
      db.prepare(std::string(kEndpointColumns) + "WHERE id = ? AND deleted_at IS NULL");
  query.bind(1, id);
  if (!query.step()) return std::nullopt;
  return read_endpoint(query);
}

std::optional<Page<WebhookEndpointRecord>> list(Database& db, std::string_view partner_id,
                                                bool livemode, int limit,
                                                std::optional<std::string_view> starting_after) {
  limit = std::max(limit, 1);
  std::int64_t before_seq = INT64_MAX;
  if (starting_after) {
    Statement cursor = db.prepare(
        "SELECT seq FROM webhook_endpoints WHERE id = ? AND partner_id = ? AND livemode = ? AND "
        "deleted_at IS NULL");
    cursor.bind(1, *starting_after).bind(2, partner_id).bind(3, flag(livemode));
    if (!cursor.step()) return std::nullopt;
    before_seq = cursor.column_int64(0);
  }
  Page<WebhookEndpointRecord> page;
  page.total = count(db, partner_id, livemode);
  Statement query = db.prepare(std::string(kEndpointColumns) +
                               "WHERE partner_id = ? AND livemode = ? AND deleted_at IS NULL "
                               "AND seq < ? ORDER BY seq DESC LIMIT ?");
  query.bind(1, partner_id)
      .bind(2, flag(livemode))
      .bind(3, before_seq)
      .bind(4, std::int64_t{limit} + 1);
  while (query.step())
    page.items.push_back(read_endpoint(query));
  finish_page(page, limit);
  return page;
}

std::int64_t count(Database& db, std::string_view partner_id, bool livemode) {
  Statement query = db.prepare(
      "SELECT COUNT(*) FROM webhook_endpoints WHERE partner_id = ? AND livemode = ? AND "
      "deleted_at IS NULL");
  query.bind(1, partner_id).bind(2, flag(livemode));
  query.step();
  return query.column_int64(0);
}

std::vector<std::string> enabled_ids(Database& db) {
  Statement query = db.prepare(
      "SELECT id FROM webhook_endpoints WHERE status = 'enabled' AND deleted_at IS NULL "
      "ORDER BY id");
  std::vector<std::string> ids;
  while (query.step())
    ids.push_back(query.column_text(0));
  return ids;
}

std::vector<std::string> subscribed_ids(Database& db, const EventRecord& event) {
  Statement endpoints = db.prepare(
      "SELECT id, events FROM webhook_endpoints WHERE partner_id = ? AND livemode = ? AND "
      "deleted_at IS NULL AND status = 'enabled' ORDER BY seq");
  endpoints.bind(1, event.partner_id).bind(2, flag(event.livemode));
  std::vector<std::string> matching;
  while (endpoints.step()) {
    std::string id = endpoints.column_text(0);
    const std::vector<std::string> patterns = read_patterns(endpoints.column_text(1), id);
    const bool matches = std::any_of(patterns.begin(), patterns.end(), [&](const auto& pattern) {
      return core::webhook::event_matches(pattern, event.type);
    });
    if (matches) matching.push_back(std::move(id));
  }
  return matching;
}

void update(Database& db, const WebhookEndpointRecord& endpoint) {
  Statement update = db.prepare(
      "UPDATE webhook_endpoints SET url = ?, description = ?, events = ?, sealed_secret = ?, "
      "sealed_previous_secret = ?, previous_secret_expires_at = ?, updated_at = ? "
      "WHERE id = ? AND deleted_at IS NULL");
  update.bind(1, endpoint.url)
      .bind(2, endpoint.description)
      .bind(3, patterns_json(endpoint.events))
      .bind(4, Blob{endpoint.sealed_secret})
      .bind(5, optional_blob(endpoint.sealed_previous_secret))
      .bind(6, millis_of(endpoint.previous_secret_expires_at))
      .bind(7, unix_millis(endpoint.updated_at))
      .bind(8, endpoint.id);
  update.step();
  if (db.changes() != 1) throw StoreError("no webhook endpoint row " + endpoint.id);
}

bool set_status(Database& db, std::string_view id, std::string_view status,
                std::string_view disabled_reason, core::TimePoint now) {
  const std::int64_t at = unix_millis(now);
  if (status == "disabled") {
    Statement disable = db.prepare(
        "UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ?, updated_at = ? "
        "WHERE id = ? AND deleted_at IS NULL");
    disable.bind(1, non_empty(disabled_reason)).bind(2, at).bind(3, id);
    disable.step();
    if (db.changes() != 1) return false;
    // Claimed ones too (they keep claimed_at): their attempt's result settles them, and no
    // pending delivery is ever left behind for an endpoint the dispatcher no longer serves.
    Statement pause = db.prepare(
        "UPDATE webhook_deliveries SET status = 'paused', next_attempt_at = NULL, updated_at = ? "
        "WHERE endpoint_id = ? AND next_attempt_at IS NOT NULL");
    pause.bind(1, at).bind(2, id);
    pause.step();
    return true;
  }
  if (status != "enabled") throw StoreError("unknown webhook endpoint status");
  Statement enable = db.prepare(
      "UPDATE webhook_endpoints SET status = 'enabled', disabled_reason = NULL, "
      "consecutive_failures = 0, updated_at = ? WHERE id = ? AND deleted_at IS NULL");
  enable.bind(1, at).bind(2, id);
  enable.step();
  if (db.changes() != 1) return false;
  // A paused delivery still claimed has its attempt in flight: that attempt settles it.
  Statement resume = db.prepare(
      "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?1, updated_at = ?1 "
      "WHERE endpoint_id = ?2 AND status = 'paused' AND claimed_at IS NULL");
  resume.bind(1, at).bind(2, id);
  resume.step();
  if (db.changes() > 0) db.note_outbox_changed();
  return true;
}

bool remove(Database& db, std::string_view id, core::TimePoint now) {
  const std::int64_t at = unix_millis(now);
  Statement remove = db.prepare(
      "UPDATE webhook_endpoints SET deleted_at = ?1, updated_at = ?1 "
      "WHERE id = ?2 AND deleted_at IS NULL");
  remove.bind(1, at).bind(2, id);
  remove.step();
  if (db.changes() != 1) return false;
  // Two statements, each on its own index: the pending ones, then the paused ones.
  Statement cancel_pending = db.prepare(
      "UPDATE webhook_deliveries SET status = 'canceled', next_attempt_at = NULL, updated_at = ? "
      "WHERE endpoint_id = ? AND next_attempt_at IS NOT NULL");
  cancel_pending.bind(1, at).bind(2, id);
  cancel_pending.step();
  Statement cancel_paused = db.prepare(
      "UPDATE webhook_deliveries SET status = 'canceled', updated_at = ? "
      "WHERE endpoint_id = ? AND status = 'paused'");
  cancel_paused.bind(1, at).bind(2, id);
  cancel_paused.step();
  return true;
}

}  // namespace webhook_endpoints

namespace webhook_deliveries {

int enqueue_for_event(Database& db, const EventRecord& event) {
  const std::vector<std::string> matching = webhook_endpoints::subscribed_ids(db, event);
  if (matching.empty()) return 0;

  // The id is derived from the pair, so queuing the same event twice adds nothing.
  Statement insert = db.prepare(
      "INSERT OR IGNORE INTO webhook_deliveries(id, endpoint_id, event_id, event_type, "
      "partner_id, livemode, status, attempts, next_attempt_at, created_at, updated_at) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7, ?7)");
  const std::int64_t created = unix_millis(event.created_at);
  int queued = 0;
  for (const std::string& endpoint_id : matching) {
    insert.bind(1, core::webhook::delivery_id(event.id, endpoint_id))
        .bind(2, endpoint_id)
        .bind(3, event.id)
        .bind(4, event.type)
        .bind(5, event.partner_id)
        .bind(6, flag(event.livemode))
        .bind(7, created);
    insert.step();
    queued += static_cast<int>(db.changes());
    insert.reset();
  }
  if (queued > 0) db.note_outbox_changed();
  return queued;
}

void insert(Database& db, const WebhookDeliveryRecord& delivery) {
  Statement insert = db.prepare(
      "INSERT INTO webhook_deliveries(id, endpoint_id, event_id, event_type, partner_id, "
      "livemode, status, attempts, next_attempt_at, claimed_at, last_status_code, last_error, "
      "last_attempt_at, created_at, updated_at) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, delivery.id)
      .bind(2, delivery.endpoint_id)
      .bind(3, delivery.event_id)
      .bind(4, delivery.event_type)
      .bind(5, delivery.partner_id)
      .bind(6, flag(delivery.livemode))
      .bind(7, delivery.status)
      .bind(8, std::int64_t{delivery.attempts})
      .bind(9, millis_of(delivery.next_attempt_at))
      .bind(10, millis_of(delivery.claimed_at));
  if (delivery.last_status_code) {
    insert.bind(11, std::int64_t{*delivery.last_status_code});
  } else {
    insert.bind(11, std::nullopt);
  }
  insert.bind(12, non_empty(delivery.last_error))
      .bind(13, millis_of(delivery.last_attempt_at))
      .bind(14, unix_millis(delivery.created_at))
      .bind(15, unix_millis(delivery.updated_at));
  insert.step();
  db.note_outbox_changed();
}

std::vector<WebhookDeliveryRecord> requeue(Database& db, const EventRecord& event,
                                           const std::vector<std::string>& endpoint_ids,
                                           core::TimePoint now,
                                           const std::function<std::string()>& make_id) {
  std::vector<WebhookDeliveryRecord> queued;
  for (const std::string& endpoint_id : endpoint_ids) {
    WebhookDeliveryRecord delivery{.id = make_id(),
                                   .endpoint_id = endpoint_id,
                                   .event_id = event.id,
                                   .event_type = event.type,
                                   .partner_id = event.partner_id,
                                   .livemode = event.livemode,
                                   .status = "pending",
                                   .attempts = 0,
                                   .next_attempt_at = now,
                                   .created_at = now,
                                   .updated_at = now};
    insert(db, delivery);  // the endpoint's foreign key refuses an unknown one
    queued.push_back(std::move(delivery));
  }
  return queued;
}

std::vector<Due> claim(Database& db, std::string_view endpoint_id, core::TimePoint now,
                       core::TimePoint lease_until, int limit) {
  std::vector<Due> claimed;
  if (limit < 1) return claimed;
  std::vector<std::int64_t> seqs;
  {
    Statement due = db.prepare(detail::kClaimDueSql);
    due.bind(1, endpoint_id).bind(2, unix_millis(now)).bind(3, std::int64_t{limit});
    while (due.step()) {
      seqs.push_back(due.column_int64(0));
      claimed.push_back({.delivery = read_delivery(due, 1), .event = read_event(due, 16)});
    }
  }
  // Each by its rowid: the rows were just found through the index.
  Statement mark = db.prepare(
      "UPDATE webhook_deliveries SET claimed_at = ?1, next_attempt_at = ?2, updated_at = ?1 "
      "WHERE seq = ?3");
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    mark.bind(1, unix_millis(now)).bind(2, unix_millis(lease_until)).bind(3, seqs[i]);
    mark.step();
    mark.reset();
    claimed[i].delivery.claimed_at = from_unix_millis(unix_millis(now));
    claimed[i].delivery.next_attempt_at = from_unix_millis(unix_millis(lease_until));
    claimed[i].delivery.updated_at = from_unix_millis(unix_millis(now));
  }
  return claimed;
}

std::optional<core::TimePoint> next_due(Database& db) {
  Statement query = db.prepare(detail::kNextDueSql);
  query.step();
  return optional_time(query, 0);
}

int release_claims(Database& db, core::TimePoint now) {
  // Pending and paused ones follow their endpoint as it is now: due at once while it is
  // enabled, paused while disabled, canceled once deleted. (SET reads the row's old values.)
  Statement release = db.prepare(
      "UPDATE webhook_deliveries AS d SET "
      "status = CASE WHEN d.status NOT IN ('pending', 'paused') THEN d.status "
      "  WHEN e.deleted_at IS NOT NULL THEN 'canceled' "
      "  WHEN e.status = 'enabled' THEN 'pending' ELSE 'paused' END, "
      "next_attempt_at = CASE WHEN d.status IN ('pending', 'paused') AND e.deleted_at IS NULL "
      "  AND e.status = 'enabled' THEN ?1 ELSE NULL END, "
      "claimed_at = NULL, updated_at = ?1 "
      "FROM webhook_endpoints AS e WHERE e.id = d.endpoint_id AND d.claimed_at IS NOT NULL");
  release.bind(1, unix_millis(now));
  release.step();
  const int released = static_cast<int>(db.changes());
  if (released > 0) db.note_outbox_changed();
  return released;
}

Recorded record_attempt(Database& db, std::string_view delivery_id, core::TimePoint at,
                        const AttemptResult& result, int disable_after_failures) {
  std::string endpoint_id;
  int attempts = 0;
  {
    Statement find = db.prepare(
        "SELECT endpoint_id, attempts FROM webhook_deliveries "
        "WHERE id = ? AND claimed_at IS NOT NULL");
    find.bind(1, delivery_id);
    if (!find.step()) return {};
    endpoint_id = find.column_text(0);
    attempts = static_cast<int>(find.column_int64(1));
  }
  const int number = attempts + 1;
  const std::int64_t at_millis = unix_millis(at);

  Statement attempt = db.prepare(
      "INSERT INTO webhook_attempts(delivery_id, number, at, status_code, error, duration_ms) "
      "VALUES(?, ?, ?, ?, ?, ?)");
  attempt.bind(1, delivery_id).bind(2, std::int64_t{number}).bind(3, at_millis);
  if (result.status_code) {
    attempt.bind(4, std::int64_t{*result.status_code});
  } else {
    attempt.bind(4, std::nullopt);
  }
  attempt.bind(5, non_empty(result.succeeded ? std::string_view() : result.error))
      .bind(6, static_cast<std::int64_t>(result.duration.count()));
  attempt.step();

  // A success is a fact whatever happened to the endpoint; a failure is retried only while
  // the endpoint still takes deliveries.
  const EndpointState endpoint = endpoint_state(db, endpoint_id);
  std::string_view status = "pending";
  std::optional<std::int64_t> next_attempt_at;
  if (result.succeeded) {
    status = "succeeded";
  } else if (!result.retry_at) {
    status = "failed";
  } else if (endpoint.deleted) {
    status = "canceled";
  } else if (!endpoint.enabled) {
    status = "paused";
  } else {
    next_attempt_at = unix_millis(*result.retry_at);
  }
  Statement settle = db.prepare(
      "UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, "
      "claimed_at = NULL, last_status_code = ?, last_error = ?, last_attempt_at = ?, "
      "updated_at = ? WHERE id = ?");
  settle.bind(1, status).bind(2, std::int64_t{number}).bind(3, next_attempt_at);
  if (result.status_code) {
    settle.bind(4, std::int64_t{*result.status_code});
  } else {
    settle.bind(4, std::nullopt);
  }
  settle.bind(5, non_empty(result.succeeded ? std::string_view() : result.error))
      .bind(6, at_millis)
      .bind(7, at_millis)
      .bind(8, delivery_id);
  settle.step();

  Recorded recorded{.recorded = true};
  if (result.succeeded) {
    Statement reset = db.prepare(
        "UPDATE webhook_endpoints SET consecutive_failures = 0, last_success_at = ? "
        "WHERE id = ?");
    reset.bind(1, at_millis).bind(2, endpoint_id);
    reset.step();
    return recorded;
  }
  Statement count_failure = db.prepare(
      "UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1, "
      "last_failure_at = ? WHERE id = ?");
  count_failure.bind(1, at_millis).bind(2, endpoint_id);
  count_failure.step();
  if (endpoint.deleted || !endpoint.enabled) return recorded;

  if (result.gone) {
    webhook_endpoints::set_status(db, endpoint_id, "disabled", "gone", at);
    recorded.endpoint_change = EndpointChange::disabled_gone;
    return recorded;
  }
  if (disable_after_failures > 0) {
    Statement failures =
        db.prepare("SELECT consecutive_failures FROM webhook_endpoints WHERE id = ?");
    failures.bind(1, endpoint_id);
    if (failures.step() && failures.column_int64(0) >= disable_after_failures) {
      webhook_endpoints::set_status(db, endpoint_id, "disabled", "consecutive_failures", at);
      recorded.endpoint_change = EndpointChange::disabled_consecutive_failures;
    }
  }
  return recorded;
}

std::optional<WebhookDeliveryRecord> find(Database& db, std::string_view endpoint_id,
                                          std::string_view id) {
  Statement query = db.prepare(std::string(kDeliveryColumns) + "WHERE id = ? AND endpoint_id = ?");
  query.bind(1, id).bind(2, endpoint_id);
  if (!query.step()) return std::nullopt;
  return read_delivery(query, 1);
}

std::optional<Page<WebhookDeliveryRecord>> list(Database& db, std::string_view endpoint_id,
                                                std::optional<std::string_view> status, int limit,
                                                std::optional<std::string_view> starting_after) {
  limit = std::max(limit, 1);
  std::int64_t before_seq = INT64_MAX;
  if (starting_after) {
    Statement cursor =
        db.prepare("SELECT seq FROM webhook_deliveries WHERE id = ? AND endpoint_id = ?");
    cursor.bind(1, *starting_after).bind(2, endpoint_id);
    if (!cursor.step()) return std::nullopt;
    before_seq = cursor.column_int64(0);
  }
  const std::string where = "WHERE endpoint_id = ?1 AND (?2 IS NULL OR status = ?2) ";
  return detail::newest_first_page<WebhookDeliveryRecord>(
      db, "webhook_deliveries", kDeliveryColumns, where, 2,
      [&](Statement& statement) { statement.bind(1, endpoint_id).bind(2, status); }, before_seq,
      limit, [](const Statement& row) { return read_delivery(row, 1); });
}

std::vector<WebhookAttemptRecord> attempts(Database& db, std::string_view delivery_id) {
  Statement query = db.prepare(
      "SELECT delivery_id, number, at, status_code, error, duration_ms FROM webhook_attempts "
      "WHERE delivery_id = ? ORDER BY number");
  query.bind(1, delivery_id);
  std::vector<WebhookAttemptRecord> found;
  while (query.step()) {
    found.push_back({.delivery_id = query.column_text(0),
                     .number = static_cast<int>(query.column_int64(1)),
                     .at = from_unix_millis(query.column_int64(2)),
                     .status_code = optional_int(query, 3),
                     .error = query.column_optional_text(4).value_or(""),
                     .duration = std::chrono::milliseconds(query.column_int64(5))});
  }
  return found;
}

std::int64_t pending_count(Database& db) {
  Statement query =
      db.prepare("SELECT COUNT(*) FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL");
  query.step();
  return query.column_int64(0);
}

}  // namespace webhook_deliveries

}  // namespace portico::store
