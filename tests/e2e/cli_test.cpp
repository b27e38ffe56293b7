// The `portico` binary itself: config check, key commands, serve and SIGTERM.
#include <signal.h>

#include <gtest/gtest.h>

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
