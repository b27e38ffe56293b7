// Webhook deliveries end to end: the gateway over HTTP with a real SQLite file, and receivers on
// loopback: the seed's own Node, Python and PHP verifiers (tests/e2e/receivers/) run as
// partners run them, and a programmable receiver in process for the retry ladder. Tests that
// move time give the gateway a ManualClock and drive passes with POST
// /admin/jobs/webhook-dispatch; the dispatcher's own loop still runs, so every assertion
// waits for a state rather than for a pass.
#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/json.hpp"
#include "portico/core/webhook.hpp"

#include "e2e/gateway_fixture.hpp"
#include "e2e/webhook_receivers.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;
using core::webhook::kMaxAttempts;
using core::webhook::kRetrySchedule;

constexpr const char* kCustomers = R"(["customer.*"])";
// Where an endpoint points until its verifier is up: the verifier needs the endpoint's secret,
// the endpoint the verifier's port. Nothing is sent there (no event matches before the PATCH).
constexpr const char* kParkedUrl = "http://127.0.0.1:9/parked";
// A well-formed secret that is not the endpoint's.
const std::string kWrongSecret = "whsec_" + std::string(32, 'W');

std::string webhooks_yaml(bool allow_private_targets, int poll_interval_ms) {
  return std::string("webhooks:\n  allow_private_targets: ") +
         (allow_private_targets ? "true" : "false") +
         "\n  allow_http: true\n  header_brand: GigaGlobe\n  poll_interval_ms: " +
         std::to_string(poll_interval_ms) + "\n";
}

// ---- reading the API's JSON ----------------------------------------------------------------

const rapidjson::Value& field(const rapidjson::Value& object, const char* name) {
  static const rapidjson::Value absent;
  if (!object.IsObject() || !object.HasMember(name)) return absent;
  return object[name];
}

std::string string_at(const rapidjson::Value& object, const char* name) {
  const auto& value = field(object, name);
  return value.IsString() ? value.GetString() : std::string();
}

std::optional<std::int64_t> int_at(const rapidjson::Value& object, const char* name) {
  const auto& value = field(object, name);
  if (!value.IsInt64()) return std::nullopt;
  return value.GetInt64();
}

// An RFC 3339 time as unix seconds; nothing when null or absent.
std::optional<std::int64_t> time_at(const rapidjson::Value& object, const char* name) {
  const auto parsed = core::parse_rfc3339(string_at(object, name));
  if (!parsed) return std::nullopt;
  return core::unix_seconds(*parsed);
}

std::int64_t real_now() {
  return core::unix_seconds(std::chrono::system_clock::now());
}

// A Retry-After HTTP-date (RFC 9110 5.6.7).
std::string http_date(std::int64_t unix_seconds) {
  const std::time_t at = unix_seconds;
  std::tm parts{};
  gmtime_r(&at, &parts);
  char text[64];
  const std::size_t length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return {text, length};
}

struct Attempt {
  std::int64_t number = 0;
  std::optional<std::int64_t> at;
  std::optional<std::int64_t> status_code;
  std::string error;
};

struct Delivery {
  std::string id;
  std::string endpoint_id;
  std::string event_id;
  std::string event_type;
  std::string status;
  std::int64_t attempts = -1;
  std::optional<std::int64_t> next_attempt_at;
  std::optional<std::int64_t> last_status_code;
  std::string last_error;
  std::optional<std::int64_t> last_attempt_at;
  std::vector<Attempt> history;
};

Delivery delivery_from(const rapidjson::Value& object) {
  Delivery delivery{.id = string_at(object, "id"),
                    .endpoint_id = string_at(object, "endpoint_id"),
                    .event_id = string_at(object, "event_id"),
                    .event_type = string_at(object, "event_type"),
                    .status = string_at(object, "status"),
                    .attempts = int_at(object, "attempts").value_or(-1),
                    .next_attempt_at = time_at(object, "next_attempt_at"),
                    .last_status_code = int_at(object, "last_status_code"),
                    .last_error = string_at(object, "last_error"),
                    .last_attempt_at = time_at(object, "last_attempt_at"),
                    .history = {}};
  const auto& history = field(object, "attempt_history");
  if (history.IsArray()) {
    for (const auto& row : history.GetArray()) {
      delivery.history.push_back({.number = int_at(row, "number").value_or(-1),
                                  .at = time_at(row, "at"),
                                  .status_code = int_at(row, "status_code"),
                                  .error = string_at(row, "error")});
    }
  }
  return delivery;
}

std::string describe(const std::vector<Delivery>& deliveries) {
  std::ostringstream out;
  for (const Delivery& d : deliveries) {
    out << "\n  " << d.id << " " << d.event_type << " status=" << d.status
        << " attempts=" << d.attempts << " last_status_code="
        << (d.last_status_code ? std::to_string(*d.last_status_code) : "null")
        << " last_error=" << d.last_error;
  }
  return deliveries.empty() ? std::string(" (none)") : out.str();
}

// "t=<unix>,v1=<hex>[,v1=<hex>...]"
struct Signature {
  std::int64_t t = -1;
  std::vector<std::string> v1;
};

Signature parse_signature(const std::string& header) {
  Signature signature;
  std::stringstream parts(header);
  std::string part;
  while (std::getline(parts, part, ',')) {
    if (part.rfind("t=", 0) == 0) signature.t = std::stoll(part.substr(2));
    if (part.rfind("v1=", 0) == 0) signature.v1.push_back(part.substr(3));
  }
  return signature;
}

// The requests about `event_type` (their X-GigaGlobe-Event).
std::vector<ReceivedRequest> about(const std::vector<ReceivedRequest>& requests,
                                   const std::string& event_type) {
  std::vector<ReceivedRequest> found;
  for (const ReceivedRequest& request : requests) {
    if (request.header("x-gigaglobe-event") == event_type) found.push_back(request);
  }
  return found;
}

// ---- the fixture ---------------------------------------------------------------------------

class WebhookDelivery : public ::testing::Test {
 protected:
  struct Endpoint {
    std::string id;
    std::string secret;
  };
  struct EndpointState {
    std::string status;
    std::string disabled_reason;
    std::int64_t consecutive_failures = -1;
    std::optional<std::int64_t> previous_secret_expires_at;
    std::optional<std::int64_t> last_success_at;
  };
  struct DispatchReport {
    std::int64_t claimed = -1;
    std::int64_t succeeded = -1;
    std::int64_t failed = -1;
  };
  // A seed verifier serving one endpoint.
  struct Attached {
    Endpoint endpoint;
    std::unique_ptr<VerifierReceiver> receiver;
  };

  // A clock that moves only when told, at a whole second `offset` from real time.
  static std::shared_ptr<core::ManualClock> frozen_clock(std::chrono::seconds offset = 0s) {
    return std::make_shared<core::ManualClock>(
        core::from_unix_seconds(real_now() + offset.count()));
  }

  // The gateway; `clock` null = real time. A long poll interval keeps the loop out of the way
  // of tests that drive passes themselves.
  void start(const std::shared_ptr<core::ManualClock>& clock = nullptr,
             bool allow_private_targets = true, const std::string& database_dir = "",
             int poll_interval_ms = 50) {
    clock_ = clock;
    gateway_ = std::make_unique<RunningGateway>(
        "", webhooks_yaml(allow_private_targets, poll_interval_ms), database_dir, clock);
  }

  void open_partner() {
    const std::string partner = gateway_->create_partner("Acme Webhooks");
    key_ = gateway_->create_key(partner).secret;
  }

  HttpReply api(const std::string& method, const std::string& target,
                const std::string& body = {}) {
    return gateway_->api(method, target, key_, body);
  }

  Endpoint create_endpoint(const std::string& url, const std::string& events) {
    const HttpReply reply =
        api("POST", "/api/v1/webhooks", R"({"url":")" + url + R"(","events":)" + events + "}");
    EXPECT_EQ(reply.status, 201) << reply.body;
    const auto json = reply.json();
    Endpoint endpoint{string_at(field(json, "data"), "id"),
                      string_at(field(json, "data"), "secret")};
    EXPECT_EQ(endpoint.id.rfind("wh_", 0), 0U) << reply.body;
    EXPECT_TRUE(core::webhook::is_secret(endpoint.secret)) << reply.body;
    return endpoint;
  }

  void patch(const std::string& endpoint_id, const std::string& body) {
    const HttpReply reply = api("PATCH", "/api/v1/webhooks/" + endpoint_id, body);
    EXPECT_EQ(reply.status, 200) << reply.body;
  }

  // An endpoint served by the seed's `verifier`, which checks with `receiver_secret` (the
  // endpoint's own secret unless given).
  Attached attach(Verifier verifier, const std::string& events = kCustomers,
                  const std::optional<std::string>& receiver_secret = std::nullopt) {
    Attached attached{create_endpoint(kParkedUrl, events), nullptr};
    attached.receiver =
        start_verifier(verifier, receiver_secret.value_or(attached.endpoint.secret));
    patch(attached.endpoint.id, R"({"url":")" + attached.receiver->url() + R"("})");
    return attached;
  }

  std::unique_ptr<VerifierReceiver> start_verifier(Verifier verifier, const std::string& secret) {
    const std::string log = logs_.file(std::string(verifier_name(verifier)) + "-" +
                                       std::to_string(++receivers_started_) + ".log");
    return std::make_unique<VerifierReceiver>(verifier, secret, log);
  }

  // POST /rotate-secret: the new secret and until when the old one still signs.
  std::pair<std::string, std::optional<std::int64_t>> rotate(const std::string& endpoint_id,
                                                             int expires_in) {
    const HttpReply reply = api("POST", "/api/v1/webhooks/" + endpoint_id + "/rotate-secret",
                                R"({"expires_in":)" + std::to_string(expires_in) + "}");
    EXPECT_EQ(reply.status, 200) << reply.body;
    const auto json = reply.json();
    return {string_at(field(json, "data"), "secret"),
            time_at(field(json, "data"), "previous_secret_expires_at")};
  }

  EndpointState endpoint_state(const std::string& endpoint_id) {
    const HttpReply reply = api("GET", "/api/v1/webhooks/" + endpoint_id);
    EXPECT_EQ(reply.status, 200) << reply.body;
    const auto json = reply.json();
    const auto& data = field(json, "data");
    return {.status = string_at(data, "status"),
            .disabled_reason = string_at(data, "disabled_reason"),
            .consecutive_failures = int_at(data, "consecutive_failures").value_or(-1),
            .previous_secret_expires_at = time_at(data, "previous_secret_expires_at"),
            .last_success_at = time_at(data, "last_success_at")};
  }

  // Every delivery of the endpoint, all pages.
  std::vector<Delivery> deliveries(const std::string& endpoint_id) {
    std::vector<Delivery> all;
    std::string after;
    for (;;) {
      const HttpReply reply =
          api("GET", "/api/v1/webhooks/" + endpoint_id + "/deliveries?limit=100" +
                         (after.empty() ? "" : "&starting_after=" + after));
      EXPECT_EQ(reply.status, 200) << reply.body;
      const auto json = reply.json();
      const auto& data = field(json, "data");
      if (!data.IsArray()) return all;
      for (const auto& item : data.GetArray())
        all.push_back(delivery_from(item));
      const auto& more = field(json, "has_more");
      if (!more.IsBool() || !more.GetBool() || all.empty()) return all;
      after = all.back().id;
    }
  }

  // Waits until the endpoint's deliveries satisfy `done` (driving passes when `drive`);
  // returns the last ones read, a failure when they never did.
  template <typename Done>
  std::vector<Delivery> await_deliveries(const std::string& endpoint_id, Done done,
                                         const std::string& what, bool drive = false,
                                         std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::vector<Delivery> current = deliveries(endpoint_id);
      if (done(current)) return current;
      if (std::chrono::steady_clock::now() >= deadline) {
        ADD_FAILURE() << "timed out waiting for " << what << "; deliveries of " << endpoint_id
                      << ":" << describe(current);
        return current;
      }
      if (drive) dispatch();
      std::this_thread::sleep_for(20ms);
    }
  }

  // The endpoint's single delivery once `attempts` attempts are recorded.
  Delivery await_attempts(const std::string& endpoint_id, std::int64_t attempts,
                          bool drive = true) {
    const auto current = await_deliveries(
        endpoint_id,
        [attempts](const std::vector<Delivery>& all) {
          return all.size() == 1 && all[0].attempts >= attempts;
        },
        std::to_string(attempts) + " attempt(s)", drive);
    return current.size() == 1 ? current[0] : Delivery{};
  }

  template <typename Done>
  bool eventually(Done done, std::chrono::milliseconds timeout = 10s, bool drive = false) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (done()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      if (drive) dispatch();
      std::this_thread::sleep_for(20ms);
    }
  }

  // One pass now (POST /admin/jobs/webhook-dispatch).
  DispatchReport dispatch() {
    const HttpReply reply = gateway_->admin("POST", "/admin/jobs/webhook-dispatch");
    EXPECT_EQ(reply.status, 200) << reply.body;
    const auto json = reply.json();
    const auto& data = json.IsObject() && json.HasMember("data") ? json["data"] : json;
    return {int_at(data, "claimed").value_or(-1), int_at(data, "succeeded").value_or(-1),
            int_at(data, "failed").value_or(-1)};
  }

  std::string create_customer(const std::string& name) {
    const HttpReply reply = api("POST", "/api/v1/customers",
                                R"({"name":")" + name + R"(","email":"billing@example.com"})");
    EXPECT_EQ(reply.status, 201) << reply.body;
    return string_at(field(reply.json(), "data"), "id");
  }

  // The id of the event of `type` about `object_id`.
  std::string event_of(const std::string& object_id, const std::string& type) {
    const HttpReply reply = api("GET", "/api/v1/events?object_id=" + object_id + "&type=" + type);
    EXPECT_EQ(reply.status, 200) << reply.body;
    const auto json = reply.json();
    const auto& data = field(json, "data");
    EXPECT_TRUE(data.IsArray() && data.Size() == 1) << reply.body;
    if (!data.IsArray() || data.Empty()) return {};
    return string_at(data[0], "id");
  }

  std::int64_t now() const { return core::unix_seconds(clock_->now()); }
  void advance_to(std::int64_t unix_seconds) { clock_->set(core::from_unix_seconds(unix_seconds)); }

  TempDir logs_;
  int receivers_started_ = 0;
  std::shared_ptr<core::ManualClock> clock_;
  std::unique_ptr<RunningGateway> gateway_;
  std::string key_;
};

// ---- 1-2. the seed's verifiers accept every delivery, and reject what they should ----------

class WebhookDeliveryVerifier : public WebhookDelivery,
                                public ::testing::WithParamInterface<Verifier> {
 protected:
  void SetUp() override {
    if (!verifier_runtime(GetParam()).empty()) return;
    // scripts/setup installs php-cli; node and python3 are needed by the issue itself.
    if (GetParam() == Verifier::php) GTEST_SKIP() << "php is not installed";
    FAIL() << verifier_name(GetParam()) << " is not installed: the seed's verifier cannot run";
  }
};

TEST_P(WebhookDeliveryVerifier, AcceptsEveryDeliveryOfRealEvents) {
  start();
  open_partner();
  const Attached attached = attach(GetParam());
  const std::string& endpoint = attached.endpoint.id;

  std::set<std::string> expected_events;
  for (const char* name : {"Ada Lovelace", "Grace Hopper", "Katherine Johnson"})
    expected_events.insert(event_of(create_customer(name), "customer.created"));
  const HttpReply test = api("POST", "/api/v1/webhooks/" + endpoint + "/test");
  EXPECT_EQ(test.status, 202) << test.body;
  const std::string test_delivery = string_at(field(test.json(), "data"), "id");
  EXPECT_EQ(test_delivery.rfind("dlv_", 0), 0U) << test.body;

  const auto done = await_deliveries(
      endpoint,
      [](const std::vector<Delivery>& all) {
        return all.size() == 4 && std::all_of(all.begin(), all.end(), [](const Delivery& d) {
                 return d.status == "succeeded";
               });
      },
      "4 succeeded deliveries");
  ASSERT_EQ(done.size(), 4U) << describe(done) << "\nreceiver: " << attached.receiver->output();

  std::map<std::string, std::string> event_by_delivery;
  for (const Delivery& delivery : done) {
    SCOPED_TRACE(delivery.id);
    event_by_delivery[delivery.id] = delivery.event_id;
    EXPECT_EQ(delivery.attempts, 1);
    EXPECT_EQ(delivery.last_status_code, 200);
    EXPECT_FALSE(delivery.next_attempt_at);
    ASSERT_EQ(delivery.history.size(), 1U);
    EXPECT_EQ(delivery.history[0].status_code, 200);
    if (delivery.id == test_delivery) {
      EXPECT_EQ(delivery.event_type, "webhook_endpoint.test");
      expected_events.insert(delivery.event_id);
    } else {
      EXPECT_EQ(delivery.event_type, "customer.created");
    }
  }
  EXPECT_EQ(expected_events.size(), 4U);

  // The receiver saw each delivery once, with its own event in the body.
  const std::vector<AcceptedDelivery> accepted = attached.receiver->accepted();
  EXPECT_EQ(accepted.size(), 4U) << attached.receiver->output();
  std::set<std::string> seen_deliveries;
  std::set<std::string> seen_events;
  for (const AcceptedDelivery& line : accepted) {
    EXPECT_TRUE(seen_deliveries.insert(line.delivery_id).second) << "twice: " << line.delivery_id;
    ASSERT_TRUE(event_by_delivery.count(line.delivery_id)) << line.delivery_id;
    EXPECT_EQ(line.event_id, event_by_delivery[line.delivery_id]);
    seen_events.insert(line.event_id);
  }
  EXPECT_EQ(seen_events, expected_events);
}

TEST_P(WebhookDeliveryVerifier, RejectsAWrongSecret) {
  start();
  open_partner();
  const Attached attached = attach(GetParam(), kCustomers, kWrongSecret);
  create_customer("Ada Lovelace");

  const Delivery rejected = await_attempts(attached.endpoint.id, 1, false);
  EXPECT_EQ(rejected.last_status_code, 400) << attached.receiver->output();
  EXPECT_EQ(rejected.last_error, "http_400");
  EXPECT_EQ(rejected.status, "pending");
  ASSERT_TRUE(rejected.next_attempt_at);
  ASSERT_TRUE(rejected.last_attempt_at);
  EXPECT_GE(*rejected.next_attempt_at, *rejected.last_attempt_at + 30);
  EXPECT_LE(*rejected.next_attempt_at, *rejected.last_attempt_at + 34);
  EXPECT_TRUE(attached.receiver->accepted().empty());
  EXPECT_EQ(endpoint_state(attached.endpoint.id).consecutive_failures, 1);
}

// The gateway's clock runs 10 minutes behind: its signatures are right, their t is stale for
// receivers on real time. Once its clock is right, the retry of the same delivery is accepted:
// the timestamp was the only fault.
TEST_P(WebhookDeliveryVerifier, RejectsAStaleTimestamp) {
  start(frozen_clock(-600s));
  open_partner();
  const Attached attached = attach(GetParam());
  ProgrammableReceiver witness;
  const Endpoint witnessed = create_endpoint(witness.url(), kCustomers);
  create_customer("Ada Lovelace");

  const Delivery rejected = await_attempts(attached.endpoint.id, 1, true);
  EXPECT_EQ(rejected.last_status_code, 400) << attached.receiver->output();
  EXPECT_EQ(rejected.status, "pending");
  EXPECT_TRUE(rejected.next_attempt_at);
  EXPECT_TRUE(attached.receiver->accepted().empty());

  ASSERT_TRUE(witness.wait_for_requests(1, 5s));
  const ReceivedRequest request = witness.requests()[0];
  const std::string header = request.header("x-gigaglobe-signature");
  EXPECT_EQ(parse_signature(header).t, now());
  EXPECT_TRUE(core::webhook::verify_signature(header, request.body, witnessed.secret, now()));
  EXPECT_FALSE(core::webhook::verify_signature(header, request.body, witnessed.secret, real_now()));

  clock_->set(core::from_unix_seconds(real_now()));
  const auto retried = await_deliveries(
      attached.endpoint.id,
      [](const std::vector<Delivery>& all) {
        return all.size() == 1 && all[0].status == "succeeded";
      },
      "the retry accepted", true);
  ASSERT_EQ(retried.size(), 1U);
  EXPECT_EQ(retried[0].attempts, 2);
  const std::vector<AcceptedDelivery> accepted = attached.receiver->accepted();
  ASSERT_EQ(accepted.size(), 1U) << attached.receiver->output();
  EXPECT_EQ(accepted[0].delivery_id, rejected.id);
  EXPECT_EQ(accepted[0].event_id, rejected.event_id);
}

std::string verifier_test_name(const ::testing::TestParamInfo<Verifier>& info) {
  return verifier_name(info.param);
}

INSTANTIATE_TEST_SUITE_P(WebhookDeliveryBySeed, WebhookDeliveryVerifier,
                         ::testing::Values(Verifier::node, Verifier::python, Verifier::php),
                         verifier_test_name);

// ---- 3. the retry ladder -------------------------------------------------------------------

TEST_F(WebhookDelivery, WalksTheWholeRetryLadderThenAbandons) {
  start(frozen_clock(), true, "", 60000);
  open_partner();
  ProgrammableReceiver receiver;
  receiver.answer_by_default({.status = 500});
  const Endpoint endpoint = create_endpoint(receiver.url(), kCustomers);
  const std::int64_t created_at = now();
  create_customer("Ada Lovelace");

  for (int failed = 1; failed < kMaxAttempts; ++failed) {
    SCOPED_TRACE("after failed attempt " + std::to_string(failed));
    const Delivery delivery = await_attempts(endpoint.id, failed);
    ASSERT_EQ(delivery.attempts, failed);
    const std::int64_t failed_at = now();
    if (failed == 1) {
      EXPECT_EQ(failed_at, created_at);  // attempt 1 at once
    }
    EXPECT_EQ(delivery.status, "pending");
    EXPECT_EQ(delivery.last_status_code, 500);
    EXPECT_EQ(delivery.last_error, "http_500");
    ASSERT_EQ(delivery.history.size(), static_cast<std::size_t>(failed));
    EXPECT_EQ(delivery.history.back().number, failed);
    EXPECT_EQ(delivery.history.back().at, failed_at);

    const std::int64_t step = kRetrySchedule[static_cast<std::size_t>(failed)].count();
    ASSERT_TRUE(delivery.next_attempt_at);
    EXPECT_GE(*delivery.next_attempt_at, failed_at + step);
    EXPECT_LE(*delivery.next_attempt_at, failed_at + step + step / 10);

    // Just before the step nothing is due; at step * 1.1 it is, whatever the jitter.
    advance_to(failed_at + step - 1);
    EXPECT_EQ(dispatch().claimed, 0);
    EXPECT_EQ(receiver.request_count(), static_cast<std::size_t>(failed));
    advance_to(failed_at + step + step / 10 + 1);
    dispatch();
  }

  const Delivery abandoned = await_attempts(endpoint.id, kMaxAttempts);
  EXPECT_EQ(abandoned.status, "failed");
  EXPECT_FALSE(abandoned.next_attempt_at);
  EXPECT_EQ(abandoned.attempts, kMaxAttempts);
  ASSERT_EQ(abandoned.history.size(), static_cast<std::size_t>(kMaxAttempts));
  for (int i = 0; i < kMaxAttempts; ++i) {
    EXPECT_EQ(abandoned.history[static_cast<std::size_t>(i)].number, i + 1);
    EXPECT_EQ(abandoned.history[static_cast<std::size_t>(i)].status_code, 500);
  }
  EXPECT_EQ(abandoned.history.back().at, now());

  // Abandoned is final: two days later nothing is sent.
  advance_to(now() + 48LL * 3600);
  EXPECT_EQ(dispatch().claimed, 0);
  EXPECT_EQ(receiver.request_count(), static_cast<std::size_t>(kMaxAttempts));
  const EndpointState state = endpoint_state(endpoint.id);
  EXPECT_EQ(state.status, "enabled");
  EXPECT_EQ(state.consecutive_failures, kMaxAttempts);
}

TEST_F(WebhookDelivery, ALaterRetryAfterWinsOverTheLadder) {
  start(frozen_clock(), true, "", 60000);
  open_partner();
  ProgrammableReceiver receiver;
  const Endpoint endpoint = create_endpoint(receiver.url(), kCustomers);
  const std::int64_t start_at = now();
  // Attempt 1: 300 s instead of 30; attempt 2: an HTTP-date 1000 s on instead of 2 min.
  receiver.script({{.status = 503, .retry_after = "300"},
                   {.status = 429, .retry_after = http_date(start_at + 300 + 1000)},
                   {.status = 200}});
  create_customer("Ada Lovelace");

  const Delivery first = await_attempts(endpoint.id, 1);
  EXPECT_EQ(first.last_status_code, 503);
  EXPECT_EQ(first.next_attempt_at, start_at + 300);
  advance_to(start_at + 299);
  EXPECT_EQ(dispatch().claimed, 0);
  advance_to(start_at + 300);
  dispatch();

  const Delivery second = await_attempts(endpoint.id, 2);
  EXPECT_EQ(second.last_status_code, 429);
  EXPECT_EQ(second.next_attempt_at, start_at + 300 + 1000);
  advance_to(start_at + 300 + 999);
  EXPECT_EQ(dispatch().claimed, 0);
  advance_to(start_at + 300 + 1000);
  dispatch();

  const Delivery third = await_attempts(endpoint.id, 3);
  EXPECT_EQ(third.status, "succeeded");
  EXPECT_EQ(receiver.request_count(), 3U);
}

TEST_F(WebhookDelivery, ASuccessOnAttempt3SettlesTheDeliveryAndResetsTheEndpoint) {
  start(frozen_clock(), true, "", 60000);
  open_partner();
  ProgrammableReceiver receiver;
  receiver.script({{.status = 500}, {.status = 502}, {.status = 204}});
  const Endpoint endpoint = create_endpoint(receiver.url(), kCustomers);
  create_customer("Ada Lovelace");

  for (int failed = 1; failed <= 2; ++failed) {
    const Delivery delivery = await_attempts(endpoint.id, failed);
    EXPECT_EQ(delivery.status, "pending");
    EXPECT_EQ(endpoint_state(endpoint.id).consecutive_failures, failed);
    advance_to(now() + kRetrySchedule[static_cast<std::size_t>(failed)].count() * 11 / 10 + 1);
    dispatch();
  }
  const Delivery settled = await_attempts(endpoint.id, 3);
  EXPECT_EQ(settled.status, "succeeded");
  EXPECT_EQ(settled.last_status_code, 204);
  EXPECT_FALSE(settled.next_attempt_at);
  ASSERT_EQ(settled.history.size(), 3U);
  EXPECT_EQ(settled.history[0].status_code, 500);
  EXPECT_EQ(settled.history[1].status_code, 502);
  EXPECT_EQ(settled.history[2].status_code, 204);
  const EndpointState state = endpoint_state(endpoint.id);
  EXPECT_EQ(state.consecutive_failures, 0);
  EXPECT_EQ(state.last_success_at, now());
  EXPECT_EQ(state.status, "enabled");
}

// ---- 4-5. disabling --------------------------------------------------------------------------

TEST_F(WebhookDelivery, HundredConsecutiveFailuresDisableTheEndpointUntilReEnabled) {
  start(frozen_clock());  // frozen: no retry falls due, each delivery fails exactly once
  open_partner();
  ProgrammableReceiver failing;
  failing.answer_by_default({.status = 500});
  ProgrammableReceiver watcher;
  const Endpoint endpoint = create_endpoint(failing.url(), kCustomers);
  const Endpoint watching = create_endpoint(watcher.url(), R"(["webhook_endpoint.*"])");

  constexpr std::size_t kEvents = 100;
  for (std::size_t i = 0; i < kEvents; ++i)
    create_customer("Customer " + std::to_string(i));

  ASSERT_TRUE(eventually([&] { return endpoint_state(endpoint.id).status == "disabled"; }, 20s))
      << failing.request_count() << " requests received";
  const EndpointState disabled = endpoint_state(endpoint.id);
  EXPECT_EQ(disabled.disabled_reason, "consecutive_failures");
  EXPECT_EQ(disabled.consecutive_failures, static_cast<std::int64_t>(kEvents));
  const auto paused = await_deliveries(
      endpoint.id,
      [](const std::vector<Delivery>& all) {
        return all.size() == kEvents && std::all_of(all.begin(), all.end(), [](const Delivery& d) {
                 return d.status == "paused";
               });
      },
      "every delivery paused");
  for (const Delivery& delivery : paused) {
    EXPECT_EQ(delivery.attempts, 1) << delivery.id;
    EXPECT_FALSE(delivery.next_attempt_at) << delivery.id;
  }
  EXPECT_EQ(failing.request_count(), kEvents);

  // The disabling is an event of the partner, delivered to its other endpoint.
  const std::string disabled_event = event_of(endpoint.id, "webhook_endpoint.disabled");
  const HttpReply event = api("GET", "/api/v1/events/" + disabled_event);
  EXPECT_EQ(event.status, 200) << event.body;
  const auto event_json = event.json();
  const auto& object = field(field(field(event_json, "data"), "data"), "object");
  EXPECT_EQ(string_at(object, "id"), endpoint.id) << event.body;
  EXPECT_EQ(string_at(object, "status"), "disabled") << event.body;
  EXPECT_EQ(string_at(object, "disabled_reason"), "consecutive_failures") << event.body;

  ASSERT_TRUE(eventually([&] {
    return !about(watcher.requests(), "webhook_endpoint.disabled").empty();
  })) << "the other endpoint never got webhook_endpoint.disabled";
  const ReceivedRequest told = about(watcher.requests(), "webhook_endpoint.disabled")[0];
  EXPECT_EQ(told.header("x-gigaglobe-event-id"), disabled_event);
  EXPECT_EQ(string_at(rapidjson::Document().Parse(told.body.c_str()), "id"), disabled_event);
  EXPECT_TRUE(core::webhook::verify_signature(told.header("x-gigaglobe-signature"), told.body,
                                              watching.secret, now()));

  // Re-enabled: the paused deliveries resume at once and reach the (now healthy) receiver.
  failing.answer_by_default({.status = 200});
  patch(endpoint.id, R"({"status":"enabled"})");
  const EndpointState enabled = endpoint_state(endpoint.id);
  EXPECT_EQ(enabled.status, "enabled");
  EXPECT_EQ(enabled.consecutive_failures, 0);
  const auto delivered = await_deliveries(
      endpoint.id,
      [](const std::vector<Delivery>& all) {
        return all.size() == kEvents && std::all_of(all.begin(), all.end(), [](const Delivery& d) {
                 return d.status == "succeeded";
               });
      },
      "every delivery succeeded after re-enabling", true, 20s);
  std::map<std::string, int> sent;
  for (const ReceivedRequest& request : failing.requests())
    ++sent[request.header("x-gigaglobe-delivery")];
  EXPECT_EQ(sent.size(), kEvents);
  for (const auto& [id, times] : sent)
    EXPECT_EQ(times, 2) << id;  // once failed, once delivered
}

TEST_F(WebhookDelivery, A410DisablesTheEndpointAtOnce) {
  start(frozen_clock(), true, "", 60000);
  open_partner();
  ProgrammableReceiver receiver;
  receiver.answer_by_default({.status = 410});
  const Endpoint endpoint = create_endpoint(receiver.url(), kCustomers);
  create_customer("Ada Lovelace");

  const Delivery gone = await_attempts(endpoint.id, 1);
  EXPECT_EQ(gone.last_status_code, 410);
  EXPECT_EQ(gone.status, "paused");
  const EndpointState state = endpoint_state(endpoint.id);
  EXPECT_EQ(state.status, "disabled");
  EXPECT_EQ(state.disabled_reason, "gone");
  EXPECT_EQ(state.consecutive_failures, 1);
  EXPECT_FALSE(event_of(endpoint.id, "webhook_endpoint.disabled").empty());

  // Nothing more is queued or sent to it.
  create_customer("Grace Hopper");
  advance_to(now() + 2LL * 3600);
  EXPECT_EQ(dispatch().claimed, 0);
  EXPECT_EQ(deliveries(endpoint.id).size(), 1U);
  EXPECT_EQ(receiver.request_count(), 1U);
}

// ---- 6. rotation ----------------------------------------------------------------------------

// During the window every delivery carries the new secret's v1 then the old one's. The seed's
// Node snippet reads the LAST v1 (Object.fromEntries keeps the last "v1"), so it accepts with
// the OLD secret; PHP's regex reads the FIRST, so it accepts with the NEW one; Python's
// `t, v1 = [...]` cannot unpack three parts and raises (the receiver answers 500) whatever its
// secret: partners on that snippet reject deliveries during a rotation window. After the
// window one v1 again, and all three accept with the new secret.
TEST_F(WebhookDelivery, RotationSignsWithBothSecretsUntilTheWindowEnds) {
  const bool with_php = !verifier_runtime(Verifier::php).empty();
  start(frozen_clock());
  open_partner();
  ProgrammableReceiver witness;
  const Endpoint witnessed = create_endpoint(witness.url(), kCustomers);
  const std::int64_t rotated_at = now();
  const auto [witness_secret, expires_at] = rotate(witnessed.id, 60);
  EXPECT_TRUE(core::webhook::is_secret(witness_secret));
  EXPECT_NE(witness_secret, witnessed.secret);
  ASSERT_EQ(expires_at, rotated_at + 60);
  EXPECT_EQ(endpoint_state(witnessed.id).previous_secret_expires_at, rotated_at + 60);

  // An endpoint of each verifier, rotated the same way, its verifier checking with the old
  // secret (Node) or the new one (PHP, Python).
  struct Rotated {
    Attached attached;
    std::string new_secret;
  };
  const auto rotated = [this](Verifier verifier, bool checks_with_old_secret) {
    Rotated result{{create_endpoint(kParkedUrl, kCustomers), nullptr}, {}};
    const Endpoint& endpoint = result.attached.endpoint;
    result.new_secret = rotate(endpoint.id, 60).first;
    result.attached.receiver =
        start_verifier(verifier, checks_with_old_secret ? endpoint.secret : result.new_secret);
    patch(endpoint.id, R"({"url":")" + result.attached.receiver->url() + R"("})");
    return result;
  };
  Rotated node = rotated(Verifier::node, true);
  Rotated python = rotated(Verifier::python, false);
  std::optional<Rotated> php;
  if (with_php) php = rotated(Verifier::php, false);

  const std::string first_event = event_of(create_customer("Ada Lovelace"), "customer.created");
  ASSERT_TRUE(witness.wait_for_requests(1, 10s));
  {
    const ReceivedRequest request = witness.requests()[0];
    const std::string header = request.header("x-gigaglobe-signature");
    const Signature signature = parse_signature(header);
    ASSERT_EQ(signature.v1.size(), 2U) << header;
    // The current secret's first.
    EXPECT_EQ(header, core::webhook::signature_header(signature.t, request.body,
                                                      {witness_secret, witnessed.secret}));
    // A Stripe-style check (any v1 matches) passes with either secret.
    EXPECT_TRUE(core::webhook::verify_signature(header, request.body, witness_secret, now()));
    EXPECT_TRUE(core::webhook::verify_signature(header, request.body, witnessed.secret, now()));
    EXPECT_FALSE(core::webhook::verify_signature(header, request.body, kWrongSecret, now()));
  }
  VerifierReceiver& node_receiver = *node.attached.receiver;
  ASSERT_TRUE(node_receiver.wait_for_accepted(1, 10s)) << node_receiver.output();
  EXPECT_EQ(node_receiver.accepted()[0].event_id, first_event);
  if (php) {
    VerifierReceiver& php_receiver = *php->attached.receiver;
    ASSERT_TRUE(php_receiver.wait_for_accepted(1, 10s)) << php_receiver.output();
    EXPECT_EQ(php_receiver.accepted()[0].event_id, first_event);
  }
  // What the seed's Python snippet does with two v1 values: it raises.
  VerifierReceiver& python_receiver = *python.attached.receiver;
  const Delivery python_refused = await_attempts(python.attached.endpoint.id, 1, false);
  EXPECT_EQ(python_refused.last_status_code, 500) << python_receiver.output();
  EXPECT_EQ(python_refused.status, "pending");
  EXPECT_TRUE(python_receiver.accepted().empty());

  // After the window: one v1, the new secret's. Node now checks with the new secret too.
  advance_to(*expires_at + 1);
  node.attached.receiver = start_verifier(Verifier::node, node.new_secret);
  patch(node.attached.endpoint.id, R"({"url":")" + node.attached.receiver->url() + R"("})");
  const std::string second_event = event_of(create_customer("Grace Hopper"), "customer.created");

  ASSERT_TRUE(witness.wait_for_requests(2, 10s));
  {
    const ReceivedRequest request = witness.requests()[1];
    const std::string header = request.header("x-gigaglobe-signature");
    const Signature signature = parse_signature(header);
    EXPECT_EQ(signature.t, now());
    EXPECT_EQ(header, core::webhook::signature_header(signature.t, request.body, {witness_secret}));
    EXPECT_FALSE(core::webhook::verify_signature(header, request.body, witnessed.secret, now()));
  }
  ASSERT_TRUE(node.attached.receiver->wait_for_accepted(1, 10s))
      << node.attached.receiver->output();
  EXPECT_EQ(node.attached.receiver->accepted()[0].event_id, second_event);
  if (php) {
    VerifierReceiver& php_receiver = *php->attached.receiver;
    ASSERT_TRUE(php_receiver.wait_for_accepted(2, 10s)) << php_receiver.output();
    EXPECT_EQ(php_receiver.accepted()[1].event_id, second_event);
  }
  // Python gets the second event, and the retry of the first (due 30 s after its 500).
  ASSERT_TRUE(eventually([&] { return python_receiver.accepted().size() >= 2; }, 10s, true))
      << python_receiver.output();
  std::set<std::string> python_events;
  for (const AcceptedDelivery& line : python_receiver.accepted())
    python_events.insert(line.event_id);
  EXPECT_EQ(python_events, (std::set<std::string>{first_event, second_event}));
  if (!with_php) GTEST_SKIP() << "php is not installed: its part was not run";
}

// ---- 7-8. where deliveries may go --------------------------------------------------------------

TEST_F(WebhookDelivery, PrivateTargetsAreRefusedAtDeliveryTime) {
  TempDir database;
  ProgrammableReceiver receiver;
  Endpoint by_address;
  Endpoint by_name;
  {
    // Created while the operator allowed private targets...
    start(nullptr, true, database.path().string());
    open_partner();
    by_address = create_endpoint(receiver.url(), kCustomers);
    by_name = create_endpoint("http://localhost:" + std::to_string(receiver.port()) + "/hook",
                              kCustomers);
    gateway_.reset();
  }
  // ... and sent after it stopped allowing them.
  start(nullptr, false, database.path().string());
  create_customer("Ada Lovelace");

  for (const Endpoint* endpoint : {&by_address, &by_name}) {
    const Delivery refused = await_attempts(endpoint->id, 1, true);
    EXPECT_EQ(refused.last_error, "target_refused") << endpoint->id;
    EXPECT_FALSE(refused.last_status_code) << endpoint->id;
    EXPECT_EQ(refused.status, "pending") << endpoint->id;
    ASSERT_EQ(refused.history.size(), 1U);
    EXPECT_EQ(refused.history[0].error, "target_refused");
  }
  EXPECT_EQ(receiver.request_count(), 0U);
}

TEST_F(WebhookDelivery, RedirectsAreNotFollowed) {
  start();
  open_partner();
  ProgrammableReceiver redirecting;
  ProgrammableReceiver elsewhere;
  redirecting.answer_by_default({.status = 302, .location = elsewhere.url()});
  const Endpoint endpoint = create_endpoint(redirecting.url(), kCustomers);
  create_customer("Ada Lovelace");

  const Delivery redirected = await_attempts(endpoint.id, 1, false);
  EXPECT_EQ(redirected.last_status_code, 302);
  EXPECT_EQ(redirected.last_error, "http_302");
  EXPECT_EQ(redirected.status, "pending");
  EXPECT_EQ(redirecting.request_count(), 1U);
  EXPECT_EQ(elsewhere.request_count(), 0U);
}

// ---- 9. what a delivery looks like ------------------------------------------------------------

TEST_F(WebhookDelivery, HeadersAndBodyAreTheContractsAndStableAcrossRetries) {
  start(frozen_clock(), true, "", 60000);
  open_partner();
  ProgrammableReceiver receiver;
  receiver.script({{.status = 500}, {.status = 200}});
  const Endpoint endpoint = create_endpoint(receiver.url("/hook?source=gigaglobe"), kCustomers);
  const std::string customer = create_customer("Ada Lovelace");
  const std::string event_id = event_of(customer, "customer.created");
  const std::int64_t first_at = now();

  await_attempts(endpoint.id, 1);
  advance_to(first_at + 34);
  dispatch();
  const Delivery delivered = await_attempts(endpoint.id, 2);
  EXPECT_EQ(delivered.status, "succeeded");
  EXPECT_EQ(delivered.id, core::webhook::delivery_id(event_id, endpoint.id));
  EXPECT_EQ(delivered.event_id, event_id);

  const std::vector<ReceivedRequest> requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2U);
  const HttpReply event = api("GET", "/api/v1/events/" + event_id);
  ASSERT_EQ(event.status, 200) << event.body;
  const auto event_json = event.json();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    SCOPED_TRACE("attempt " + std::to_string(i + 1));
    const ReceivedRequest& request = requests[i];
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/hook?source=gigaglobe");
    EXPECT_EQ(request.header("content-type"), "application/json");
    EXPECT_EQ(request.header("user-agent"), "Portico-Webhooks/1");
    EXPECT_EQ(request.header("x-gigaglobe-event"), "customer.created");
    EXPECT_EQ(request.header("x-gigaglobe-delivery"), delivered.id);
    EXPECT_EQ(request.header("x-gigaglobe-event-id"), event_id);
    EXPECT_EQ(request.header("x-gigaglobe-attempt"), std::to_string(i + 1));
    for (const auto& [name, value] : request.headers)
      EXPECT_EQ(name.rfind("x-portico-", 0), std::string::npos) << name;

    // Signed at its own attempt's time, with the endpoint's secret.
    const std::string header = request.header("x-gigaglobe-signature");
    const Signature signature = parse_signature(header);
    EXPECT_EQ(signature.t, i == 0 ? first_at : first_at + 34);
    EXPECT_EQ(header,
              core::webhook::signature_header(signature.t, request.body, {endpoint.secret}));

    // The body is the event object of GET /api/v1/events/{id}, byte for byte.
    EXPECT_NE(event.body.find(request.body), std::string::npos) << request.body << "\nnot in\n"
                                                                << event.body;
    rapidjson::Document body;
    body.Parse(request.body.c_str(), request.body.size());
    ASSERT_TRUE(body.IsObject()) << request.body;
    EXPECT_TRUE(body == field(event_json, "data")) << request.body << "\n" << event.body;
    EXPECT_EQ(string_at(body, "id"), event_id);
    EXPECT_EQ(string_at(body, "type"), "customer.created");
    EXPECT_EQ(string_at(field(field(body, "data"), "object"), "id"), customer);
  }
  EXPECT_EQ(requests[0].body, requests[1].body);
}

}  // namespace
}  // namespace portico::testing
