// The `webhooks:` section: its defaults, every key, and each kind of bad value refused with the
// file, line and column of the value.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "portico/config/config.hpp"

#include "config/config_test_support.hpp"

namespace portico::config {
namespace {

using testing::environment_of;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::test_schemas;

// Lines 1-7; a `webhooks:` block appended starts on line 8, its first key on line 9.
const std::string kBase =
    "server:\n"
    "  listen: 127.0.0.1:0\n"
    "admin:\n"
    "  listen: 127.0.0.1:0\n"
    "  token: admin-token-0123456789\n"
    "storage:\n"
    "  sqlite: portico.db\n";

class WebhooksConfigTest : public ::testing::Test {
 protected:
  Config parse(const std::string& yaml) const {
    return parse_config(yaml, "portico.yaml", dir_.path().string(), test_schemas(),
                        environment_of({}));
  }

  // The message of the ConfigError `webhooks` (lines after "webhooks:") raises.
  std::string refusal(const std::string& webhooks) const {
    const std::string yaml = kBase + "webhooks:\n" + webhooks;
    try {
      parse(yaml);
    } catch (const ConfigError& error) {
      return error.what();
    }
    ADD_FAILURE() << "accepted:\n" << yaml;
    return {};
  }

  TempDir dir_;
};

TEST_F(WebhooksConfigTest, HasDefaultsWithoutTheSection) {
  for (const std::string& yaml : {kBase, kBase + "webhooks:\n"}) {
    SCOPED_TRACE(yaml);
    const WebhooksConfig webhooks = parse(yaml).webhooks;
    EXPECT_TRUE(webhooks.enabled);
    EXPECT_EQ(webhooks.header_brand, "Portico");
    EXPECT_FALSE(webhooks.allow_private_targets);
    EXPECT_FALSE(webhooks.allow_http);
    EXPECT_EQ(webhooks.ca_file, "");
    EXPECT_EQ(webhooks.timeout.count(), 10000);
    EXPECT_EQ(webhooks.max_concurrency_per_endpoint, 4);
    EXPECT_EQ(webhooks.max_in_flight, 64);
    EXPECT_EQ(webhooks.disable_after_failures, 100);
    EXPECT_EQ(webhooks.max_endpoints_per_partner, 16);
    EXPECT_EQ(webhooks.rotation_window.count(), 24LL * 3600 * 1000);
    EXPECT_EQ(webhooks.poll_interval.count(), 1000);
  }
}

TEST_F(WebhooksConfigTest, ReadsEveryKey) {
  dir_.write("certs/receivers-ca.pem", "ca");
  const WebhooksConfig webhooks = parse(kBase +
                                        "webhooks:\n"
                                        "  enabled: false\n"
                                        "  header_brand: Giga-Globe2\n"
                                        "  allow_private_targets: true\n"
                                        "  allow_http: true\n"
                                        "  ca_file: certs/receivers-ca.pem\n"
                                        "  timeout_ms: 2500\n"
                                        "  max_concurrency_per_endpoint: 2\n"
                                        "  max_in_flight: 128\n"
                                        "  disable_after_failures: 7\n"
                                        "  max_endpoints_per_partner: 3\n"
                                        "  rotation_window_ms: 0\n"
                                        "  poll_interval_ms: 250\n")
                                      .webhooks;
  EXPECT_FALSE(webhooks.enabled);
  EXPECT_EQ(webhooks.header_brand, "Giga-Globe2");
  EXPECT_TRUE(webhooks.allow_private_targets);
  EXPECT_TRUE(webhooks.allow_http);
  // Relative to the configuration's directory.
  EXPECT_EQ(webhooks.ca_file, (dir_.path() / "certs/receivers-ca.pem").lexically_normal().string());
  EXPECT_EQ(webhooks.timeout.count(), 2500);
  EXPECT_EQ(webhooks.max_concurrency_per_endpoint, 2);
  EXPECT_EQ(webhooks.max_in_flight, 128);
  EXPECT_EQ(webhooks.disable_after_failures, 7);
  EXPECT_EQ(webhooks.max_endpoints_per_partner, 3);
  EXPECT_EQ(webhooks.rotation_window.count(), 0);
  EXPECT_EQ(webhooks.poll_interval.count(), 250);

  // The limits themselves are accepted.
  const WebhooksConfig limits = parse(kBase +
                                      "webhooks:\n"
                                      "  timeout_ms: 60000\n"
                                      "  rotation_window_ms: 604800000\n"
                                      "  header_brand: " +
                                      std::string(32, 'B') + "\n")
                                    .webhooks;
  EXPECT_EQ(limits.timeout.count(), 60000);
  EXPECT_EQ(limits.rotation_window.count(), 604800000);
  EXPECT_EQ(limits.header_brand, std::string(32, 'B'));
}

struct BadValue {
  const char* name;
  std::string webhooks;  // the lines under "webhooks:"
  std::string expected;  // a substring of the message
};

TEST_F(WebhooksConfigTest, RefusesBadValuesWithTheirPosition) {
  const std::vector<BadValue> cases = {
      {"brand with a space", "  header_brand: Giga Globe\n",
       "portico.yaml:9:17: webhooks.header_brand: must be 1 to 32 letters, digits or '-'"},
      {"brand with a colon", "  header_brand: \"X:Y\"\n",
       "portico.yaml:9:17: webhooks.header_brand: must be 1 to 32 letters, digits or '-'"},
      {"brand too long", "  header_brand: " + std::string(33, 'B') + "\n",
       "portico.yaml:9:17: webhooks.header_brand: must be 1 to 32 letters"},
      {"empty brand", "  header_brand: \"\"\n", "portico.yaml:9:17: webhooks.header_brand:"},
      {"timeout 0", "  timeout_ms: 0\n",
       "portico.yaml:9:15: webhooks.timeout_ms: must be from 100 to 60000, got '0'"},
      {"timeout too long", "  enabled: true\n  timeout_ms: 60001\n",
       "portico.yaml:10:15: webhooks.timeout_ms: must be from 100 to 60000"},
      {"timeout as text", "  timeout_ms: 10s\n",
       "portico.yaml:9:15: webhooks.timeout_ms: expected an integer"},
      {"no concurrency", "  max_concurrency_per_endpoint: 0\n",
       "portico.yaml:9:33: webhooks.max_concurrency_per_endpoint: must be from 1 to 64"},
      {"no flight", "  max_in_flight: 0\n", "webhooks.max_in_flight: must be from 1 to 4096"},
      {"never disable", "  disable_after_failures: 0\n",
       "webhooks.disable_after_failures: must be from 1 to 100000"},
      {"no endpoints", "  max_endpoints_per_partner: 0\n",
       "webhooks.max_endpoints_per_partner: must be from 1 to 1000"},
      {"rotation over a week", "  rotation_window_ms: 604800001\n",
       "webhooks.rotation_window_ms: must be from 0 to 604800000"},
      {"negative rotation", "  rotation_window_ms: -1\n",
       "webhooks.rotation_window_ms: must be from 0 to 604800000"},
      {"poll too fast", "  poll_interval_ms: 9\n",
       "webhooks.poll_interval_ms: must be from 10 to 60000"},
      {"enabled not a boolean", "  enabled: sometimes\n",
       "portico.yaml:9:12: webhooks.enabled: expected true or false"},
      {"quoted boolean", "  allow_http: \"true\"\n", "webhooks.allow_http: expected true or false"},
      {"missing CA file", "  ca_file: nowhere.pem\n",
       "portico.yaml:9:12: webhooks.ca_file: cannot read"},
      {"unknown key", "  timout_ms: 5000\n",
       "portico.yaml:9:3: webhooks.timout_ms: unknown key 'timout_ms' (did you mean "
       "'timeout_ms'?)"},
      {"key of another section", "  allow_private_target: true\n",
       "portico.yaml:9:3: webhooks.allow_private_target: unknown key 'allow_private_target' (did "
       "you mean 'allow_private_targets'?)"},
      {"not a map", "  - enabled\n", "portico.yaml:9:3: webhooks: expected a map"},
  };
  for (const BadValue& bad : cases) {
    SCOPED_TRACE(bad.name);
    EXPECT_THAT(refusal(bad.webhooks), HasSubstr(bad.expected));
  }
}

}  // namespace
}  // namespace portico::config
