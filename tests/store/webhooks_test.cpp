// Events, webhook endpoints and the delivery outbox against a real SQLite file: the fan-out of
// an event to the endpoints that take it, claiming and settling deliveries, the indexes the
// dispatcher's queries depend on, and the Store telling its outbox listener after a commit.
#include "portico/store/webhooks.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "portico/core/webhook.hpp"
#include "portico/store/events.hpp"
#include "portico/store/repositories.hpp"
#include "portico/store/store.hpp"

#include "../../gateway/store/src/webhook_sql.hpp"
#include "support/temp_dir.hpp"

namespace portico::store {
namespace {

using namespace std::chrono_literals;
using portico::testing::TempDir;

const core::TimePoint kT0 = core::from_unix_seconds(1'700'000'000);

core::TimePoint at(std::chrono::milliseconds offset) {
  return kT0 + offset;
}

class WebhookStoreTest : public ::testing::Test {
 protected:
  WebhookStoreTest() {
    StoreOptions options;
    options.path = dir_.file("webhooks.db");
    Store::open(std::move(options)).reset();  // migrated; the tests use one connection
    db_ = std::make_unique<Database>(Database::open(dir_.file("webhooks.db"), false));
    for (const char* partner : {"ptn_a", "ptn_b"})
      partners::insert(*db_, {partner, std::string("name-") + partner, kT0});
  }

  Database& db() { return *db_; }

  WebhookEndpointRecord endpoint(const std::string& id, std::vector<std::string> patterns,
                                 const std::string& partner = "ptn_a", bool livemode = false) {
    WebhookEndpointRecord record;
    record.id = id;
    record.partner_id = partner;
    record.livemode = livemode;
    record.url = "https://hooks.example.com/" + id;
    record.description = "endpoint " + id;
    record.events = std::move(patterns);
    record.sealed_secret = std::string("sealed\0secret-", 14) + id;
    record.created_at = kT0;
    record.updated_at = kT0;
    return record;
  }

  void add_endpoint(const std::string& id, std::vector<std::string> patterns,
                    const std::string& partner = "ptn_a", bool livemode = false) {
    webhook_endpoints::insert(db(), endpoint(id, std::move(patterns), partner, livemode));
  }

  EventRecord event(const std::string& id, const std::string& type, core::TimePoint created = kT0,
                    const std::string& partner = "ptn_a", bool livemode = false,
                    const std::string& object_id = "dom_1") {
    return {.id = id,
            .partner_id = partner,
            .livemode = livemode,
            .type = type,
            .object_id = object_id,
            .data_json = R"({"object":{"id":")" + object_id + R"("}})",
            .request_id = "req_" + id,
            .created_at = created};
  }

  // Appends the event; returns the ids of the endpoints it was queued for.
  std::vector<std::string> append(const EventRecord& record) {
    events::append(db(), record);
    std::vector<std::string> endpoints;
    Statement query = db().prepare(
        "SELECT endpoint_id FROM webhook_deliveries WHERE event_id = ? ORDER BY endpoint_id");
    query.bind(1, record.id);
    while (query.step())
      endpoints.push_back(query.column_text(0));
    return endpoints;
  }

  WebhookDeliveryRecord delivery(const std::string& endpoint_id, const std::string& event_id) {
    auto found = webhook_deliveries::find(db(), endpoint_id,
                                          core::webhook::delivery_id(event_id, endpoint_id));
    if (!found) throw std::runtime_error("no delivery of " + event_id + " to " + endpoint_id);
    return *found;
  }

  WebhookEndpointRecord endpoint_row(const std::string& id) {
    auto found = webhook_endpoints::find_by_id(db(), id);
    if (!found) throw std::runtime_error("no endpoint " + id);
    return *found;
  }

  // Claims everything of the endpoint that is due at `now`, with a one-minute lease.
  std::vector<webhook_deliveries::Due> claim(const std::string& endpoint_id, core::TimePoint now,
                                             int limit = 100) {
    return webhook_deliveries::claim(db(), endpoint_id, now, now + 1min, limit);
  }

  std::int64_t count(const std::string& sql) {
    Statement query = db().prepare(sql);
    query.step();
    return query.column_int64(0);
  }

  std::string plan_of(std::string_view sql) {
    Statement query = db().prepare("EXPLAIN QUERY PLAN " + std::string(sql));
    std::string plan;
    while (query.step())
      plan += query.column_text(3) + "\n";
    return plan;
  }

  void expect_due_indexes_used();

  static AttemptResult failure(core::TimePoint retry_at, int status = 500) {
    return {.succeeded = false,
            .status_code = status,
            .error = "http_" + std::to_string(status),
            .duration = 25ms,
            .retry_at = retry_at};
  }
  static AttemptResult success() {
    return {.succeeded = true, .status_code = 204, .duration = 12ms};
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
};

// Fan-out

TEST_F(WebhookStoreTest, AppendQueuesOneDeliveryPerMatchingEnabledEndpointOfThePartnerAndMode) {
  add_endpoint("wh_exact", {"domain.registered"});
  add_endpoint("wh_family", {"ssl.*", "domain.*"});
  add_endpoint("wh_all", {"*"});
  add_endpoint("wh_other_type", {"ssl.issued", "domain.renewed"});
  add_endpoint("wh_disabled", {"*"});
  ASSERT_TRUE(webhook_endpoints::set_status(db(), "wh_disabled", "disabled", "manual", kT0));
  add_endpoint("wh_deleted", {"*"});
  ASSERT_TRUE(webhook_endpoints::remove(db(), "wh_deleted", kT0));
  add_endpoint("wh_partner_b", {"*"}, "ptn_b");
  add_endpoint("wh_live", {"*"}, "ptn_a", true);
  add_endpoint("wh_prefix_only", {"domain"});  // not a family: only the type "domain" itself
  add_endpoint("wh_lookalike", {"domains.*"});
  db().take_outbox_changed();

  const core::TimePoint created = at(1500ms);
  EXPECT_EQ(append(event("evt_1", "domain.registered", created)),
            (std::vector<std::string>{"wh_all", "wh_exact", "wh_family"}));
  EXPECT_TRUE(db().take_outbox_changed());

  const WebhookDeliveryRecord queued = delivery("wh_family", "evt_1");
  EXPECT_EQ(queued.status, "pending");
  EXPECT_EQ(queued.next_attempt_at, created);  // due at once
  EXPECT_EQ(queued.created_at, created);
  EXPECT_EQ(queued.event_type, "domain.registered");
  EXPECT_EQ(queued.partner_id, "ptn_a");
  EXPECT_FALSE(queued.livemode);
  EXPECT_EQ(queued.attempts, 0);
  EXPECT_FALSE(queued.claimed_at.has_value());
  EXPECT_EQ(queued.id, core::webhook::delivery_id("evt_1", "wh_family"));

  // "domain.*" does not take "ssl.issued"; "ssl.issued" takes it exactly.
  EXPECT_EQ(append(event("evt_2", "ssl.issued")),
            (std::vector<std::string>{"wh_all", "wh_family", "wh_other_type"}));
  // The other partner and the live mode only get their own events.
  EXPECT_EQ(append(event("evt_3", "domain.registered", kT0, "ptn_b")),
            (std::vector<std::string>{"wh_partner_b"}));
  EXPECT_EQ(append(event("evt_4", "domain.registered", kT0, "ptn_a", true)),
            (std::vector<std::string>{"wh_live"}));
  EXPECT_EQ(append(event("evt_5", "domain")),
            (std::vector<std::string>{"wh_all", "wh_prefix_only"}));
}

TEST_F(WebhookStoreTest, AnEventNobodyTakesQueuesNothingAndLeavesTheConnectionUnmarked) {
  add_endpoint("wh_ssl", {"ssl.*"});
  db().take_outbox_changed();
  EXPECT_TRUE(append(event("evt_1", "domain.registered")).empty());
  EXPECT_FALSE(db().take_outbox_changed());
  ASSERT_TRUE(events::find_by_id(db(), "evt_1").has_value());
}

TEST_F(WebhookStoreTest, QueuingTheSameEventTwiceKeepsOneDeliveryPerEndpoint) {
  add_endpoint("wh_1", {"*"});
  const EventRecord record = event("evt_1", "domain.registered");
  events::append(db(), record);
  EXPECT_EQ(webhook_deliveries::enqueue_for_event(db(), record), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM webhook_deliveries"), 1);
}

TEST_F(WebhookStoreTest, AppendWithoutDeliveriesRecordsOnlyTheEvent) {
  add_endpoint("wh_1", {"*"});
  db().take_outbox_changed();
  events::append_without_deliveries(db(), event("evt_test", "webhook_endpoint.test"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM webhook_deliveries"), 0);
  EXPECT_FALSE(db().take_outbox_changed());

  // The test event's one delivery, inserted by the caller, marks the connection.
  WebhookDeliveryRecord test_delivery{.id = core::webhook::delivery_id("evt_test", "wh_1"),
                                      .endpoint_id = "wh_1",
                                      .event_id = "evt_test",
                                      .event_type = "webhook_endpoint.test",
                                      .partner_id = "ptn_a",
                                      .next_attempt_at = at(5s),
                                      .created_at = at(5s),
                                      .updated_at = at(5s)};
  webhook_deliveries::insert(db(), test_delivery);
  EXPECT_TRUE(db().take_outbox_changed());
  const WebhookDeliveryRecord stored = delivery("wh_1", "evt_test");
  EXPECT_EQ(stored.status, "pending");
  EXPECT_EQ(stored.next_attempt_at, at(5s));
  EXPECT_EQ(stored.event_type, "webhook_endpoint.test");
  EXPECT_EQ(webhook_deliveries::pending_count(db()), 1);
}

TEST_F(WebhookStoreTest, SubscribedIdsAreTheEndpointsAnEventIsDeliveredTo) {
  add_endpoint("wh_family", {"domain.*"});
  add_endpoint("wh_all", {"*"});
  add_endpoint("wh_ssl", {"ssl.*"});
  add_endpoint("wh_disabled", {"*"});
  ASSERT_TRUE(webhook_endpoints::set_status(db(), "wh_disabled", "disabled", "manual", kT0));
  add_endpoint("wh_live", {"*"}, "ptn_a", true);
  add_endpoint("wh_partner_b", {"*"}, "ptn_b");
  const EventRecord record = event("evt_1", "domain.registered");
  // Oldest first, and exactly those append queues for.
  EXPECT_EQ(webhook_endpoints::subscribed_ids(db(), record),
            (std::vector<std::string>{"wh_family", "wh_all"}));
  EXPECT_EQ(append(record), (std::vector<std::string>{"wh_all", "wh_family"}));
}

TEST_F(WebhookStoreTest, RequeueAddsNewPendingDeliveriesBesideTheSettledOnes) {
  add_endpoint("wh_1", {"*"});
  add_endpoint("wh_2", {"domain.*"});
  const EventRecord record = event("evt_1", "domain.registered");
  events::append(db(), record);
  const auto first = claim("wh_1", at(1s));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(webhook_deliveries::record_attempt(db(), first[0].delivery.id, at(2s), success(), 0)
                  .recorded);
  db().take_outbox_changed();

  int n = 0;
  const auto replayed = webhook_deliveries::requeue(
      db(), record, {"wh_1", "wh_2"}, at(1h), [&n] { return "dlv_replay" + std::to_string(++n); });
  ASSERT_EQ(replayed.size(), 2u);
  EXPECT_TRUE(db().take_outbox_changed());
  EXPECT_EQ(replayed[0].id, "dlv_replay1");
  EXPECT_EQ(replayed[0].endpoint_id, "wh_1");
  EXPECT_EQ(replayed[1].endpoint_id, "wh_2");

  // Stored as returned: pending, due at `now`, no attempt yet, the event's type and owner.
  const auto stored = webhook_deliveries::find(db(), "wh_1", "dlv_replay1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->status, "pending");
  EXPECT_EQ(stored->next_attempt_at, at(1h));
  EXPECT_EQ(stored->created_at, at(1h));
  EXPECT_EQ(stored->attempts, 0);
  EXPECT_EQ(stored->event_id, "evt_1");
  EXPECT_EQ(stored->event_type, "domain.registered");
  EXPECT_EQ(stored->partner_id, "ptn_a");
  // The first deliveries are untouched: one settled, one still owed.
  EXPECT_EQ(delivery("wh_1", "evt_1").status, "succeeded");
  EXPECT_EQ(delivery("wh_2", "evt_1").status, "pending");
  EXPECT_EQ(count("SELECT COUNT(*) FROM webhook_deliveries"), 4);

  // The dispatcher claims the replay like any delivery, with its event.
  const auto due = claim("wh_1", at(1h));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].delivery.id, "dlv_replay1");
  EXPECT_EQ(due[0].event.id, "evt_1");
  EXPECT_EQ(due[0].event.data_json, record.data_json);

  // An endpoint that does not exist is a bug of the caller, not an outcome.
  EXPECT_THROW(webhook_deliveries::requeue(db(), record, {"wh_nowhere"}, at(1h),
                                           [] { return std::string("dlv_x"); }),
               StoreError);
}

// The due indexes

TEST_F(WebhookStoreTest, ClaimAndNextDueAreAnsweredFromTheDueIndexes) {
  // Enough rows, settled and pending, and statistics, so the planner has a real choice.
  add_endpoint("wh_1", {"*"});
  add_endpoint("wh_2", {"*"});
  db().exec("BEGIN");
  for (int i = 0; i < 2000; ++i)
    events::append(db(), event("evt_" + std::to_string(i), "domain.registered", at(i * 1ms)));
  db().exec(
      "UPDATE webhook_deliveries SET status = 'succeeded', next_attempt_at = NULL "
      "WHERE seq % 10 <> 0");
  db().exec("COMMIT");

  // Without statistics (a fresh database) and with them.
  for (const bool analyzed : {false, true}) {
    SCOPED_TRACE(analyzed ? "after ANALYZE" : "without statistics");
    if (analyzed) db().exec("ANALYZE");
    expect_due_indexes_used();
  }
  // Two deliveries per event: seq 10, the first one left pending, is evt_4's to wh_2.
  EXPECT_EQ(webhook_deliveries::next_due(db()), at(4ms));
  EXPECT_EQ(webhook_deliveries::pending_count(db()), 400);
}

void WebhookStoreTest::expect_due_indexes_used() {
  const std::string claim_plan = plan_of(detail::kClaimDueSql);
  EXPECT_NE(claim_plan.find("SEARCH d USING INDEX webhook_deliveries_endpoint_due"),
            std::string::npos)
      << claim_plan;
  EXPECT_EQ(claim_plan.find("SCAN"), std::string::npos) << claim_plan;
  EXPECT_EQ(claim_plan.find("TEMP B-TREE"), std::string::npos) << claim_plan;  // no sort

  const std::string next_due_plan = plan_of(detail::kNextDueSql);
  EXPECT_NE(next_due_plan.find("SEARCH webhook_deliveries USING COVERING INDEX "
                               "webhook_deliveries_due"),
            std::string::npos)
      << next_due_plan;
  EXPECT_EQ(next_due_plan.find("SCAN"), std::string::npos) << next_due_plan;

  const std::string pending_plan =
      plan_of("SELECT COUNT(*) FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL");
  EXPECT_NE(pending_plan.find("webhook_deliveries_due"), std::string::npos) << pending_plan;
}

TEST_F(WebhookStoreTest, NextDueIsTheEarliestPendingDeliveryClaimedOnesIncluded) {
  EXPECT_FALSE(webhook_deliveries::next_due(db()).has_value());
  add_endpoint("wh_1", {"*"});
  events::append(db(), event("evt_late", "domain.registered", at(10s)));
  events::append(db(), event("evt_early", "domain.registered", at(2s)));
  EXPECT_EQ(webhook_deliveries::next_due(db()), at(2s));
  ASSERT_EQ(webhook_deliveries::claim(db(), "wh_1", at(3s), at(30s), 1).size(), 1u);
  EXPECT_EQ(webhook_deliveries::next_due(db()), at(10s));
  ASSERT_EQ(webhook_deliveries::claim(db(), "wh_1", at(11s), at(20s), 1).size(), 1u);
  EXPECT_EQ(webhook_deliveries::next_due(db()), at(20s));  // a lease's end
}

// Claims

TEST_F(WebhookStoreTest, ClaimTakesTheEarliestDueOfThatEndpointUpToTheLimit) {
  add_endpoint("wh_1", {"*"});
  add_endpoint("wh_2", {"*"});
  events::append(db(), event("evt_c", "domain.registered", at(3s)));
  events::append(db(), event("evt_a", "domain.registered", at(1s)));
  events::append(db(), event("evt_b", "domain.registered", at(2s)));
  events::append(db(), event("evt_future", "domain.registered", at(60s)));

  const auto claimed = webhook_deliveries::claim(db(), "wh_1", at(5s), at(75s), 2);
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].delivery.event_id, "evt_a");
  EXPECT_EQ(claimed[1].delivery.event_id, "evt_b");
  for (const auto& due : claimed) {
    EXPECT_EQ(due.delivery.endpoint_id, "wh_1");
    EXPECT_EQ(due.delivery.attempts, 0);
    EXPECT_EQ(due.delivery.claimed_at, at(5s));
    EXPECT_EQ(due.delivery.next_attempt_at, at(75s));
    EXPECT_EQ(due.event.id, due.delivery.event_id);
    EXPECT_EQ(due.event.type, "domain.registered");
    EXPECT_EQ(due.event.request_id, "req_" + due.event.id);
    EXPECT_EQ(due.event.data_json, R"({"object":{"id":"dom_1"}})");
    const WebhookDeliveryRecord stored = delivery("wh_1", due.delivery.event_id);
    EXPECT_EQ(stored.claimed_at, at(5s));
    EXPECT_EQ(stored.next_attempt_at, at(75s));
    EXPECT_EQ(stored.status, "pending");
  }
  // wh_2's deliveries are untouched.
  EXPECT_FALSE(delivery("wh_2", "evt_a").claimed_at.has_value());

  // The rest that is due; the future one and the claimed ones are not.
  const auto rest = webhook_deliveries::claim(db(), "wh_1", at(5s), at(75s), 10);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].delivery.event_id, "evt_c");
  EXPECT_TRUE(webhook_deliveries::claim(db(), "wh_1", at(59s), at(119s), 10).empty());
  EXPECT_TRUE(webhook_deliveries::claim(db(), "wh_1", at(5s), at(65s), 0).empty());
}

TEST_F(WebhookStoreTest, AClaimedDeliveryIsNotClaimedAgainBeforeItsLeaseEnds) {
  add_endpoint("wh_1", {"*"});
  events::append(db(), event("evt_1", "domain.registered"));
  ASSERT_EQ(webhook_deliveries::claim(db(), "wh_1", kT0, at(70s), 5).size(), 1u);
  EXPECT_TRUE(webhook_deliveries::claim(db(), "wh_1", at(69'999ms), at(100s), 5).empty());
  // A lease that ended (the attempt was lost): due again.
  const auto again = webhook_deliveries::claim(db(), "wh_1", at(70s), at(140s), 5);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].delivery.claimed_at, at(70s));
}

TEST_F(WebhookStoreTest, ReleaseClaimsMakesClaimedPendingDeliveriesDueNow) {
  add_endpoint("wh_1", {"*"});
  events::append(db(), event("evt_1", "domain.registered"));
  events::append(db(), event("evt_2", "domain.registered"));
  events::append(db(), event("evt_3", "domain.registered", at(1h)));
  ASSERT_EQ(webhook_deliveries::claim(db(), "wh_1", at(1s), at(61s), 2).size(), 2u);
  db().take_outbox_changed();

  EXPECT_EQ(webhook_deliveries::release_claims(db(), at(2s)), 2);
  EXPECT_TRUE(db().take_outbox_changed());
  for (const char* id : {"evt_1", "evt_2"}) {
    const WebhookDeliveryRecord released = delivery("wh_1", id);
    EXPECT_EQ(released.status, "pending");
    EXPECT_EQ(released.next_attempt_at, at(2s));
    EXPECT_FALSE(released.claimed_at.has_value());
  }
  EXPECT_EQ(delivery("wh_1", "evt_3").next_attempt_at, at(1h));  // was not claimed
  EXPECT_EQ(webhook_deliveries::claim(db(), "wh_1", at(2s), at(62s), 10).size(), 2u);
  EXPECT_EQ(webhook_deliveries::release_claims(db(), at(3s)), 2);
  EXPECT_EQ(webhook_deliveries::release_claims(db(), at(4s)), 0);
}

TEST_F(WebhookStoreTest, ReleaseClaimsFollowsEndpointsDisabledOrDeletedMeanwhile) {
  add_endpoint("wh_off", {"*"});
  add_endpoint("wh_gone", {"*"});
  events::append(db(), event("evt_1", "domain.registered"));
  ASSERT_EQ(claim("wh_off", at(1s)).size(), 1u);
  ASSERT_EQ(claim("wh_gone", at(1s)).size(), 1u);
  ASSERT_TRUE(webhook_endpoints::set_status(db(), "wh_off", "disabled", "manual", at(2s)));
  ASSERT_TRUE(webhook_endpoints::remove(db(), "wh_gone", at(2s)));

  EXPECT_EQ(webhook_deliveries::release_claims(db(), at(3s)), 2);
  const WebhookDeliveryRecord paused = delivery("wh_off", "evt_1");
  EXPECT_EQ(paused.status, "paused");
  EXPECT_FALSE(paused.next_attempt_at.has_value());
  EXPECT_FALSE(paused.claimed_at.has_value());
  const WebhookDeliveryRecord canceled = delivery("wh_gone", "evt_1");
  EXPECT_EQ(canceled.status, "canceled");
  EXPECT_FALSE(canceled.claimed_at.has_value());
  EXPECT_FALSE(webhook_deliveries::next_due(db()).has_value());

  // Re-enabled, the paused one is due again.
  ASSERT_TRUE(webhook_endpoints::set_status(db(), "wh_off", "enabled", "", at(4s)));
  EXPECT_EQ(delivery("wh_off", "evt_1").next_attempt_at, at(4s));
}

// Attempts

TEST_F(WebhookStoreTest, ASuccessSettlesTheDeliveryAndResetsTheEndpointsFailures) {
  add_endpoint("wh_1", {"*"});
  events::append(db(), event("evt_1", "domain.registered"));
  const std::string id = core::webhook::delivery_id("evt_1", "wh_1");

  ASSERT_EQ(claim("wh_1", at(1s)).size(), 1u);
  auto recorded = webhook_deliveries::record_attempt(db(), id, at(2s), failure(at(32s)), 100);
  EXPECT_TRUE(recorded.recorded);
  EXPECT_EQ(endpoint_row("wh_1").consecutive_failures, 1);
  EXPECT_EQ(endpoint_row("wh_1").last_failure_at, at(2s));

  ASSERT_EQ(claim("wh_1", at(32s)).size(), 1u);
  recorded = webhook_deliveries::record_attempt(db(), id, at(33s), success(), 100);
  EXPECT_TRUE(recorded.recorded);
  EXPECT_EQ(recorded.endpoint_change, EndpointChange::none);

  const WebhookDeliveryRecord settled = delivery("wh_1", "evt_1");
  EXPECT_EQ(settled.status, "succeeded");
  EXPECT_EQ(settled.attempts, 2);
  EXPECT_FALSE(settled.next_attempt_at.has_value());
  EXPECT_FALSE(settled.claimed_at.has_value());
  EXPECT_EQ(settled.last_status_code, 204);
  EXPECT_EQ(settled.last_error, "");
  EXPECT_EQ(settled.last_attempt_at, at(33s));

  const WebhookEndpointRecord endpoint = endpoint_row("wh_1");
  EXPECT_EQ(endpoint.consecutive_failures, 0);
  EXPECT_EQ(endpoint.last_success_at, at(33s));
  EXPECT_EQ(endpoint.last_failure_at, at(2s));

  const auto history = webhook_deliveries::attempts(db(), id);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].number, 1);
  EXPECT_EQ(history[0].at, at(2s));
  EXPECT_EQ(history[0].status_code, 500);
  EXPECT_EQ(history[0].error, "http_500");
  EXPECT_EQ(history[0].duration, 25ms);
  EXPECT_EQ(history[1].number, 2);
  EXPECT_EQ(history[1].status_code, 204);
  EXPECT_EQ(history[1].error, "");
  EXPECT_EQ(history[1].duration, 12ms);
  EXPECT_EQ(webhook_deliveries::pending_count(db()), 0);
}

TEST_F(WebhookStoreTest, AFailureWithARetryTimeIsPendingAgainThenAbandonedWithout) {
  add_endpoint("wh_1", {"*"});
  events::append(db(), event("evt_1", "domain.registered"));
  const std::string id = core::webhook::delivery_id("evt_1", "wh_1");

  ASSERT_EQ(claim("wh_1", at(1s)).size(), 1u);
  AttemptResult timeout{
      .succeeded = false, .error = "timeout", .duration = 10s, .retry_at = at(45s)};
  ASSERT_TRUE(webhook_deliveries::record_attempt(db(), id, at(11s), timeout, 100).recorded);
  WebhookDeliveryRecord retried = delivery("wh_1", "evt_1");
  EXPECT_EQ(retried.status, "pending");
  EXPECT_EQ(retried.next_attempt_at, at(45s));
  EXPECT_FALSE(retried.claimed_at.has_value());
  EXPECT_EQ(retried.attempts, 1);
  EXPECT_FALSE(retried.last_status_code.has_value());
  EXPECT_EQ(retried.last_error, "timeout");
  EXPECT_TRUE(claim("wh_1", at(44s)).empty());

  ASSERT_EQ(claim("wh_1", at(45s)).size(), 1u);
  AttemptResult last = failure(at(46s), 503);
  last.retry_at.reset();
  ASSERT_TRUE(webhook_deliveries::record_attempt(db(), id, at(46s), last, 100).recorded);
  const WebhookDeliveryRecord abandoned = delivery("wh_1", "evt_1");
  EXPECT_EQ(abandoned.status, "failed");
  EXPECT_FALSE(abandoned.next_attempt_at.has_value());
  EXPECT_EQ(abandoned.attempts, 2);
  EXPECT_EQ(abandoned.last_status_code, 503);
  EXPECT_EQ(abandoned.last_error, "http_503");
  EXPECT_EQ(webhook_deliveries::attempts(db(), id).size(), 2u);
  EXPECT_EQ(endpoint_row("wh_1").consecutive_failures, 2);
  EXPECT_EQ(endpoint_row("wh_1").status, "enabled");
}

TEST_F(WebhookStoreTest, UnknownOrUnclaimedDeliveriesAreNotRecorded) {
  add_endpoint("wh_1", {"*"});
  events::append(db(), event("evt_1", "domain.registered"));
  const std::string id = core::webhook::delivery_id("evt_1", "wh_1");

  EXPECT_FALSE(
      webhook_deliveries::record_attempt(db(), "dlv_unknown", at(1s), success(), 100).recorded);
  const auto recorded = webhook_deliveries::record_attempt(db(), id, at(1s), success(), 100);
  EXPECT_FALSE(recorded.recorded);
  EXPECT_EQ(recorded.endpoint_change, EndpointChange::none);
  EXPECT_EQ(delivery("wh_1", "evt_1").status, "pending");
  EXPECT_EQ(delivery("wh_1", "evt_1").attempts, 0);
  EXPECT_FALSE(endpoint_row("wh_1").last_success_at.has_value());
  EXPECT_EQ(count("SELECT COUNT(*) FROM webhook_attempts"), 0);

  // Settled: a second result for the same claim is not recorded either.
  ASSERT_EQ(claim("wh_1", at(2s)).size(), 1u);
  ASSERT_TRUE(webhook_deliveries::record_attempt(db(), id, at(3s), success(), 100).recorded);
  EXPECT_FALSE(
      webhook_deliveries::record_attempt(db(), id, at(4s), failure(at(60s)), 100).recorded);
  EXPECT_EQ(count("SELECT COUNT(*) FROM webhook_attempts"), 1);
  EXPECT_EQ(delivery("wh_1", "evt_1").status, "succeeded");
}

TEST_F(WebhookStoreTest, ReachingTheFailureLimitDisablesTheEndpointAndPausesItsDeliveries) {
  add_endpoint("wh_1", {"*"});
  add_endpoint("wh_2", {"*"});
  events::append(db(), event("evt_1", "domain.registered"));
  events::append(db(), event("evt_2", "domain.registered"));
  events::append(db(), event("evt_3", "domain.registered", at(1h)));
  const std::string first = core::webhook::delivery_id("evt_1", "wh_1");
  const std::string second = core::webhook::delivery_id("evt_2", "wh_1");

  ASSERT_EQ(claim("wh_1", at(1s), 1).size(), 1u);
  auto recorded = webhook_deliveries::record_attempt(db(), first, at(2s), failure(at(30s)), 2);
  EXPECT_EQ(recorded.endpoint_change, EndpointChange::none);
  EXPECT_EQ(endpoint_row("wh_1").status, "enabled");

  ASSERT_EQ(claim("wh_1", at(3s), 1).size(), 1u);  // evt_2's
  recorded = webhook_deliveries::record_attempt(db(), second, at(4s), failure(at(40s)), 2);
  EXPECT_TRUE(recorded.recorded);
  EXPECT_EQ(recorded.endpoint_change, EndpointChange::disabled_consecutive_failures);

  const WebhookEndpointRecord endpoint = endpoint_row("wh_1");
  EXPECT_EQ(endpoint.status, "disabled");
  EXPECT_EQ(endpoint.disabled_reason, "consecutive_failures");
  EXPECT_EQ(endpoint.consecutive_failures, 2);
  EXPECT_EQ(endpoint.updated_at, at(4s));
  for (const char* event_id : {"evt_1", "evt_2", "evt_3"}) {
    const WebhookDeliveryRecord paused = delivery("wh_1", event_id);
    EXPECT_EQ(paused.status, "paused") << event_id;
    EXPECT_FALSE(paused.next_attempt_at.has_value()) << event_id;
  }
  EXPECT_EQ(delivery("wh_2", "evt_1").status, "pending");  // another endpoint's
  EXPECT_EQ(webhook_endpoints::enabled_ids(db()), std::vector<std::string>{"wh_2"});
}

TEST_F(WebhookStoreTest, AGoneAnswerDisablesTheEndpointAtOnce) {
  add_endpoint("wh_1", {"*"});
  events::append(db(), event("evt_1", "domain.registered"));
  const std::string id = core::webhook::delivery_id("evt_1", "wh_1");
  ASSERT_EQ(claim("wh_1", at(1s)).size(), 1u);
  AttemptResult gone = failure(at(31s), 410);
  gone.gone = true;
  const auto recorded = webhook_deliveries::record_attempt(db(), id, at(2s), gone, 100);
  EXPECT_EQ(recorded.endpoint_change, EndpointChange::disabled_gone);
  EXPECT_EQ(endpoint_row("wh_1").status, "disabled");
  EXPECT_EQ(endpoint_row("wh_1").disabled_reason, "gone");
  EXPECT_EQ(delivery("wh_1", "evt_1").status, "paused");
  EXPECT_EQ(delivery("wh_1", "evt_1").last_status_code, 410);
}

TEST_F(WebhookStoreTest, AnAttemptWhoseEndpointWasDisabledOrDeletedMeanwhileIsNotRescheduled) {
  add_endpoint("wh_off", {"*"});
  add_endpoint("wh_gone", {"*"});
  add_endpoint("wh_off_ok", {"*"});
  events::append(db(), event("evt_1", "domain.registered"));
  for (const char* endpoint : {"wh_off", "wh_gone", "wh_off_ok"})
    ASSERT_EQ(claim(endpoint, at(1s)).size(), 1u);
  ASSERT_TRUE(webhook_endpoints::set_status(db(), "wh_off", "disabled", "manual", at(2s)));
  ASSERT_TRUE(webhook_endpoints::set_status(db(), "wh_off_ok", "disabled", "manual", at(2s)));
  ASSERT_TRUE(webhook_endpoints::remove(db(), "wh_gone", at(2s)));

  auto recorded = webhook_deliveries::record_attempt(
      db(), core::webhook::delivery_id("evt_1", "wh_off"), at(3s), failure(at(33s)), 1);
  EXPECT_TRUE(recorded.recorded);
  EXPECT_EQ(recorded.endpoint_change, EndpointChange::none);  // already disabled
  EXPECT_EQ(delivery("wh_off", "evt_1").status, "paused");
  EXPECT_FALSE(delivery("wh_off", "evt_1").next_attempt_at.has_value());
  EXPECT_EQ(delivery("wh_off", "evt_1").attempts, 1);
  EXPECT_EQ(endpoint_row("wh_off").disabled_reason, "manual");

  recorded = webhook_deliveries::record_attempt(
      db(), core::webhook::delivery_id("evt_1", "wh_gone"), at(3s), failure(at(33s)), 1);
  EXPECT_TRUE(recorded.recorded);
  EXPECT_EQ(delivery("wh_gone", "evt_1").status, "canceled");
  EXPECT_FALSE(delivery("wh_gone", "evt_1").next_attempt_at.has_value());

  // What was delivered was delivered.
  recorded = webhook_deliveries::record_attempt(
      db(), core::webhook::delivery_id("evt_1", "wh_off_ok"), at(3s), success(), 1);
  EXPECT_TRUE(recorded.recorded);
  EXPECT_EQ(delivery("wh_off_ok", "evt_1").status, "succeeded");

  EXPECT_EQ(webhook_deliveries::pending_count(db()), 0);
  EXPECT_FALSE(webhook_deliveries::next_due(db()).has_value());
}

TEST_F(WebhookStoreTest, AnEndpointReEnabledWhileAnAttemptWasInFlightRetriesIt) {
  add_endpoint("wh_1", {"*"});
  events::append(db(), event("evt_1", "domain.registered"));
  const std::string id = core::webhook::delivery_id("evt_1", "wh_1");
  ASSERT_EQ(claim("wh_1", at(1s)).size(), 1u);
  ASSERT_TRUE(webhook_endpoints::set_status(db(), "wh_1", "disabled", "manual", at(2s)));
  ASSERT_TRUE(webhook_endpoints::set_status(db(), "wh_1", "enabled", "", at(3s)));
  // Still in flight: not resumed (it would be sent twice at once).
  EXPECT_TRUE(claim("wh_1", at(4s)).empty());
  ASSERT_TRUE(webhook_deliveries::record_attempt(db(), id, at(5s), failure(at(35s)), 100).recorded);
  EXPECT_EQ(delivery("wh_1", "evt_1").status, "pending");
  EXPECT_EQ(delivery("wh_1", "evt_1").next_attempt_at, at(35s));
}

// Endpoints

TEST_F(WebhookStoreTest, EndpointsRoundTripAndUpdate) {
  WebhookEndpointRecord record = endpoint("wh_1", {"domain.*", "ssl.issued"});
  record.sealed_previous_secret = std::string("old\0sealed", 10);
  record.previous_secret_expires_at = at(24h);
  webhook_endpoints::insert(db(), record);

  WebhookEndpointRecord found = *webhook_endpoints::find(db(), "ptn_a", false, "wh_1");
  EXPECT_EQ(found.url, record.url);
  EXPECT_EQ(found.description, record.description);
  EXPECT_EQ(found.events, record.events);
  EXPECT_EQ(found.status, "enabled");
  EXPECT_EQ(found.disabled_reason, "");
  EXPECT_EQ(found.sealed_secret, record.sealed_secret);
  EXPECT_EQ(found.sealed_previous_secret, record.sealed_previous_secret);
  EXPECT_EQ(found.previous_secret_expires_at, at(24h));
  EXPECT_EQ(found.consecutive_failures, 0);
  EXPECT_FALSE(found.last_success_at.has_value());
  EXPECT_EQ(found.created_at, kT0);
  EXPECT_FALSE(webhook_endpoints::find(db(), "ptn_b", false, "wh_1").has_value());
  EXPECT_FALSE(webhook_endpoints::find(db(), "ptn_a", true, "wh_1").has_value());

  found.url = "https://new.example.com/hook?x=1";
  found.description = "";
  found.events = {"*"};
  found.sealed_secret = "new-sealed";
  found.sealed_previous_secret.clear();
  found.previous_secret_expires_at.reset();
  found.updated_at = at(5s);
  webhook_endpoints::update(db(), found);
  const WebhookEndpointRecord updated = endpoint_row("wh_1");
  EXPECT_EQ(updated.url, "https://new.example.com/hook?x=1");
  EXPECT_EQ(updated.description, "");
  EXPECT_EQ(updated.events, std::vector<std::string>{"*"});
  EXPECT_EQ(updated.sealed_secret, "new-sealed");
  EXPECT_EQ(updated.sealed_previous_secret, "");
  EXPECT_FALSE(updated.previous_secret_expires_at.has_value());
  EXPECT_EQ(updated.updated_at, at(5s));
  EXPECT_EQ(updated.created_at, kT0);

  EXPECT_THROW(webhook_endpoints::insert(db(), endpoint("wh_2", {"*"}, "ptn_nobody")), StoreError);
  WebhookEndpointRecord missing = endpoint("wh_missing", {"*"});
  EXPECT_THROW(webhook_endpoints::update(db(), missing), StoreError);
}

TEST_F(WebhookStoreTest, EnablingResumesPausedDeliveriesAndResetsFailures) {
  add_endpoint("wh_1", {"*"});
  events::append(db(), event("evt_1", "domain.registered"));
  events::append(db(), event("evt_2", "domain.registered", at(2h)));
  const std::string id = core::webhook::delivery_id("evt_1", "wh_1");
  ASSERT_EQ(claim("wh_1", at(1s)).size(), 1u);
  ASSERT_TRUE(webhook_deliveries::record_attempt(db(), id, at(2s), failure(at(32s)), 100).recorded);
  ASSERT_EQ(endpoint_row("wh_1").consecutive_failures, 1);

  ASSERT_TRUE(webhook_endpoints::set_status(db(), "wh_1", "disabled", "manual", at(3s)));
  EXPECT_EQ(endpoint_row("wh_1").status, "disabled");
  EXPECT_EQ(endpoint_row("wh_1").disabled_reason, "manual");
  EXPECT_EQ(delivery("wh_1", "evt_1").status, "paused");
  EXPECT_EQ(delivery("wh_1", "evt_2").status, "paused");
  EXPECT_TRUE(webhook_endpoints::enabled_ids(db()).empty());
  EXPECT_EQ(webhook_deliveries::pending_count(db()), 0);

  db().take_outbox_changed();
  ASSERT_TRUE(webhook_endpoints::set_status(db(), "wh_1", "enabled", "", at(4s)));
  EXPECT_TRUE(db().take_outbox_changed());
  const WebhookEndpointRecord endpoint = endpoint_row("wh_1");
  EXPECT_EQ(endpoint.status, "enabled");
  EXPECT_EQ(endpoint.disabled_reason, "");
  EXPECT_EQ(endpoint.consecutive_failures, 0);
  for (const char* event_id : {"evt_1", "evt_2"}) {
    EXPECT_EQ(delivery("wh_1", event_id).status, "pending");
    EXPECT_EQ(delivery("wh_1", event_id).next_attempt_at, at(4s));  // at once, both
  }
  EXPECT_EQ(delivery("wh_1", "evt_1").attempts, 1);  // its history stays
  EXPECT_EQ(webhook_endpoints::enabled_ids(db()), std::vector<std::string>{"wh_1"});
  EXPECT_FALSE(webhook_endpoints::set_status(db(), "wh_unknown", "enabled", "", at(5s)));
}

TEST_F(WebhookStoreTest, RemovingCancelsPendingAndPausedDeliveriesAndHidesTheEndpoint) {
  add_endpoint("wh_1", {"*"});
  add_endpoint("wh_2", {"*"});
  events::append(db(), event("evt_1", "domain.registered"));
  ASSERT_EQ(claim("wh_1", at(1s)).size(), 1u);
  ASSERT_TRUE(webhook_deliveries::record_attempt(db(), core::webhook::delivery_id("evt_1", "wh_1"),
                                                 at(2s), success(), 100)
                  .recorded);
  events::append(db(), event("evt_2", "domain.registered"));
  events::append(db(), event("evt_3", "domain.registered", at(1h)));
  events::append(db(), event("evt_4", "domain.registered"));
  ASSERT_EQ(claim("wh_1", at(3s), 1).size(), 1u);  // evt_2's, in flight
  // evt_3's is paused (as a disable leaves it), evt_4's pending.
  db().exec(
      "UPDATE webhook_deliveries SET status = 'paused', next_attempt_at = NULL "
      "WHERE endpoint_id = 'wh_1' AND event_id = 'evt_3'");

  ASSERT_TRUE(webhook_endpoints::remove(db(), "wh_1", at(11s)));
  EXPECT_EQ(delivery("wh_1", "evt_1").status, "succeeded");
  for (const char* event_id : {"evt_2", "evt_3", "evt_4"}) {
    const WebhookDeliveryRecord canceled = delivery("wh_1", event_id);
    EXPECT_EQ(canceled.status, "canceled") << event_id;
    EXPECT_FALSE(canceled.next_attempt_at.has_value()) << event_id;
    EXPECT_EQ(canceled.updated_at, at(11s)) << event_id;
  }
  EXPECT_EQ(webhook_deliveries::pending_count(db()), 4);  // wh_2's
  EXPECT_FALSE(webhook_endpoints::find(db(), "ptn_a", false, "wh_1").has_value());
  EXPECT_FALSE(webhook_endpoints::find_by_id(db(), "wh_1").has_value());
  EXPECT_EQ(webhook_endpoints::count(db(), "ptn_a", false), 1);
  const auto page = webhook_endpoints::list(db(), "ptn_a", false, 10, std::nullopt);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, "wh_2");
  EXPECT_EQ(page->total, 1);
  EXPECT_FALSE(webhook_endpoints::list(db(), "ptn_a", false, 10, "wh_1").has_value());
  EXPECT_EQ(webhook_endpoints::enabled_ids(db()), std::vector<std::string>{"wh_2"});
  EXPECT_FALSE(webhook_endpoints::remove(db(), "wh_1", at(12s)));
  EXPECT_FALSE(webhook_endpoints::set_status(db(), "wh_1", "enabled", "", at(12s)));
  // New events no longer reach it; its deliveries stay readable as history.
  EXPECT_EQ(append(event("evt_5", "domain.registered")), std::vector<std::string>{"wh_2"});
  EXPECT_EQ(webhook_deliveries::list(db(), "wh_1", std::nullopt, 10, std::nullopt)->total, 4);

  // The attempt that was in flight ends canceled.
  ASSERT_TRUE(webhook_deliveries::record_attempt(db(), core::webhook::delivery_id("evt_2", "wh_1"),
                                                 at(12s), failure(at(42s)), 100)
                  .recorded);
  EXPECT_EQ(delivery("wh_1", "evt_2").status, "canceled");
  EXPECT_EQ(delivery("wh_1", "evt_2").attempts, 1);
}

// Lists

TEST_F(WebhookStoreTest, EndpointListsPageNewestFirst) {
  for (int i = 1; i <= 5; ++i)
    add_endpoint("wh_" + std::to_string(i), {"*"});
  add_endpoint("wh_b", {"*"}, "ptn_b");
  add_endpoint("wh_live", {"*"}, "ptn_a", true);

  auto first = webhook_endpoints::list(db(), "ptn_a", false, 2, std::nullopt);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].id, "wh_5");
  EXPECT_EQ(first->items[1].id, "wh_4");
  EXPECT_TRUE(first->has_more);
  EXPECT_EQ(first->total, 5);
  auto last = webhook_endpoints::list(db(), "ptn_a", false, 10, "wh_3");
  ASSERT_TRUE(last.has_value());
  ASSERT_EQ(last->items.size(), 2u);
  EXPECT_EQ(last->items[0].id, "wh_2");
  EXPECT_EQ(last->items[1].id, "wh_1");
  EXPECT_FALSE(last->has_more);
  EXPECT_FALSE(webhook_endpoints::list(db(), "ptn_a", false, 10, "wh_b").has_value());
  EXPECT_FALSE(webhook_endpoints::list(db(), "ptn_a", false, 10, "wh_live").has_value());
  EXPECT_FALSE(webhook_endpoints::list(db(), "ptn_a", false, 10, "wh_nope").has_value());
  EXPECT_EQ(webhook_endpoints::count(db(), "ptn_a", true), 1);
  EXPECT_EQ(webhook_endpoints::count(db(), "ptn_b", false), 1);
}

TEST_F(WebhookStoreTest, DeliveryListsPageNewestFirstWithAStatusFilter) {
  add_endpoint("wh_1", {"*"});
  add_endpoint("wh_2", {"*"});
  for (int i = 1; i <= 4; ++i)
    events::append(db(), event("evt_" + std::to_string(i), "domain.registered"));
  ASSERT_EQ(claim("wh_1", at(1s), 1).size(), 1u);
  ASSERT_TRUE(webhook_deliveries::record_attempt(db(), core::webhook::delivery_id("evt_1", "wh_1"),
                                                 at(2s), success(), 100)
                  .recorded);

  auto all = webhook_deliveries::list(db(), "wh_1", std::nullopt, 3, std::nullopt);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->items.size(), 3u);
  EXPECT_EQ(all->items[0].event_id, "evt_4");
  EXPECT_EQ(all->items[2].event_id, "evt_2");
  EXPECT_TRUE(all->has_more);
  EXPECT_EQ(all->total, 4);
  auto rest = webhook_deliveries::list(db(), "wh_1", std::nullopt, 3, all->items[2].id);
  ASSERT_TRUE(rest.has_value());
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].event_id, "evt_1");
  EXPECT_FALSE(rest->has_more);

  auto succeeded = webhook_deliveries::list(db(), "wh_1", "succeeded", 10, std::nullopt);
  ASSERT_TRUE(succeeded.has_value());
  ASSERT_EQ(succeeded->items.size(), 1u);
  EXPECT_EQ(succeeded->items[0].event_id, "evt_1");
  EXPECT_EQ(succeeded->total, 1);
  auto pending = webhook_deliveries::list(db(), "wh_1", "pending", 10, std::nullopt);
  EXPECT_EQ(pending->total, 3);

  // Another endpoint's delivery is neither a cursor nor found here.
  const std::string other = core::webhook::delivery_id("evt_1", "wh_2");
  EXPECT_FALSE(webhook_deliveries::list(db(), "wh_1", std::nullopt, 10, other).has_value());
  EXPECT_FALSE(webhook_deliveries::find(db(), "wh_1", other).has_value());
  EXPECT_TRUE(webhook_deliveries::find(db(), "wh_2", other).has_value());
}

TEST_F(WebhookStoreTest, EventListsFilterByPatternObjectAndTimeAndPageNewestFirst) {
  events::append(db(), event("evt_1", "domain.registered", at(1s), "ptn_a", false, "dom_1"));
  events::append(db(), event("evt_2", "domain.renewed", at(2s), "ptn_a", false, "dom_1"));
  events::append(db(), event("evt_3", "ssl.issued", at(3s), "ptn_a", false, "ssl_1"));
  events::append(db(), event("evt_4", "domain", at(4s), "ptn_a", false, "dom_2"));
  events::append(db(), event("evt_5", "domains.x", at(5s), "ptn_a", false, "dom_2"));
  events::append(db(), event("evt_b", "domain.registered", at(1s), "ptn_b", false, "dom_9"));
  events::append(db(), event("evt_live", "domain.registered", at(1s), "ptn_a", true, "dom_8"));

  const auto ids = [&](const EventFilter& filter, int limit = 10,
                       std::optional<std::string_view> after = std::nullopt) {
    auto page = events::list(db(), "ptn_a", false, filter, limit, after);
    std::vector<std::string> found;
    if (!page) return std::vector<std::string>{"<unknown cursor>"};
    for (const auto& item : page->items)
      found.push_back(item.id);
    found.push_back("total=" + std::to_string(page->total));
    return found;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids({}), (Ids{"evt_5", "evt_4", "evt_3", "evt_2", "evt_1", "total=5"}));
  EXPECT_EQ(ids({.type = "*"}), (Ids{"evt_5", "evt_4", "evt_3", "evt_2", "evt_1", "total=5"}));
  EXPECT_EQ(ids({.type = "domain.*"}), (Ids{"evt_2", "evt_1", "total=2"}));
  EXPECT_EQ(ids({.type = "domain.registered"}), (Ids{"evt_1", "total=1"}));
  EXPECT_EQ(ids({.type = "domain"}), (Ids{"evt_4", "total=1"}));
  EXPECT_EQ(ids({.type = "ssl.*"}), (Ids{"evt_3", "total=1"}));
  EXPECT_EQ(ids({.object_id = "dom_2"}), (Ids{"evt_5", "evt_4", "total=2"}));
  EXPECT_EQ(ids({.type = "domain.*", .object_id = "dom_1"}), (Ids{"evt_2", "evt_1", "total=2"}));
  EXPECT_EQ(ids({.created_gte = at(2s), .created_lt = at(4s)}), (Ids{"evt_3", "evt_2", "total=2"}));
  EXPECT_EQ(ids({}, 2), (Ids{"evt_5", "evt_4", "total=5"}));
  EXPECT_EQ(ids({}, 2, "evt_4"), (Ids{"evt_3", "evt_2", "total=5"}));
  EXPECT_EQ(ids({.type = "domain.*"}, 10, "evt_2"), (Ids{"evt_1", "total=2"}));
  EXPECT_EQ(ids({}, 2, "evt_b"), (Ids{"<unknown cursor>"}));
  EXPECT_EQ(ids({}, 2, "evt_live"), (Ids{"<unknown cursor>"}));

  const auto page = events::list(db(), "ptn_a", false, {}, 1, std::nullopt);
  EXPECT_TRUE(page->has_more);
  EXPECT_EQ(page->items[0].request_id, "req_evt_5");
  EXPECT_EQ(page->items[0].created_at, at(5s));

  EXPECT_TRUE(events::find(db(), "ptn_a", false, "evt_1").has_value());
  EXPECT_FALSE(events::find(db(), "ptn_b", false, "evt_1").has_value());
  EXPECT_FALSE(events::find(db(), "ptn_a", true, "evt_1").has_value());
  EXPECT_EQ(events::find_by_id(db(), "evt_b")->partner_id, "ptn_b");
  EXPECT_FALSE(events::find_by_id(db(), "evt_nope").has_value());
  const auto for_object = events::for_object(db(), "dom_1");
  ASSERT_EQ(for_object.size(), 2u);
  EXPECT_EQ(for_object[0].id, "evt_2");
}

// The statements events::list builds for a type filter. An exact type reads the type index in
// page order; a family's page walks the partner's events newest first (it stops after a page
// of matches) while its total is counted from the type index alone.
TEST_F(WebhookStoreTest, EventTypeFiltersUseTheTypeIndex) {
  const std::string exact = plan_of(
      "SELECT id FROM events WHERE partner_id = ?1 AND livemode = ?2 AND type = ?3 "
      "AND seq < ?8 ORDER BY seq DESC LIMIT ?9");
  EXPECT_NE(exact.find("USING INDEX events_partner_type (partner_id=? AND livemode=? AND "
                       "type=? AND seq<?)"),
            std::string::npos)
      << exact;
  const std::string family_total = plan_of(
      "SELECT COUNT(*) FROM events WHERE partner_id = ?1 AND livemode = ?2 AND type >= ?3 AND "
      "type < ?4");
  EXPECT_NE(family_total.find("USING COVERING INDEX events_partner_type"), std::string::npos)
      << family_total;
}

// The Store's outbox listener

class OutboxListenerTest : public ::testing::Test {
 protected:
  OutboxListenerTest() {
    StoreOptions options;
    options.path = dir_.file("outbox.db");
    store_ = Store::open(std::move(options));
    store_->set_outbox_listener([this] {
      calls_.fetch_add(1);
      on_writer_ = std::this_thread::get_id() != test_thread_;
    });
    const auto setup = write([](Database& db) {
      partners::insert(db, {"ptn_a", "A", kT0});
      webhook_endpoints::insert(db, WebhookEndpointRecord{.id = "wh_1",
                                                          .partner_id = "ptn_a",
                                                          .url = "https://example.com/h",
                                                          .events = {"domain.*"},
                                                          .sealed_secret = "s",
                                                          .created_at = kT0,
                                                          .updated_at = kT0});
      return core::Result<core::Ok>(core::Ok{});
    });
    EXPECT_TRUE(setup.ok());
  }

  core::Result<core::Ok> write(std::function<core::Result<core::Ok>(Database&)> work) {
    return store_->write_now<core::Ok>(std::move(work));
  }

  // The listener runs after the job's result is delivered: a second job on the writer
  // thread has run only once the first one's listener returned.
  int calls_after_sync() {
    EXPECT_TRUE(
        store_->read_now<core::Ok>([](Database&) { return core::Result<core::Ok>(core::Ok{}); })
            .ok());
    EXPECT_TRUE(write([](Database&) { return core::Result<core::Ok>(core::Ok{}); }).ok());
    return calls_.load();
  }

  static EventRecord event(const std::string& id, const std::string& type) {
    return {.id = id,
            .partner_id = "ptn_a",
            .type = type,
            .object_id = "dom_1",
            .data_json = "{}",
            .created_at = kT0};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::atomic<int> calls_{0};
  std::atomic<bool> on_writer_{false};
  const std::thread::id test_thread_ = std::this_thread::get_id();
};

TEST_F(OutboxListenerTest, IsCalledOnceAfterACommitThatQueuedDeliveries) {
  EXPECT_EQ(calls_after_sync(), 0);
  ASSERT_TRUE(write([](Database& db) {
                events::append(db, event("evt_1", "domain.registered"));
                events::append(db, event("evt_2", "domain.renewed"));
                return core::Result<core::Ok>(core::Ok{});
              }).ok());
  EXPECT_EQ(calls_after_sync(), 1);
  EXPECT_TRUE(on_writer_.load());
  auto pending = store_->read_now<std::int64_t>([](Database& db) {
    return core::Result<std::int64_t>(webhook_deliveries::pending_count(db));
  });
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending.value(), 2);
}

TEST_F(OutboxListenerTest, IsNotCalledForAWriteThatQueuedNothing) {
  ASSERT_TRUE(write([](Database& db) {
                events::append(db, event("evt_1", "ssl.issued"));  // wh_1 takes domain.*
                return core::Result<core::Ok>(core::Ok{});
              }).ok());
  EXPECT_EQ(calls_after_sync(), 0);
}

TEST_F(OutboxListenerTest, IsNotCalledForAWriteThatRolledBack) {
  auto failed = write([](Database& db) -> core::Result<core::Ok> {
    events::append(db, event("evt_1", "domain.registered"));
    return core::Error::conflict("nope", "Rolled back on purpose.");
  });
  EXPECT_FALSE(failed.ok());
  auto thrown = write([](Database& db) -> core::Result<core::Ok> {
    events::append(db, event("evt_2", "domain.registered"));
    throw StoreError("failed on purpose");
  });
  EXPECT_FALSE(thrown.ok());
  EXPECT_EQ(calls_after_sync(), 0);
  auto pending = store_->read_now<std::int64_t>([](Database& db) {
    return core::Result<std::int64_t>(webhook_deliveries::pending_count(db));
  });
  EXPECT_EQ(pending.value(), 0);

  // The flag of the rolled-back work is not left for the next commit to report.
  ASSERT_TRUE(write([](Database& db) {
                events::append(db, event("evt_3", "ssl.issued"));
                return core::Result<core::Ok>(core::Ok{});
              }).ok());
  EXPECT_EQ(calls_after_sync(), 0);
}

}  // namespace
}  // namespace portico::store
