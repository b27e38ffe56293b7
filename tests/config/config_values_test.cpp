#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "portico/config/config.hpp"

namespace portico::config {
namespace {

TEST(DidYouMean, SuggestsTheNearestCloseName) {
  const std::vector<std::string> keys = {"endpoint", "timeout_ms", "sandbox", "source_address"};
  EXPECT_EQ(did_you_mean("endpont", keys), "endpoint");   // a letter left out
  EXPECT_EQ(did_you_mean("enpdoint", keys), "endpoint");  // two letters swapped
  EXPECT_EQ(did_you_mean("ENDPOINT", keys), "endpoint");  // case
  EXPECT_EQ(did_you_mean("sandbxo", keys), "sandbox");
  EXPECT_EQ(did_you_mean("sorce_adress", keys), "source_address");
  EXPECT_EQ(did_you_mean("retries", keys), "");
  EXPECT_EQ(did_you_mean("x", keys), "");
  EXPECT_EQ(did_you_mean("endpoint", {}), "");
}

TEST(DidYouMean, AllowsMoreEditsForLongerWords) {
  // Up to max(2, length / 3) edits: 3 for a 9-letter word, only 2 for a short one.
  EXPECT_EQ(did_you_mean("abcdefxyz", {"abcdefghi"}), "abcdefghi");
  EXPECT_EQ(did_you_mean("abcdwxyz", {"abcdefgh"}), "");
  EXPECT_EQ(did_you_mean("dw", {"dv", "ov", "ev"}), "dv");  // the first of equally near names
  EXPECT_EQ(did_you_mean("ab", {"xy"}), "");                // every letter replaced is no typo
}

RoutingConfig kenya_routes() {
  RoutingConfig routing;
  routing.domains = {{"*", {"default"}}, {".ke", {"ke"}}, {".co.ke", {"co-ke"}}};
  return routing;
}

const std::string* first_route(const RoutingConfig& routing, std::string_view domain) {
  const std::vector<std::string>* route = routing.route_domain(domain);
  return route == nullptr ? nullptr : &route->front();
}

TEST(RouteDomain, PrefersTheLongestSuffixOnALabelBoundary) {
  const RoutingConfig routing = kenya_routes();
  EXPECT_EQ(*first_route(routing, "shop.co.ke"), "co-ke");
  EXPECT_EQ(*first_route(routing, "a.b.co.ke"), "co-ke");
  EXPECT_EQ(*first_route(routing, "shop.ke"), "ke");
  EXPECT_EQ(*first_route(routing, "shop.or.ke"), "ke");
  EXPECT_EQ(*first_route(routing, "hoco.ke"), "ke");  // "co.ke" only on a label boundary
  EXPECT_EQ(*first_route(routing, "co.ke"), "co-ke");
  EXPECT_EQ(*first_route(routing, "example.com"), "default");
  EXPECT_EQ(*first_route(routing, "shop.ke.com"), "default");
  EXPECT_EQ(*first_route(routing, "ke"), "ke");
}

TEST(RouteDomain, IgnoresCaseAndATrailingDot) {
  const RoutingConfig routing = kenya_routes();
  EXPECT_EQ(*first_route(routing, "SHOP.Co.KE"), "co-ke");
  EXPECT_EQ(*first_route(routing, "shop.co.ke."), "co-ke");
  EXPECT_EQ(*first_route(routing, "Shop.KE."), "ke");
}

TEST(RouteDomain, ReturnsNothingWithoutADefault) {
  RoutingConfig routing;
  routing.domains = {{".co.ke", {"co-ke"}}};
  EXPECT_EQ(routing.route_domain("example.com"), nullptr);
  EXPECT_EQ(routing.route_domain("hoco.ke"), nullptr);
  EXPECT_EQ(routing.route_domain(""), nullptr);
  EXPECT_NE(routing.route_domain("x.co.ke"), nullptr);
}

TEST(RouteProducts, MatchExactly) {
  RoutingConfig routing;
  routing.ssl = {{"dv", {"sslci"}}, {"ov", {"digicert"}}};
  routing.hosting = {{"firewall", {"gp"}}};
  EXPECT_EQ(routing.route_ssl("dv")->front(), "sslci");
  EXPECT_EQ(routing.route_ssl("ev"), nullptr);
  EXPECT_EQ(routing.route_hosting("firewall")->front(), "gp");
  EXPECT_EQ(routing.route_hosting("firewal"), nullptr);
}

TEST(ProviderConfig, TypedAccessorsRefuseMissingKeysAndOtherKinds) {
  ProviderConfig provider;
  provider.name = "main";
  provider.settings.emplace("username", std::string("reseller"));
  provider.settings.emplace("organization_id", std::int64_t{42});
  provider.settings.emplace("verbose", true);
  provider.settings.emplace("api_key", core::Secret("key-one"));
  provider.settings.emplace("token", core::Secret("token-two"));

  EXPECT_EQ(provider.string("username"), "reseller");
  EXPECT_EQ(provider.integer("organization_id"), 42);
  EXPECT_TRUE(provider.boolean("verbose"));
  EXPECT_EQ(provider.secret("api_key").reveal(), "key-one");
  EXPECT_TRUE(provider.has("token"));
  EXPECT_FALSE(provider.has("password"));
  EXPECT_EQ(provider.secret_values(), (std::vector<std::string>{"key-one", "token-two"}));

  EXPECT_THROW((void)provider.string("password"), std::logic_error);
  EXPECT_THROW((void)provider.string("api_key"), std::logic_error);
  EXPECT_THROW((void)provider.integer("username"), std::logic_error);
  EXPECT_THROW((void)provider.boolean("organization_id"), std::logic_error);
  EXPECT_THROW((void)provider.secret("username"), std::logic_error);
}

TEST(Addresses, PrintWithBracketsForIpv6AndDefaultPortsLeftOut) {
  EXPECT_EQ((ListenAddress{"127.0.0.1", 8080}.text()), "127.0.0.1:8080");
  EXPECT_EQ((ListenAddress{"::", 0}.text()), "[::]:0");

  Endpoint endpoint{"https", "api.example", 443, "/v1"};
  EXPECT_EQ(endpoint.origin(), "https://api.example");
  EXPECT_EQ(endpoint.url(), "https://api.example/v1");
  endpoint.port = 80;  // 80 is not the default for https
  EXPECT_EQ(endpoint.origin(), "https://api.example:80");
  const Endpoint plain{"http", "::1", 80, ""};
  EXPECT_FALSE(plain.tls());
  EXPECT_EQ(plain.url(), "http://[::1]");
}

TEST(CategoryName, IsTheRoutingKey) {
  EXPECT_EQ(category_name(Category::domains), "domains");
  EXPECT_EQ(category_name(Category::ssl), "ssl");
  EXPECT_EQ(category_name(Category::hosting), "hosting");
}

TEST(ProcessEnvironment, ReadsTheProcessEnvironment) {
  ASSERT_EQ(setenv("PORTICO_CONFIG_TEST_VARIABLE", "value-1", 1), 0);
  const Environment env = process_environment();
  EXPECT_EQ(env("PORTICO_CONFIG_TEST_VARIABLE"), "value-1");
  ASSERT_EQ(unsetenv("PORTICO_CONFIG_TEST_VARIABLE"), 0);
  EXPECT_EQ(env("PORTICO_CONFIG_TEST_VARIABLE"), std::nullopt);
}

}  // namespace
}  // namespace portico::config
