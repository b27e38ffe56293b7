#include "portico/config/config.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_test_support.hpp"

namespace portico::config {
namespace {

using testing::environment_of;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;
using testing::test_schemas;

// Lines 1-7 of most documents below; what a test appends starts on line 8.
const std::string kServer =
    "server:\n"
    "  listen: 127.0.0.1:0\n";
const std::string kAdmin =
    "admin:\n"
    "  listen: 127.0.0.1:0\n"
    "  token: admin-token-0123456789\n";
const std::string kStorage =
    "storage:\n"
    "  sqlite: portico.db\n";
const std::string kBase = kServer + kAdmin + kStorage;

// Provider blocks; a test may append "    key: value\n" lines to the last one.
const std::string kAlpha =
    "providers:\n"
    "  alpha-main:\n"
    "    type: alpha\n"
    "    endpoint: https://alpha.example\n"
    "    username: reseller\n"
    "    api_key: S3cr3t-alpha-key-value\n";
const std::string kBeta =
    "  beta-main:\n"
    "    type: beta\n"
    "    endpoint: https://beta.example\n"
    "    token: S3cr3t-beta-token-value\n"
    "    organization_id: 7\n";
const std::string kGamma =
    "  gamma-main:\n"
    "    type: gamma\n"
    "    endpoint: https://gamma.example\n"
    "    source_address: 192.0.2.1\n"
    "    api_key: S3cr3t-gamma-key-value\n";

// Every secret any document in this file holds: none may appear in an error message.
const std::vector<std::string> kSecrets = {"admin-token-0123456789",   "S3cr3t-alpha-key-value",
                                           "S3cr3t-beta-token-value",  "S3cr3t-gamma-key-value",
                                           "env-admin-token-ABCDEFGH", "beta-env-secret",
                                           "file-secret-0123456789",   "pa55word"};

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("tls/server.crt", "certificate");
    dir_.write("tls/server.key", "key");
    dir_.write("ca.pem", "ca");
    dir_.write("secrets/alpha.key", "file-secret-0123456789\n\n");
  }

  Config parse(const std::string& yaml) const {
    return parse_config(yaml, "portico.yaml", dir_.path().string(), schemas_, env_);
  }

  // The message of the ConfigError that `yaml` raises; fails the test when it is accepted.
  std::string refusal(const std::string& yaml) const {
    try {
      parse(yaml);
    } catch (const ConfigError& error) {
      return error.what();
    }
    ADD_FAILURE() << "accepted:\n" << yaml;
    return {};
  }

  std::string in_dir(const std::string& relative) const {
    return (dir_.path() / relative).lexically_normal().string();
  }

  TempDir dir_;
  ProviderSchemas schemas_ = test_schemas();
  Environment env_ = environment_of({{"PORTICO_ADMIN_TOKEN", "env-admin-token-ABCDEFGH"},
                                     {"BETA_SECRET", "beta-env-secret"},
                                     {"EMPTY", ""}});
};

TEST_F(ConfigTest, ReadsEveryFieldOfAFullConfig) {
  const Config config = parse(R"(
server:
  listen: 0.0.0.0:8080
  threads: 4
  max_body_bytes: 2048
  max_header_bytes: 8192
  read_timeout_ms: 5000
  idle_timeout_ms: 20000
  write_timeout_ms: 6000
  shutdown_grace_ms: 0
  tls: { cert_file: tls/server.crt, key_file: ./tls/../tls/server.key }
admin:
  listen: "[::1]:9090"
  token: ${PORTICO_ADMIN_TOKEN}
  tls:
    cert_file: tls/server.crt
    key_file: tls/server.key
storage:
  sqlite: ./data/portico.db
keys:
  brand: acme
  requests_per_second: 5
  burst: 10
providers:
  alpha-main:
    type: alpha
    endpoint: HTTPS://API.Alpha.example/api/v1/
    username: reseller@example.com
    api_key_file: secrets/alpha.key
  alpha-ke:
    type: alpha
    endpoint: http://127.0.0.1:8443
    timeout_ms: 5000
    ca_file: ca.pem
    sandbox: true
    max_concurrency: 3
    username: "12345"
    api_key: inline-alpha-key
  beta:
    type: beta
    endpoint: https://[2001:db8::1]:8443
    token: tok-${BETA_SECRET}
    organization_id: 42
  gamma:
    type: gamma
    endpoint: https://gamma.example:8443/v2
    source_address: "2001:db8::10"
    api_key: gamma-key-value
    region: eu-west
    verbose: false
    batch_size: 3
routing:
  domains:
    ".co.ke": [alpha-ke]
    "*":
      - alpha-main
      - alpha-ke
  ssl: { dv: [beta, gamma], ov: [beta] }
  hosting:
    firewall: [gamma]
)");

  EXPECT_EQ(config.source_file, "portico.yaml");
  EXPECT_EQ(config.base_dir, dir_.path().lexically_normal().string());

  EXPECT_EQ(config.server.listen.host, "0.0.0.0");
  EXPECT_EQ(config.server.listen.port, 8080);
  EXPECT_EQ(config.server.threads, 4);
  EXPECT_EQ(config.server.max_body_bytes, 2048U);
  EXPECT_EQ(config.server.max_header_bytes, 8192U);
  EXPECT_EQ(config.server.read_timeout.count(), 5000);
  EXPECT_EQ(config.server.idle_timeout.count(), 20000);
  EXPECT_EQ(config.server.write_timeout.count(), 6000);
  EXPECT_EQ(config.server.shutdown_grace.count(), 0);
  ASSERT_TRUE(config.server.tls.has_value());
  EXPECT_EQ(config.server.tls->cert_file, in_dir("tls/server.crt"));
  EXPECT_EQ(config.server.tls->key_file, in_dir("tls/server.key"));

  EXPECT_EQ(config.admin.listen.host, "::1");
  EXPECT_EQ(config.admin.listen.port, 9090);
  EXPECT_EQ(config.admin.listen.text(), "[::1]:9090");
  EXPECT_EQ(config.admin.token.reveal(), "env-admin-token-ABCDEFGH");
  ASSERT_TRUE(config.admin.tls.has_value());
  EXPECT_EQ(config.admin.tls->key_file, in_dir("tls/server.key"));

  EXPECT_EQ(config.storage.sqlite_path, in_dir("data/portico.db"));
  EXPECT_EQ(config.keys.brand, "acme");
  EXPECT_EQ(config.keys.requests_per_second, 5);
  EXPECT_EQ(config.keys.burst, 10);

  ASSERT_EQ(config.providers.size(), 4U);
  const ProviderConfig& main = config.providers.at("alpha-main");
  EXPECT_EQ(main.name, "alpha-main");
  EXPECT_EQ(main.type, "alpha");
  EXPECT_EQ(main.endpoint.scheme, "https");
  EXPECT_EQ(main.endpoint.host, "api.alpha.example");
  EXPECT_EQ(main.endpoint.port, 443);
  EXPECT_EQ(main.endpoint.base_path, "/api/v1");
  EXPECT_TRUE(main.endpoint.tls());
  EXPECT_EQ(main.endpoint.origin(), "https://api.alpha.example");
  EXPECT_EQ(main.endpoint.url(), "https://api.alpha.example/api/v1");
  EXPECT_EQ(main.timeout.count(), 30000);
  EXPECT_EQ(main.ca_file, "");
  EXPECT_FALSE(main.sandbox);
  EXPECT_EQ(main.max_concurrency, 8);
  EXPECT_EQ(main.source_address, "");
  EXPECT_EQ(main.string("username"), "reseller@example.com");
  EXPECT_EQ(main.secret("api_key").reveal(), "file-secret-0123456789");  // newlines trimmed

  const ProviderConfig& kenya = config.providers.at("alpha-ke");
  EXPECT_EQ(kenya.endpoint.scheme, "http");
  EXPECT_FALSE(kenya.endpoint.tls());
  EXPECT_EQ(kenya.endpoint.origin(), "http://127.0.0.1:8443");
  EXPECT_EQ(kenya.endpoint.base_path, "");
  EXPECT_EQ(kenya.timeout.count(), 5000);
  EXPECT_EQ(kenya.ca_file, in_dir("ca.pem"));
  EXPECT_TRUE(kenya.sandbox);
  EXPECT_EQ(kenya.max_concurrency, 3);
  EXPECT_EQ(kenya.string("username"), "12345");
  EXPECT_EQ(kenya.secret("api_key").reveal(), "inline-alpha-key");

  const ProviderConfig& beta = config.providers.at("beta");
  EXPECT_EQ(beta.endpoint.host, "2001:db8::1");
  EXPECT_EQ(beta.endpoint.port, 8443);
  EXPECT_EQ(beta.endpoint.url(), "https://[2001:db8::1]:8443");
  EXPECT_EQ(beta.secret("token").reveal(), "tok-beta-env-secret");
  EXPECT_EQ(beta.integer("organization_id"), 42);
  EXPECT_EQ(beta.secret_values(), std::vector<std::string>{"tok-beta-env-secret"});

  const ProviderConfig& gamma = config.providers.at("gamma");
  EXPECT_EQ(gamma.endpoint.url(), "https://gamma.example:8443/v2");
  EXPECT_EQ(gamma.source_address, "2001:db8::10");
  EXPECT_EQ(gamma.string("region"), "eu-west");
  EXPECT_FALSE(gamma.boolean("verbose"));
  EXPECT_EQ(gamma.integer("batch_size"), 3);

  const RoutingConfig& routing = config.routing;
  ASSERT_EQ(routing.domains.size(), 2U);
  EXPECT_EQ(routing.domains[0].first, ".co.ke");
  EXPECT_EQ(routing.domains[0].second, std::vector<std::string>{"alpha-ke"});
  EXPECT_EQ(routing.domains[1].first, "*");
  EXPECT_EQ(routing.domains[1].second, (std::vector<std::string>{"alpha-main", "alpha-ke"}));
  ASSERT_NE(routing.route_ssl("dv"), nullptr);
  EXPECT_EQ(*routing.route_ssl("dv"), (std::vector<std::string>{"beta", "gamma"}));
  EXPECT_EQ(*routing.route_ssl("ov"), std::vector<std::string>{"beta"});
  EXPECT_EQ(routing.route_ssl("ev"), nullptr);
  EXPECT_EQ(*routing.route_hosting("firewall"), std::vector<std::string>{"gamma"});
  EXPECT_EQ(*routing.route_domain("shop.co.ke"), std::vector<std::string>{"alpha-ke"});
  EXPECT_EQ(routing.route_domain("example.com")->front(), "alpha-main");
}

TEST_F(ConfigTest, AppliesDefaults) {
  const Config config = parse(kBase);
  EXPECT_EQ(config.server.threads, 2);
  EXPECT_EQ(config.server.max_body_bytes, 1048576U);
  EXPECT_EQ(config.server.max_header_bytes, 16384U);
  EXPECT_EQ(config.server.read_timeout.count(), 10000);
  EXPECT_EQ(config.server.idle_timeout.count(), 30000);
  EXPECT_EQ(config.server.write_timeout.count(), 10000);
  EXPECT_EQ(config.server.shutdown_grace.count(), 10000);
  EXPECT_FALSE(config.server.tls.has_value());
  EXPECT_FALSE(config.admin.tls.has_value());
  EXPECT_EQ(config.admin.token.reveal(), "admin-token-0123456789");
  EXPECT_EQ(config.storage.sqlite_path, in_dir("portico.db"));
  EXPECT_EQ(config.keys.brand, "pt");
  EXPECT_EQ(config.keys.requests_per_second, 100);
  EXPECT_EQ(config.keys.burst, 200);
  EXPECT_TRUE(config.providers.empty());
  EXPECT_TRUE(config.routing.domains.empty());
  EXPECT_EQ(config.routing.route_domain("example.com"), nullptr);
}

TEST_F(ConfigTest, ReadsTheSealingKeyAndCertificateJobTimes) {
  const Config defaults = parse(kBase);
  EXPECT_FALSE(defaults.storage.encryption_key.has_value());
  EXPECT_EQ(defaults.jobs.certificate_poll_interval.count(), 60000);
  EXPECT_EQ(defaults.jobs.certificate_validation_timeout.count(), 30LL * 86400 * 1000);

  // 32 bytes: "0123456789abcdef0123456789abcdef" in base64.
  const std::string key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  const Config config =
      parse(kServer + kAdmin + "storage:\n  sqlite: portico.db\n  encryption_key: " + key +
            "\njobs:\n  certificate_poll_interval_ms: 5000\n"
            "  certificate_poll_max_interval_ms: 60000\n"
            "  certificate_validation_timeout_ms: 86400000\n"
            "  certificate_expiry_notice_ms: 0\n");
  ASSERT_TRUE(config.storage.encryption_key.has_value());
  EXPECT_EQ(config.storage.encryption_key->reveal(), key);
  EXPECT_EQ(config.jobs.certificate_poll_interval.count(), 5000);
  EXPECT_EQ(config.jobs.certificate_poll_max_interval.count(), 60000);
  EXPECT_EQ(config.jobs.certificate_validation_timeout.count(), 86400000);
  EXPECT_EQ(config.jobs.certificate_expiry_notice.count(), 0);

  // Not 32 bytes once decoded (the right length in text, 33 bytes of padding-free base64).
  const std::string message = refusal(kServer + kAdmin +
                                      "storage:\n  sqlite: portico.db\n  encryption_key: "
                                      "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWZ4\n");
  EXPECT_THAT(message, HasSubstr("'encryption_key' must be 32 bytes in base64"));
  EXPECT_THAT(message, Not(HasSubstr("MDEy")));

  // A key file as `openssl rand -base64 32 > key` writes it: 44 characters and a newline.
  dir_.write("secrets/sealing.key", key + "\n");
  const Config from_file = parse(kServer + kAdmin +
                                 "storage:\n  sqlite: portico.db\n"
                                 "  encryption_key_file: secrets/sealing.key\n");
  ASSERT_TRUE(from_file.storage.encryption_key.has_value());
  EXPECT_EQ(from_file.storage.encryption_key->reveal(), key);
  dir_.write("secrets/long.key", key + "A\n");
  EXPECT_THAT(refusal(kServer + kAdmin +
                      "storage:\n  sqlite: portico.db\n  encryption_key_file: secrets/long.key\n"),
              HasSubstr("larger than 44 bytes"));
}

TEST_F(ConfigTest, EmptyOptionalBlocksCountAsAbsent) {
  const Config config = parse(kBase + "keys:\nproviders:\nrouting:\n  ssl:\n");
  EXPECT_EQ(config.keys.brand, "pt");
  EXPECT_TRUE(config.providers.empty());
  EXPECT_TRUE(config.routing.ssl.empty());
}

TEST_F(ConfigTest, ExpandsVariables) {
  env_ =
      environment_of({{"PATH_PART", "reseller"}, {"NAME", "acme"}, {"DIR", dir_.path().string()}});
  const Config config = parse(kBase + kAlpha + "    ca_file: ${DIR}/ca.pem\n" +
                              "  alpha-two:\n"
                              "    type: alpha\n"
                              "    endpoint: https://alpha.example/${PATH_PART}/v1\n"
                              "    username: \"$${USER}-$5-${NAME}\"\n"
                              "    api_key: key-${NAME}-$${x}\n");
  EXPECT_EQ(config.providers.at("alpha-main").ca_file, in_dir("ca.pem"));
  const ProviderConfig& two = config.providers.at("alpha-two");
  EXPECT_EQ(two.endpoint.base_path, "/reseller/v1");
  EXPECT_EQ(two.string("username"), "${USER}-$5-acme");
  EXPECT_EQ(two.secret("api_key").reveal(), "key-acme-${x}");
}

// The documented shape writes `${VAR}` bare inside flow maps, where YAML itself forbids '{'.
TEST_F(ConfigTest, AcceptsBareReferencesInFlowStyle) {
  const Config config = parse(
      "server: { listen: 127.0.0.1:8080 }\n"
      "admin:  { listen: 127.0.0.1:8081, token: ${PORTICO_ADMIN_TOKEN} }   # comment ${X}\n"
      "storage: { sqlite: ./data/portico.db }\n"
      "providers:\n"
      "  beta-one: { type: beta, endpoint: 'https://b.example', token: ${BETA_SECRET},"
      " organization_id: 7 }\n");
  EXPECT_EQ(config.admin.token.reveal(), "env-admin-token-ABCDEFGH");
  EXPECT_EQ(config.providers.at("beta-one").secret("token").reveal(), "beta-env-secret");
}

TEST_F(ConfigTest, ReadsSecretFilesRelativeToTheConfigDirectory) {
  dir_.write("secrets/admin.token", "  token-from-a-file-0123 \r\n\t\n");
  const Config config = parse(kServer +
                              "admin:\n"
                              "  listen: 127.0.0.1:0\n"
                              "  token_file: secrets/admin.token\n" +
                              kStorage);
  EXPECT_EQ(config.admin.token.reveal(), "  token-from-a-file-0123");
}

TEST_F(ConfigTest, LoadsAFileAndResolvesPathsAgainstItsDirectory) {
  const std::filesystem::path file =
      dir_.write("etc/portico.yaml", kServer +
                                         "admin:\n"
                                         "  listen: 127.0.0.1:0\n"
                                         "  token_file: ../secrets/alpha.key\n"
                                         "storage:\n"
                                         "  sqlite: db/portico.db\n");
  const Config config = load_config(file.string(), schemas_, env_);
  EXPECT_EQ(config.source_file, file.lexically_normal().string());
  EXPECT_EQ(config.base_dir, in_dir("etc"));
  EXPECT_EQ(config.storage.sqlite_path, in_dir("etc/db/portico.db"));
  EXPECT_EQ(config.admin.token.reveal(), "file-secret-0123456789");
}

TEST_F(ConfigTest, LoadConfigNamesTheFileInMessages) {
  const std::filesystem::path file = dir_.write("broken.yaml", kBase + "extra: 1\n");
  try {
    load_config(file.string(), schemas_, env_);
    FAIL() << "accepted";
  } catch (const ConfigError& error) {
    EXPECT_EQ(std::string(error.what()),
              file.string() +
                  ":8:1: extra: unknown key 'extra' "
                  "(known keys: server, admin, storage, "
                  "keys, idempotency, jobs, webhooks, providers, routing, pricing)");
  }
  const std::string missing = (dir_.path() / "absent.yaml").string();
  try {
    load_config(missing, schemas_, env_);
    FAIL() << "accepted";
  } catch (const ConfigError& error) {
    EXPECT_EQ(std::string(error.what()), missing + ": cannot read the configuration: no such file");
  }
}

TEST_F(ConfigTest, ReportsAnUnknownKeyWithItsPositionPathAndHint) {
  EXPECT_EQ(refusal(kBase + "providers:\n"
                            "  alpha-main:\n"
                            "    type: alpha\n"
                            "    endpont: https://alpha.example\n"
                            "    username: reseller\n"
                            "    api_key: S3cr3t-alpha-key-value\n"),
            "portico.yaml:11:5: providers.alpha-main.endpont: unknown key 'endpont' "
            "(did you mean 'endpoint'?)");
}

struct RefusalCase {
  const char* name;
  std::string yaml;
  std::vector<std::string> expected;  // substrings of the message
};

// One document per kind of mistake; each message must name the place and what is wrong, and
// none may contain a secret.
std::vector<RefusalCase> refusal_cases() {
  return {
      // Unknown keys at every level.
      {"root key",
       kBase + "rouitng:\n  ssl: {}\n",
       {"portico.yaml:8:1: rouitng: unknown key 'rouitng' (did you mean 'routing'?)"}},
      {"server key",
       kServer + "  thread: 4\n" + kAdmin + kStorage,
       {"portico.yaml:3:3: server.thread: unknown key 'thread' (did you mean 'threads'?)"}},
      {"key with no near name",
       kServer + "  colour: red\n" + kAdmin + kStorage,
       {"server.colour: unknown key 'colour' (known keys: listen, threads,"}},
      {"tls key",
       kServer + "  tls: {cert_file: tls/server.crt, key_file: ca.pem, chain: x}\n" + kAdmin +
           kStorage,
       {"portico.yaml:3:", "server.tls.chain: unknown key 'chain'"}},
      {"provider optional key",
       kBase + kAlpha + "    sandbx: true\n",
       {"portico.yaml:14:5: providers.alpha-main.sandbx: unknown key 'sandbx' "
        "(did you mean 'sandbox'?)"}},
      {"secret file key typo",
       kBase + kAlpha + "    api_key_fil: x\n",
       {"providers.alpha-main.api_key_fil: unknown key 'api_key_fil' "
        "(did you mean 'api_key_file'?)"}},
      {"typo of a required key",
       "server:\n  lisen: 127.0.0.1:0\n" + kAdmin + kStorage,
       {"portico.yaml:2:3: server.lisen: unknown key 'lisen' (did you mean 'listen'?)"}},
      {"ssl product",
       kBase + kAlpha + kBeta + "routing:\n  ssl:\n    dw: [beta-main]\n",
       {"routing.ssl.dw: unknown key 'dw' (did you mean 'dv'?)"}},
      {"routing category",
       kBase + "routing:\n  domain: {}\n",
       {"routing.domain: unknown key 'domain' (did you mean 'domains'?)"}},

      // Wrong types.
      {"word for an integer",
       kServer + "  threads: two\n" + kAdmin + kStorage,
       {"portico.yaml:3:12: server.threads: expected an integer, got 'two'"}},
      {"quoted integer",
       kServer + "  threads: \"2\"\n" + kAdmin + kStorage,
       {"server.threads: expected an integer, got a quoted string (remove the quotes)"}},
      {"fraction",
       kServer + "  threads: 2.5\n" + kAdmin + kStorage,
       {"server.threads: expected an integer, got '2.5'"}},
      {"list for a map",
       "server: [127.0.0.1:0]\n" + kAdmin + kStorage,
       {"portico.yaml:1:9: server: expected a map, got a list"}},
      {"list for providers",
       kBase + "providers: [alpha]\n",
       {"portico.yaml:8:12: providers: expected a map, got a list"}},
      {"quoted boolean",
       kBase + kAlpha + "    sandbox: \"true\"\n",
       {"providers.alpha-main.sandbox: expected true or false, got a quoted string"}},
      {"yes for a boolean",
       kBase + kAlpha + "    sandbox: yes\n",
       {"providers.alpha-main.sandbox: expected true or false, got 'yes'"}},
      {"boolean for a string",
       kBase + kAlpha + "    ca_file: true\n",
       {"providers.alpha-main.ca_file: expected a string, got a boolean"}},
      {"map for a string",
       "server:\n  listen: {host: x}\n" + kAdmin + kStorage,
       {"portico.yaml:2:11: server.listen: expected a string, got a map"}},
      {"list for a secret",
       kServer +
           "admin:\n  listen: 127.0.0.1:0\n"
           "  token: [S3cr3t-alpha-key-value]\n" +
           kStorage,
       {"portico.yaml:5:10: admin.token: expected a string, got a list"}},
      {"empty string",
       kBase + kAlpha + "    ca_file: \"\"\n",
       {"providers.alpha-main.ca_file: must not be empty"}},
      {"null for a required field",
       kServer + "admin:\n  listen:\n  token: x\n" + kStorage,
       {"portico.yaml:4:3: admin.listen: required field has no value"}},

      // Missing required fields.
      {"missing section",
       kAdmin + kStorage,
       {"portico.yaml:1:1: server: required field is missing"}},
      {"missing listen",
       "server:\n  threads: 2\n" + kAdmin + kStorage,
       {"portico.yaml:2:3: server.listen: required field is missing"}},
      {"missing token",
       kServer + "admin:\n  listen: 127.0.0.1:0\n" + kStorage,
       {"admin.token: required field is missing; give 'token' or 'token_file'"}},
      {"missing provider field",
       kBase + "providers:\n  alpha-main:\n    type: alpha\n    endpoint: https://a.example\n"
               "    api_key: S3cr3t-alpha-key-value\n",
       {"portico.yaml:10:5: providers.alpha-main.username: required field is missing "
        "(the reseller login)"}},
      {"missing endpoint",
       kBase + "providers:\n  alpha-main:\n    type: alpha\n",
       {"providers.alpha-main.endpoint: required field is missing"}},
      {"missing source address",
       kBase + "providers:\n  gamma-main:\n    type: gamma\n    endpoint: https://g.example\n"
               "    api_key: S3cr3t-gamma-key-value\n",
       {"providers.gamma-main.source_address: required field is missing (this supplier binds "
        "the account to a source IP address)"}},
      {"empty provider block",
       kBase + "providers:\n  alpha-main:\n",
       {"providers.alpha-main: the provider block is empty"}},

      // Out of range.
      {"too many threads",
       kServer + "  threads: 65\n" + kAdmin + kStorage,
       {"server.threads: must be from 1 to 64, got '65'"}},
      {"zero threads",
       kServer + "  threads: 0\n" + kAdmin + kStorage,
       {"server.threads: must be from 1 to 64, got '0'"}},
      {"huge integer",
       kServer + "  threads: 99999999999999999999\n" + kAdmin + kStorage,
       {"server.threads: must be from 1 to 64"}},
      {"small header limit",
       kServer + "  max_header_bytes: 100\n" + kAdmin + kStorage,
       {"server.max_header_bytes: must be from 1024 to 1048576, got '100'"}},
      {"body limit",
       kServer + "  max_body_bytes: 67108865\n" + kAdmin + kStorage,
       {"server.max_body_bytes: must be from 1 to 67108864"}},
      {"provider timeout",
       kBase + kAlpha + "    timeout_ms: 50\n",
       {"providers.alpha-main.timeout_ms: must be from 100 to 600000, got '50'"}},
      {"concurrency",
       kBase + kAlpha + "    max_concurrency: 1025\n",
       {"providers.alpha-main.max_concurrency: must be from 1 to 1024"}},
      {"schema minimum, sibling of a secret",
       kBase + "providers:\n  beta-main:\n    type: beta\n    endpoint: https://b.example\n"
               "    token: S3cr3t-beta-token-value\n    organization_id: 0\n",
       {"portico.yaml:13:22: providers.beta-main.organization_id: must be at least 1, got '0'"}},
      {"schema string length",
       kBase + "providers:\n" + kGamma + "    region: x\n",
       {"providers.gamma-main.region: must be 2 to 8 characters long"}},
      {"schema integer range",
       kBase + "providers:\n" + kGamma + "    batch_size: 6\n",
       {"providers.gamma-main.batch_size: must be from 0 to 5, got '6'"}},
      {"brand case",
       kBase + "keys:\n  brand: PT\n",
       {"portico.yaml:9:10: keys.brand: must be 2 to 8 lowercase letters"}},
      {"brand length",
       kBase + "keys:\n  brand: abcdefghi\n",
       {"keys.brand: must be 2 to 8 lowercase letters"}},
      {"negative rate limit",
       kBase + "keys:\n  requests_per_second: -1\n",
       {"keys.requests_per_second: must be from 0 to 100000, got '-1'"}},
      {"burst of zero",
       kBase + "keys:\n  burst: 0\n",
       {"keys.burst: must be from 1 to 100000, got '0'"}},
      {"short admin token",
       kServer + "admin:\n  listen: 127.0.0.1:0\n  token: short-token\n" + kStorage,
       {"admin.token: the secret is too short (at least 16 characters)"}},
      {"short provider secret",
       kBase + "providers:\n  alpha-main:\n    type: alpha\n    endpoint: https://a.example\n"
               "    username: u\n    api_key: abc\n",
       {"providers.alpha-main.api_key: the secret is too short (at least 4 characters)"}},

      // Unknown names.
      {"provider type near",
       kBase + "providers:\n  alpha-main:\n    type: alfa\n",
       {"portico.yaml:10:11: providers.alpha-main.type: unknown provider type 'alfa' "
        "(did you mean 'alpha'?)"}},
      {"provider type far",
       kBase + "providers:\n  alpha-main:\n    type: hostraha\n",
       {"unknown provider type 'hostraha' (known types: alpha, beta, gamma)"}},
      {"instance name",
       kBase + "providers:\n  Alpha_Main:\n    type: alpha\n",
       {"portico.yaml:9:3: providers.Alpha_Main: invalid instance name 'Alpha_Main'"}},
      {"route to a missing instance",
       kBase + kAlpha + kBeta +
           "routing:\n  ssl:\n"
           "    dv: [beta-mian]\n",
       {"portico.yaml:21:10: routing.ssl.dv[0]: unknown provider instance 'beta-mian' "
        "(did you mean 'beta-main'?)"}},
      {"route with no providers",
       kBase + "routing:\n  hosting:\n    firewall: [fw]\n",
       {"routing.hosting.firewall[0]: unknown provider instance 'fw' "
        "(no providers are configured)"}},
      {"route with no near instance",
       kBase + kAlpha + "routing:\n  domains:\n    \"*\": [zzz]\n",
       {"routing.domains[\"*\"][0]: unknown provider instance 'zzz' (providers: alpha-main)"}},
      {"route to the wrong category",
       kBase + kAlpha + kBeta +
           "routing:\n  domains:\n"
           "    \"*\": [alpha-main, beta-main]\n",
       {"routing.domains[\"*\"][1]: instance 'beta-main' (type 'beta') does not serve domains"}},
      {"hosting route to an ssl type",
       kBase + kAlpha + kBeta +
           "routing:\n  hosting:\n"
           "    firewall: [beta-main]\n",
       {"routing.hosting.firewall[0]: instance 'beta-main' (type 'beta') does not serve hosting"}},

      // Route lists and keys.
      {"empty route",
       kBase + kAlpha + kBeta + "routing:\n  ssl:\n    dv: []\n",
       {"routing.ssl.dv: the list must not be empty"}},
      {"null route",
       kBase + kAlpha + kBeta + "routing:\n  ssl:\n    dv:\n",
       {"routing.ssl.dv: expected a list, got nothing"}},
      {"scalar route",
       kBase + kAlpha + kBeta + "routing:\n  ssl:\n    dv: beta-main\n",
       {"routing.ssl.dv: expected a list, got a scalar"}},
      {"duplicate instance",
       kBase + kAlpha + kBeta +
           "routing:\n  ssl:\n"
           "    dv: [beta-main, beta-main]\n",
       {"routing.ssl.dv[1]: instance 'beta-main' is listed twice"}},
      {"suffix without a dot",
       kBase + kAlpha + "routing:\n  domains:\n    co.ke: [alpha-main]\n",
       {"portico.yaml:16:5: routing.domains[\"co.ke\"]: invalid domain suffix 'co.ke'"}},
      {"uppercase suffix",
       kBase + kAlpha + "routing:\n  domains:\n    .CO.KE: [alpha-main]\n",
       {"invalid domain suffix '.CO.KE'"}},
      {"empty label",
       kBase + kAlpha + "routing:\n  domains:\n    ..ke: [alpha-main]\n",
       {"invalid domain suffix '..ke'"}},
      {"hosting product",
       kBase + kAlpha + "routing:\n  hosting:\n    Fire.Wall: [alpha-main]\n",
       {"invalid hosting product 'Fire.Wall'"}},

      // Addresses and URLs.
      {"listen without a port",
       "server:\n  listen: 127.0.0.1\n" + kAdmin + kStorage,
       {"portico.yaml:2:11: server.listen: invalid listen address: expected host:port"}},
      {"listen on a name",
       "server:\n  listen: localhost:8080\n" + kAdmin + kStorage,
       {"server.listen: invalid listen address"}},
      {"IPv6 without brackets",
       "server:\n  listen: \"::1:8080\"\n" + kAdmin + kStorage,
       {"server.listen: invalid listen address: put an IPv6 address in brackets"}},
      {"listen port too big",
       "server:\n  listen: 127.0.0.1:70000\n" + kAdmin + kStorage,
       {"server.listen: invalid listen address: the port must be a number from 0 to 65535"}},
      {"bad IPv6",
       "server:\n  listen: \"[::g]:80\"\n" + kAdmin + kStorage,
       {"server.listen: invalid listen address: not an IPv6 address"}},
      {"same address twice",
       "server:\n  listen: 0.0.0.0:8080\n"
       "admin:\n  listen: 127.0.0.1:8080\n  token: admin-token-0123456789\n" +
           kStorage,
       {"portico.yaml:4:11: admin.listen: must not be the address of server.listen"}},
      {"URL scheme",
       kBase + "providers:\n  alpha-main:\n    type: alpha\n"
               "    endpoint: ftp://alpha.example\n",
       {"portico.yaml:11:15: providers.alpha-main.endpoint: invalid URL: the scheme must be "
        "http or https"}},
      {"URL without scheme",
       kBase + "providers:\n  alpha-main:\n    type: alpha\n"
               "    endpoint: alpha.example/api\n",
       {"invalid URL: it must start with http:// or https://"}},
      {"URL with credentials",
       kBase + "providers:\n  alpha-main:\n    type: alpha\n"
               "    endpoint: https://user:pa55word@alpha.example\n",
       {"invalid URL: it must not contain credentials"}},
      {"URL with a query",
       kBase + "providers:\n  alpha-main:\n    type: alpha\n"
               "    endpoint: https://alpha.example/api?x=1\n",
       {"invalid URL: it must not have a query or a fragment"}},
      {"URL port",
       kBase + "providers:\n  alpha-main:\n    type: alpha\n"
               "    endpoint: https://alpha.example:0/\n",
       {"invalid URL: the port must be a number from 1 to 65535"}},
      {"URL host",
       kBase + "providers:\n  alpha-main:\n    type: alpha\n"
               "    endpoint: https://alpha..example/\n",
       {"invalid URL: the host is not a valid name"}},
      {"URL without host",
       kBase + "providers:\n  alpha-main:\n    type: alpha\n"
               "    endpoint: https:///api\n",
       {"invalid URL: it has no host"}},
      {"URL path",
       kBase + "providers:\n  alpha-main:\n    type: alpha\n"
               "    endpoint: https://alpha.example/a b\n",
       {"invalid URL: the path holds a character that is not allowed"}},
      {"source address name",
       kBase + "providers:\n  gamma-main:\n    type: gamma\n    endpoint: https://g.example\n"
               "    source_address: gateway.example\n    api_key: S3cr3t-gamma-key-value\n",
       {"portico.yaml:12:21: providers.gamma-main.source_address: expected an IPv4 or IPv6 "
        "address"}},

      // Environment and files.
      {"unset variable",
       kServer + "admin:\n  listen: 127.0.0.1:0\n  token: ${NOPE_TOKEN}\n" + kStorage,
       {"portico.yaml:5:10: admin.token: environment variable 'NOPE_TOKEN' is not set"}},
      {"unset variable inside a string",
       kBase + kAlpha + "    ca_file: ${HOME_DIR}/ca.pem\n",
       {"providers.alpha-main.ca_file: environment variable 'HOME_DIR' is not set"}},
      {"unterminated variable",
       kServer + "admin:\n  listen: 127.0.0.1:0\n  token: S3cr3t-alpha-key-value${X\n" + kStorage,
       {"admin.token: unterminated '${'"}},
      {"bad variable name",
       kServer + "admin:\n  listen: 127.0.0.1:0\n  token: S3cr3t-${alpha key}\n" + kStorage,
       {"admin.token: invalid environment variable reference"}},
      {"variable set but empty",
       kServer + "admin:\n  listen: 127.0.0.1:0\n  token: ${EMPTY}\n" + kStorage,
       {"admin.token: must not be empty"}},
      {"missing secret file",
       kServer + "admin:\n  listen: 127.0.0.1:0\n  token_file: secrets/none.token\n" + kStorage,
       {"portico.yaml:5:15: admin.token_file: cannot read '",
        "/secrets/none.token': no such file"}},
      {"secret file is a directory",
       kServer + "admin:\n  listen: 127.0.0.1:0\n  token_file: secrets\n" + kStorage,
       {"admin.token_file: cannot read '", "secrets': it is a directory"}},
      {"missing CA file",
       kBase + kAlpha + "    ca_file: missing-ca.pem\n",
       {"providers.alpha-main.ca_file: cannot read '", "missing-ca.pem': no such file"}},
      {"missing TLS key",
       kServer + "  tls: {cert_file: tls/server.crt, key_file: tls/none.key}\n" + kAdmin + kStorage,
       {"server.tls.key_file: cannot read '", "tls/none.key': no such file"}},
      {"TLS without key",
       kServer + "  tls: {cert_file: tls/server.crt}\n" + kAdmin + kStorage,
       {"server.tls.key_file: required field is missing"}},
      {"secret and secret file",
       kBase + kAlpha + "    api_key_file: secrets/alpha.key\n",
       {"portico.yaml:14:19: providers.alpha-main.api_key_file: give either 'api_key' or "
        "'api_key_file', not both"}},

      // The document itself.
      {"syntax error",
       "server:\n  listen: [::1]:8080\n" + kAdmin + kStorage,
       {"portico.yaml:2:", "invalid YAML: "}},
      {"bad indentation",
       "server:\n  listen: 127.0.0.1:0\n threads: 2\n",
       {"portico.yaml:3:", "invalid YAML"}},
      {"duplicate key",
       kServer + "  listen: 127.0.0.1:1\n" + kAdmin + kStorage,
       {"portico.yaml:3:3: server.listen: duplicate key 'listen' (first given on line 2)"}},
      {"duplicate provider",
       kBase + kAlpha + kAlpha.substr(11),
       {"portico.yaml:14:3: providers.alpha-main: duplicate key 'alpha-main'"}},
      {"empty file", "", {"portico.yaml:1:1: the configuration is empty"}},
      {"comments only", "# nothing here\n", {"portico.yaml:1:1: the configuration is empty"}},
      {"list at the top",
       "- server\n- admin\n",
       {"portico.yaml:1:1: the top level must be a map of sections"}},
      {"two documents", kBase + "---\n" + kBase, {"expected one YAML document"}},
      {"non-scalar key", kBase + "? [a, b]\n: 1\n", {"a key must be a plain name"}},
  };
}

TEST_F(ConfigTest, RefusesEachKindOfMistakeWithAClearMessage) {
  for (const RefusalCase& refused : refusal_cases()) {
    SCOPED_TRACE(refused.name);
    const std::string message = refusal(refused.yaml);
    for (const std::string& expected : refused.expected) {
      EXPECT_THAT(message, HasSubstr(expected));
    }
    for (const std::string& secret : kSecrets)
      EXPECT_THAT(message, Not(HasSubstr(secret)));
  }
}

TEST_F(ConfigTest, EnvironmentSecretsNeverReachMessages) {
  // The secret comes from the environment and its sibling is wrong.
  const std::string message =
      refusal(kBase +
              "providers:\n  beta-main:\n    type: beta\n    endpoint: https://b.example\n"
              "    token: ${BETA_SECRET}\n    organization_id: -4\n");
  EXPECT_THAT(message, HasSubstr("providers.beta-main.organization_id: must be at least 1"));
  EXPECT_THAT(message, Not(HasSubstr("beta-env-secret")));

  // A secret that is too long is reported by its length only.
  const std::string long_secret(70000, 'k');
  const std::string too_long = refusal(kBase + kAlpha.substr(0, kAlpha.rfind("    api_key")) +
                                       "    api_key: " + long_secret + "\n");
  EXPECT_THAT(too_long, HasSubstr("providers.alpha-main.api_key: the secret is too long"));
  EXPECT_THAT(too_long, Not(HasSubstr("kkkkkkkk")));
}

TEST_F(ConfigTest, RefusesSchemasThatCollideWithCommonKeys) {
  schemas_["delta"] = {"delta", {Category::domains}, {{"endpoint", FieldKind::string}}};
  EXPECT_THROW(parse(kBase), std::logic_error);
  schemas_.erase("delta");
  schemas_["epsilon"] = {"epsilon",
                         {Category::domains},
                         {{"key", FieldKind::secret}, {"key_file", FieldKind::string}}};
  EXPECT_THROW(parse(kBase), std::logic_error);
}

}  // namespace
}  // namespace portico::config
