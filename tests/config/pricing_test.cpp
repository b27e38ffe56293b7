// The `pricing:` section, provider credit floors and the billing jobs' intervals: amounts are
// read exactly from the YAML text into minor units, and every route must have a price.
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

// Lines 1-7; what a test appends starts on line 8.
const std::string kBase =
    "server:\n"
    "  listen: 127.0.0.1:0\n"
    "admin:\n"
    "  listen: 127.0.0.1:0\n"
    "  token: admin-token-0123456789\n"
    "storage:\n"
    "  sqlite: portico.db\n";

// Lines 8-18: a domain instance and a certificate instance, routed.
const std::string kProviders =
    "providers:\n"
    "  alpha-main:\n"
    "    type: alpha\n"
    "    endpoint: https://alpha.example\n"
    "    username: reseller\n"
    "    api_key: S3cr3t-alpha-key-value\n"
    "  beta-main:\n"
    "    type: beta\n"
    "    endpoint: https://beta.example\n"
    "    token: S3cr3t-beta-token-value\n"
    "    organization_id: 7\n";

std::string routing(const std::string& domains, const std::string& ssl = "{ dv: [beta-main] }") {
  return "routing:\n  domains: " + domains + "\n  ssl: " + ssl + "\n";
}

class PricingTest : public ::testing::Test {
 protected:
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

  // A document whose `pricing:` block holds `lines` (each indented two spaces by the caller);
  // the block starts on line 8.
  std::string with_pricing(const std::string& lines) const { return kBase + "pricing:\n" + lines; }

  TempDir dir_;
  ProviderSchemas schemas_ = test_schemas();
  Environment env_ = environment_of({});
};

TEST_F(PricingTest, WithoutASectionNothingIsPricedAndRoutesNeedNoPrice) {
  const Config config = parse(kBase + kProviders + routing("{ \"*\": [alpha-main] }"));
  EXPECT_FALSE(config.pricing.configured);
  EXPECT_EQ(config.pricing.currency, "USD");
  EXPECT_EQ(config.pricing.domain("example.com"), nullptr);
  EXPECT_FALSE(config.pricing.certificate("dv").has_value());
  EXPECT_FALSE(config.pricing.hosting_plan("10k").has_value());
}

TEST_F(PricingTest, ReadsEveryPriceExactlyInMinorUnits) {
  const Config config = parse(kBase + kProviders +
                              routing("{ \".co.ke\": [alpha-main], \"*\": [alpha-main] }",
                                      "{ dv: [beta-main], ov: [beta-main] }") +
                              "pricing:\n"
                              "  currency: KES\n"
                              "  domains:\n"
                              "    \".co.ke\": { register: 12.00, transfer: 9.5, renew: 0.10 }\n"
                              "    \"*\":\n"
                              "      register: 15\n"
                              "      transfer: 0\n"
                              "      renew: 1234567.89\n"
                              "  ssl: { dv: 0.20, ov: 49.00, ev: 149.00, wildcard: 99.99 }\n"
                              "  hosting: { Free: 0, 10k: 7.00, 20k: 12.01, 100k: 39 }\n");
  const PricingConfig& pricing = config.pricing;
  EXPECT_TRUE(pricing.configured);
  EXPECT_EQ(pricing.currency, "KES");

  const DomainPrices* kenya = pricing.domain("shop.co.ke");
  ASSERT_NE(kenya, nullptr);
  EXPECT_EQ(kenya->register_per_year, 1200);
  EXPECT_EQ(kenya->transfer, 950);
  EXPECT_EQ(kenya->renew_per_year, 10);
  const DomainPrices* fallback = pricing.domain("example.com");
  ASSERT_NE(fallback, nullptr);
  EXPECT_EQ(fallback->register_per_year, 1500);
  EXPECT_EQ(fallback->transfer, 0);
  EXPECT_EQ(fallback->renew_per_year, 123456789);

  EXPECT_EQ(pricing.certificate("dv"), 20);
  EXPECT_EQ(pricing.certificate("ov"), 4900);
  EXPECT_EQ(pricing.certificate("ev"), 14900);
  EXPECT_EQ(pricing.certificate("wildcard"), 9999);
  EXPECT_FALSE(pricing.certificate("multi").has_value());

  EXPECT_EQ(pricing.hosting_plan("Free"), 0);
  EXPECT_EQ(pricing.hosting_plan("10k"), 700);
  EXPECT_EQ(pricing.hosting_plan("20k"), 1201);
  EXPECT_EQ(pricing.hosting_plan("100k"), 3900);
  EXPECT_FALSE(pricing.hosting_plan("free").has_value());  // the supplier's spelling
  EXPECT_FALSE(pricing.hosting_plan("200k").has_value());
}

TEST_F(PricingTest, FindsTheLongestPricedSuffixThenTheDefault) {
  const Config config =
      parse(with_pricing("  domains:\n"
                         "    \".ke\": { register: 1, transfer: 1, renew: 1 }\n"
                         "    \".co.ke\": { register: 2, transfer: 2, renew: 2 }\n"
                         "    \"*\": { register: 3, transfer: 3, renew: 3 }\n"));
  const auto price = [&](std::string_view name) {
    const DomainPrices* found = config.pricing.domain(name);
    return found == nullptr ? -1 : found->register_per_year;
  };
  EXPECT_EQ(price("shop.co.ke"), 200);
  EXPECT_EQ(price("SHOP.CO.KE."), 200);  // case and a trailing dot do not matter
  EXPECT_EQ(price("go.ke"), 100);
  EXPECT_EQ(price("a.b.ke"), 100);
  EXPECT_EQ(price("example.com"), 300);
  EXPECT_EQ(price("broke"), 300);  // ".ke" matches on a label boundary only

  const Config without_default =
      parse(with_pricing("  domains:\n    \".ke\": { register: 1, transfer: 1, renew: 1 }\n"));
  EXPECT_EQ(without_default.pricing.domain("example.com"), nullptr);
  EXPECT_NE(without_default.pricing.domain("example.ke"), nullptr);
}

TEST_F(PricingTest, UsesEachCurrencysMinorUnit) {
  EXPECT_EQ(currency_exponent("USD"), 2);
  EXPECT_EQ(currency_exponent("KES"), 2);
  EXPECT_EQ(currency_exponent("EUR"), 2);
  for (const char* none : {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                           "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"}) {
    EXPECT_EQ(currency_exponent(none), 0) << none;
  }
  for (const char* three : {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}) {
    EXPECT_EQ(currency_exponent(three), 3) << three;
  }

  const Config yen = parse(with_pricing("  currency: JPY\n  ssl: { dv: 1500 }\n"));
  EXPECT_EQ(yen.pricing.certificate("dv"), 1500);
  const Config dinar = parse(with_pricing("  currency: KWD\n  ssl: { dv: 2.5, ov: 0.125 }\n"));
  EXPECT_EQ(dinar.pricing.certificate("dv"), 2500);
  EXPECT_EQ(dinar.pricing.certificate("ov"), 125);

  EXPECT_THAT(refusal(with_pricing("  currency: JPY\n  ssl: { dv: 1500.00 }\n")),
              HasSubstr("portico.yaml:10:14: pricing.ssl.dv: JPY amounts have no decimals"));
  EXPECT_THAT(refusal(with_pricing("  currency: KWD\n  ssl: { dv: 0.1255 }\n")),
              HasSubstr("pricing.ssl.dv: KWD amounts have at most 3 decimals"));
}

struct Refusal {
  const char* name;
  std::string pricing;                // the lines of the block, from line 9
  std::vector<std::string> expected;  // substrings of the message
};

std::vector<Refusal> refusals() {
  return {
      {"more decimals than the currency",
       "  ssl: { dv: 9.005 }\n",
       {"portico.yaml:9:14: pricing.ssl.dv: USD amounts have at most 2 decimals"}},
      {"negative", "  ssl: { dv: -9.00 }\n", {"pricing.ssl.dv: must not be negative"}},
      {"exponent",
       "  ssl: { dv: 1e3 }\n",
       {"pricing.ssl.dv: write the amount without an exponent"}},
      {"negative exponent", "  ssl: { dv: 5E-2 }\n", {"pricing.ssl.dv: write the amount"}},
      {"word", "  ssl: { dv: nine }\n", {"pricing.ssl.dv: expected a decimal amount"}},
      {"infinity", "  ssl: { dv: .inf }\n", {"pricing.ssl.dv: expected a decimal amount"}},
      {"hexadecimal", "  ssl: { dv: 0x10 }\n", {"pricing.ssl.dv: expected a decimal amount"}},
      {"plus sign", "  ssl: { dv: +9 }\n", {"pricing.ssl.dv: expected a decimal amount"}},
      {"bare dot", "  ssl: { dv: 9. }\n", {"pricing.ssl.dv: expected a decimal amount"}},
      {"leading dot", "  ssl: { dv: .5 }\n", {"pricing.ssl.dv: expected a decimal amount"}},
      {"leading zeros", "  ssl: { dv: 010 }\n", {"pricing.ssl.dv: ", "without leading zeros"}},
      {"too large",
       "  ssl: { dv: 99999999999999999999 }\n",
       {"pricing.ssl.dv: the amount is too large"}},
      {"quoted",
       "  ssl: { dv: \"9.00\" }\n",
       {"pricing.ssl.dv: expected an amount such as 12.50, got a quoted string"}},
      {"list", "  ssl: { dv: [9] }\n", {"pricing.ssl.dv: expected an amount", "got a list"}},
      {"empty plan price", "  hosting:\n    10k:\n", {"pricing.hosting.10k: expected an amount"}},
      {"lowercase currency",
       "  currency: usd\n",
       {"portico.yaml:9:13: pricing.currency: expected an ISO 4217 currency code"}},
      {"long currency", "  currency: USDT\n", {"pricing.currency: expected an ISO 4217"}},
      {"unknown section",
       "  domain: {}\n",
       {"portico.yaml:9:3: pricing.domain: unknown key 'domain' (did you mean 'domains'?)"}},
      {"unknown ssl product",
       "  ssl: { dw: 9 }\n",
       {"pricing.ssl.dw: unknown key 'dw' (did you mean 'dv'?)"}},
      {"unknown domain price",
       "  domains: { \"*\": { register: 1, transfer: 1, renew: 1, renwe: 1 } }\n",
       {"pricing.domains[\"*\"].renwe: unknown key 'renwe'"}},
      {"missing domain price",
       "  domains: { \"*\": { register: 1, transfer: 1 } }\n",
       {"pricing.domains[\"*\"].renew: required field is missing"}},
      {"typo of a domain price",
       "  domains: { \"*\": { regster: 1, transfer: 1, renew: 1 } }\n",
       {"pricing.domains[\"*\"].regster: unknown key 'regster' (did you mean 'register'?)"}},
      {"bad suffix",
       "  domains: { \"com\": { register: 1, transfer: 1, renew: 1 } }\n",
       {"portico.yaml:9:14: pricing.domains.com: invalid domain suffix 'com'"}},
      {"domain without prices", "  domains:\n    \"*\":\n", {"pricing.domains[\"*\"]: expected {"}},
      {"bad plan name",
       "  hosting: { \"10 k\": 7 }\n",
       {"pricing.hosting[\"10 k\"]: invalid plan name '10 k'"}},
  };
}

TEST_F(PricingTest, RefusesEachMistakeWithItsPosition) {
  for (const Refusal& refused : refusals()) {
    SCOPED_TRACE(refused.name);
    const std::string message = refusal(with_pricing(refused.pricing));
    for (const std::string& expected : refused.expected)
      EXPECT_THAT(message, HasSubstr(expected));
  }
}

TEST_F(PricingTest, EveryRouteMustHaveAPrice) {
  const std::string ssl_prices = "  ssl: { dv: 9.00 }\n";
  // A ".co.ke" route is priced by ".ke" (every name under it is under ".ke") or by "*".
  EXPECT_NO_THROW(parse(kBase + kProviders + routing("{ \".co.ke\": [alpha-main] }") +
                        "pricing:\n  domains: { \".ke\": { register: 1, transfer: 1, renew: 1 } }"
                        "\n" +
                        ssl_prices));
  EXPECT_NO_THROW(parse(kBase + kProviders + routing("{ \".co.ke\": [alpha-main] }") +
                        "pricing:\n  domains: { \"*\": { register: 1, transfer: 1, renew: 1 } }\n" +
                        ssl_prices));

  // Line 22 is `domains:` under pricing.
  EXPECT_EQ(
      refusal(kBase + kProviders + routing("{ \".com\": [alpha-main] }") +
              "pricing:\n  domains: { \".co.ke\": { register: 1, transfer: 1, renew: 1 } }\n" +
              ssl_prices),
      "portico.yaml:23:12: pricing.domains: the domain route \".com\" has no price: add "
      "\".com\" (or a \"*\" default) with register, transfer and renew prices");
  // "*" routes every other TLD: only a "*" price covers them all.
  EXPECT_THAT(
      refusal(kBase + kProviders + routing("{ \"*\": [alpha-main] }") +
              "pricing:\n  domains: { \".com\": { register: 1, transfer: 1, renew: 1 } }\n" +
              ssl_prices),
      HasSubstr("pricing.domains: the domain route \"*\" has no price"));
  // No domains block at all: the place is the pricing block.
  EXPECT_THAT(refusal(kBase + kProviders + routing("{ \".com\": [alpha-main] }") + "pricing:\n" +
                      ssl_prices),
              HasSubstr("pricing: the domain route \".com\" has no price"));

  const std::string domain_prices =
      "  domains: { \"*\": { register: 1, transfer: 1, renew: 1 } }\n";
  EXPECT_THAT(refusal(kBase + kProviders +
                      routing("{ \"*\": [alpha-main] }", "{ dv: [beta-main], ov: [beta-main] }") +
                      "pricing:\n" + domain_prices + ssl_prices),
              HasSubstr("pricing.ssl: the ssl route 'ov' has no price: add 'ov'"));
  EXPECT_THAT(refusal(kBase + kProviders + routing("{ \"*\": [alpha-main] }") + "pricing:\n" +
                      domain_prices),
              HasSubstr("pricing: the ssl route 'dv' has no price"));
  // Prices for products nobody routes are harmless.
  EXPECT_NO_THROW(parse(kBase + kProviders + routing("{ \"*\": [alpha-main] }") + "pricing:\n" +
                        domain_prices + "  ssl: { dv: 1, ev: 2, multi: 3 }\n"));
}

TEST_F(PricingTest, ReadsACreditFloorOnAnyProviderType) {
  const Config config = parse(kBase + kProviders + "    credit_floor: 50.5\n" +
                              "  gamma-main:\n"
                              "    type: gamma\n"
                              "    endpoint: https://gamma.example\n"
                              "    source_address: 192.0.2.1\n"
                              "    api_key: S3cr3t-gamma-key-value\n"
                              "    credit_floor: 0\n");
  EXPECT_FALSE(config.providers.at("alpha-main").credit_floor.has_value());
  EXPECT_EQ(config.providers.at("beta-main").credit_floor, 5050);
  EXPECT_EQ(config.providers.at("gamma-main").credit_floor, 0);

  EXPECT_THAT(refusal(kBase + kProviders + "    credit_floor: 50.005\n"),
              HasSubstr("portico.yaml:19:19: providers.beta-main.credit_floor: credit_floor "
                        "amounts have at most 2 decimals"));
  EXPECT_THAT(refusal(kBase + kProviders + "    credit_floor: -1\n"),
              HasSubstr("providers.beta-main.credit_floor: must not be negative"));
  EXPECT_THAT(refusal(kBase + kProviders + "    credit_flor: 1\n"),
              HasSubstr("unknown key 'credit_flor' (did you mean 'credit_floor'?)"));
  // An adapter may not declare a field of the same name.
  schemas_["delta"] = {"delta", {Category::domains}, {{"credit_floor", FieldKind::string}}};
  EXPECT_THROW(parse(kBase), std::logic_error);
}

TEST_F(PricingTest, ReadsTheBillingJobIntervals) {
  const Config defaults = parse(kBase);
  EXPECT_EQ(defaults.jobs.balance_check_interval.count(), 15 * 60 * 1000);
  EXPECT_EQ(defaults.jobs.usage_flush_interval.count(), 10 * 1000);

  const Config config = parse(kBase +
                              "jobs:\n  balance_check_interval_ms: 60000\n"
                              "  usage_flush_interval_ms: 1000\n");
  EXPECT_EQ(config.jobs.balance_check_interval.count(), 60000);
  EXPECT_EQ(config.jobs.usage_flush_interval.count(), 1000);

  EXPECT_THAT(refusal(kBase + "jobs:\n  usage_flush_interval_ms: 999\n"),
              HasSubstr("portico.yaml:9:28: jobs.usage_flush_interval_ms: must be from 1000"));
  EXPECT_THAT(refusal(kBase + "jobs:\n  balance_check_interval_ms: 10\n"),
              HasSubstr("jobs.balance_check_interval_ms: must be from 1000"));
}

}  // namespace
}  // namespace portico::config
