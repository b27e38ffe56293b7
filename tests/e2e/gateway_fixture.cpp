#include "e2e/gateway_fixture.hpp"

#include <filesystem>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "e2e/openapi_watch.hpp"

namespace portico::testing {

RunningGateway::RunningGateway(const std::string& server_yaml, const std::string& extra_yaml,
                               const std::string& database_dir,
                               std::shared_ptr<const core::Clock> clock)
    : database_dir_(database_dir.empty() ? dir_.path().string() : database_dir) {
  const std::string yaml = "server:\n  listen: 127.0.0.1:0\n  threads: 2\n" +
                           (server_yaml.empty() ? std::string() : "  " + server_yaml + "\n") +
                           "admin:\n  listen: 127.0.0.1:0\n  token: ${PORTICO_ADMIN_TOKEN}\n"
                           "storage:\n  sqlite: " +
                           database_dir_ + "/portico.db\n" + extra_yaml;
  const config::Environment environment = [](std::string_view name) -> std::optional<std::string> {
    if (name == "PORTICO_ADMIN_TOKEN") return kAdminToken;
    return std::nullopt;
  };
  config::Config config = config::parse_config(yaml, "test.yaml", dir_.path().string(),
                                               registry_.schemas(), environment);
  auto log = std::make_shared<server::Logger>([this](std::string_view line) {
    std::lock_guard lock(log_mutex_);
    log_lines_.emplace_back(line);
  });
  app_ = std::make_unique<gateway::App>(
      std::move(config), registry_,
      gateway::App::Dependencies{.clock = std::move(clock), .random = nullptr, .log = log});
  thread_ = std::thread([this] { app_->run(false); });
  watch_api_port(app_->api_port());
}

RunningGateway::~RunningGateway() {
  stop();
}

void RunningGateway::stop() {
  if (!thread_.joinable()) return;
  unwatch_api_port(app_->api_port());
  app_->request_stop();
  thread_.join();
}

std::string RunningGateway::database_path() const {
  return database_dir_ + "/portico.db";
}

std::string RunningGateway::create_partner(const std::string& name) {
  const HttpReply reply = admin("POST", "/admin/partners", "{\"name\":\"" + name + "\"}");
  EXPECT_EQ(reply.status, 201) << reply.body;
  return reply.json()["data"]["id"].GetString();
}

RunningGateway::Key RunningGateway::create_key(const std::string& partner_id, bool live) {
  const HttpReply reply = admin("POST", "/admin/partners/" + partner_id + "/keys",
                                std::string("{\"mode\":\"") + (live ? "live" : "test") + "\"}");
  EXPECT_EQ(reply.status, 201) << reply.body;
  const auto json = reply.json();
  return {json["data"]["id"].GetString(), json["data"]["secret"].GetString()};
}

HttpReply RunningGateway::api(const std::string& method, const std::string& target,
                              const std::string& key, const std::string& body,
                              std::vector<std::pair<std::string, std::string>> headers) {
  if (!key.empty()) headers.emplace_back("Authorization", "Bearer " + key);
  return http_request(api_port(), method, target, headers, body);
}

HttpReply RunningGateway::admin(const std::string& method, const std::string& target,
                                const std::string& body) {
  return http_request(admin_port(), method, target, {{"Authorization", "Bearer " + kAdminToken}},
                      body);
}

std::vector<std::string> RunningGateway::log_lines() const {
  std::lock_guard lock(log_mutex_);
  return log_lines_;
}

void expect_error(const HttpReply& reply, int status, const std::string& type,
                  const std::string& code, const std::string& param) {
  EXPECT_EQ(reply.status, status) << reply.body;
  const auto json = reply.json();
  ASSERT_TRUE(json.IsObject()) << reply.body;
  ASSERT_TRUE(json.HasMember("error")) << reply.body;
  EXPECT_EQ(std::string(json["error"]["type"].GetString()), type) << reply.body;
  EXPECT_EQ(std::string(json["error"]["code"].GetString()), code) << reply.body;
  EXPECT_TRUE(json["error"]["message"].IsString());
  if (param.empty()) {
    EXPECT_TRUE(json["error"]["param"].IsNull()) << reply.body;
  } else {
    ASSERT_TRUE(json["error"]["param"].IsString()) << reply.body;
    EXPECT_EQ(std::string(json["error"]["param"].GetString()), param);
  }
  // Every body carries the request id, and it is the header's.
  ASSERT_TRUE(json["meta"]["request_id"].IsString());
  EXPECT_EQ(reply.header("x-request-id"), json["meta"]["request_id"].GetString());
}

std::vector<std::string> query_texts(const std::string& database_path, const char* sql,
                                     const std::vector<std::string>& parameters) {
  sqlite3* db = nullptr;
  std::vector<std::string> rows;
  if (sqlite3_open_v2(database_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    ADD_FAILURE() << "cannot open " << database_path;
    return rows;
  }
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sqlite3_errmsg(db);
    sqlite3_close(db);
    return rows;
  }
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    sqlite3_bind_text(statement, static_cast<int>(i + 1), parameters[i].c_str(), -1,
                      SQLITE_TRANSIENT);
  }
  while (sqlite3_step(statement) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    rows.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));  // NOLINT
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

config::Config load_example_config() {
  const std::filesystem::path example =
      std::filesystem::path(__FILE__).parent_path() / "../../config/examples/portico.yaml";
  const config::Environment environment = [](std::string_view name) -> std::optional<std::string> {
    if (name == "PORTICO_ENCRYPTION_KEY") return "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    return std::string(name) + "-example-secret-value";
  };
  return config::load_config(example.lexically_normal().string(),
                             adapters::builtin_registry().schemas(), environment);
}

}  // namespace portico::testing
