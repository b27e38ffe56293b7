// Webhook endpoints and events over HTTP: the gateway in process on loopback, a real SQLite
// file, a ManualClock. Nothing is sent here: `webhooks.enabled: false` keeps deliveries queued
// where these tests read them (webhook_delivery_test.cpp sends them to real receivers).
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/json.hpp"
#include "portico/core/webhook.hpp"

#include "e2e/gateway_fixture.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kStart = 1800000000;  // 2027-01-15T08:00:00Z

const rapidjson::Value& at(const rapidjson::Value& object, const char* field) {
  static const rapidjson::Value absent;
  if (!object.IsObject() || !object.HasMember(field)) return absent;
  return object[field];
}

std::string text(const rapidjson::Value& object, const char* field) {
  const rapidjson::Value& value = at(object, field);
  return value.IsString() ? value.GetString() : "";
}

bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::vector<std::string> strings_of(const rapidjson::Value& array) {
  std::vector<std::string> out;
  if (!array.IsArray()) return out;
  for (const auto& item : array.GetArray())
    out.emplace_back(item.IsString() ? item.GetString() : "<not a string>");
  return out;
}

// A page of a list answer.
struct Listing {
  std::int64_t total = -1;
  bool has_more = false;
  std::vector<std::string> ids;
  std::string body;
  rapidjson::Document json;
};

// One request the API must refuse.
struct Refusal {
  std::string name;
  std::string body;
  int status = 400;
  std::string code;
  std::string param;
};

class WebhooksApi : public ::testing::Test {
 protected:
  // A gateway whose `webhooks:` block also holds `settings` (lines indented by two spaces), a
  // partner with a live and a test key.
  void start(const std::string& settings) {
    gateway_.reset();
    gateway_ = std::make_unique<RunningGateway>("", "webhooks:\n  enabled: false\n" + settings, "",
                                                clock_);
    partner_ = gateway_->create_partner("acme");
    live_key_ = gateway_->create_key(partner_).secret;
    test_key_ = gateway_->create_key(partner_, false).secret;
  }

  HttpReply call(const std::string& method, const std::string& target, const std::string& body = {},
                 const std::string& key = {}) {
    return gateway_->api(method, target, key.empty() ? live_key_ : key, body,
                         {{"Content-Type", "application/json"}});
  }

  // The `data` of an answer expected to have `status` (Null when it has not).
  static rapidjson::Document data_of(const HttpReply& reply, int status) {
    EXPECT_EQ(reply.status, status) << reply.body;
    rapidjson::Document data;
    const rapidjson::Document json = reply.json();
    if (reply.status == status && json.IsObject() && json.HasMember("data")) {
      data.CopyFrom(json["data"], data.GetAllocator());
    }
    return data;
  }

  static std::string endpoint_body(const std::string& url, const std::string& events) {
    return R"({"url":")" + url + R"(","events":)" + events + "}";
  }

  // A created endpoint (the 201's object, secret included).
  rapidjson::Document create(const std::string& url, const std::string& events = R"(["*"])",
                             const std::string& key = {}) {
    return data_of(call("POST", "/api/v1/webhooks", endpoint_body(url, events), key), 201);
  }

  std::string create_customer(const std::string& name, const std::string& key = {}) {
    const rapidjson::Document customer =
        data_of(call("POST", "/api/v1/customers",
                     R"({"name":")" + name + R"(","email":")" + name + R"(@example.net"})", key),
                201);
    return text(customer, "id");
  }

  Listing list(const std::string& target, const std::string& key = {}) {
    const HttpReply reply = call("GET", target, {}, key);
    EXPECT_EQ(reply.status, 200) << target << ": " << reply.body;
    Listing listing;
    listing.body = reply.body;
    listing.json = reply.json();
    const auto& total = at(listing.json, "total");
    listing.total = total.IsInt64() ? total.GetInt64() : -1;
    const auto& more = at(listing.json, "has_more");
    listing.has_more = more.IsBool() && more.GetBool();
    for (const auto& item : at(listing.json, "data").GetArray())
      listing.ids.push_back(text(item, "id"));
    return listing;
  }

  // The types of an object's events, newest first.
  std::vector<std::string> event_types(const std::string& object_id, const std::string& key = {}) {
    const Listing events = list("/api/v1/events?limit=100&object_id=" + object_id, key);
    std::vector<std::string> types;
    for (const auto& event : at(events.json, "data").GetArray())
      types.push_back(text(event, "type"));
    return types;
  }

  // The newest event of an object.
  rapidjson::Document newest_event(const std::string& object_id) {
    const Listing events = list("/api/v1/events?limit=1&object_id=" + object_id);
    rapidjson::Document event;
    if (!events.ids.empty()) event.CopyFrom(at(events.json, "data")[0], event.GetAllocator());
    return event;
  }

  std::vector<std::string> delivery_statuses(const std::string& endpoint_id) const {
    return query_texts(gateway_->database_path(),
                       "SELECT status FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY seq",
                       {endpoint_id});
  }

  void expect_refusals(const std::string& method, const std::string& target,
                       const std::vector<Refusal>& refusals, const std::string& key = {}) {
    for (const Refusal& refusal : refusals) {
      SCOPED_TRACE(refusal.name);
      const HttpReply reply = call(method, target, refusal.body, key);
      expect_error(reply, refusal.status, "invalid_request_error", refusal.code, refusal.param);
    }
  }

  std::string database_bytes() const {
    return read_file(gateway_->database_path()) + read_file(gateway_->database_path() + "-wal");
  }

  std::string log_text() const {
    std::string lines;
    for (const std::string& line : gateway_->log_lines())
      lines += line + "\n";
    return lines;
  }

  std::string now() const { return core::format_rfc3339(clock_->now()); }

  std::shared_ptr<core::ManualClock> clock_ =
      std::make_shared<core::ManualClock>(core::from_unix_seconds(kStart));
  std::unique_ptr<RunningGateway> gateway_;
  std::string partner_;
  std::string live_key_;
  std::string test_key_;
};

const std::string kOpen = "  allow_private_targets: true\n";
const std::string kGuarded = "  allow_private_targets: false\n  allow_http: true\n";

// ---- endpoints -----------------------------------------------------------------------------

TEST_F(WebhooksApi, CreatesListsReadsUpdatesAndDeletesAnEndpoint) {
  start(kOpen);
  const HttpReply created = call(
      "POST", "/api/v1/webhooks",
      R"({"url":"HTTPS://Hooks.Example.com/portico?source=gw","events":["domain.*","ssl.issued",)"
      R"("domain.*"],"description":"main receiver"})");
  const rapidjson::Document endpoint = data_of(created, 201);
  const std::string id = text(endpoint, "id");
  EXPECT_EQ(id.rfind("wh_", 0), 0U) << id;
  EXPECT_EQ(text(endpoint, "object"), "webhook_endpoint");
  // Scheme and host lowercased; the path and query as given.
  EXPECT_EQ(text(endpoint, "url"), "https://hooks.example.com/portico?source=gw");
  EXPECT_EQ(strings_of(at(endpoint, "events")),
            (std::vector<std::string>{"domain.*", "ssl.issued"}));
  EXPECT_EQ(text(endpoint, "description"), "main receiver");
  EXPECT_EQ(text(endpoint, "status"), "enabled");
  EXPECT_TRUE(at(endpoint, "disabled_reason").IsNull());
  EXPECT_TRUE(core::webhook::is_secret(text(endpoint, "secret"))) << text(endpoint, "secret");
  EXPECT_TRUE(at(endpoint, "previous_secret_expires_at").IsNull());
  EXPECT_EQ(at(endpoint, "consecutive_failures").GetInt(), 0);
  EXPECT_TRUE(at(endpoint, "livemode").GetBool());
  EXPECT_EQ(text(endpoint, "created_at"), now());

  const rapidjson::Document read = data_of(call("GET", "/api/v1/webhooks/" + id), 200);
  EXPECT_FALSE(read.HasMember("secret"));
  EXPECT_EQ(text(read, "url"), text(endpoint, "url"));
  EXPECT_EQ(strings_of(at(read, "events")), strings_of(at(endpoint, "events")));

  clock_->advance(1s);
  const std::string second = text(create("https://second.example.com/in"), "id");
  Listing all = list("/api/v1/webhooks");
  EXPECT_EQ(all.ids, (std::vector<std::string>{second, id}));  // newest first
  EXPECT_EQ(all.total, 2);
  EXPECT_FALSE(has(all.body, "whsec_"));
  const Listing first_page = list("/api/v1/webhooks?limit=1");
  EXPECT_EQ(first_page.ids, std::vector<std::string>{second});
  EXPECT_TRUE(first_page.has_more);
  const Listing next_page = list("/api/v1/webhooks?limit=1&starting_after=" + second);
  EXPECT_EQ(next_page.ids, std::vector<std::string>{id});
  EXPECT_FALSE(next_page.has_more);

  clock_->advance(1s);
  const rapidjson::Document updated =
      data_of(call("PATCH", "/api/v1/webhooks/" + id,
                   R"({"url":"https://hooks.example.com/v2","events":["*","*"],)"
                   R"("description":"renamed"})"),
              200);
  EXPECT_EQ(text(updated, "url"), "https://hooks.example.com/v2");
  EXPECT_EQ(strings_of(at(updated, "events")), std::vector<std::string>{"*"});
  EXPECT_EQ(text(updated, "description"), "renamed");
  EXPECT_EQ(text(updated, "updated_at"), now());
  EXPECT_FALSE(updated.HasMember("secret"));
  const rapidjson::Document update_event = newest_event(id);
  EXPECT_EQ(text(update_event, "type"), "webhook_endpoint.updated");
  const rapidjson::Value& previous = at(at(update_event, "data"), "previous_attributes");
  EXPECT_EQ(text(previous, "url"), "https://hooks.example.com/portico?source=gw");
  EXPECT_EQ(text(previous, "description"), "main receiver");
  EXPECT_EQ(strings_of(at(previous, "events")),
            (std::vector<std::string>{"domain.*", "ssl.issued"}));
  EXPECT_EQ(text(at(at(update_event, "data"), "object"), "url"), "https://hooks.example.com/v2");

  // Nothing to change: answered as it is, no event.
  clock_->advance(1s);
  const rapidjson::Document same =
      data_of(call("PATCH", "/api/v1/webhooks/" + id, R"({"description":"renamed"})"), 200);
  EXPECT_EQ(text(same, "updated_at"), text(updated, "updated_at"));
  EXPECT_EQ(event_types(id).size(), 2U);

  const HttpReply deleted = call("DELETE", "/api/v1/webhooks/" + id);
  const rapidjson::Document gone = data_of(deleted, 200);
  EXPECT_EQ(text(gone, "id"), id);
  EXPECT_TRUE(at(gone, "deleted").GetBool());
  expect_error(call("GET", "/api/v1/webhooks/" + id), 404, "invalid_request_error", "not_found",
               "id");
  expect_error(call("DELETE", "/api/v1/webhooks/" + id), 404, "invalid_request_error", "not_found",
               "id");
  expect_error(call("PATCH", "/api/v1/webhooks/" + id, R"({"description":"x"})"), 404,
               "invalid_request_error", "not_found", "id");
  all = list("/api/v1/webhooks");
  EXPECT_EQ(all.ids, std::vector<std::string>{second});
  EXPECT_EQ(all.total, 1);
  // Soft-deleted: the row stays for the record.
  EXPECT_EQ(query_texts(gateway_->database_path(),
                        "SELECT deleted_at IS NOT NULL FROM webhook_endpoints WHERE id = ?", {id}),
            std::vector<std::string>{"1"});

  EXPECT_EQ(event_types(id),
            (std::vector<std::string>{"webhook_endpoint.deleted", "webhook_endpoint.updated",
                                      "webhook_endpoint.created"}));
  const Listing events = list("/api/v1/events?limit=100&object_id=" + id);
  const rapidjson::Value& created_event = at(events.json, "data")[2];
  EXPECT_EQ(text(at(created_event, "request"), "id"), created.header("x-request-id"));
  EXPECT_EQ(text(at(at(created_event, "data"), "object"), "id"), id);
  EXPECT_EQ(text(at(at(events.json, "data")[0], "request"), "id"), deleted.header("x-request-id"));
  // Events never carry a secret.
  EXPECT_FALSE(has(events.body, "whsec_"));
  EXPECT_FALSE(has(events.body, "\"secret\""));
}

TEST_F(WebhooksApi, ShowsTheSecretOnlyAtCreationAndRotationAndNeverStoresItInClear) {
  start(kOpen);
  const rapidjson::Document endpoint = create("https://hooks.example.com/in");
  const std::string id = text(endpoint, "id");
  const std::string first = text(endpoint, "secret");
  ASSERT_TRUE(core::webhook::is_secret(first));
  EXPECT_FALSE(has(call("GET", "/api/v1/webhooks/" + id).body, "secret\""));
  EXPECT_FALSE(has(list("/api/v1/webhooks").body, "secret\""));

  // Default window: webhooks.rotation_window (24 h).
  clock_->advance(10s);
  const rapidjson::Document rotated =
      data_of(call("POST", "/api/v1/webhooks/" + id + "/rotate-secret"), 200);
  const std::string second = text(rotated, "secret");
  EXPECT_TRUE(core::webhook::is_secret(second));
  EXPECT_NE(second, first);
  EXPECT_EQ(text(rotated, "previous_secret_expires_at"), core::format_rfc3339(clock_->now() + 24h));
  const rapidjson::Document after_rotation = data_of(call("GET", "/api/v1/webhooks/" + id), 200);
  EXPECT_FALSE(after_rotation.HasMember("secret"));
  EXPECT_EQ(text(after_rotation, "previous_secret_expires_at"),
            text(rotated, "previous_secret_expires_at"));
  const rapidjson::Document rotation_event = newest_event(id);
  EXPECT_EQ(text(rotation_event, "type"), "webhook_endpoint.updated");
  EXPECT_TRUE(
      at(at(at(rotation_event, "data"), "previous_attributes"), "previous_secret_expires_at")
          .IsNull());

  clock_->advance(10s);
  const rapidjson::Document short_window = data_of(
      call("POST", "/api/v1/webhooks/" + id + "/rotate-secret", R"({"expires_in":3600})"), 200);
  const std::string third = text(short_window, "secret");
  EXPECT_EQ(text(short_window, "previous_secret_expires_at"),
            core::format_rfc3339(clock_->now() + 1h));

  // 0: the replaced secret stops signing at once.
  const rapidjson::Document at_once = data_of(
      call("POST", "/api/v1/webhooks/" + id + "/rotate-secret", R"({"expires_in":0})"), 200);
  const std::string fourth = text(at_once, "secret");
  EXPECT_TRUE(at(at_once, "previous_secret_expires_at").IsNull());
  EXPECT_EQ((std::vector<std::string>{first, second, third, fourth}).size(),
            std::set<std::string>({first, second, third, fourth}).size());

  expect_refusals(
      "POST", "/api/v1/webhooks/" + id + "/rotate-secret",
      {{"a week and a second", R"({"expires_in":604801})", 400, "parameter_out_of_range",
        "expires_in"},
       {"negative", R"({"expires_in":-1})", 400, "parameter_out_of_range", "expires_in"},
       {"text", R"({"expires_in":"60"})", 400, "invalid_type", "expires_in"},
       {"unknown field", R"({"secret":"whsec_mine"})", 400, "parameter_unknown", "secret"}});

  // Sealed at rest, never logged, never in an event.
  const std::string bytes = database_bytes();
  ASSERT_TRUE(has(bytes, id));  // the file read is the one written
  EXPECT_FALSE(has(bytes, "whsec_"));
  const std::string logs = log_text();
  ASSERT_TRUE(has(logs, "/api/v1/webhooks"));
  const std::string events = list("/api/v1/events?limit=100").body;
  for (const std::string& secret : {first, second, third, fourth}) {
    EXPECT_FALSE(has(bytes, secret)) << "in the database";
    EXPECT_FALSE(has(bytes, secret.substr(6))) << "in the database, without its prefix";
    EXPECT_FALSE(has(logs, secret)) << "in the log";
    EXPECT_FALSE(has(events, secret)) << "in an event";
  }
}

TEST_F(WebhooksApi, RefusesInvalidEndpoints) {
  start(kOpen);
  std::string many_events = "[";
  for (int i = 0; i < 65; ++i)
    many_events += std::string(i == 0 ? "" : ",") + "\"type_" + std::to_string(i) + "\"";
  many_events += "]";
  const std::string long_url = "https://hooks.example.com/" + std::string(2023, 'a');
  ASSERT_EQ(long_url.size(), 2049U);
  const auto with_url = [](const std::string& url) { return endpoint_body(url, R"(["*"])"); };
  expect_refusals(
      "POST", "/api/v1/webhooks",
      {
          {"no url", R"({"events":["*"]})", 400, "parameter_missing", "url"},
          {"url not text", R"({"url":5,"events":["*"]})", 400, "invalid_type", "url"},
          {"no events", R"({"url":"https://hooks.example.com/in"})", 400, "parameter_missing",
           "events"},
          {"events not a list", endpoint_body("https://hooks.example.com/in", R"("*")"), 400,
           "invalid_type", "events"},
          {"event not text", endpoint_body("https://hooks.example.com/in", "[1]"), 400,
           "invalid_type", "events[0]"},
          {"no event", endpoint_body("https://hooks.example.com/in", "[]"), 400,
           "parameter_invalid_length", "events"},
          {"uppercase pattern", endpoint_body("https://hooks.example.com/in", R"(["Domain.*"])"),
           400, "invalid_event_type", "events[0]"},
          {"space in pattern",
           endpoint_body("https://hooks.example.com/in", R"(["domain.*","domain. registered"])"),
           400, "invalid_event_type", "events[1]"},
          {"double star", endpoint_body("https://hooks.example.com/in", R"(["domain.**"])"), 400,
           "invalid_event_type", "events[0]"},
          {"empty pattern", endpoint_body("https://hooks.example.com/in", R"([""])"), 400,
           "parameter_invalid_length", "events[0]"},
          {"65 patterns", endpoint_body("https://hooks.example.com/in", many_events), 400,
           "parameter_invalid_length", "events"},
          {"description not text",
           R"({"url":"https://hooks.example.com/in","events":["*"],"description":7})", 400,
           "invalid_type", "description"},
          {"description too long",
           R"({"url":"https://hooks.example.com/in","events":["*"],"description":")" +
               std::string(501, 'd') + "\"}",
           400, "parameter_invalid_length", "description"},
          {"unknown field", R"({"url":"https://hooks.example.com/in","events":["*"],"secret":"s"})",
           400, "parameter_unknown", "secret"},
          {"ftp", with_url("ftp://hooks.example.com/in"), 400, "invalid_url", "url"},
          {"no scheme", with_url("hooks.example.com/in"), 400, "invalid_url", "url"},
          {"userinfo", with_url("https://user:pass@hooks.example.com/in"), 400, "invalid_url",
           "url"},
          {"user only", with_url("https://hooks.example.com@evil.example/in"), 400, "invalid_url",
           "url"},
          {"fragment", with_url("https://hooks.example.com/in#part"), 400, "invalid_url", "url"},
          {"no host", with_url("https:///in"), 400, "invalid_url", "url"},
          {"port 0", with_url("https://hooks.example.com:0/in"), 400, "invalid_url", "url"},
          {"port too big", with_url("https://hooks.example.com:70000/in"), 400, "invalid_url",
           "url"},
          {"empty port", with_url("https://hooks.example.com:/in"), 400, "invalid_url", "url"},
          {"space", with_url("https://hooks example.com/in"), 400, "invalid_url", "url"},
          {"backslash", with_url("https://hooks.example.com\\\\@evil.example/in"), 400,
           "invalid_url", "url"},
          {"unclosed bracket", with_url("https://[::1/in"), 400, "invalid_url", "url"},
          {"bad IPv6", with_url("https://[::g]/in"), 400, "invalid_url", "url"},
          {"empty label", with_url("https://hooks..example.com/in"), 400, "invalid_url", "url"},
          {"percent in host", with_url("https://%31%32%37.0.0.1/in"), 400, "invalid_url", "url"},
          {"too long", with_url(long_url), 400, "parameter_invalid_length", "url"},
          {"http in live mode", with_url("http://hooks.example.com/in"), 422, "https_required",
           "url"},
          {"not an object", "[]", 400, "invalid_type", ""},
      });
  // Refused requests left nothing behind.
  EXPECT_EQ(list("/api/v1/webhooks").total, 0);
  EXPECT_EQ(list("/api/v1/events").total, 0);

  const HttpReply not_json = call("POST", "/api/v1/webhooks", "{\"url\":");
  EXPECT_EQ(not_json.status, 400) << not_json.body;
  EXPECT_EQ(text(at(not_json.json(), "error"), "code"), "invalid_json");
  expect_error(call("POST", "/api/v1/webhooks?debug=1", with_url("https://hooks.example.com/in")),
               400, "invalid_request_error", "parameter_unknown", "debug");

  // At the limits: a 2048-character URL, 64 patterns; test mode may use http.
  std::string sixty_four = many_events.substr(0, many_events.rfind(','));
  sixty_four += "]";
  create(long_url.substr(0, 2048), sixty_four);
  const rapidjson::Document test_mode =
      create("http://hooks.example.com/in", R"(["*"])", test_key_);
  EXPECT_FALSE(at(test_mode, "livemode").GetBool());

  const std::string id = text(create("https://hooks.example.com/in"), "id");
  expect_refusals(
      "PATCH", "/api/v1/webhooks/" + id,
      {
          {"status unknown", R"({"status":"paused"})", 400, "invalid_status", "status"},
          {"status not text", R"({"status":true})", 400, "invalid_type", "status"},
          {"no event", R"({"events":[]})", 400, "parameter_invalid_length", "events"},
          {"bad pattern", R"({"events":["ssl.issued","ssl."]})", 400, "invalid_event_type",
           "events[1]"},
          {"ftp", R"({"url":"ftp://hooks.example.com/in"})", 400, "invalid_url", "url"},
          {"fragment", R"({"url":"https://hooks.example.com/#x"})", 400, "invalid_url", "url"},
          {"http in live mode", R"({"url":"http://hooks.example.com/in"})", 422, "https_required",
           "url"},
          {"unknown field", R"({"secret":"whsec_x"})", 400, "parameter_unknown", "secret"},
          {"read-only field", R"({"livemode":false})", 400, "parameter_unknown", "livemode"},
      });
  const rapidjson::Document unchanged = data_of(call("GET", "/api/v1/webhooks/" + id), 200);
  EXPECT_EQ(text(unchanged, "url"), "https://hooks.example.com/in");
  EXPECT_EQ(strings_of(at(unchanged, "events")), std::vector<std::string>{"*"});

  // Ids that cannot exist are unknown, whatever the route.
  for (const std::string& target : {std::string("/api/v1/webhooks/wh_nope"),
                                    std::string("/api/v1/webhooks/cus_") + id.substr(3),
                                    "/api/v1/webhooks/" + id + "/deliveries/dlv_nope"}) {
    SCOPED_TRACE(target);
    EXPECT_EQ(call("GET", target).status, 404);
  }
  expect_error(call("GET", "/api/v1/webhooks?limit=0"), 400, "invalid_request_error",
               "parameter_out_of_range", "limit");
  expect_error(call("GET", "/api/v1/webhooks?starting_after=wh_unknown"), 400,
               "invalid_request_error", "invalid_cursor", "starting_after");
}

TEST_F(WebhooksApi, AllowsHttpInLiveModeOnlyWhenTheConfigSaysSo) {
  start(kOpen + "  allow_http: true\n");
  const rapidjson::Document endpoint = create("http://hooks.example.com/in");
  EXPECT_EQ(text(endpoint, "url"), "http://hooks.example.com/in");
  EXPECT_TRUE(at(endpoint, "livemode").GetBool());
}

// The obvious internal targets, each with the word its refusal names.
struct PrivateTarget {
  std::string url;
  std::string reason;
};

std::vector<PrivateTarget> private_targets() {
  return {
      {"http://127.0.0.1:8080/in", "loopback"},
      {"http://localhost/in", "loopback"},
      {"http://LocalHost./in", "loopback"},
      {"http://receiver.localhost:9000/in", "loopback"},
      {"http://[::1]/in", "loopback"},
      {"http://[::ffff:127.0.0.1]/in", "loopback"},
      {"http://10.0.0.1/in", "private"},
      {"http://192.168.1.20/in", "private"},
      {"http://169.254.169.254/latest/meta-data/", "link-local"},
      {"http://[fd00:ec2::254]/latest/meta-data/", "metadata"},
      {"http://0.0.0.0/in", "unspecified"},
      // Not IP literals: the resolver reads them as 127.0.0.1.
      {"http://127.1/in", "loopback"},
      {"http://2130706433/in", "loopback"},
  };
}

TEST_F(WebhooksApi, RefusesPrivateTargetsAtCreationAndUpdate) {
  start(kGuarded);
  const std::string id = text(create("https://93.184.216.34/in"), "id");
  for (const PrivateTarget& target : private_targets()) {
    SCOPED_TRACE(target.url);
    const HttpReply created =
        call("POST", "/api/v1/webhooks", endpoint_body(target.url, R"(["*"])"));
    expect_error(created, 422, "invalid_request_error", "webhook_target_refused", "url");
    EXPECT_TRUE(has(text(at(created.json(), "error"), "message"), target.reason)) << created.body;
    const HttpReply patched =
        call("PATCH", "/api/v1/webhooks/" + id, R"({"url":")" + target.url + "\"}");
    expect_error(patched, 422, "invalid_request_error", "webhook_target_refused", "url");
    EXPECT_TRUE(has(text(at(patched.json(), "error"), "message"), target.reason)) << patched.body;
  }
  EXPECT_EQ(text(data_of(call("GET", "/api/v1/webhooks/" + id), 200), "url"),
            "https://93.184.216.34/in");
  EXPECT_EQ(list("/api/v1/webhooks").total, 1);
  EXPECT_EQ(event_types(id), std::vector<std::string>{"webhook_endpoint.created"});

  // A name that does not resolve (now) is accepted: it may exist later, and every delivery
  // attempt resolves it again.
  create("https://receiver.portico-test.invalid/in");
  // Public addresses pass, v6 too.
  data_of(call("PATCH", "/api/v1/webhooks/" + id, R"({"url":"https://[2606:4700::1111]/in"})"),
          200);
}

TEST_F(WebhooksApi, AcceptsPrivateTargetsWhenTheConfigAllowsThem) {
  start(kOpen + "  allow_http: true\n  max_endpoints_per_partner: 20\n");
  std::string last;
  for (const PrivateTarget& target : private_targets()) {
    SCOPED_TRACE(target.url);
    last = text(create(target.url), "id");
  }
  data_of(call("PATCH", "/api/v1/webhooks/" + last, R"({"url":"http://127.0.0.1:9/in"})"), 200);
  EXPECT_EQ(list("/api/v1/webhooks?limit=100").total,
            static_cast<std::int64_t>(private_targets().size()));
}

TEST_F(WebhooksApi, AnotherPartnersOrModesEndpointIsNotFound) {
  start(kOpen);
  const std::string id = text(create("https://hooks.example.com/in"), "id");
  const rapidjson::Document test_delivery =
      data_of(call("POST", "/api/v1/webhooks/" + id + "/test"), 202);
  const std::string delivery = text(test_delivery, "id");
  const std::string event = text(test_delivery, "event_id");

  const std::string other = gateway_->create_key(gateway_->create_partner("other")).secret;
  for (const std::string& key : {other, test_key_}) {
    SCOPED_TRACE(key == other ? "another partner" : "the test mode");
    const std::string base = "/api/v1/webhooks/" + id;
    expect_error(call("GET", base, {}, key), 404, "invalid_request_error", "not_found", "id");
    expect_error(call("PATCH", base, R"({"status":"disabled"})", key), 404, "invalid_request_error",
                 "not_found", "id");
    expect_error(call("POST", base + "/rotate-secret", {}, key), 404, "invalid_request_error",
                 "not_found", "id");
    expect_error(call("POST", base + "/test", {}, key), 404, "invalid_request_error", "not_found",
                 "id");
    expect_error(call("GET", base + "/deliveries", {}, key), 404, "invalid_request_error",
                 "not_found", "id");
    expect_error(call("GET", base + "/deliveries/" + delivery, {}, key), 404,
                 "invalid_request_error", "not_found", "id");
    expect_error(call("DELETE", base, {}, key), 404, "invalid_request_error", "not_found", "id");
    expect_error(call("GET", "/api/v1/events/" + event, {}, key), 404, "invalid_request_error",
                 "not_found", "id");
    EXPECT_EQ(list("/api/v1/webhooks", key).total, 0);
    EXPECT_EQ(list("/api/v1/events", key).total, 0);
  }
  // Untouched by all that.
  const rapidjson::Document still = data_of(call("GET", "/api/v1/webhooks/" + id), 200);
  EXPECT_EQ(text(still, "status"), "enabled");
  EXPECT_EQ(event_types(id),
            (std::vector<std::string>{"webhook_endpoint.test", "webhook_endpoint.created"}));
}

TEST_F(WebhooksApi, LimitsEndpointsPerPartnerAndMode) {
  start(kOpen + "  max_endpoints_per_partner: 2\n");
  const std::string first = text(create("https://one.example.com/in"), "id");
  create("https://two.example.com/in");
  const HttpReply third =
      call("POST", "/api/v1/webhooks", endpoint_body("https://three.example.com/in", R"(["*"])"));
  expect_error(third, 409, "invalid_request_error", "too_many_webhook_endpoints");
  EXPECT_EQ(list("/api/v1/webhooks").total, 2);

  // Per mode and per partner.
  create("https://one.example.com/in", R"(["*"])", test_key_);
  create("https://two.example.com/in", R"(["*"])", test_key_);
  const std::string other = gateway_->create_key(gateway_->create_partner("other")).secret;
  create("https://one.example.com/in", R"(["*"])", other);

  // A deleted endpoint no longer counts.
  data_of(call("DELETE", "/api/v1/webhooks/" + first), 200);
  create("https://three.example.com/in");
}

// ---- test events and deliveries ------------------------------------------------------------

TEST_F(WebhooksApi, TestQueuesOneEventForThisEndpointOnly) {
  start(kOpen);
  const std::string everything = text(create("https://all.example.com/in"), "id");
  const std::string target =
      text(create("https://target.example.com/in", R"(["customer.*"])"), "id");
  clock_->advance(5s);

  const rapidjson::Document delivery =
      data_of(call("POST", "/api/v1/webhooks/" + target + "/test"), 202);
  const std::string delivery_id = text(delivery, "id");
  const std::string event_id = text(delivery, "event_id");
  EXPECT_EQ(text(delivery, "object"), "webhook_delivery");
  EXPECT_EQ(delivery_id, core::webhook::delivery_id(event_id, target));
  EXPECT_EQ(text(delivery, "endpoint_id"), target);
  EXPECT_EQ(text(delivery, "event_type"), "webhook_endpoint.test");
  EXPECT_EQ(text(delivery, "status"), "pending");
  EXPECT_EQ(at(delivery, "attempts").GetInt(), 0);
  EXPECT_EQ(text(delivery, "next_attempt_at"), now());
  EXPECT_EQ(text(delivery, "created_at"), now());
  EXPECT_TRUE(at(delivery, "last_status_code").IsNull());
  EXPECT_TRUE(at(delivery, "last_error").IsNull());
  EXPECT_TRUE(at(delivery, "last_attempt_at").IsNull());
  EXPECT_EQ(at(delivery, "attempt_history").Size(), 0U);

  const rapidjson::Document event = data_of(call("GET", "/api/v1/events/" + event_id), 200);
  EXPECT_EQ(text(event, "type"), "webhook_endpoint.test");
  EXPECT_EQ(text(at(at(event, "data"), "object"), "id"), target);
  EXPECT_FALSE(at(at(event, "data"), "object").HasMember("secret"));

  const Listing deliveries = list("/api/v1/webhooks/" + target + "/deliveries");
  EXPECT_EQ(deliveries.ids, std::vector<std::string>{delivery_id});
  const rapidjson::Document read =
      data_of(call("GET", "/api/v1/webhooks/" + target + "/deliveries/" + delivery_id), 200);
  EXPECT_EQ(core::json::to_string(read), core::json::to_string(delivery));
  EXPECT_EQ(list("/api/v1/webhooks/" + target + "/deliveries?status=pending").total, 1);
  EXPECT_EQ(list("/api/v1/webhooks/" + target + "/deliveries?status=succeeded").total, 0);
  expect_error(call("GET", "/api/v1/webhooks/" + target + "/deliveries?status=lost"), 400,
               "invalid_request_error", "invalid_status", "status");
  expect_error(call("GET", "/api/v1/webhooks/" + target + "/deliveries?starting_after=dlv_x"), 400,
               "invalid_request_error", "invalid_cursor", "starting_after");
  expect_error(call("GET", "/api/v1/webhooks/" + everything + "/deliveries/" + delivery_id), 404,
               "invalid_request_error", "not_found", "delivery_id");

  // The endpoint taking everything got the other's creation, not its test.
  const Listing others = list("/api/v1/webhooks/" + everything + "/deliveries?limit=100");
  std::vector<std::string> types;
  for (const auto& item : at(others.json, "data").GetArray())
    types.push_back(text(item, "event_type"));
  EXPECT_EQ(types,
            (std::vector<std::string>{"webhook_endpoint.created", "webhook_endpoint.created"}));

  // Disabled: no test; enabled again: tests go.
  clock_->advance(1s);
  const rapidjson::Document disabled =
      data_of(call("PATCH", "/api/v1/webhooks/" + target, R"({"status":"disabled"})"), 200);
  EXPECT_EQ(text(disabled, "status"), "disabled");
  EXPECT_EQ(text(disabled, "disabled_reason"), "manual");
  expect_error(call("POST", "/api/v1/webhooks/" + target + "/test"), 409, "invalid_request_error",
               "webhook_endpoint_disabled");
  expect_error(call("POST", "/api/v1/webhooks/" + target + "/test", R"({"type":"x"})"), 400,
               "invalid_request_error", "parameter_unknown", "type");
  clock_->advance(1s);
  const rapidjson::Document enabled =
      data_of(call("PATCH", "/api/v1/webhooks/" + target, R"({"status":"enabled"})"), 200);
  EXPECT_EQ(text(enabled, "status"), "enabled");
  EXPECT_TRUE(at(enabled, "disabled_reason").IsNull());
  clock_->advance(1s);
  data_of(call("POST", "/api/v1/webhooks/" + target + "/test"), 202);
  EXPECT_EQ(list("/api/v1/webhooks/" + target + "/deliveries").total, 2);

  const rapidjson::Document status_event = newest_event(target);
  EXPECT_EQ(text(status_event, "type"), "webhook_endpoint.test");
  EXPECT_EQ(event_types(target),
            (std::vector<std::string>{"webhook_endpoint.test", "webhook_endpoint.updated",
                                      "webhook_endpoint.updated", "webhook_endpoint.test",
                                      "webhook_endpoint.created"}));
}

TEST_F(WebhooksApi, DisablingPausesAndDeletingCancelsPendingDeliveries) {
  start(kOpen);
  const std::string id = text(create("https://hooks.example.com/in", R"(["customer.*"])"), "id");
  std::vector<std::string> customers;
  for (const char* name : {"ada", "bob", "cyd"}) {
    clock_->advance(1s);
    customers.push_back(create_customer(name));
  }
  // One pending delivery per customer.created, newest first.
  const Listing pending = list("/api/v1/webhooks/" + id + "/deliveries?status=pending");
  ASSERT_EQ(pending.ids.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    const rapidjson::Value& delivery = at(pending.json, "data")[static_cast<unsigned>(i)];
    EXPECT_EQ(text(delivery, "event_type"), "customer.created");
    EXPECT_EQ(text(delivery, "event_id"), text(newest_event(customers[2 - i]), "id"));
  }

  data_of(call("PATCH", "/api/v1/webhooks/" + id, R"({"status":"disabled"})"), 200);
  EXPECT_EQ(list("/api/v1/webhooks/" + id + "/deliveries?status=paused").total, 3);
  EXPECT_EQ(list("/api/v1/webhooks/" + id + "/deliveries?status=pending").total, 0);
  // A disabled endpoint is owed nothing new.
  create_customer("dee");
  EXPECT_EQ(list("/api/v1/webhooks/" + id + "/deliveries").total, 3);

  data_of(call("PATCH", "/api/v1/webhooks/" + id, R"({"status":"enabled"})"), 200);
  EXPECT_EQ(list("/api/v1/webhooks/" + id + "/deliveries?status=pending").total, 3);

  data_of(call("DELETE", "/api/v1/webhooks/" + id), 200);
  expect_error(call("GET", "/api/v1/webhooks/" + id + "/deliveries"), 404, "invalid_request_error",
               "not_found", "id");
  EXPECT_EQ(delivery_statuses(id), (std::vector<std::string>{"canceled", "canceled", "canceled"}));
  create_customer("eve");
  EXPECT_EQ(delivery_statuses(id).size(), 3U);
}

// ---- events --------------------------------------------------------------------------------

TEST_F(WebhooksApi, RecordsCustomerCreatedWithTheCustomerItCreated) {
  start(kOpen);
  const HttpReply created =
      call("POST", "/api/v1/customers",
           R"({"name":"Ada","email":"ada@example.net","country":"KE","external_id":"crm-1"})");
  const rapidjson::Document customer = data_of(created, 201);
  const std::string id = text(customer, "id");
  const rapidjson::Document event = newest_event(id);
  EXPECT_EQ(text(event, "object"), "event");
  EXPECT_EQ(text(event, "type"), "customer.created");
  EXPECT_EQ(text(event, "api_version"), "v1");
  EXPECT_TRUE(at(event, "livemode").GetBool());
  EXPECT_EQ(text(event, "created_at"), now());
  EXPECT_EQ(core::json::to_string(at(at(event, "data"), "object")),
            core::json::to_string(customer));
  EXPECT_FALSE(at(event, "data").HasMember("previous_attributes"));
  EXPECT_EQ(text(at(event, "request"), "id"), created.header("x-request-id"));

  // A refused creation records nothing.
  const HttpReply duplicate =
      call("POST", "/api/v1/customers",
           R"({"name":"Ada","email":"ada@example.net","external_id":"crm-1"})");
  EXPECT_EQ(duplicate.status, 409) << duplicate.body;
  EXPECT_EQ(list("/api/v1/events?type=customer.created").total, 1);
}

TEST_F(WebhooksApi, ListsEventsByTypeObjectAndTimeInPages) {
  start(kOpen);
  const core::TimePoint t0 = clock_->now();
  const std::string first = create_customer("ada");
  clock_->advance(10s);
  const std::string second = create_customer("bob");
  clock_->advance(10s);
  const std::string third = create_customer("cyd");
  clock_->advance(10s);
  const std::string endpoint = text(create("https://hooks.example.com/in"), "id");
  clock_->advance(10s);
  const std::string test_customer = create_customer("tess", test_key_);
  const std::string other = gateway_->create_key(gateway_->create_partner("other")).secret;
  create_customer("otto", other);

  const Listing all = list("/api/v1/events");
  ASSERT_EQ(all.total, 4) << all.body;
  std::vector<std::string> objects;
  for (const auto& event : at(all.json, "data").GetArray()) {
    EXPECT_EQ(text(event, "object"), "event");
    EXPECT_EQ(text(event, "api_version"), "v1");
    EXPECT_TRUE(at(event, "livemode").GetBool());
    objects.push_back(text(at(at(event, "data"), "object"), "id"));
  }
  EXPECT_EQ(objects, (std::vector<std::string>{endpoint, third, second, first}));  // newest first

  const auto count = [this](const std::string& query) {
    return list("/api/v1/events?" + query).total;
  };
  EXPECT_EQ(count("type=customer.created"), 3);
  EXPECT_EQ(count("type=customer.*"), 3);
  EXPECT_EQ(count("type=*"), 4);
  EXPECT_EQ(count("type=webhook_endpoint.*"), 1);
  EXPECT_EQ(count("type=domain.*"), 0);
  EXPECT_EQ(count("type=customer"), 0);  // a type, not a family
  EXPECT_EQ(count("object_id=" + second), 1);
  EXPECT_EQ(count("object_id=" + second + "&type=webhook_endpoint.*"), 0);
  const std::string at10 = core::format_rfc3339(t0 + 10s);
  const std::string at20 = core::format_rfc3339(t0 + 20s);
  EXPECT_EQ(count("created_gte=" + at10), 3);
  EXPECT_EQ(count("created_lt=" + at20), 2);
  const Listing window = list("/api/v1/events?created_gte=" + at10 + "&created_lt=" + at20);
  ASSERT_EQ(window.total, 1);
  EXPECT_EQ(text(at(at(window.json, "data")[0], "data")["object"], "id"), second);

  const Listing page_one = list("/api/v1/events?limit=2");
  EXPECT_EQ(page_one.ids.size(), 2U);
  EXPECT_TRUE(page_one.has_more);
  EXPECT_EQ(page_one.total, 4);
  const Listing page_two = list("/api/v1/events?limit=2&starting_after=" + page_one.ids[1]);
  EXPECT_EQ(page_two.ids, (std::vector<std::string>{all.ids[2], all.ids[3]}));
  EXPECT_FALSE(page_two.has_more);
  const Listing customers_two =
      list("/api/v1/events?type=customer.*&limit=1&starting_after=" + all.ids[1]);
  EXPECT_EQ(customers_two.ids, std::vector<std::string>{all.ids[2]});

  // One event read alone is the list's object exactly.
  const HttpReply one = call("GET", "/api/v1/events/" + all.ids[1]);
  EXPECT_EQ(core::json::to_string(data_of(one, 200)),
            core::json::to_string(at(all.json, "data")[1]));

  const auto refused = [this](const std::string& query, const std::string& code,
                              const std::string& param) {
    SCOPED_TRACE(query);
    expect_error(call("GET", "/api/v1/events?" + query), 400, "invalid_request_error", code, param);
  };
  refused("type=Customer.created", "invalid_event_type", "type");
  refused("type=customer.", "invalid_event_type", "type");
  refused("type=", "invalid_event_type", "type");
  refused("created_gte=yesterday", "invalid_timestamp", "created_gte");
  refused("created_lt=2027-13-01T00:00:00Z", "invalid_timestamp", "created_lt");
  refused("starting_after=evt_unknown", "invalid_cursor", "starting_after");
  refused("limit=101", "parameter_out_of_range", "limit");
  refused("kind=customer", "parameter_unknown", "kind");

  expect_error(call("GET", "/api/v1/events/evt_unknown0000000000000000"), 404,
               "invalid_request_error", "not_found", "id");
  expect_error(call("GET", "/api/v1/events/" + first), 404, "invalid_request_error", "not_found",
               "id");
  expect_error(call("GET", "/api/v1/events/" + all.ids[0] + "?expand=data"), 400,
               "invalid_request_error", "parameter_unknown", "expand");

  // Each mode and partner sees its own.
  const Listing test_events = list("/api/v1/events", test_key_);
  ASSERT_EQ(test_events.total, 1);
  EXPECT_EQ(text(at(at(test_events.json, "data")[0], "data")["object"], "id"), test_customer);
  EXPECT_FALSE(at(at(test_events.json, "data")[0], "livemode").GetBool());
  expect_error(call("GET", "/api/v1/events/" + all.ids[0], {}, test_key_), 404,
               "invalid_request_error", "not_found", "id");
  EXPECT_EQ(list("/api/v1/events", other).total, 1);
}

}  // namespace
}  // namespace portico::testing
