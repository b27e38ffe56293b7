#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "portico/core/json.hpp"
#include "portico/core/model.hpp"

#include "geniusplugin/mapping.hpp"

namespace portico::adapters::geniusplugin {
namespace {

using core::ErrorType;
using core::HostingStatus;

rapidjson::Document parse(std::string_view text) {
  auto document = core::json::parse(text);
  EXPECT_TRUE(document.ok()) << text;
  return document.ok() ? std::move(document).value() : rapidjson::Document();
}

core::HostingPackage known_package() {
  core::HostingPackage known;
  known.supplier_ref = "shop.example.com";
  known.domain = "shop.example.com";
  known.plan = "20k";
  known.status = HostingStatus::active;
  known.supplier_status = "active";
  known.license_token = "t0ken";
  return known;
}

// ---- statuses and errors --------------------------------------------------------------------

TEST(GeniusPluginMappingTest, OkIsTheOnlySuccessInAnyCase) {
  EXPECT_TRUE(is_ok("ok"));
  EXPECT_TRUE(is_ok("OK"));
  EXPECT_TRUE(is_ok("Ok"));
  EXPECT_FALSE(is_ok("OK - 1500.26"));
  EXPECT_FALSE(is_ok("okay"));
  EXPECT_FALSE(is_ok(" ok"));
  EXPECT_FALSE(is_ok("active"));
  EXPECT_FALSE(is_ok(""));
}

struct Row {
  std::string_view status;  // as the supplier writes it
  int http_status;
  std::string_view code;
  std::string_view param;
};

// The contract's table, each row with the texts the documentation and the simulator use.
const std::vector<Row> kTable = {
    {"Unauthorized IP address", 502, "upstream_authentication_failed", ""},
    {"IP not allowed", 502, "upstream_authentication_failed", ""},
    {"Invalid hash", 502, "upstream_authentication_failed", ""},
    {"Invalid timestamp", 502, "upstream_authentication_failed", ""},
    // First match wins: a missing hash field reads as an authentication failure.
    {"Request Missing data! hash", 502, "upstream_refused", ""},
    {"Insufficient credit", 503, "supplier_insufficient_funds", ""},
    {"Downgrade not allowed.", 422, "plan_change_refused", "plan"},
    {"Package is suspended. Please unsuspend it to continue.", 409, "hosting_suspended", ""},
    {"Error changing password. No active package found!", 409, "hosting_suspended", ""},
    {"Package already exists", 409, "hosting_exists", "domain"},
    {"Package not Found!", 409, "hosting_missing", ""},
    {"Package not found!", 409, "hosting_missing", ""},
    {"Invalid package name", 422, "invalid_plan", "plan"},
    {"Invalid Password", 422, "password_rejected", "password"},
    {"Missing Password", 422, "password_rejected", "password"},
    {"Weak password", 422, "password_rejected", "password"},
    {"Password too weak", 422, "password_rejected", "password"},
    {"Request Missing data!", 502, "upstream_refused", ""},
    {"Request Missing data! domain", 502, "upstream_refused", ""},
    {"Connection failed", 502, "upstream_refused", ""},
    {"Error", 502, "upstream_refused", ""},
    {"Error deleting shop.example.com", 502, "upstream_refused", ""},
    {"Request already used", 502, "upstream_refused", ""},
    {"Method Not Allowed", 502, "upstream_refused", ""},
    {"", 502, "upstream_refused", ""},
};

TEST(GeniusPluginMappingTest, MapsEveryRowOfTheErrorTable) {
  for (const Row& row : kTable) {
    const core::Error error = error_from_status(row.status);
    EXPECT_EQ(error.status, row.http_status) << row.status;
    EXPECT_EQ(error.code, row.code) << row.status;
    EXPECT_EQ(error.param, row.param) << row.status;
    EXPECT_EQ(error.type, row.http_status >= 500 ? ErrorType::upstream : ErrorType::invalid_request)
        << row.status;
    EXPECT_FALSE(error.outcome_unknown) << row.status;
    EXPECT_FALSE(error.message.empty());
    // The supplier's words stay out of what partners read.
    if (!row.status.empty()) {
      EXPECT_EQ(error.message.find(row.status), std::string::npos) << row.status;
    }
    EXPECT_EQ(error.message.find("GeniusPlugin"), std::string::npos);
  }
  EXPECT_EQ(error_from_status("Unauthorized IP address").message,
            "The supplier refused the gateway's credentials or source address.");
  EXPECT_EQ(error_from_status("Package not Found!").message,
            "The supplier no longer has this package.");
}

TEST(GeniusPluginMappingTest, MatchesCaseInsensitivelyAndInTableOrder) {
  EXPECT_EQ(error_from_status("UNAUTHORIZED ip ADDRESS").code, "upstream_authentication_failed");
  EXPECT_EQ(error_from_status("insufficient CREDIT").code, "supplier_insufficient_funds");
  // "ip" alone (or "allowed" alone) is not an address refusal.
  EXPECT_EQ(error_from_status("Shipping error").code, "upstream_refused");
  EXPECT_EQ(error_from_status("Not allowed").code, "upstream_refused");
  // Two rows match: the first wins.
  EXPECT_EQ(error_from_status("Invalid hash: insufficient credit").code,
            "upstream_authentication_failed");
  EXPECT_EQ(error_from_status("Insufficient credit to downgrade").code,
            "supplier_insufficient_funds");
  EXPECT_EQ(error_from_status("Package is suspended, password not changed").code,
            "hosting_suspended");
  EXPECT_EQ(error_from_status("Package not found: invalid package name").code, "hosting_missing");
}

TEST(GeniusPluginMappingTest, BadResponsesAreUnknownOutcomesOnlyForWrites) {
  const core::Error read = bad_response(false);
  EXPECT_EQ(read.status, 502);
  EXPECT_EQ(read.code, "upstream_bad_response");
  EXPECT_EQ(read.type, ErrorType::upstream);
  EXPECT_FALSE(read.outcome_unknown);
  EXPECT_TRUE(bad_response(true).outcome_unknown);
}

// ---- getcredit ------------------------------------------------------------------------------

TEST(GeniusPluginMappingTest, ReadsTheCreditExactly) {
  struct Case {
    std::string_view status;
    std::int64_t minor;
  };
  for (const Case& c : {Case{"OK - 1500.26", 150026}, Case{"OK - 0", 0}, Case{"OK - 12.5", 1250},
                        Case{"ok - 7", 700}, Case{"OK - 0.01", 1}, Case{"OK -12.50 ", 1250},
                        Case{"OK - 999999999999.99", 99999999999999}}) {
    const auto credit = credit_from_status(c.status, "USD");
    ASSERT_TRUE(credit.ok()) << c.status;
    EXPECT_EQ(credit->amount_minor, c.minor) << c.status;
    EXPECT_EQ(credit->currency, "USD");
  }
  // The currency's exponent decides the minor unit.
  EXPECT_EQ(credit_from_status("OK - 1500", "JPY")->amount_minor, 1500);
  EXPECT_EQ(credit_from_status("OK - 12.5", "BHD")->amount_minor, 12500);
  EXPECT_EQ(credit_from_status("OK - 12.5", "EUR")->currency, "EUR");
  EXPECT_FALSE(credit_from_status("OK - 12.5", "JPY").ok());
}

TEST(GeniusPluginMappingTest, RefusesACreditThatCannotBeRead) {
  for (const std::string_view garbage :
       {"OK", "OK - ", "OK - abc", "OK - 12.345", "OK - 1,500.26", "OK - -5", "OK - 12.", "OK - .5",
        "OK 1500", "OK - 1500 USD", "OK - 1e3", "OK - 1234567890123456"}) {
    const auto credit = credit_from_status(garbage, "USD");
    ASSERT_FALSE(credit.ok()) << garbage;
    EXPECT_EQ(credit.error().code, "upstream_bad_response") << garbage;
    EXPECT_FALSE(credit.error().outcome_unknown);
  }
  // An error text is its error.
  const auto failed = credit_from_status("Connection failed", "USD");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "upstream_refused");
  EXPECT_EQ(credit_from_status("Unauthorized IP address", "USD").error().code,
            "upstream_authentication_failed");
}

// ---- list -----------------------------------------------------------------------------------

TEST(GeniusPluginMappingTest, ReadsAListedPackage) {
  const auto active = package_from_list(
      parse(R"({"status":"active","exist":"exists","package":"100k"})"), known_package());
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->status, HostingStatus::active);
  EXPECT_EQ(active->plan, "100k");
  EXPECT_EQ(active->supplier_status, "active");
  EXPECT_EQ(active->supplier_ref, "shop.example.com");
  EXPECT_EQ(active->domain, "shop.example.com");
  EXPECT_EQ(active->license_token, "t0ken");  // only create answers it

  // The vendor's page shows no plan: the known one stays.
  const auto suspended =
      package_from_list(parse(R"({"status":"Suspended","exist":"exists"})"), known_package());
  ASSERT_TRUE(suspended.ok());
  EXPECT_EQ(suspended->status, HostingStatus::suspended);
  EXPECT_EQ(suspended->supplier_status, "Suspended");
  EXPECT_EQ(suspended->plan, "20k");
  EXPECT_EQ(package_from_list(parse(R"({"status":"active","package":""})"), known_package())->plan,
            "20k");
  EXPECT_EQ(package_from_list(parse(R"({"status":"active","package":5})"), known_package())->plan,
            "20k");
}

TEST(GeniusPluginMappingTest, AListErrorIsItsError) {
  const auto missing =
      package_from_list(parse(R"({"status":"Package not Found!"})"), known_package());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "hosting_missing");
  const auto failed = package_from_list(parse(R"({"status":"Error"})"), known_package());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "upstream_refused");
  const auto unreadable = package_from_list(parse(R"({"status":true})"), known_package());
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.error().code, "upstream_bad_response");
}

// ---- autoregister, plans, packageupdate -----------------------------------------------------

TEST(GeniusPluginMappingTest, PassesTheLicenseTokenThrough) {
  EXPECT_EQ(token_from_create(parse(R"({"status":"ok","token":"abc123"})")), "abc123");
  EXPECT_EQ(token_from_create(parse(R"({"status":"ok"})")), "");
  EXPECT_EQ(token_from_create(parse(R"({"status":"ok","token":7})")), "");
}

TEST(GeniusPluginMappingTest, PlansAreListedLowestFirstAndSpelledExactly) {
  EXPECT_EQ(plans(), (std::vector<std::string>{"Free", "10k", "20k", "40k", "100k", "200k"}));
  EXPECT_TRUE(is_plan("Free"));
  EXPECT_TRUE(is_plan("200k"));
  EXPECT_FALSE(is_plan("free"));
  EXPECT_FALSE(is_plan("100K"));
  EXPECT_FALSE(is_plan("500k"));
  EXPECT_FALSE(is_plan(""));
}

TEST(GeniusPluginMappingTest, NamesTheStatusAsPackageUpdateWantsIt) {
  EXPECT_EQ(supplier_status_word(HostingStatus::active), "active");
  EXPECT_EQ(supplier_status_word(HostingStatus::suspended), "suspended");
  EXPECT_EQ(supplier_status_word(HostingStatus::deleted), "cancelled");
}

}  // namespace
}  // namespace portico::adapters::geniusplugin
