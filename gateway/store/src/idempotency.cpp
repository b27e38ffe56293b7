#include "portico/store/idempotency.hpp"

namespace portico::store {

namespace {

std::int64_t flag(bool value) {
  return value ? 1 : 0;
}

Statement& bind_scope(Statement& statement, int first, const KeyScope& scope) {
  return statement.bind(first, scope.partner_id)
      .bind(first + 1, flag(scope.livemode))
      .bind(first + 2, scope.key);
}

constexpr std::string_view kScope = " WHERE partner_id = ? AND livemode = ? AND key = ?";

void write_response(Database& db, const KeyScope& scope, const StoredResponse& response,
                    core::TimePoint now, std::string_view only_state) {
  std::string sql =
      "UPDATE idempotency_keys SET state = 'done', response_status = ?, response_headers = ?, "
      "sealed_body = ?, updated_at = ?" +
      std::string(kScope);
  if (!only_state.empty()) sql += " AND state = '" + std::string(only_state) + "'";
  Statement update = db.prepare(sql);
  update.bind(1, static_cast<std::int64_t>(response.status))
      .bind(2, response.headers_json)
      .bind(3, Blob{response.sealed_body})
      .bind(4, unix_millis(now));
  bind_scope(update, 5, scope).step();
}

std::optional<IntentState> parse_intent_state(std::string_view text) {
  for (IntentState state :
       {IntentState::open, IntentState::unknown, IntentState::done, IntentState::failed}) {
    if (name_of(state) == text) return state;
  }
  return std::nullopt;
}

constexpr std::string_view kIntentColumns =
    "SELECT id, partner_id, livemode, key_id, request_id, idempotency_key, operation, "
    "provider_instance, lookup, object_id, state, sealed_request, attempts, last_error, "
    "next_check_at, created_at, updated_at FROM supplier_intents ";

IntentRecord read_intent(const Statement& row) {
  IntentRecord intent;
  intent.id = row.column_text(0);
  intent.partner_id = row.column_text(1);
  intent.livemode = row.column_int64(2) != 0;
  intent.key_id = row.column_text(3);
  intent.request_id = row.column_text(4);
  intent.idempotency_key = row.column_text(5);
  intent.operation = row.column_text(6);
  intent.provider_instance = row.column_text(7);
  intent.lookup = row.column_text(8);
  intent.object_id = row.column_text(9);
  const auto state = parse_intent_state(row.column_text(10));
  if (!state) throw StoreError("corrupt intent state for " + intent.id);
  intent.state = *state;
  intent.sealed_request = row.column_blob(11);
  intent.attempts = row.column_int64(12);
  intent.last_error = row.column_text(13);
  if (auto at = row.column_optional_int64(14)) intent.next_check_at = from_unix_millis(*at);
  intent.created_at = from_unix_millis(row.column_int64(15));
  intent.updated_at = from_unix_millis(row.column_int64(16));
  return intent;
}

std::vector<IntentRecord> read_intents(Statement& query) {
  std::vector<IntentRecord> found;
  while (query.step())
    found.push_back(read_intent(query));
  return found;
}

}  // namespace

std::string_view name_of(IntentState state) {
  switch (state) {
    case IntentState::open:
      return "open";
    case IntentState::unknown:
      return "unknown";
    case IntentState::done:
      return "done";
    case IntentState::failed:
      return "failed";
  }
  return "open";
}

namespace idempotency_keys {

KeyClaim claim(Database& db, const KeyScope& scope, const KeyRequest& request, core::TimePoint now,
               core::TimePoint expired_before) {
  Statement query = db.prepare(
      "SELECT fingerprint, method, path, state, intent_id, response_status, response_headers, "
      "sealed_body, created_at FROM idempotency_keys" +
      std::string(kScope));
  bind_scope(query, 1, scope);
  if (query.step()) {
    const std::string state = query.column_text(3);
    const bool expired = state == "done" && query.column_int64(8) < unix_millis(expired_before);
    if (!expired) {
      KeyClaim claim;
      if (query.column_text(0) != request.fingerprint) {
        claim.outcome = KeyClaim::Outcome::mismatch;
        claim.first_method = query.column_text(1);
        claim.first_path = query.column_text(2);
        return claim;
      }
      if (state == "done") {
        claim.outcome = KeyClaim::Outcome::replay;
        claim.response = StoredResponse{.status = static_cast<int>(query.column_int64(5)),
                                        .headers_json = query.column_text(6),
                                        .sealed_body = query.column_blob(7)};
        return claim;
      }
      if (state == "running") {
        claim.outcome = KeyClaim::Outcome::running;
        return claim;
      }
      // pending: this request takes it over and resolves the intent first.
      claim.outcome = KeyClaim::Outcome::resume;
      claim.intent_id = query.column_text(4);
      query.reset();
      Statement take = db.prepare("UPDATE idempotency_keys SET state = 'running', updated_at = ?" +
                                  std::string(kScope));
      take.bind(1, unix_millis(now));
      bind_scope(take, 2, scope).step();
      return claim;
    }
    query.reset();
    release(db, scope);
  }
  Statement insert = db.prepare(
      "INSERT INTO idempotency_keys(partner_id, livemode, key, fingerprint, method, path, "
      "request_id, state, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)");
  bind_scope(insert, 1, scope)
      .bind(4, request.fingerprint)
      .bind(5, request.method)
      .bind(6, request.path)
      .bind(7, request.request_id)
      .bind(8, unix_millis(now))
      .bind(9, unix_millis(now));
  insert.step();
  return KeyClaim{};
}

void finish(Database& db, const KeyScope& scope, const StoredResponse& response,
            core::TimePoint now) {
  write_response(db, scope, response, now, {});
}

void release(Database& db, const KeyScope& scope) {
  Statement remove = db.prepare("DELETE FROM idempotency_keys" + std::string(kScope));
  bind_scope(remove, 1, scope).step();
}

void hold(Database& db, const KeyScope& scope, core::TimePoint now) {
  Statement update = db.prepare("UPDATE idempotency_keys SET state = 'pending', updated_at = ?" +
                                std::string(kScope) + " AND intent_id IS NOT NULL");
  update.bind(1, unix_millis(now));
  bind_scope(update, 2, scope).step();
}

bool finish_if_pending(Database& db, const KeyScope& scope, const StoredResponse& response,
                       core::TimePoint now) {
  write_response(db, scope, response, now, "pending");
  return db.changes() > 0;
}

bool release_if_pending(Database& db, const KeyScope& scope) {
  Statement remove =
      db.prepare("DELETE FROM idempotency_keys" + std::string(kScope) + " AND state = 'pending'");
  bind_scope(remove, 1, scope).step();
  return db.changes() > 0;
}

std::int64_t recover(Database& db, core::TimePoint now) {
  Statement hold_linked = db.prepare(
      "UPDATE idempotency_keys SET state = 'pending', updated_at = ? "
      "WHERE state = 'running' AND intent_id IS NOT NULL");
  hold_linked.bind(1, unix_millis(now)).step();
  std::int64_t changed = db.changes();
  db.exec("DELETE FROM idempotency_keys WHERE state = 'running'");
  return changed + db.changes();
}

std::int64_t prune(Database& db, core::TimePoint before, core::TimePoint stale_before) {
  Statement done =
      db.prepare("DELETE FROM idempotency_keys WHERE state = 'done' AND created_at < ?");
  done.bind(1, unix_millis(before)).step();
  std::int64_t removed = db.changes();
  Statement stale =
      db.prepare("DELETE FROM idempotency_keys WHERE state = 'running' AND updated_at < ?");
  stale.bind(1, unix_millis(stale_before)).step();
  return removed + db.changes();
}

}  // namespace idempotency_keys

namespace intents {

void insert(Database& db, const IntentRecord& intent) {
  Statement insert = db.prepare(
      "INSERT INTO supplier_intents(id, partner_id, livemode, key_id, request_id, "
      "idempotency_key, operation, provider_instance, lookup, object_id, state, sealed_request, "
      "attempts, last_error, next_check_at, created_at, updated_at) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, intent.id)
      .bind(2, intent.partner_id)
      .bind(3, flag(intent.livemode))
      .bind(4, intent.key_id)
      .bind(5, intent.request_id)
      .bind(6, intent.idempotency_key.empty() ? std::optional<std::string>()
                                              : std::optional(intent.idempotency_key))
      .bind(7, intent.operation)
      .bind(8, intent.provider_instance)
      .bind(9, intent.lookup)
      .bind(10, intent.object_id)
      .bind(11, name_of(intent.state))
      .bind(12, Blob{intent.sealed_request})
      .bind(13, intent.attempts)
      .bind(14, intent.last_error)
      .bind(15, intent.next_check_at ? std::optional(unix_millis(*intent.next_check_at))
                                     : std::optional<std::int64_t>())
      .bind(16, unix_millis(intent.created_at))
      .bind(17, unix_millis(intent.updated_at));
  insert.step();
  if (intent.idempotency_key.empty()) return;
  Statement link = db.prepare("UPDATE idempotency_keys SET intent_id = ?" + std::string(kScope) +
                              " AND state = 'running'");
  link.bind(1, intent.id);
  bind_scope(link, 2, {intent.partner_id, intent.livemode, intent.idempotency_key}).step();
}

void retarget(Database& db, std::string_view id, std::string_view provider_instance,
              core::TimePoint now) {
  Statement update = db.prepare(
      "UPDATE supplier_intents SET provider_instance = ?, updated_at = ? WHERE id = ? AND "
      "state = 'open'");
  update.bind(1, provider_instance).bind(2, unix_millis(now)).bind(3, id).step();
}

bool settle(Database& db, std::string_view id, IntentState state, core::TimePoint now) {
  Statement update = db.prepare(
      "UPDATE supplier_intents SET state = ?, next_check_at = NULL, updated_at = ? "
      "WHERE id = ? AND state IN ('open', 'unknown')");
  update.bind(1, name_of(state)).bind(2, unix_millis(now)).bind(3, id).step();
  return db.changes() == 1;
}

void defer(Database& db, std::string_view id, core::TimePoint next_check_at,
           std::string_view error_code, core::TimePoint now) {
  Statement update = db.prepare(
      "UPDATE supplier_intents SET state = 'unknown', next_check_at = ?, last_error = ?, "
      "attempts = attempts + 1, updated_at = ? WHERE id = ? AND state IN ('open', 'unknown')");
  update.bind(1, unix_millis(next_check_at))
      .bind(2, error_code)
      .bind(3, unix_millis(now))
      .bind(4, id)
      .step();
}

std::optional<IntentRecord> find(Database& db, std::string_view id) {
  Statement query = db.prepare(std::string(kIntentColumns) + "WHERE id = ?");
  query.bind(1, id);
  if (!query.step()) return std::nullopt;
  return read_intent(query);
}

std::vector<IntentRecord> due(Database& db, core::TimePoint now, int limit) {
  Statement query = db.prepare(std::string(kIntentColumns) +
                               "WHERE state IN ('open', 'unknown') AND next_check_at <= ? "
                               "ORDER BY next_check_at LIMIT ?");
  query.bind(1, unix_millis(now)).bind(2, static_cast<std::int64_t>(limit));
  return read_intents(query);
}

bool unresolved_for(Database& db, const std::vector<std::string_view>& operations,
                    std::string_view lookup) {
  Statement query = db.prepare(
      "SELECT operation FROM supplier_intents WHERE lookup = ? AND state IN ('open', 'unknown')");
  query.bind(1, lookup);
  while (query.step()) {
    const std::string operation = query.column_text(0);
    for (std::string_view wanted : operations) {
      if (operation == wanted) return true;
    }
  }
  return false;
}

std::vector<IntentRecord> list(Database& db, bool unresolved_only, int limit) {
  Statement query = db.prepare(std::string(kIntentColumns) +
                               (unresolved_only ? "WHERE state IN ('open', 'unknown') " : "") +
                               "ORDER BY seq DESC LIMIT ?");
  query.bind(1, static_cast<std::int64_t>(limit));
  return read_intents(query);
}

std::int64_t unresolved_count(Database& db) {
  Statement query =
      db.prepare("SELECT count(*) FROM supplier_intents WHERE state IN ('open', 'unknown')");
  query.step();
  return query.column_int64(0);
}

std::optional<core::TimePoint> oldest_unresolved(Database& db) {
  Statement query =
      db.prepare("SELECT min(created_at) FROM supplier_intents WHERE state IN ('open', 'unknown')");
  query.step();
  if (auto at = query.column_optional_int64(0)) return from_unix_millis(*at);
  return std::nullopt;
}

std::int64_t recover(Database& db, core::TimePoint now) {
  Statement update = db.prepare(
      "UPDATE supplier_intents SET state = 'unknown', next_check_at = ?, updated_at = ? "
      "WHERE state = 'open'");
  update.bind(1, unix_millis(now)).bind(2, unix_millis(now)).step();
  return db.changes();
}

std::int64_t prune(Database& db, core::TimePoint before) {
  Statement remove = db.prepare(
      "DELETE FROM supplier_intents WHERE state IN ('done', 'failed') AND updated_at < ?");
  remove.bind(1, unix_millis(before)).step();
  return db.changes();
}

}  // namespace intents

}  // namespace portico::store
