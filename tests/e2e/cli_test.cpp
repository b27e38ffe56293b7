// The `portico` binary itself, each command run as an operator runs it: config check, keys,
// partners, migrate, webhooks replay (against a running gateway, to a receiver on loopback),
// openapi, the usage text, serve and SIGTERM.
#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <signal.h>
#include <sstream>
#include <thread>
#include <tuple>

#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/json.hpp"
#include "portico/core/webhook.hpp"
#include "portico/store/database.hpp"
#include "portico/store/store.hpp"

#include "e2e/binary_fixture.hpp"
#include "e2e/gateway_fixture.hpp"
#include "e2e/webhook_receivers.hpp"
#include "support/http.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;

std::string write_config(const TempDir& dir, const std::string& extra = "") {
  const std::string path = dir.file("portico.yaml");
  write_file(dir.file("admin-token"), "cli-admin-token-0123456789\n");
  write_file(path,
             "server: { listen: 127.0.0.1:0, threads: 2, shutdown_grace_ms: 3000 }\n"
             "admin:\n  listen: 127.0.0.1:0\n  token_file: admin-token\n"
             "storage: { sqlite: ./data/portico.db }\n" +
                 extra);
  return path;
}

std::uint16_t port_from(const std::string& line, const std::string& field) {
  const std::size_t at = line.find(field + "=127.0.0.1:");
  if (at == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoi(line.substr(at + field.size() + 11)));
}

std::string last_line(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '\n')
    trimmed.pop_back();
  return trimmed.substr(trimmed.rfind('\n') + 1);
}

ProcessResult portico(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), PORTICO_BINARY);
  return run_process(arguments);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Every `prefix_...` id in `text`, in order.
std::vector<std::string> ids_in(const std::string& text, const std::string& prefix) {
  std::vector<std::string> ids;
  for (std::size_t at = text.find(prefix + "_"); at != std::string::npos;
       at = text.find(prefix + "_", at + 1)) {
    std::size_t end = at + prefix.size() + 1;
    while (end < text.size() && std::isalnum(static_cast<unsigned char>(text[end])) != 0)
      ++end;
    ids.push_back(text.substr(at, end - at));
  }
  return ids;
}

TEST(CliTest, ConfigCheckAcceptsGoodAndExplainsBadConfig) {
  TempDir dir;
  const std::string good = write_config(dir);
  const ProcessResult ok = run_process({PORTICO_BINARY, "config", "check", good});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;

  const std::string bad = dir.file("bad.yaml");
  write_file(bad, "server: { listen: 127.0.0.1:0, threds: 2 }\n");
  const ProcessResult refused = run_process({PORTICO_BINARY, "config", "check", bad});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("bad.yaml"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("server.threds"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("did you mean 'threads'"), std::string::npos) << refused.err;

  EXPECT_EQ(run_process({PORTICO_BINARY, "nonsense"}).exit_code, 2);
}

TEST(CliTest, HelpUnknownCommandsAndMissingOptionsPrintTheUsageAndExit2) {
  TempDir dir;
  const std::string config = write_config(dir);
  const ProcessResult help = portico({"help"});
  EXPECT_EQ(help.exit_code, 2);
  for (const char* command :
       {"serve --config FILE", "config check FILE", "migrate --config FILE [--check]",
        "partners create --config FILE --name NAME", "partners list --config FILE",
        "keys create --config FILE --partner NAME [--test]", "keys list --config FILE",
        "keys revoke --config FILE --key KEY_ID",
        "webhooks replay --config FILE EVENT_ID [--endpoint WH_ID]", "openapi", "help"}) {
    EXPECT_TRUE(contains(help.err, "  " + std::string(command))) << command << "\n" << help.err;
  }
  EXPECT_EQ(portico({}).exit_code, 2);

  // Each names what was wrong, then shows the usage; none touches the database.
  const std::vector<std::pair<std::vector<std::string>, std::string>> misuses = {
      {{"nonsense"}, "unknown command 'nonsense'"},
      {{"partners"}, "'partners' needs create or list"},
      {{"keys", "rotate", "--config", config},
       "'keys' needs create, list or revoke (not 'rotate')"},
      {{"partners", "create", "--config", config}, "'partners create' needs --name"},
      {{"partners", "create", "--config", config, "--name"}, "--name needs a value"},
      {{"partners", "list", "--config", config, "--nmae", "x"},
       "unknown option --nmae for 'partners list'"},
      {{"migrate", "--config", config, "--test"}, "unknown option --test for 'migrate'"},
      {{"webhooks", "replay", "--config", config}, "'webhooks replay' needs EVENT_ID"},
      {{"webhooks", "replay", "--config", config, "evt_1", "evt_2"},
       "unexpected 'evt_2' after 'webhooks replay'"},
      {{"keys", "list", "--config", config, "--partner", "a", "--partner", "b"},
       "--partner is given twice"},
      {{"config", "check"}, "'config check' needs FILE"},
  };
  for (const auto& [arguments, problem] : misuses) {
    const ProcessResult refused = portico(arguments);
    EXPECT_EQ(refused.exit_code, 2) << problem;
    EXPECT_TRUE(contains(refused.err, "portico: " + problem)) << refused.err;
    EXPECT_TRUE(contains(refused.err, "usage: portico COMMAND")) << refused.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("data/portico.db")));
}

TEST(CliTest, PartnersCreateRefusesADuplicateNameAndListShowsKeyCounts) {
  TempDir dir;
  const std::string config = write_config(dir);
  const ProcessResult created =
      portico({"partners", "create", "--config", config, "--name", "Acme Hosting"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string id = last_line(created.out);
  EXPECT_EQ(created.out, id + "\n");  // the id alone, for `id=$(portico partners create ...)`
  EXPECT_EQ(id.rfind("ptn_", 0), 0U) << id;

  const ProcessResult duplicate =
      portico({"partners", "create", "--config", config, "--name", "Acme Hosting"});
  EXPECT_EQ(duplicate.exit_code, 1);
  EXPECT_TRUE(contains(duplicate.err, "a partner named 'Acme Hosting' already exists (" + id + ")"))
      << duplicate.err;
  EXPECT_TRUE(duplicate.out.empty()) << duplicate.out;
  const ProcessResult invalid =
      portico({"partners", "create", "--config", config, "--name", "acme/hosting"});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_TRUE(contains(invalid.err, "A partner name is 1 to 100 characters")) << invalid.err;

  // Keys of each kind: two live (one revoked), one test; a second partner with none.
  const ProcessResult first =
      portico({"keys", "create", "--config", config, "--partner", "Acme Hosting"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(portico({"keys", "create", "--config", config, "--partner", "Acme Hosting"}).exit_code,
            0);
  ASSERT_EQ(portico({"keys", "create", "--config", config, "--partner", "Acme Hosting", "--test"})
                .exit_code,
            0);
  const std::vector<std::string> first_key = ids_in(first.out, "key");
  ASSERT_FALSE(first_key.empty()) << first.out;
  ASSERT_EQ(portico({"keys", "revoke", "--config", config, "--key", first_key[0]}).exit_code, 0);
  ASSERT_EQ(portico({"partners", "create", "--config", config, "--name", "beta"}).exit_code, 0);

  const ProcessResult listed = portico({"partners", "list", "--config", config});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::istringstream lines(listed.out);
  std::string header;
  std::string acme;
  std::string beta;
  std::getline(lines, header);
  std::getline(lines, acme);
  std::getline(lines, beta);
  EXPECT_TRUE(contains(header, "ID") && contains(header, "CREATED") && contains(header, "LIVE") &&
              contains(header, "TEST") && contains(header, "REVOKED") && contains(header, "NAME"))
      << header;
  // Oldest first: id, creation time, active live, active test, revoked, then the name.
  std::istringstream row(acme);
  std::string row_id;
  std::string row_created;
  int live = -1;
  int test = -1;
  int revoked = -1;
  row >> row_id >> row_created >> live >> test >> revoked;
  EXPECT_EQ(row_id, id);
  EXPECT_TRUE(core::parse_rfc3339(row_created).has_value()) << row_created;
  EXPECT_EQ(live, 1);
  EXPECT_EQ(test, 1);
  EXPECT_EQ(revoked, 1);
  EXPECT_TRUE(acme.ends_with("  Acme Hosting")) << acme;
  EXPECT_TRUE(contains(beta, "   0     0        0  beta")) << beta;

  // Every creation is in the audit log under the CLI's name.
  EXPECT_EQ(query_texts(dir.file("data/portico.db"),
                        "SELECT actor FROM audit_log WHERE action = 'partner.created'", {}),
            (std::vector<std::string>{"cli", "cli"}));
}

// A database as an older binary left it: only the first `versions` migrations applied.
void make_old_database(const std::string& path, std::size_t versions) {
  const auto& all = store::builtin_migrations();
  store::Store::open({.path = path,
                      .readers = 1,
                      .migrations = std::vector<store::Migration>(
                          all.begin(), all.begin() + static_cast<std::ptrdiff_t>(versions))})
      .reset();
}

TEST(CliTest, MigrateAppliesPendingMigrationsAndCheckTellsWithoutChanging) {
  TempDir dir;
  const std::string config = write_config(dir);
  const std::string database = dir.file("data/portico.db");
  const int latest = store::builtin_migrations().back().version;

  // No database yet: --check says so and creates nothing.
  const ProcessResult missing = portico({"migrate", "--config", config, "--check"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.out, "schema version 0 (no database yet)")) << missing.out;
  EXPECT_FALSE(std::filesystem::exists(database));

  make_old_database(database, 2);
  const ProcessResult behind = portico({"migrate", "--config", config, "--check"});
  EXPECT_EQ(behind.exit_code, 1);
  EXPECT_TRUE(contains(behind.out, database + ": schema version 2, needs " +
                                       std::to_string(latest - 2) + " migrations: 3 certificates"))
      << behind.out;
  const std::string recorded_versions = "SELECT version FROM schema_migrations ORDER BY 1";
  EXPECT_EQ(query_texts(database, recorded_versions.c_str(), {}),
            (std::vector<std::string>{"1", "2"}));  // unchanged by the check

  const ProcessResult migrated = portico({"migrate", "--config", config});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  EXPECT_TRUE(contains(migrated.out, "schema version 2, applying")) << migrated.out;
  EXPECT_TRUE(contains(migrated.out, "applied 3 certificates\n")) << migrated.out;
  EXPECT_TRUE(contains(migrated.out, "applied " + std::to_string(latest) + " ")) << migrated.out;
  EXPECT_FALSE(contains(migrated.out, "applied 2 ")) << migrated.out;
  EXPECT_TRUE(
      migrated.out.ends_with(database + ": schema version " + std::to_string(latest) + "\n"))
      << migrated.out;
  EXPECT_EQ(query_texts(database, recorded_versions.c_str(), {}).size(),
            static_cast<std::size_t>(latest));

  const std::string up_to_date =
      database + ": schema version " + std::to_string(latest) + ", up to date\n";
  const ProcessResult again = portico({"migrate", "--config", config});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out, up_to_date);
  const ProcessResult checked = portico({"migrate", "--config", config, "--check"});
  EXPECT_EQ(checked.exit_code, 0);
  EXPECT_EQ(checked.out, up_to_date);

  // A database a newer binary migrated is refused, by the check too, and left as it is.
  {
    store::Database db = store::Database::open(database, false);
    db.exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES(" +
            std::to_string(latest + 1) + ", 'from_the_future', 0)");
  }
  for (const bool check : {true, false}) {
    std::vector<std::string> arguments = {"migrate", "--config", config};
    if (check) arguments.emplace_back("--check");
    const ProcessResult newer = portico(arguments);
    EXPECT_EQ(newer.exit_code, 1);
    EXPECT_TRUE(contains(newer.err, "run a newer binary")) << newer.err;
  }
}

// A gateway run by the binary with webhooks allowed to reach a receiver on loopback.
class CliReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = write_config(
        dir_,
        "jobs: { enabled: false }\n"
        "webhooks: { allow_private_targets: true, allow_http: true, poll_interval_ms: 100 }\n");
    key_ = create_key_with_cli(config_, "replays");
    ASSERT_FALSE(key_.empty());
    server_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{PORTICO_BINARY, "serve", "--config", config_});
    const std::string ready = server_->wait_for_line("portico listening", 10s);
    port_ = port_from(ready, "api");
    ASSERT_NE(port_, 0) << server_->stderr_text();
  }

  void TearDown() override {
    if (!server_) return;
    server_->signal(SIGTERM);
    EXPECT_EQ(server_->wait(10s), 0) << server_->stderr_text();
  }

  HttpReply api(const std::string& method, const std::string& target,
                const std::string& body = {}) {
    return http_request(port_, method, target, {{"Authorization", "Bearer " + key_}}, body);
  }

  struct Endpoint {
    std::string id;
    std::string secret;
  };
  Endpoint add_endpoint(const std::string& events_json) {
    const HttpReply reply =
        api("POST", "/api/v1/webhooks",
            R"({"url":")" + receiver_.url() + R"(","events":)" + events_json + "}");
    EXPECT_EQ(reply.status, 201) << reply.body;
    const rapidjson::Document json = reply.json();
    const rapidjson::Value* data = core::json::member(json, "data");
    const auto text = [data](std::string_view name) {
      if (data == nullptr) return std::string();
      return core::json::string_of(core::json::member(*data, name)).value_or("");
    };
    return {text("id"), text("secret")};
  }

  ProcessResult replay(const std::string& event_id, const std::string& endpoint_id = {}) {
    std::vector<std::string> arguments = {"webhooks", "replay", "--config", config_, event_id};
    if (!endpoint_id.empty()) {
      arguments.emplace_back("--endpoint");
      arguments.push_back(endpoint_id);
    }
    return portico(arguments);
  }

  // The requests carrying `event_type` (an endpoint taking "*" also gets the endpoint events),
  // once at least `count` of them have arrived, in order.
  std::vector<ReceivedRequest> received(const std::string& event_type, std::size_t count) {
    std::vector<ReceivedRequest> found;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (true) {
      found.clear();
      for (auto& request : receiver_.requests()) {
        if (request.header("x-portico-event") == event_type) found.push_back(std::move(request));
      }
      if (found.size() >= count || std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_GE(found.size(), count) << event_type << "\n" << server_->stderr_text();
    return found;
  }

  TempDir dir_;
  std::string config_;
  std::string key_;
  ProgrammableReceiver receiver_;
  std::unique_ptr<BackgroundProcess> server_;
  std::uint16_t port_ = 0;
};

TEST_F(CliReplayTest, QueuesNewDeliveriesThatTheRunningGatewaySendsSigned) {
  const Endpoint customers = add_endpoint(R"(["customer.*"])");
  const Endpoint everything = add_endpoint(R"(["*"])");
  const Endpoint domains = add_endpoint(R"(["domain.*"])");
  const std::map<std::string, std::string> secrets = {{customers.id, customers.secret},
                                                      {everything.id, everything.secret}};

  const HttpReply customer =
      api("POST", "/api/v1/customers", R"({"name":"Replay Co","email":"ops@replay.example"})");
  ASSERT_EQ(customer.status, 201) << customer.body;
  const std::vector<ReceivedRequest> first = received("customer.created", 2);
  ASSERT_EQ(first.size(), 2U);
  const std::string event_id = first[0].header("x-portico-event-id");
  ASSERT_EQ(event_id.rfind("evt_", 0), 0U) << event_id;
  std::set<std::string> first_deliveries;
  for (const auto& request : first)
    first_deliveries.insert(request.header("x-portico-delivery"));

  // To every enabled endpoint subscribed to customer.created, as new deliveries.
  const ProcessResult replayed = replay(event_id);
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_TRUE(contains(replayed.out,
                       "queued 2 deliveries of " + event_id + " (customer.created, partner ptn_"))
      << replayed.out;
  const std::vector<std::string> queued = ids_in(replayed.out, "dlv");
  ASSERT_EQ(queued.size(), 2U) << replayed.out;
  for (const std::string& id : queued)
    EXPECT_EQ(first_deliveries.count(id), 0U) << id;
  EXPECT_FALSE(contains(replayed.out, domains.id)) << replayed.out;

  // The running gateway's dispatcher sends them: same event, new delivery ids, valid signatures.
  std::vector<ReceivedRequest> again = received("customer.created", 4);
  ASSERT_EQ(again.size(), 4U);
  again.erase(again.begin(), again.begin() + 2);
  std::set<std::string> delivered;
  for (const auto& request : again) {
    EXPECT_EQ(request.header("x-portico-event-id"), event_id);
    EXPECT_EQ(request.header("x-portico-attempt"), "1");
    delivered.insert(request.header("x-portico-delivery"));
    EXPECT_EQ(request.body, first[0].body);  // the event object, as it was recorded
  }
  EXPECT_EQ(delivered, std::set<std::string>(queued.begin(), queued.end()));
  // Which endpoint got which: its delivery is listed under it, and signed with its secret.
  for (const auto& request : again) {
    const std::string delivery = request.header("x-portico-delivery");
    bool verified = false;
    for (const auto& [endpoint_id, secret] : secrets) {
      std::string target = "/api/v1/webhooks/";
      target.append(endpoint_id).append("/deliveries/").append(delivery);
      const HttpReply listed = api("GET", target);
      if (listed.status != 200) continue;
      verified = core::webhook::verify_signature(
          request.header("x-portico-signature"), request.body, secret,
          core::unix_seconds(std::chrono::system_clock::now()));
    }
    EXPECT_TRUE(verified) << delivery;
  }

  // To the one endpoint named.
  const ProcessResult one = replay(event_id, everything.id);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_TRUE(contains(one.out, "queued 1 delivery of " + event_id)) << one.out;
  EXPECT_TRUE(contains(one.out, everything.id)) << one.out;
  const std::vector<ReceivedRequest> third = received("customer.created", 5);
  ASSERT_EQ(third.size(), 5U);
  EXPECT_EQ(third[4].header("x-portico-delivery"), ids_in(one.out, "dlv").at(0));

  // Each replay is in the audit log under the CLI's name, with the deliveries it queued.
  const std::vector<std::string> audited = query_texts(
      dir_.file("data/portico.db"),
      "SELECT detail FROM audit_log WHERE action = 'event.replayed' AND actor = 'cli' AND "
      "target = ?1 ORDER BY seq",
      {event_id});
  ASSERT_EQ(audited.size(), 2U);
  for (const std::string& id : queued)
    EXPECT_TRUE(contains(audited[0], id)) << audited[0];

  // Every replayed delivery settled as a success.
  for (const std::string& id : queued) {
    std::vector<std::string> status;
    for (int i = 0; i < 50; ++i) {
      status = query_texts(dir_.file("data/portico.db"),
                           "SELECT status FROM webhook_deliveries WHERE id = ?1", {id});
      if (status == std::vector<std::string>{"succeeded"}) break;
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(status, std::vector<std::string>{"succeeded"}) << id;
  }
}

TEST_F(CliReplayTest, RefusesWhatCannotBeDeliveredAndWritesNothing) {
  const Endpoint customers = add_endpoint(R"(["customer.*"])");
  const Endpoint domains = add_endpoint(R"(["domain.*"])");
  ASSERT_EQ(api("POST", "/api/v1/customers", R"({"name":"R","email":"r@replay.example"})").status,
            201);
  const std::vector<ReceivedRequest> first = received("customer.created", 1);
  ASSERT_EQ(first.size(), 1U);
  const std::string event_id = first[0].header("x-portico-event-id");
  const std::string database = dir_.file("data/portico.db");
  const char* count_deliveries = "SELECT COUNT(*) FROM webhook_deliveries";
  const std::vector<std::string> deliveries_before = query_texts(database, count_deliveries, {});

  const std::vector<std::tuple<std::string, std::string, std::string>> refusals = {
      {"evt_000000000000000000000000", "", "No event evt_000000000000000000000000 is recorded."},
      {event_id, domains.id,
       "Webhook endpoint " + domains.id + " does not take customer.created events."},
      {event_id, "wh_000000000000000000000000", "No webhook endpoint wh_000000000000000000000000"},
  };
  for (const auto& [event, endpoint, message] : refusals) {
    const ProcessResult refused = replay(event, endpoint);
    EXPECT_EQ(refused.exit_code, 1) << message;
    EXPECT_TRUE(contains(refused.err, "portico: " + message)) << refused.err;
    EXPECT_TRUE(refused.out.empty()) << refused.out;
  }

  // A disabled endpoint's delivery would never be sent; with none left, nothing takes it.
  ASSERT_EQ(api("PATCH", "/api/v1/webhooks/" + customers.id, R"({"status":"disabled"})").status,
            200);
  const ProcessResult disabled = replay(event_id, customers.id);
  EXPECT_EQ(disabled.exit_code, 1);
  EXPECT_TRUE(contains(disabled.err, customers.id + " is disabled")) << disabled.err;
  const ProcessResult nobody = replay(event_id);
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_TRUE(contains(nobody.err, "takes customer.created events; nothing was queued"))
      << nobody.err;

  EXPECT_EQ(query_texts(database, count_deliveries, {}), deliveries_before);
  EXPECT_TRUE(
      query_texts(database, "SELECT 1 FROM audit_log WHERE action = 'event.replayed'", {}).empty());
}

TEST_F(CliReplayTest, ATestEventGoesOnlyToTheEndpointItTested) {
  const Endpoint tested = add_endpoint(R"(["customer.*"])");
  const Endpoint everything = add_endpoint(R"(["*"])");
  ASSERT_EQ(api("POST", "/api/v1/webhooks/" + tested.id + "/test", "{}").status, 202);
  const std::vector<ReceivedRequest> first = received("webhook_endpoint.test", 1);
  ASSERT_EQ(first.size(), 1U);
  const std::string event_id = first[0].header("x-portico-event-id");

  const ProcessResult replayed = replay(event_id);
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_TRUE(contains(replayed.out, "queued 1 delivery")) << replayed.out;
  EXPECT_TRUE(contains(replayed.out, tested.id)) << replayed.out;
  EXPECT_FALSE(contains(replayed.out, everything.id)) << replayed.out;
  const std::vector<ReceivedRequest> again = received("webhook_endpoint.test", 2);
  ASSERT_EQ(again.size(), 2U);
  EXPECT_EQ(again[1].header("x-portico-delivery"), ids_in(replayed.out, "dlv").at(0));

  const ProcessResult other = replay(event_id, everything.id);
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_TRUE(contains(other.err, "of another endpoint")) << other.err;
}

TEST(CliTest, OpenapiPrintsTheDocument) {
  const ProcessResult printed = portico({"openapi"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  rapidjson::Document document;
  document.Parse(printed.out.c_str());
  ASSERT_FALSE(document.HasParseError()) << printed.out.substr(0, 200);
  EXPECT_EQ(
      core::json::string_of(core::json::member(document, "openapi")).value_or("").rfind("3.1", 0),
      0U);
  const rapidjson::Value* paths = core::json::member(document, "paths");
  ASSERT_NE(paths, nullptr);
  EXPECT_NE(core::json::member(*paths, "/api/v1/customers"), nullptr);
  // Needs no config, database or admin token: it describes the binary, not a deployment.
  EXPECT_TRUE(printed.err.empty()) << printed.err;
}

TEST(CliTest, KeysCreateServeUseRevokeAndStopOnSigterm) {
  TempDir dir;
  const std::string config = write_config(dir);
  const ProcessResult created =
      run_process({PORTICO_BINARY, "keys", "create", "--config", config, "--partner", "demo"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string key = last_line(created.out);
  ASSERT_EQ(key.rfind("pt_live_pk_", 0), 0U) << created.out;
  ASSERT_EQ(key.size(), 43U);
  const std::size_t id_at = created.out.find("key_");
  const std::string key_id = created.out.substr(id_at, created.out.find('\n', id_at) - id_at);

  BackgroundProcess server({PORTICO_BINARY, "serve", "--config", config});
  const std::string ready = server.wait_for_line("portico listening", 10s);
  ASSERT_FALSE(ready.empty()) << server.stderr_text();
  const std::uint16_t port = port_from(ready, "api");
  ASSERT_NE(port, 0) << ready;

  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer " + key}};
  EXPECT_EQ(http_request(port, "GET", "/api/v1/me", auth).status, 200);

  // A second key for the same partner, then revoke the first while the server runs.
  ASSERT_EQ(run_process({PORTICO_BINARY, "keys", "create", "--config", config, "--partner", "demo",
                         "--test"})
                .exit_code,
            0);
  const ProcessResult listed =
      run_process({PORTICO_BINARY, "keys", "list", "--config", config, "--partner", "demo"});
  EXPECT_NE(listed.out.find("test  active"), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find(key.substr(15)), std::string::npos);
  const ProcessResult revoked =
      run_process({PORTICO_BINARY, "keys", "revoke", "--config", config, "--key", key_id});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_EQ(http_request(port, "GET", "/api/v1/me", auth).status, 401);

  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(10s), 0) << server.stderr_text();
  EXPECT_NE(server.stderr_text().find("portico stopped"), std::string::npos);
  EXPECT_EQ(server.stderr_text().find(key.substr(15)), std::string::npos);
}

TEST(CliTest, ServeRefusesAnUnusableStartWithAClearMessage) {
  TempDir dir;
  const std::string config = dir.file("portico.yaml");
  write_file(config,
             "server: { listen: 127.0.0.1:0 }\n"
             "admin: { listen: 127.0.0.1:0, token: ${PORTICO_TEST_UNSET_TOKEN} }\n"
             "storage: { sqlite: ./portico.db }\n");
  const ProcessResult refused = run_process({PORTICO_BINARY, "serve", "--config", config});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("PORTICO_TEST_UNSET_TOKEN"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace portico::testing
