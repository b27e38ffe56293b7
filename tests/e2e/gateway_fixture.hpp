#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "portico/adapters/registry.hpp"
#include "portico/core/clock.hpp"
#include "portico/gateway/app.hpp"

#include "support/http.hpp"
#include "support/temp_dir.hpp"

namespace portico::testing {

inline const std::string kAdminToken = "admin-token-for-tests-0123456789";

// The real gateway, in process: config parsed from YAML, a SQLite file in a temp dir, both
// listeners on 127.0.0.1 port 0, served on its own threads until the fixture goes away.
class RunningGateway {
 public:
  // `server_yaml` is the body of the `server:` block after `listen`, e.g. "read_timeout_ms: 300".
  // `extra_yaml` is appended at top level (providers, routing). `clock` (default: the system
  // clock) lets a test move the gateway's time, e.g. past a validation timeout.
  explicit RunningGateway(const std::string& server_yaml = "", const std::string& extra_yaml = "",
                          const std::string& database_dir = "",
                          std::shared_ptr<const core::Clock> clock = nullptr);
  ~RunningGateway();

  std::uint16_t api_port() const { return app_->api_port(); }
  std::uint16_t admin_port() const { return app_->admin_port(); }
  gateway::App& app() { return *app_; }
  const TempDir& dir() const { return dir_; }
  std::string database_path() const;

  // Partners and keys through the admin API, over HTTP.
  std::string create_partner(const std::string& name);
  struct Key {
    std::string id;
    std::string secret;
  };
  Key create_key(const std::string& partner_id, bool live = true);

  HttpReply api(const std::string& method, const std::string& target, const std::string& key,
                const std::string& body = {},
                std::vector<std::pair<std::string, std::string>> headers = {});
  HttpReply admin(const std::string& method, const std::string& target,
                  const std::string& body = {});

  std::vector<std::string> log_lines() const;
  void stop();  // graceful stop and join; the destructor does it too

 private:
  TempDir dir_;
  std::string database_dir_;
  adapters::Registry registry_ = adapters::builtin_registry();
  mutable std::mutex log_mutex_;
  std::vector<std::string> log_lines_;
  std::unique_ptr<gateway::App> app_;
  std::thread thread_;
};

// The first column of every row a query with text parameters returns, read straight from a
// gateway's database file (NULL reads as ""). A failure to open or prepare fails the test.
std::vector<std::string> query_texts(const std::string& database_path, const char* sql,
                                     const std::vector<std::string>& parameters);

// config/examples/portico.yaml as the gateway reads it, each ${VAR} given a placeholder.
config::Config load_example_config();

// Checks an error envelope: status, type, code, param (empty = null) and the request id.
void expect_error(const HttpReply& reply, int status, const std::string& type,
                  const std::string& code, const std::string& param = "");

}  // namespace portico::testing
