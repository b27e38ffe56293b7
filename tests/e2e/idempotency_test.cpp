// Idempotency keys and supplier intents end to end: the gateway over HTTP in front of a
// simulated Hostraha account over HTTP, a real SQLite file, faults injected at the supplier.
// What the supplier did (registrations, charges) is read from the simulator itself.
#include <atomic>
#include <future>
#include <thread>

#include "portico/core/clock.hpp"

#include "e2e/domain_fixture.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kRegister =
    "/modules/addons/DomainsReseller/api/index.php/order/domains/register";
constexpr const char* kRenew = "/modules/addons/DomainsReseller/api/index.php/order/domains/renew";
constexpr const char* kInformation = "/modules/addons/DomainsReseller/api/index.php/domains/";

std::string data_string(const HttpReply& reply, const char* field) {
  const auto json = reply.json();
  if (!json.IsObject() || !json.HasMember("data") || !json["data"].IsObject()) return {};
  const auto& value = json["data"][field];
  return value.IsString() ? value.GetString() : "";
}

// The gateway (ManualClock shared with the simulator, which checks its hourly tokens against
// it) in front of one Hostraha account; calls time out after 500 ms.
class IdempotencyTest : public ::testing::Test {
 protected:
  explicit IdempotencyTest(const std::string& idempotency_yaml = "  settle_ms: 0\n")
      : clock_(std::make_shared<core::ManualClock>(core::TimePoint(
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())))) {
    simulator_ = std::make_unique<sim::hostraha::Simulator>(
        sim::hostraha::SimulatorOptions{.email = "primary@reseller.example",
                                        .api_key = "primary-key-0123456789",
                                        .clock = clock_.get(),
                                        .credit_minor = 1'000'000});
    server_ = std::make_unique<sim::Server>(sim::ServerOptions{.name = "primary"});
    simulator_->install(*server_);
    server_->start();
    keys_dir_.write("primary.key", "primary-key-0123456789");
    const std::string yaml =
        "jobs:\n  enabled: false\nidempotency:\n" + idempotency_yaml +
        "providers:\n  primary:\n    type: hostraha\n    endpoint: " + server_->base_url() +
        std::string(sim::hostraha::kDefaultBasePath) +
        "\n    username: primary@reseller.example\n    api_key_file: " +
        keys_dir_.file("primary.key") +
        "\n    timeout_ms: 500\nrouting:\n  domains:\n    \"*\": [primary]\n";
    gateway_ = std::make_unique<RunningGateway>("", yaml, "", clock_);
    partner_ = gateway_->create_partner("acme-hosting");
    key_ = gateway_->create_key(partner_);
    const HttpReply customer =
        post("/api/v1/customers", R"({"name":"Wanjiru Kamau","email":"wanjiru@example.co.ke"})");
    EXPECT_EQ(customer.status, 201) << customer.body;
    customer_ = data_string(customer, "id");
  }

  HttpReply post(const std::string& target, const std::string& body,
                 const std::string& idempotency_key = {}, const std::string& key = {}) {
    std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
    if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
    return gateway_->api("POST", target, key.empty() ? key_.secret : key, body, headers);
  }

  std::string registration(const std::string& name) const {
    return R"({"name":")" + name + R"(","customer_id":")" + customer_ +
           R"(","years":1,"nameservers":["ns1.hostco.net","ns2.hostco.net"],"contacts":)" +
           kContacts + "}";
  }

  std::size_t supplier_calls(const std::string& path) const {
    std::size_t calls = 0;
    for (const auto& request : server_->journal()) {
      if (request.path == path) ++calls;
    }
    return calls;
  }

  std::vector<std::string> column(const char* sql,
                                  const std::vector<std::string>& parameters = {}) {
    return query_texts(gateway_->database_path(), sql, parameters);
  }

  HttpReply reconcile() { return gateway_->admin("POST", "/admin/jobs/reconcile"); }

  std::shared_ptr<core::ManualClock> clock_;
  TempDir keys_dir_;
  std::unique_ptr<sim::hostraha::Simulator> simulator_;
  std::unique_ptr<sim::Server> server_;
  std::unique_ptr<RunningGateway> gateway_;
  std::string partner_;
  RunningGateway::Key key_;
  std::string customer_;
};

// Absence of a trace at the supplier is final only a minute after the call.
class SettlingIdempotencyTest : public IdempotencyTest {
 protected:
  SettlingIdempotencyTest() : IdempotencyTest("  settle_ms: 60000\n") {}
};

TEST_F(IdempotencyTest, ARetryGetsTheFirstAnswerAgain) {
  const std::string body = R"({"name":"Amina Otieno","email":"amina@example.co.ke"})";
  const HttpReply first = post("/api/v1/customers", body, "key-customer-1");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.header("idempotent-replayed"), "");
  const HttpReply again = post("/api/v1/customers", body, "key-customer-1");
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(again.body, first.body);  // the first request's id and request id, byte for byte
  EXPECT_EQ(again.header("content-type"), first.header("content-type"));
  EXPECT_NE(again.header("x-request-id"), first.header("x-request-id"));
  EXPECT_EQ(column("SELECT id FROM customers WHERE email = ?", {"amina@example.co.ke"}).size(), 1U);

  // Member order and spacing do not make another request.
  const HttpReply reordered =
      post("/api/v1/customers", R"({ "email" : "amina@example.co.ke", "name":"Amina Otieno" })",
           "key-customer-1");
  EXPECT_EQ(reordered.status, 201);
  EXPECT_EQ(reordered.header("idempotent-replayed"), "true");
}

TEST_F(IdempotencyTest, TheSameKeyOnAnotherRequestIsRefused) {
  ASSERT_EQ(post("/api/v1/customers", R"({"name":"A","email":"a@example.com"})", "key-2").status,
            201);
  const HttpReply other =
      post("/api/v1/customers", R"({"name":"B","email":"b@example.com"})", "key-2");
  expect_error(other, 422, "idempotency_error", "idempotency_key_reused", "Idempotency-Key");
  EXPECT_NE(other.body.find("POST /api/v1/customers"), std::string::npos) << other.body;
  // Another endpoint with the same key is another request too.
  expect_error(post("/api/v1/domains", registration("amina-shop.com"), "key-2"), 422,
               "idempotency_error", "idempotency_key_reused", "Idempotency-Key");
  EXPECT_EQ(supplier_calls(kRegister), 0U);
  EXPECT_EQ(column("SELECT id FROM customers WHERE email = ?", {"b@example.com"}).size(), 0U);
}

TEST_F(IdempotencyTest, KeysBelongToOnePartner) {
  const std::string other_partner = gateway_->create_partner("other-hosting");
  const RunningGateway::Key other_key = gateway_->create_key(other_partner);
  const std::string body = R"({"name":"A","email":"a@example.com"})";
  const HttpReply mine = post("/api/v1/customers", body, "shared-key");
  const HttpReply theirs = post("/api/v1/customers", body, "shared-key", other_key.secret);
  ASSERT_EQ(mine.status, 201);
  ASSERT_EQ(theirs.status, 201);
  EXPECT_EQ(theirs.header("idempotent-replayed"), "");
  EXPECT_NE(data_string(mine, "id"), data_string(theirs, "id"));
  // So does the mode: a test key of the same partner is a scope of its own.
  const RunningGateway::Key test_key = gateway_->create_key(partner_, false);
  const HttpReply test = post("/api/v1/customers", body, "shared-key", test_key.secret);
  ASSERT_EQ(test.status, 201);
  EXPECT_EQ(test.header("idempotent-replayed"), "");
}

TEST_F(IdempotencyTest, AMalformedKeyIsRefused) {
  const std::string body = R"({"name":"A","email":"a@example.com"})";
  expect_error(post("/api/v1/customers", body, std::string(256, 'k')), 400, "invalid_request_error",
               "invalid_idempotency_key", "Idempotency-Key");
  expect_error(post("/api/v1/customers", body, "caf\xc3\xa9"), 400, "invalid_request_error",
               "invalid_idempotency_key", "Idempotency-Key");
  EXPECT_EQ(post("/api/v1/customers", body, std::string(255, 'k')).status, 201);
  EXPECT_EQ(column("SELECT id FROM customers WHERE email = ?", {"a@example.com"}).size(), 1U);
}

TEST_F(IdempotencyTest, AnAnswerThatChangedNothingIsNotKept) {
  expect_error(post("/api/v1/customers", R"({"name":"A","email":"not an address"})", "key-3"), 400,
               "invalid_request_error", "invalid_email", "email");
  // The key is free again: the corrected request runs.
  const HttpReply fixed =
      post("/api/v1/customers", R"({"name":"A","email":"a@example.com"})", "key-3");
  ASSERT_EQ(fixed.status, 201) << fixed.body;
  EXPECT_EQ(fixed.header("idempotent-replayed"), "");
}

TEST_F(IdempotencyTest, AKeyOnAReadChangesNothing) {
  const HttpReply read = gateway_->api("GET", "/api/v1/customers", key_.secret, {},
                                       {{"Idempotency-Key", std::string(300, 'x')}});
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_TRUE(column("SELECT key FROM idempotency_keys").empty());
}

TEST_F(IdempotencyTest, KeysAreForgottenAfterTheRetention) {
  ASSERT_EQ(post("/api/v1/customers", R"({"name":"A","email":"a@example.com"})", "key-4").status,
            201);
  clock_->advance(24h - 1s);
  expect_error(post("/api/v1/customers", R"({"name":"B","email":"b@example.com"})", "key-4"), 422,
               "idempotency_error", "idempotency_key_reused", "Idempotency-Key");
  clock_->advance(2s);
  const HttpReply reused =
      post("/api/v1/customers", R"({"name":"B","email":"b@example.com"})", "key-4");
  EXPECT_EQ(reused.status, 201) << reused.body;
  EXPECT_EQ(reused.header("idempotent-replayed"), "");
  // The reconciler's pruning deletes kept answers past the retention.
  clock_->advance(24h + 1s);
  ASSERT_EQ(reconcile().status, 200);
  EXPECT_TRUE(column("SELECT key FROM idempotency_keys").empty());
}

TEST_F(IdempotencyTest, FiftyConcurrentDuplicatesReachTheSupplierOnce) {
  // The supplier takes its time, so every duplicate arrives while the first is in flight.
  server_->inject({.kind = sim::FaultKind::latency,
                   .path_prefix = kRegister,
                   .count = 1,
                   .delay = 300ms,
                   .after_handler = true});
  const std::string body = registration("fifty-at-once.com");
  std::atomic<bool> go{false};
  std::vector<std::future<HttpReply>> replies;
  for (int i = 0; i < 50; ++i) {
    replies.push_back(std::async(std::launch::async, [&] {
      while (!go.load())
        std::this_thread::yield();
      return post("/api/v1/domains", body, "register-fifty");
    }));
  }
  go = true;
  int created = 0;
  int in_progress = 0;
  int replayed = 0;
  std::string id;
  for (auto& reply : replies) {
    const HttpReply answer = reply.get();
    if (answer.status == 201 && answer.header("idempotent-replayed").empty()) {
      ++created;
      id = data_string(answer, "id");
    } else if (answer.status == 201) {
      ++replayed;
    } else {
      expect_error(answer, 409, "idempotency_error", "idempotency_key_in_use", "Idempotency-Key");
      EXPECT_EQ(answer.header("retry-after"), "1");
      ++in_progress;
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(created + in_progress + replayed, 50);
  EXPECT_GT(in_progress, 0);
  EXPECT_EQ(supplier_calls(kRegister), 1U);
  EXPECT_EQ(simulator_->charges(), 1U);
  EXPECT_EQ(column("SELECT id FROM orders WHERE object_id = ?", {id}).size(), 1U);
  const HttpReply after = post("/api/v1/domains", body, "register-fifty");
  EXPECT_EQ(after.header("idempotent-replayed"), "true");
  EXPECT_EQ(data_string(after, "id"), id);
}

// The supplier registered the name, then the answer was lost: the gateway asks the supplier
// before it answers, records the domain and answers 201 as if nothing had gone wrong.
TEST_F(IdempotencyTest, ARegistrationWhoseAnswerTimedOutIsFoundAtTheSupplier) {
  server_->inject(
      {.kind = sim::FaultKind::timeout, .path_prefix = kRegister, .after_handler = true});
  const HttpReply reply = post("/api/v1/domains", registration("lost-answer.com"), "key-lost");
  ASSERT_EQ(reply.status, 201) << reply.body;
  const std::string id = data_string(reply, "id");
  EXPECT_EQ(data_string(reply, "name"), "lost-answer.com");
  EXPECT_EQ(data_string(reply, "status"), "active");
  EXPECT_EQ(simulator_->charges(), 1U);
  EXPECT_EQ(column("SELECT type FROM events WHERE object_id = ?", {id}),
            std::vector<std::string>{"domain.registered"});
  EXPECT_EQ(column("SELECT action FROM orders WHERE object_id = ?", {id}),
            std::vector<std::string>{"domain.register"});
  EXPECT_EQ(column("SELECT state FROM supplier_intents WHERE object_id = ?", {id}),
            std::vector<std::string>{"done"});
  // A retry is a replay; the supplier is not asked to register again.
  const HttpReply retry = post("/api/v1/domains", registration("lost-answer.com"), "key-lost");
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(data_string(retry, "id"), id);
  EXPECT_EQ(supplier_calls(kRegister), 1U);
  EXPECT_EQ(simulator_->charges(), 1U);
}

TEST_F(IdempotencyTest, ARegistrationWhoseConnectionWasResetIsFoundAtTheSupplier) {
  server_->inject({.kind = sim::FaultKind::reset, .path_prefix = kRegister, .after_handler = true});
  const HttpReply reply = post("/api/v1/domains", registration("reset-answer.com"));
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(simulator_->charges(), 1U);
  EXPECT_EQ(supplier_calls(kRegister), 1U);
  EXPECT_EQ(column("SELECT id FROM objects WHERE name = ?", {"reset-answer.com"}).size(), 1U);
}

TEST_F(IdempotencyTest, ARegistrationTheSupplierNeverSawFailsAndMayBeRetried) {
  server_->inject({.kind = sim::FaultKind::timeout, .path_prefix = kRegister});
  const auto started = std::chrono::steady_clock::now();
  const HttpReply reply = post("/api/v1/domains", registration("never-seen.com"), "key-never");
  // The call's deadline, then one quick look at the supplier: well under the client's patience.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  expect_error(reply, 504, "upstream_error", "upstream_timeout");
  EXPECT_EQ(simulator_->charges(), 0U);
  EXPECT_TRUE(column("SELECT id FROM objects WHERE name = ?", {"never-seen.com"}).empty());
  EXPECT_EQ(column("SELECT state FROM supplier_intents"), std::vector<std::string>{"failed"});
  const HttpReply retry = post("/api/v1/domains", registration("never-seen.com"), "key-never");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.header("idempotent-replayed"), "");
  EXPECT_EQ(simulator_->charges(), 1U);
}

TEST_F(SettlingIdempotencyTest, NoTraceAtTheSupplierIsFinalOnlyAfterTheSettleTime) {
  server_->inject({.kind = sim::FaultKind::timeout, .path_prefix = kRegister});
  const HttpReply reply = post("/api/v1/domains", registration("slow-supplier.com"), "key-slow");
  expect_error(reply, 504, "upstream_error", "upstream_outcome_unknown");
  // The key waits for the supplier: a retry does not order again.
  const HttpReply retry = post("/api/v1/domains", registration("slow-supplier.com"), "key-slow");
  expect_error(retry, 409, "idempotency_error", "idempotency_outcome_pending", "Idempotency-Key");
  EXPECT_FALSE(retry.header("retry-after").empty());
  // Nor does the same order without the key.
  expect_error(post("/api/v1/domains", registration("slow-supplier.com")), 409,
               "invalid_request_error", "domain_operation_pending", "name");
  EXPECT_EQ(supplier_calls(kRegister), 1U);

  clock_->advance(61s);
  const HttpReply settled = post("/api/v1/domains", registration("slow-supplier.com"), "key-slow");
  ASSERT_EQ(settled.status, 201) << settled.body;
  EXPECT_EQ(settled.header("idempotent-replayed"), "");
  EXPECT_EQ(supplier_calls(kRegister), 2U);
  EXPECT_EQ(simulator_->charges(), 1U);
}

TEST_F(SettlingIdempotencyTest, TheReconcilerRecordsWhatTheSupplierDidOnceItCanTell) {
  // The registration happens but its answer is lost, and the supplier cannot be read either.
  server_->inject(
      {.kind = sim::FaultKind::timeout, .path_prefix = kRegister, .after_handler = true});
  server_->inject(
      {.kind = sim::FaultKind::status, .path_prefix = kInformation, .count = -1, .status = 500});
  const HttpReply reply = post("/api/v1/domains", registration("told-later.com"), "key-later");
  expect_error(reply, 504, "upstream_error", "upstream_outcome_unknown");
  expect_error(post("/api/v1/domains", registration("told-later.com"), "key-later"), 409,
               "idempotency_error", "idempotency_outcome_pending", "Idempotency-Key");
  EXPECT_TRUE(column("SELECT id FROM objects WHERE name = ?", {"told-later.com"}).empty());
  const HttpReply pending = gateway_->admin("GET", "/admin/intents");
  ASSERT_EQ(pending.status, 200) << pending.body;
  const auto listed = pending.json();
  ASSERT_EQ(listed["data"].Size(), 1U);
  EXPECT_STREQ(listed["data"][0]["operation"].GetString(), "domain.register");
  EXPECT_STREQ(listed["data"][0]["state"].GetString(), "unknown");
  // The health endpoint and the metrics tell the same.
  const auto health = gateway_->admin("GET", "/admin/health").json();
  EXPECT_EQ(health["data"]["supplier_intents"]["unresolved"].GetInt(), 1);
  EXPECT_STREQ(health["data"]["warnings"][0]["code"].GetString(), "intents_unresolved");
  EXPECT_NE(
      gateway_->admin("GET", "/admin/metrics").body.find("portico_supplier_intents_unresolved 1\n"),
      std::string::npos);

  server_->clear_faults();
  clock_->advance(5min);
  const HttpReply job = reconcile();
  ASSERT_EQ(job.status, 200) << job.body;
  EXPECT_EQ(job.json()["data"]["changed"].GetInt(), 1);
  const auto ids = column("SELECT id FROM objects WHERE name = ?", {"told-later.com"});
  ASSERT_EQ(ids.size(), 1U);
  EXPECT_EQ(column("SELECT type FROM events WHERE object_id = ?", {ids.front()}),
            std::vector<std::string>{"domain.registered"});
  // The key got the answer the first request would have had.
  const HttpReply retry = post("/api/v1/domains", registration("told-later.com"), "key-later");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(data_string(retry, "id"), ids.front());
  EXPECT_EQ(supplier_calls(kRegister), 1U);
  EXPECT_EQ(simulator_->charges(), 1U);
  EXPECT_EQ(gateway_->admin("GET", "/admin/intents").json()["data"].Size(), 0U);
  EXPECT_EQ(gateway_->admin("GET", "/admin/health")
                .json()["data"]["supplier_intents"]["unresolved"]
                .GetInt(),
            0);
}

TEST_F(SettlingIdempotencyTest, ARetryAsksTheSupplierBeforeAnythingElse) {
  server_->inject(
      {.kind = sim::FaultKind::timeout, .path_prefix = kRegister, .after_handler = true});
  server_->inject(
      {.kind = sim::FaultKind::status, .path_prefix = kInformation, .count = -1, .status = 500});
  expect_error(post("/api/v1/domains", registration("retry-asks.com"), "key-asks"), 504,
               "upstream_error", "upstream_outcome_unknown");
  server_->clear_faults();
  // No reconciler pass: the retry itself learns the outcome.
  const HttpReply retry = post("/api/v1/domains", registration("retry-asks.com"), "key-asks");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(supplier_calls(kRegister), 1U);
  EXPECT_EQ(simulator_->charges(), 1U);
}

// The audit entries of a request, once `count` have been written (they are written off the
// request's path, a moment after each call).
rapidjson::Document audit_of(RunningGateway& gateway, const std::string& request_id,
                             std::size_t count) {
  rapidjson::Document entries;
  for (int i = 0; i < 100; ++i) {
    entries = gateway.admin("GET", "/admin/audit?request_id=" + request_id).json();
    if (entries.IsObject() && entries["data"].Size() >= count) break;
    std::this_thread::sleep_for(20ms);
  }
  return entries;
}

TEST_F(SettlingIdempotencyTest, EverySupplierCallIsOnItsRequestsAuditTrail) {
  server_->inject(
      {.kind = sim::FaultKind::timeout, .path_prefix = kRegister, .after_handler = true});
  server_->inject({.kind = sim::FaultKind::status,
                   .path_prefix = std::string(kInformation) + "audited.com/",
                   .count = -1,
                   .status = 500});
  const HttpReply reply = post("/api/v1/domains", registration("audited.com"));
  expect_error(reply, 504, "upstream_error", "upstream_outcome_unknown");
  const std::string request_id = reply.header("x-request-id");
  // The registration that timed out, then the looks at the supplier right after, which failed.
  auto entries = audit_of(*gateway_, request_id, 2);
  const auto& data = entries["data"];
  ASSERT_GE(data.Size(), 2U) << request_id;
  EXPECT_STREQ(data[0]["actor"].GetString(), "supplier:primary");
  EXPECT_NE(std::string(data[0]["target"].GetString()).find("order/domains/register"),
            std::string::npos);
  EXPECT_STREQ(data[0]["detail"]["error"].GetString(), "upstream_timeout");
  EXPECT_NE(std::string(data[1]["target"].GetString()).find("/domains/audited.com/"),
            std::string::npos);
  EXPECT_EQ(data[1]["detail"]["status"].GetInt(), 500);
  const rapidjson::SizeType during_request = data.Size();
  // The reconciler asks later, in the same request's name, and the supplier answers.
  server_->clear_faults();
  clock_->advance(5min);
  ASSERT_EQ(reconcile().json()["data"]["changed"].GetInt(), 1);
  entries = audit_of(*gateway_, request_id, during_request + 1);
  ASSERT_GT(entries["data"].Size(), during_request);
  EXPECT_EQ(entries["data"][during_request]["detail"]["status"].GetInt(), 200);
  // Nothing of the API key reaches the trail.
  const std::string text = gateway_->admin("GET", "/admin/audit?request_id=" + request_id).body;
  EXPECT_EQ(text.find("primary-key-0123456789"), std::string::npos);
  expect_error(gateway_->admin("GET", "/admin/audit"), 400, "invalid_request_error",
               "parameter_missing", "request_id");
}

TEST_F(IdempotencyTest, RequestsOnOneConnectionEachKeepTheirOwnAuditTrail) {
  // A keep-alive connection's requests share its scope in turn: each supplier call must be on
  // the trail of the request that made it, never of the one before or after.
  HttpConnection connection(gateway_->api_port());
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Authorization", "Bearer " + key_.secret}, {"Content-Type", "application/json"}};
  std::vector<std::string> request_ids;
  for (const char* name : {"first-on-line.com", "second-on-line.com"}) {
    const HttpReply reply =
        connection.request("POST", "/api/v1/domains", headers, registration(name));
    ASSERT_EQ(reply.status, 201) << reply.body;
    request_ids.push_back(reply.header("x-request-id"));
  }
  ASSERT_NE(request_ids[0], request_ids[1]);
  const std::vector<std::string> names = {"first-on-line.com", "second-on-line.com"};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto entries = audit_of(*gateway_, request_ids[i], 1);
    const auto& data = entries["data"];
    ASSERT_GE(data.Size(), 1U) << request_ids[i];
    bool registered = false;
    for (const auto& entry : data.GetArray()) {
      const std::string detail = core::json::to_string(entry["detail"]);
      registered = registered || detail.find(names[i]) != std::string::npos;
      EXPECT_EQ(detail.find(names[1 - i]), std::string::npos) << request_ids[i] << detail;
    }
    EXPECT_TRUE(registered) << request_ids[i];
  }
}

TEST_F(IdempotencyTest, ARenewalWhoseAnswerTimedOutIsFoundAtTheSupplier) {
  const HttpReply registered = post("/api/v1/domains", registration("renew-lost.com"));
  ASSERT_EQ(registered.status, 201) << registered.body;
  const std::string id = data_string(registered, "id");
  const std::string expiry = data_string(registered, "expires_at");
  server_->inject({.kind = sim::FaultKind::timeout, .path_prefix = kRenew, .after_handler = true});
  const HttpReply renewed = post("/api/v1/domains/" + id + "/renew", R"({"years":2})", "key-renew");
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  EXPECT_GT(data_string(renewed, "expires_at"), expiry);
  EXPECT_EQ(simulator_->charges(), 2U);
  EXPECT_EQ(column("SELECT action FROM orders WHERE object_id = ? ORDER BY seq", {id}),
            (std::vector<std::string>{"domain.register", "domain.renew"}));
  const HttpReply retry = post("/api/v1/domains/" + id + "/renew", R"({"years":2})", "key-renew");
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(supplier_calls(kRenew), 1U);
  EXPECT_EQ(simulator_->charges(), 2U);
}

TEST_F(SettlingIdempotencyTest, ARenewalInDoubtBlocksAnotherUntilTheSupplierAnswers) {
  const HttpReply registered = post("/api/v1/domains", registration("renew-doubt.com"));
  ASSERT_EQ(registered.status, 201) << registered.body;
  const std::string id = data_string(registered, "id");
  // The supplier renews only after the gateway gave up waiting: right after, no trace yet.
  server_->inject({.kind = sim::FaultKind::latency, .path_prefix = kRenew, .delay = 1500ms});
  expect_error(post("/api/v1/domains/" + id + "/renew", R"({"years":1})", "renew-a"), 504,
               "upstream_error", "upstream_outcome_unknown");
  // Another renewal, with another key or none, would move the expiry the first is recognized by.
  expect_error(post("/api/v1/domains/" + id + "/renew", R"({"years":1})", "renew-b"), 409,
               "invalid_request_error", "renewal_pending");
  expect_error(post("/api/v1/domains/" + id + "/renew", R"({"years":1})"), 409,
               "invalid_request_error", "renewal_pending");
  EXPECT_EQ(supplier_calls(kRenew), 1U);
  for (int i = 0; i < 100 && simulator_->charges() < 2; ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(simulator_->charges(), 2U);

  clock_->advance(5min);
  ASSERT_EQ(reconcile().json()["data"]["changed"].GetInt(), 1);
  EXPECT_EQ(column("SELECT action FROM orders WHERE object_id = ? ORDER BY seq", {id}),
            (std::vector<std::string>{"domain.register", "domain.renew"}));
  const HttpReply replayed = post("/api/v1/domains/" + id + "/renew", R"({"years":1})", "renew-a");
  EXPECT_EQ(replayed.status, 200) << replayed.body;
  EXPECT_EQ(replayed.header("idempotent-replayed"), "true");
  // Once known, the next renewal is an ordinary one.
  EXPECT_EQ(post("/api/v1/domains/" + id + "/renew", R"({"years":1})", "renew-c").status, 200);
  EXPECT_EQ(simulator_->charges(), 3U);
}

TEST_F(IdempotencyTest, AServerErrorAfterTheSupplierActedIsLookedUpNotTakenAsARefusal) {
  // WHMCS registered the name, then the page failed: a 503 whose body reads like a refusal.
  server_->inject({.kind = sim::FaultKind::status,
                   .path_prefix = kRegister,
                   .status = 503,
                   .after_handler = true});
  const HttpReply reply = post("/api/v1/domains", registration("acted-then-failed.com"), "k-503");
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(simulator_->charges(), 1U);
  EXPECT_EQ(column("SELECT id FROM objects WHERE kind = 'domain'").size(), 1U);
}

TEST_F(IdempotencyTest, ASupplierPacingTheResellerIsRateLimitedAndNothingIsOrdered) {
  server_->inject(
      {.kind = sim::FaultKind::rate_limit, .path_prefix = kRegister, .retry_after_seconds = 7});
  const HttpReply reply = post("/api/v1/domains", registration("paced.com"), "k-429");
  expect_error(reply, 503, "upstream_error", "upstream_rate_limited");
  EXPECT_EQ(reply.header("retry-after"), "7");
  EXPECT_EQ(simulator_->charges(), 0U);
  // The error was not a final answer: the same key may try again, and it goes through.
  const HttpReply again = post("/api/v1/domains", registration("paced.com"), "k-429");
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(supplier_calls(kRegister), 2U);
  EXPECT_EQ(simulator_->charges(), 1U);
}

}  // namespace
}  // namespace portico::testing
