// A provider instance's resilience keys (retries, circuit_breaker, rate_limits, max_queue): the
// defaults, every key, a type's published rate limits and their override, and each kind of bad
// value refused with its position.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "portico/config/config.hpp"

#include "config/config_test_support.hpp"

namespace portico::config {
namespace {

using namespace std::chrono_literals;
using testing::environment_of;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::test_schemas;

// Lines 1-13; the first key appended to the instance starts on line 14.
const std::string kBase =
    "server:\n"
    "  listen: 127.0.0.1:0\n"
    "admin:\n"
    "  listen: 127.0.0.1:0\n"
    "  token: admin-token-0123456789\n"
    "storage:\n"
    "  sqlite: portico.db\n"
    "providers:\n"
    "  beta-main:\n"
    "    type: beta\n"
    "    endpoint: https://beta.example\n"
    "    token: S3cr3t-beta-token-value\n"
    "    organization_id: 7\n";

class ResilienceConfigTest : public ::testing::Test {
 protected:
  ResilienceConfigTest() {
    // Like DigiCert: the type publishes its limits.
    schemas_["beta"].default_rate_limits = {{.requests = 100, .per = 5s},
                                            {.requests = 1000, .per = 180s}};
  }

  ProviderConfig parse(const std::string& lines) const {
    return parse_config(kBase + lines, "portico.yaml", dir_.path().string(), schemas_,
                        environment_of({}))
        .providers.at("beta-main");
  }

  std::string refusal(const std::string& lines) const {
    try {
      parse(lines);
    } catch (const ConfigError& error) {
      return error.what();
    }
    ADD_FAILURE() << "accepted:\n" << lines;
    return {};
  }

  TempDir dir_;
  ProviderSchemas schemas_ = test_schemas();
};

TEST_F(ResilienceConfigTest, HasDefaultsAndTheTypesPublishedLimits) {
  const ProviderConfig provider = parse("");
  EXPECT_EQ(provider.retries.max_attempts, 3);
  EXPECT_EQ(provider.retries.base_delay, 100ms);
  EXPECT_EQ(provider.retries.max_delay, 2000ms);
  EXPECT_EQ(provider.circuit_breaker.failure_rate_percent, 50);
  EXPECT_EQ(provider.circuit_breaker.min_calls, 20);
  EXPECT_EQ(provider.circuit_breaker.window, 60000ms);
  EXPECT_EQ(provider.circuit_breaker.open_for, 30000ms);
  EXPECT_EQ(provider.circuit_breaker.half_open_probes, 1);
  EXPECT_EQ(provider.max_queue, 64);
  EXPECT_EQ(provider.rate_limits, (std::vector<core::RateLimit>{{.requests = 100, .per = 5s},
                                                                {.requests = 1000, .per = 180s}}));
  // A type that publishes none has none.
  const Config other =
      parse_config(kBase +
                       "  alpha-main:\n    type: alpha\n    endpoint: https://a.example\n"
                       "    username: reseller\n    api_key: S3cr3t-alpha-key-value\n",
                   "portico.yaml", dir_.path().string(), schemas_, environment_of({}));
  EXPECT_TRUE(other.providers.at("alpha-main").rate_limits.empty());
}

TEST_F(ResilienceConfigTest, ReadsEveryKey) {
  const ProviderConfig provider = parse(
      "    retries: {max_attempts: 5, base_delay_ms: 20, max_delay_ms: 400}\n"
      "    circuit_breaker:\n"
      "      failure_rate_percent: 75\n"
      "      min_calls: 4\n"
      "      window_ms: 10000\n"
      "      open_ms: 250\n"
      "      half_open_probes: 2\n"
      "    rate_limits:\n"
      "      - {requests: 3, per_ms: 1000}\n"
      "      - requests: 50\n"
      "        per_ms: 60000\n"
      "    max_queue: 0\n");
  EXPECT_EQ(provider.retries.max_attempts, 5);
  EXPECT_EQ(provider.retries.base_delay, 20ms);
  EXPECT_EQ(provider.retries.max_delay, 400ms);
  EXPECT_EQ(provider.circuit_breaker.failure_rate_percent, 75);
  EXPECT_EQ(provider.circuit_breaker.min_calls, 4);
  EXPECT_EQ(provider.circuit_breaker.window, 10000ms);
  EXPECT_EQ(provider.circuit_breaker.open_for, 250ms);
  EXPECT_EQ(provider.circuit_breaker.half_open_probes, 2);
  // The instance's own limits replace the type's.
  EXPECT_EQ(provider.rate_limits, (std::vector<core::RateLimit>{{.requests = 3, .per = 1s},
                                                                {.requests = 50, .per = 60s}}));
  EXPECT_EQ(provider.max_queue, 0);
}

TEST_F(ResilienceConfigTest, PartialBlocksKeepTheOtherDefaults) {
  const ProviderConfig provider =
      parse("    retries: {max_attempts: 1}\n    circuit_breaker: {open_ms: 1000}\n");
  EXPECT_EQ(provider.retries.max_attempts, 1);
  EXPECT_EQ(provider.retries.base_delay, 100ms);
  EXPECT_EQ(provider.circuit_breaker.open_for, 1000ms);
  EXPECT_EQ(provider.circuit_breaker.min_calls, 20);
}

TEST_F(ResilienceConfigTest, AnEmptyListTurnsThePublishedLimitsOff) {
  EXPECT_TRUE(parse("    rate_limits: []\n").rate_limits.empty());
  // An empty value is absent, as everywhere: the defaults stay.
  EXPECT_EQ(parse("    rate_limits:\n").rate_limits.size(), 2U);
}

struct BadValue {
  const char* name;
  std::string lines;     // appended to the instance
  std::string expected;  // a substring of the message
};

TEST_F(ResilienceConfigTest, RefusesBadValuesWithTheirPosition) {
  const std::vector<BadValue> cases = {
      {"no attempt", "    retries: {max_attempts: 0}\n",
       "portico.yaml:14:29: providers.beta-main.retries.max_attempts: must be from 1 to 10, got "
       "'0'"},
      {"too many attempts", "    retries: {max_attempts: 11}\n",
       "providers.beta-main.retries.max_attempts: must be from 1 to 10"},
      {"zero delay", "    retries: {base_delay_ms: 0}\n",
       "providers.beta-main.retries.base_delay_ms: must be from 1 to 60000"},
      {"cap under the base", "    retries: {base_delay_ms: 500, max_delay_ms: 100}\n",
       "portico.yaml:14:14: providers.beta-main.retries: 'max_delay_ms' must not be less than "
       "'base_delay_ms'"},
      {"retry key typo", "    retries: {max_attempt: 2}\n",
       "portico.yaml:14:15: providers.beta-main.retries.max_attempt: unknown key 'max_attempt' "
       "(did you mean 'max_attempts'?)"},
      {"retries not a map", "    retries: 3\n",
       "portico.yaml:14:14: providers.beta-main.retries: expected a map"},
      {"rate over 100", "    circuit_breaker: {failure_rate_percent: 101}\n",
       "providers.beta-main.circuit_breaker.failure_rate_percent: must be from 1 to 100"},
      {"rate as a fraction", "    circuit_breaker: {failure_rate_percent: 0.5}\n",
       "providers.beta-main.circuit_breaker.failure_rate_percent: expected an integer"},
      {"no calls", "    circuit_breaker: {min_calls: 0}\n",
       "providers.beta-main.circuit_breaker.min_calls: must be from 1 to 100000"},
      {"tiny window", "    circuit_breaker: {window_ms: 99}\n",
       "providers.beta-main.circuit_breaker.window_ms: must be from 100 to 3600000"},
      {"open too long", "    circuit_breaker: {open_ms: 3600001}\n",
       "providers.beta-main.circuit_breaker.open_ms: must be from 10 to 3600000"},
      {"no probe", "    circuit_breaker: {half_open_probes: 0}\n",
       "providers.beta-main.circuit_breaker.half_open_probes: must be from 1 to 100"},
      {"breaker key typo", "    circuit_breaker: {opn_ms: 10}\n",
       "providers.beta-main.circuit_breaker.opn_ms: unknown key 'opn_ms' (did you mean "
       "'open_ms'?)"},
      {"limit without requests", "    rate_limits: [{per_ms: 1000}]\n",
       "portico.yaml:14:19: providers.beta-main.rate_limits[0].requests: required field is "
       "missing"},
      {"limit without window", "    rate_limits: [{requests: 5}]\n",
       "providers.beta-main.rate_limits[0].per_ms: required field is missing"},
      {"zero requests", "    rate_limits: [{requests: 1, per_ms: 10}, {requests: 0, per_ms: 10}]\n",
       "providers.beta-main.rate_limits[1].requests: must be from 1 to 100000"},
      {"zero window", "    rate_limits: [{requests: 1, per_ms: 0}]\n",
       "providers.beta-main.rate_limits[0].per_ms: must be from 1 to 86400000"},
      {"limit key typo", "    rate_limits: [{requests: 1, per_m: 10}]\n",
       "providers.beta-main.rate_limits[0].per_m: unknown key 'per_m' (did you mean 'per_ms'?)"},
      {"limits not a list", "    rate_limits: {requests: 1, per_ms: 10}\n",
       "providers.beta-main.rate_limits: expected a list"},
      {"negative queue", "    max_queue: -1\n",
       "portico.yaml:14:16: providers.beta-main.max_queue: must be from 0 to 100000"},
      {"instance key typo", "    circuit_braker: {}\n",
       "portico.yaml:14:5: providers.beta-main.circuit_braker: unknown key 'circuit_braker' (did "
       "you mean 'circuit_breaker'?)"},
  };
  for (const BadValue& bad : cases) {
    SCOPED_TRACE(bad.name);
    const std::string message = refusal(bad.lines);
    EXPECT_THAT(message, HasSubstr(bad.expected));
    EXPECT_THAT(message, ::testing::Not(HasSubstr("S3cr3t-beta-token-value")));
  }
}

}  // namespace
}  // namespace portico::config
