// Idempotency keys and supplier intents against a real SQLite file: every claim outcome, the
// key's life (running, pending, done), recovery after a crash, pruning, and the intents'
// states and queries with their index plans.
#include "portico/store/idempotency.hpp"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "portico/store/repositories.hpp"
#include "portico/store/store.hpp"

#include "support/temp_dir.hpp"

namespace portico::store {
namespace {

using namespace std::chrono_literals;
using portico::testing::TempDir;

const core::TimePoint kT0 = core::from_unix_seconds(1'700'000'000);

class IdempotencyStoreTest : public ::testing::Test {
 protected:
  IdempotencyStoreTest() {
    StoreOptions options;
    options.path = dir_.file("idempotency.db");
    Store::open(std::move(options)).reset();
    db_ = std::make_unique<Database>(Database::open(dir_.file("idempotency.db"), false));
    partners::insert(*db_, {"ptn_a", "partner a", kT0});
  }

  KeyClaim claim(const KeyScope& scope, const std::string& fingerprint, core::TimePoint now = kT0) {
    return idempotency_keys::claim(*db_, scope, {fingerprint, "POST", "/api/v1/x", "req_1"}, now,
                                   now - 24h);
  }

  std::string state_of(const KeyScope& scope) {
    Statement query = db_->prepare(
        "SELECT state FROM idempotency_keys WHERE partner_id = ? AND livemode = ? AND key = ?");
    query.bind(1, scope.partner_id).bind(2, std::int64_t{scope.livemode}).bind(3, scope.key);
    return query.step() ? query.column_text(0) : "absent";
  }

  IntentRecord intent(const std::string& id, const std::string& key = {},
                      const std::string& lookup = "example.com") {
    return IntentRecord{.id = id,
                        .partner_id = "ptn_a",
                        .livemode = true,
                        .key_id = "key_1",
                        .request_id = "req_1",
                        .idempotency_key = key,
                        .operation = "domain.register",
                        .provider_instance = "primary",
                        .lookup = lookup,
                        .object_id = "dom_1",
                        .state = IntentState::open,
                        .sealed_request = std::string("sealed\0bytes", 12),
                        .attempts = 0,
                        .last_error = {},
                        .next_check_at = kT0 + 15min,
                        .created_at = kT0,
                        .updated_at = kT0};
  }

  std::string plan(const std::string& sql) {
    Statement explain = db_->prepare("EXPLAIN QUERY PLAN " + sql);
    std::string text;
    while (explain.step())
      text += explain.column_text(3) + "\n";
    return text;
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  const KeyScope scope_{"ptn_a", true, "key-1"};
};

TEST_F(IdempotencyStoreTest, TheFirstClaimRunsTheOthersSeeItRunning) {
  EXPECT_EQ(claim(scope_, "f1").outcome, KeyClaim::Outcome::claimed);
  EXPECT_EQ(state_of(scope_), "running");
  EXPECT_EQ(claim(scope_, "f1").outcome, KeyClaim::Outcome::running);
  const KeyClaim other = claim(scope_, "f2");
  EXPECT_EQ(other.outcome, KeyClaim::Outcome::mismatch);
  EXPECT_EQ(other.first_method, "POST");
  EXPECT_EQ(other.first_path, "/api/v1/x");
  // Another mode, another partner's scope: independent.
  EXPECT_EQ(claim({"ptn_a", false, "key-1"}, "f2").outcome, KeyClaim::Outcome::claimed);
}

TEST_F(IdempotencyStoreTest, AFinishedKeyReplaysItsAnswer) {
  ASSERT_EQ(claim(scope_, "f1").outcome, KeyClaim::Outcome::claimed);
  idempotency_keys::finish(
      *db_, scope_,
      {201, R"({"Content-Type":"application/json"})", std::string("sealed\0body", 11)}, kT0 + 1s);
  const KeyClaim replay = claim(scope_, "f1", kT0 + 2s);
  ASSERT_EQ(replay.outcome, KeyClaim::Outcome::replay);
  ASSERT_TRUE(replay.response.has_value());
  EXPECT_EQ(replay.response->status, 201);
  EXPECT_EQ(replay.response->headers_json, R"({"Content-Type":"application/json"})");
  EXPECT_EQ(replay.response->sealed_body, std::string("sealed\0body", 11));
  // Past the retention the key is free: replaced by the new request.
  EXPECT_EQ(claim(scope_, "f2", kT0 + 24h + 1s).outcome, KeyClaim::Outcome::claimed);
  EXPECT_EQ(state_of(scope_), "running");
}

TEST_F(IdempotencyStoreTest, AReleasedKeyIsFree) {
  ASSERT_EQ(claim(scope_, "f1").outcome, KeyClaim::Outcome::claimed);
  idempotency_keys::release(*db_, scope_);
  EXPECT_EQ(state_of(scope_), "absent");
  EXPECT_EQ(claim(scope_, "f2").outcome, KeyClaim::Outcome::claimed);
}

TEST_F(IdempotencyStoreTest, AHeldKeyIsResumedByOneRetry) {
  ASSERT_EQ(claim(scope_, "f1").outcome, KeyClaim::Outcome::claimed);
  // Holding needs the intent it waits for.
  idempotency_keys::hold(*db_, scope_, kT0);
  EXPECT_EQ(state_of(scope_), "running");
  intents::insert(*db_, intent("itn_1", scope_.key));
  idempotency_keys::hold(*db_, scope_, kT0);
  EXPECT_EQ(state_of(scope_), "pending");
  const KeyClaim resume = claim(scope_, "f1");
  EXPECT_EQ(resume.outcome, KeyClaim::Outcome::resume);
  EXPECT_EQ(resume.intent_id, "itn_1");
  // The resuming retry holds it now: a second retry waits.
  EXPECT_EQ(claim(scope_, "f1").outcome, KeyClaim::Outcome::running);
  // A mismatch is still a mismatch.
  EXPECT_EQ(claim(scope_, "f2").outcome, KeyClaim::Outcome::mismatch);
}

TEST_F(IdempotencyStoreTest, TheReconcilerSettlesOnlyPendingKeys) {
  ASSERT_EQ(claim(scope_, "f1").outcome, KeyClaim::Outcome::claimed);
  intents::insert(*db_, intent("itn_1", scope_.key));
  const StoredResponse answer{201, "{}", "sealed"};
  // A retry holds it (running): the retry settles it, not the reconciler.
  EXPECT_FALSE(idempotency_keys::finish_if_pending(*db_, scope_, answer, kT0));
  EXPECT_FALSE(idempotency_keys::release_if_pending(*db_, scope_));
  idempotency_keys::hold(*db_, scope_, kT0);
  EXPECT_TRUE(idempotency_keys::finish_if_pending(*db_, scope_, answer, kT0));
  EXPECT_EQ(state_of(scope_), "done");
  EXPECT_EQ(claim(scope_, "f1").outcome, KeyClaim::Outcome::replay);
}

TEST_F(IdempotencyStoreTest, RecoveryHoldsKeysWithIntentsAndReleasesTheRest) {
  const KeyScope with_intent{"ptn_a", true, "with"};
  const KeyScope without{"ptn_a", true, "without"};
  const KeyScope done{"ptn_a", true, "done"};
  ASSERT_EQ(claim(with_intent, "f").outcome, KeyClaim::Outcome::claimed);
  ASSERT_EQ(claim(without, "f").outcome, KeyClaim::Outcome::claimed);
  ASSERT_EQ(claim(done, "f").outcome, KeyClaim::Outcome::claimed);
  idempotency_keys::finish(*db_, done, {200, "{}", "x"}, kT0);
  intents::insert(*db_, intent("itn_1", with_intent.key));
  intents::insert(*db_, intent("itn_2", {}, "other.com"));
  EXPECT_EQ(idempotency_keys::recover(*db_, kT0 + 1s), 2);
  EXPECT_EQ(state_of(with_intent), "pending");
  EXPECT_EQ(state_of(without), "absent");
  EXPECT_EQ(state_of(done), "done");
  // Open intents belong to requests that died: each is due now.
  EXPECT_EQ(intents::recover(*db_, kT0 + 1s), 2);
  const auto due = intents::due(*db_, kT0 + 1s, 10);
  ASSERT_EQ(due.size(), 2U);
  EXPECT_EQ(due[0].state, IntentState::unknown);
}

TEST_F(IdempotencyStoreTest, PruningKeepsWhatIsStillNeeded) {
  const KeyScope old_done{"ptn_a", true, "old-done"};
  const KeyScope new_done{"ptn_a", true, "new-done"};
  const KeyScope pending{"ptn_a", true, "pending"};
  const KeyScope stale{"ptn_a", true, "stale"};
  for (const KeyScope* scope : {&old_done, &pending, &stale})
    ASSERT_EQ(claim(*scope, "f", kT0).outcome, KeyClaim::Outcome::claimed);
  ASSERT_EQ(claim(new_done, "f", kT0 + 2h).outcome, KeyClaim::Outcome::claimed);
  idempotency_keys::finish(*db_, old_done, {200, "{}", "x"}, kT0);
  idempotency_keys::finish(*db_, new_done, {200, "{}", "x"}, kT0 + 2h);
  intents::insert(*db_, intent("itn_1", pending.key));
  idempotency_keys::hold(*db_, pending, kT0);
  EXPECT_EQ(idempotency_keys::prune(*db_, kT0 + 1h, kT0 + 1h), 2);
  EXPECT_EQ(state_of(old_done), "absent");
  EXPECT_EQ(state_of(stale), "absent");
  EXPECT_EQ(state_of(new_done), "done");
  EXPECT_EQ(state_of(pending), "pending");
}

TEST_F(IdempotencyStoreTest, IntentsSettleOnce) {
  intents::insert(*db_, intent("itn_1"));
  EXPECT_EQ(intents::unresolved_count(*db_), 1);
  EXPECT_TRUE(intents::unresolved_for(*db_, {"domain.transfer", "domain.register"}, "example.com"));
  EXPECT_FALSE(intents::unresolved_for(*db_, {"domain.transfer"}, "example.com"));
  EXPECT_FALSE(intents::unresolved_for(*db_, {"domain.register"}, "other.com"));
  intents::defer(*db_, "itn_1", kT0 + 1min, "upstream_timeout", kT0 + 2s);
  intents::retarget(*db_, "itn_1", "secondary", kT0 + 2s);
  auto found = intents::find(*db_, "itn_1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->state, IntentState::unknown);
  EXPECT_EQ(found->provider_instance, "primary");  // retargeting moves open intents only
  EXPECT_EQ(found->attempts, 1);
  EXPECT_EQ(found->last_error, "upstream_timeout");
  EXPECT_EQ(found->next_check_at, kT0 + 1min);
  EXPECT_EQ(found->sealed_request, std::string("sealed\0bytes", 12));
  EXPECT_TRUE(intents::due(*db_, kT0 + 59s, 10).empty());
  EXPECT_EQ(intents::due(*db_, kT0 + 1min, 10).size(), 1U);

  EXPECT_TRUE(intents::settle(*db_, "itn_1", IntentState::done, kT0 + 3s));
  EXPECT_FALSE(intents::settle(*db_, "itn_1", IntentState::failed, kT0 + 4s));
  EXPECT_EQ(intents::find(*db_, "itn_1")->state, IntentState::done);
  EXPECT_FALSE(intents::find(*db_, "itn_1")->next_check_at.has_value());
  EXPECT_TRUE(intents::due(*db_, kT0 + 1h, 10).empty());
  EXPECT_EQ(intents::unresolved_count(*db_), 0);
  EXPECT_EQ(intents::list(*db_, true, 10).size(), 0U);
  EXPECT_EQ(intents::list(*db_, false, 10).size(), 1U);
  EXPECT_EQ(intents::prune(*db_, kT0 + 3s), 0);
  EXPECT_EQ(intents::prune(*db_, kT0 + 4s), 1);
}

TEST_F(IdempotencyStoreTest, AnIntentLinksTheRunningKeyItServes) {
  ASSERT_EQ(claim(scope_, "f1").outcome, KeyClaim::Outcome::claimed);
  intents::insert(*db_, intent("itn_1", scope_.key));
  Statement query =
      db_->prepare("SELECT intent_id FROM idempotency_keys WHERE partner_id = ? AND key = ?");
  query.bind(1, scope_.partner_id).bind(2, scope_.key);
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.column_text(0), "itn_1");
}

TEST_F(IdempotencyStoreTest, TheReconcilersQueriesSearchAnIndex) {
  const std::string due = plan(
      "SELECT id FROM supplier_intents WHERE state IN ('open', 'unknown') AND next_check_at <= 1 "
      "ORDER BY next_check_at LIMIT 10");
  EXPECT_NE(due.find("supplier_intents_due"), std::string::npos) << due;
  EXPECT_EQ(due.find("TEMP B-TREE"), std::string::npos) << due;
  const std::string lookup = plan(
      "SELECT operation FROM supplier_intents WHERE lookup = 'x' AND state IN ('open', "
      "'unknown')");
  EXPECT_NE(lookup.find("supplier_intents_lookup"), std::string::npos) << lookup;
}

}  // namespace
}  // namespace portico::store
