// Firewall packages end to end: the gateway over HTTP, GeniusPlugin simulated over HTTP on
// loopback (source address checked), a real SQLite file. What the supplier holds is read from
// the simulator itself (it decrypts the passwords it receives); money is read in minor units.
#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

#include "portico/core/json.hpp"

#include "e2e/hosting_fixture.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;

const rapidjson::Value& at(const rapidjson::Value& object, const char* field) {
  static const rapidjson::Value absent;
  if (!object.IsObject() || !object.HasMember(field)) return absent;
  return object[field];
}

std::string id_of(const rapidjson::Value& object) {
  return text_of(object, "id");
}

bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The error envelope's status and code, for errors whose param the API leaves open.
void expect_code(const HttpReply& reply, int status, const std::string& type,
                 const std::string& code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  const auto json = reply.json();
  EXPECT_EQ(text_of(at(json, "error"), "type"), type) << reply.body;
  EXPECT_EQ(text_of(at(json, "error"), "code"), code) << reply.body;
}

// Errors never name the supplier nor repeat its text.
void expect_supplier_unnamed(const HttpReply& reply) {
  std::string body = reply.body;
  std::transform(body.begin(), body.end(), body.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* word : {"genius", "unauthorized ip", "insufficient credit", "status\":\"ok"})
    EXPECT_FALSE(has(body, word)) << word << " in " << reply.body;
}

// A page of a list answer.
struct Listing {
  int status = 0;
  std::int64_t total = -1;
  bool has_more = false;
  std::vector<std::string> ids;
  std::string body;
  rapidjson::Document json;
};

class HostingE2e : public HostingTest {
 protected:
  Listing list(const std::string& target, const std::string& key = {}) {
    const HttpReply reply = api_as(key.empty() ? key_.secret : key, "GET", target);
    Listing listing;
    listing.status = reply.status;
    listing.body = reply.body;
    listing.json = reply.json();
    EXPECT_EQ(reply.status, 200) << target << ": " << reply.body;
    listing.total = integer_of(listing.json, "total");
    const auto& more = at(listing.json, "has_more");
    listing.has_more = more.IsBool() && more.GetBool();
    const auto& data = at(listing.json, "data");
    if (data.IsArray()) {
      for (const auto& item : data.GetArray())
        listing.ids.push_back(id_of(item));
    }
    return listing;
  }

  // The package's orders, newest first.
  Listing orders_of(const std::string& id) { return list("/api/v1/orders?object_id=" + id); }

  std::size_t packages_listed() { return list("/api/v1/hosting").ids.size(); }

  std::optional<sim::geniusplugin::PackageRecord> at_supplier(const std::string& domain) {
    return supplier_->package(domain);
  }

  // A body for POST /api/v1/hosting for the fixture's customer, with `more` members.
  std::string body_for(const std::string& domain, const std::string& plan,
                       const std::string& more = {}) const {
    return R"({"customer_id":")" + customer_ + R"(","domain":")" + domain + R"(","plan":")" + plan +
           R"(","email":"owner@example.net")" + (more.empty() ? "" : "," + more) + "}";
  }

  // The password is in none of the places a secret could leak to.
  void expect_kept_nowhere(const std::string& password) {
    ASSERT_FALSE(password.empty());
    // The places looked at hold what they should: the packages, the requests.
    ASSERT_TRUE(has(database_bytes(), "hosting.provisioned"));
    ASSERT_TRUE(has(log_text(), "/api/v1/hosting"));
    EXPECT_FALSE(has(database_bytes(), password)) << "in the database file";
    EXPECT_FALSE(has(log_text(), password)) << "in the log";
    EXPECT_FALSE(has(list("/api/v1/hosting").body, password)) << "in the list";
  }

  std::string now() const { return core::format_rfc3339(clock_->now()); }
};

// A lowercase letter, an uppercase letter and a digit.
bool strong(const std::string& password) {
  const auto any = [&](auto test) { return std::any_of(password.begin(), password.end(), test); };
  return any([](unsigned char c) { return std::islower(c) != 0; }) &&
         any([](unsigned char c) { return std::isupper(c) != 0; }) &&
         any([](unsigned char c) { return std::isdigit(c) != 0; });
}

// ---- provisioning ------------------------------------------------------------------------

TEST_F(HostingE2e, AGeneratedPasswordIsShownOnceAndKeptNowhere) {
  const std::int64_t credit = supplier_->credit_cents();
  const auto created = provision(R"("customer_id":")" + customer_ +
                                 R"(","domain":"Shop.Example.com","plan":"10K",)"
                                 R"("email":"owner@shop.example.com")");
  ASSERT_TRUE(created.IsObject());
  const std::string id = id_of(created);
  EXPECT_EQ(id.rfind("hst_", 0), 0U) << id;
  EXPECT_EQ(text_of(created, "object"), "hosting");
  EXPECT_TRUE(at(created, "livemode").IsBool() && at(created, "livemode").GetBool());
  EXPECT_EQ(text_of(created, "customer_id"), customer_);
  EXPECT_EQ(text_of(created, "product"), kFirewall);
  EXPECT_EQ(text_of(created, "domain"), "shop.example.com");
  EXPECT_EQ(text_of(created, "plan"), "10k");  // as the supplier spells it
  EXPECT_EQ(text_of(created, "email"), "owner@shop.example.com");
  EXPECT_EQ(text_of(created, "status"), "active");
  EXPECT_EQ(text_of(created, "created_at"), now());
  EXPECT_EQ(text_of(created, "synced_at"), now());

  const std::string password = text_of(created, "password");
  EXPECT_EQ(password.size(), 20U) << password;
  EXPECT_TRUE(strong(password)) << password;

  // The supplier decrypted exactly that password, and its token is the one shown.
  const auto upstream = at_supplier("shop.example.com");
  ASSERT_TRUE(upstream.has_value());
  EXPECT_EQ(upstream->password, password);
  EXPECT_EQ(upstream->package, "10k");
  EXPECT_EQ(upstream->email, "owner@shop.example.com");
  EXPECT_EQ(upstream->status, "active");
  EXPECT_EQ(upstream->token.size(), 40U);
  EXPECT_EQ(text_of(created, "license_token"), upstream->token);
  EXPECT_EQ(supplier_->calls("autoregister"), 1U);
  EXPECT_EQ(supplier_->credit_cents(), credit - kSupplierPrice10k);

  // Shown once: never again, nowhere kept.
  const HttpReply read = api("GET", path(id));
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_FALSE(has(read.body, password));
  EXPECT_FALSE(at(at(read.json(), "data"), "password").IsString()) << read.body;
  EXPECT_EQ(text_of(at(read.json(), "data"), "license_token"), upstream->token);
  EXPECT_EQ(event_types(id), std::vector<std::string>{"hosting.provisioned"});
  for (const auto& data : event_data(id))
    EXPECT_FALSE(has(data, password)) << data;
  expect_kept_nowhere(password);
  const std::string api_key = read_file(files_.file("geniusplugin.key"));
  EXPECT_FALSE(has(log_text(), api_key));
  EXPECT_FALSE(has(database_bytes(), api_key));

  // One order at the plan's price.
  const Listing orders = orders_of(id);
  ASSERT_EQ(orders.ids.size(), 1U) << orders.body;
  const auto& order = orders.json["data"][0];
  EXPECT_EQ(text_of(order, "object"), "order");
  EXPECT_EQ(text_of(order, "action"), "hosting.provision");
  EXPECT_EQ(text_of(order, "product"), "10k");
  EXPECT_EQ(text_of(order, "object_id"), id);
  EXPECT_EQ(text_of(order, "customer_id"), customer_);
  EXPECT_EQ(integer_of(order, "quantity"), 1);
  EXPECT_EQ(integer_of(order, "unit_amount"), kPrice10k);
  EXPECT_EQ(integer_of(order, "amount"), kPrice10k);
  EXPECT_EQ(text_of(order, "currency"), "USD");
  EXPECT_EQ(text_of(order, "invoice_id").rfind("inv_", 0), 0U) << orders.body;
  EXPECT_EQ(order_count(), 1U);

  // Another package, another password.
  const auto second = provision("second.example.com", "20k");
  ASSERT_TRUE(second.IsObject());
  const std::string other_password = text_of(second, "password");
  EXPECT_EQ(other_password.size(), 20U);
  EXPECT_NE(other_password, password);
  EXPECT_EQ(at_supplier("second.example.com")->password, other_password);
  expect_kept_nowhere(other_password);
}

TEST_F(HostingE2e, APartnerPasswordIsUsedAndBadRequestsNeverReachTheSupplier) {
  const std::string chosen = "Kilimanjaro-2026x";
  const auto created =
      call("POST", "/api/v1/hosting", 201,
           body_for("blog.example.org", "free", R"("password":")" + chosen + "\""));
  ASSERT_TRUE(created.IsObject());
  const std::string id = id_of(created);
  EXPECT_EQ(text_of(created, "password"), chosen);
  EXPECT_EQ(text_of(created, "plan"), "Free");
  ASSERT_TRUE(at_supplier("blog.example.org").has_value());
  EXPECT_EQ(at_supplier("blog.example.org")->password, chosen);
  EXPECT_EQ(at_supplier("blog.example.org")->package, "Free");
  expect_kept_nowhere(chosen);
  const std::size_t calls = supplier_->calls("autoregister");
  ASSERT_EQ(calls, 1U);

  // Too short, a class of characters missing, too long: refused, and never echoed.
  for (const std::string& weak :
       {std::string("Short1Aa"), std::string("alllowercase1234"), std::string("ALLUPPERCASE1234"),
        std::string("NoDigitsInThisOne"), "Aa1" + std::string(126, 'x')}) {
    SCOPED_TRACE(weak);
    const HttpReply reply =
        api("POST", "/api/v1/hosting",
            body_for("weak.example.org", "10k", R"("password":")" + weak + "\""));
    expect_error(reply, 400, "invalid_request_error", "weak_password", "password");
    EXPECT_FALSE(has(reply.body, weak));
  }
  // Exactly 12 and exactly 128 characters are long enough.
  EXPECT_EQ(api("POST", "/api/v1/hosting",
                body_for("twelve.example.org", "Free", R"("password":"Abcdefghij12")"))
                .status,
            201);
  EXPECT_EQ(
      api("POST", "/api/v1/hosting",
          body_for("long.example.org", "Free", R"("password":"Aa1)" + std::string(125, 'x') + "\""))
          .status,
      201);
  const std::size_t accepted = supplier_->calls("autoregister");
  EXPECT_EQ(accepted, calls + 2);

  expect_error(api("POST", "/api/v1/hosting", body_for("plan.example.org", "15k")), 422,
               "invalid_request_error", "invalid_plan", "plan");
  expect_error(api("POST", "/api/v1/hosting", body_for("plan.example.org", "Platinum")), 422,
               "invalid_request_error", "invalid_plan", "plan");
  expect_error(
      api("POST", "/api/v1/hosting", body_for("product.example.org", "10k", R"("product":"cdn")")),
      422, "invalid_request_error", "unsupported_product", "product");
  expect_error(api("POST", "/api/v1/hosting", body_for("Blog.Example.org", "10k")), 409,
               "invalid_request_error", "hosting_exists", "domain");
  expect_error(api("POST", "/api/v1/hosting",
                   R"({"customer_id":"cus_nobody","domain":"who.example.org","plan":"10k",)"
                   R"("email":"owner@example.net"})"),
               400, "invalid_request_error", "resource_missing", "customer_id");
  expect_error(
      api("POST", "/api/v1/hosting", body_for("colour.example.org", "10k", R"("colour":"blue")")),
      400, "invalid_request_error", "parameter_unknown", "colour");
  expect_code(api("POST", "/api/v1/hosting",
                  R"({"domain":"mail.example.org","plan":"10k","email":"not-an-address"})"),
              400, "invalid_request_error", "invalid_email");
  const HttpReply bad_domain = api("POST", "/api/v1/hosting", body_for("not a domain", "10k"));
  EXPECT_EQ(bad_domain.status, 400) << bad_domain.body;
  EXPECT_EQ(text_of(at(bad_domain.json(), "error"), "param"), "domain") << bad_domain.body;

  EXPECT_EQ(supplier_->calls("autoregister"), accepted);
  EXPECT_EQ(packages_listed(), 3U);
  EXPECT_EQ(hosting_event_count(), 3U);
  EXPECT_EQ(order_count(), 3U);

  // Another partner sees nothing of it and cannot use the customer.
  const std::string other = other_partner_key();
  for (const auto& [method, target, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", path(id), ""},
           {"POST", path(id, "suspend"), "{}"},
           {"POST", path(id, "unsuspend"), "{}"},
           {"POST", path(id, "password"), "{}"},
           {"POST", path(id, "renew"), "{}"},
           {"PATCH", path(id), R"({"plan":"10k"})"},
           {"DELETE", path(id), ""},
           {"GET", path("hst_doesnotexist"), ""}}) {
    SCOPED_TRACE(method + " " + target);
    expect_error(api_as(other, method, target, body), 404, "invalid_request_error", "not_found",
                 "id");
  }
  EXPECT_EQ(list("/api/v1/hosting", other).total, 0);
  expect_error(api_as(other, "POST", "/api/v1/hosting", body_for("theirs.example.org", "10k")), 400,
               "invalid_request_error", "resource_missing", "customer_id");
  EXPECT_EQ(supplier_->calls("autoregister"), accepted);
  EXPECT_EQ(supplier_->calls("suspended") + supplier_->calls("delete") +
                supplier_->calls("passwordreset") + supplier_->calls("renew") +
                supplier_->calls("packageupdate"),
            0U);
  EXPECT_EQ(at_supplier("blog.example.org")->status, "active");
  EXPECT_EQ(text_of(package(id), "status"), "active");
}

// ---- reading -----------------------------------------------------------------------------

TEST_F(HostingE2e, ListsFilterAndPaginateNewestFirst) {
  const std::string second_customer = create_customer("Otieno Ouma", "otieno@example.co.ke");
  const std::string a = id_of(provision("a.example.com", "10k"));
  clock_->advance(1s);
  const std::string b = id_of(provision("b.example.com", "20k"));
  clock_->advance(1s);
  const std::string c = id_of(provision(R"("customer_id":")" + second_customer +
                                        R"(","domain":"c.example.com","plan":"Free",)"
                                        R"("email":"otieno@example.co.ke")"));
  clock_->advance(1s);
  const std::string d =
      id_of(provision(R"("domain":"d.example.com","plan":"10k","email":"ops@example.net")"));
  ASSERT_FALSE(a.empty() || b.empty() || c.empty() || d.empty());
  EXPECT_EQ(text_of(call("POST", path(b, "suspend"), 200, "{}"), "status"), "suspended");

  using Ids = std::vector<std::string>;
  const Listing all = list("/api/v1/hosting");
  EXPECT_EQ(all.ids, (Ids{d, c, b, a}));
  EXPECT_EQ(all.total, 4);
  EXPECT_FALSE(all.has_more);
  EXPECT_FALSE(has(all.body, "\"password\""));
  EXPECT_EQ(list("/api/v1/hosting?customer_id=" + customer_).ids, (Ids{b, a}));
  EXPECT_EQ(list("/api/v1/hosting?customer_id=" + second_customer).ids, Ids{c});
  EXPECT_EQ(list("/api/v1/hosting?status=suspended").ids, Ids{b});
  EXPECT_EQ(list("/api/v1/hosting?status=active").ids, (Ids{d, c, a}));
  EXPECT_EQ(list("/api/v1/hosting?domain=c.example.com").ids, Ids{c});
  EXPECT_EQ(list("/api/v1/hosting?status=active&customer_id=" + customer_).ids, Ids{a});

  const Listing first_page = list("/api/v1/hosting?limit=2");
  EXPECT_EQ(first_page.ids, (Ids{d, c}));
  EXPECT_TRUE(first_page.has_more);
  EXPECT_EQ(first_page.total, 4);
  const Listing second_page = list("/api/v1/hosting?limit=2&starting_after=" + c);
  EXPECT_EQ(second_page.ids, (Ids{b, a}));
  EXPECT_FALSE(second_page.has_more);
  EXPECT_EQ(list("/api/v1/hosting?starting_after=" + b).ids, Ids{a});
}

TEST_F(HostingE2e, ReadingAPackageRefreshesItFromTheSupplier) {
  const auto created = provision("refresh.example.com", "10k");
  ASSERT_TRUE(created.IsObject());
  const std::string id = id_of(created);

  // Suspended at the supplier (the reseller's own panel): the next read says so, once.
  clock_->advance(1min);
  ASSERT_EQ(supplier_call("suspended", "refresh.example.com"), "ok");
  auto read = package(id);
  EXPECT_EQ(text_of(read, "status"), "suspended");
  EXPECT_EQ(text_of(read, "supplier_status"), "suspended");
  EXPECT_EQ(text_of(read, "synced_at"), now());
  EXPECT_EQ(text_of(read, "updated_at"), now());
  using Types = std::vector<std::string>;
  EXPECT_EQ(event_types(id), (Types{"hosting.provisioned", "hosting.suspended"}));
  const std::size_t lists = supplier_->calls("list");
  EXPECT_GE(lists, 1U);
  clock_->advance(1min);
  read = package(id);
  EXPECT_EQ(text_of(read, "status"), "suspended");
  EXPECT_EQ(text_of(read, "synced_at"), now());
  EXPECT_EQ(supplier_->calls("list"), lists + 1);
  EXPECT_EQ(event_types(id), (Types{"hosting.provisioned", "hosting.suspended"}));

  clock_->advance(1min);
  ASSERT_EQ(supplier_call("active", "refresh.example.com"), "ok");
  read = package(id);
  EXPECT_EQ(text_of(read, "status"), "active");
  EXPECT_EQ(event_types(id),
            (Types{"hosting.provisioned", "hosting.suspended", "hosting.unsuspended"}));

  // The supplier cannot answer: the stored package, with its last sync.
  const std::string synced = text_of(read, "synced_at");
  supplier_->set_allowed_address("127.0.0.2");
  clock_->advance(1min);
  read = package(id);
  EXPECT_EQ(text_of(read, "status"), "active");
  EXPECT_EQ(text_of(read, "synced_at"), synced);
  supplier_->set_allowed_address("127.0.0.1");

  // Deleted at the supplier: deleted here, and never asked about again.
  clock_->advance(1min);
  ASSERT_EQ(supplier_call("delete", "refresh.example.com"), "ok");
  read = package(id);
  EXPECT_EQ(text_of(read, "status"), "deleted");
  const Types all = {"hosting.provisioned", "hosting.suspended", "hosting.unsuspended",
                     "hosting.deleted"};
  EXPECT_EQ(event_types(id), all);
  const std::size_t before = supplier_->calls("list");
  clock_->advance(1min);
  EXPECT_EQ(text_of(package(id), "status"), "deleted");
  EXPECT_EQ(supplier_->calls("list"), before);
  EXPECT_EQ(event_types(id), all);
  EXPECT_EQ(list("/api/v1/hosting?status=deleted").ids, std::vector<std::string>{id});
}

// ---- actions -----------------------------------------------------------------------------

TEST_F(HostingE2e, SuspendAndUnsuspendOnceEach) {
  const std::string id = id_of(provision("pause.example.com", "20k"));
  ASSERT_FALSE(id.empty());
  using Types = std::vector<std::string>;

  auto suspended = call("POST", path(id, "suspend"), 200, "{}");
  EXPECT_EQ(text_of(suspended, "status"), "suspended");
  EXPECT_EQ(id_of(suspended), id);
  EXPECT_EQ(at_supplier("pause.example.com")->status, "suspended");
  EXPECT_EQ(supplier_->calls("suspended"), 1U);
  EXPECT_EQ(event_types(id), (Types{"hosting.provisioned", "hosting.suspended"}));
  // Again: nothing to do, nothing asked, nothing recorded.
  suspended = call("POST", path(id, "suspend"), 200, "{}");
  EXPECT_EQ(text_of(suspended, "status"), "suspended");
  EXPECT_EQ(supplier_->calls("suspended"), 1U);
  EXPECT_EQ(event_types(id), (Types{"hosting.provisioned", "hosting.suspended"}));

  auto active = call("POST", path(id, "unsuspend"), 200, "{}");
  EXPECT_EQ(text_of(active, "status"), "active");
  EXPECT_EQ(at_supplier("pause.example.com")->status, "active");
  EXPECT_EQ(supplier_->calls("active"), 1U);
  const Types all = {"hosting.provisioned", "hosting.suspended", "hosting.unsuspended"};
  EXPECT_EQ(event_types(id), all);
  active = call("POST", path(id, "unsuspend"), 200, "{}");
  EXPECT_EQ(text_of(active, "status"), "active");
  EXPECT_EQ(supplier_->calls("active"), 1U);
  EXPECT_EQ(event_types(id), all);
  EXPECT_EQ(text_of(package(id), "status"), "active");
}

TEST_F(HostingE2e, PasswordRotationShowsTheNewPasswordOnce) {
  const auto created = provision("rotate.example.com", "10k");
  ASSERT_TRUE(created.IsObject());
  const std::string id = id_of(created);
  const std::string first = text_of(created, "password");

  const auto rotated = call("POST", path(id, "password"), 200, "{}");
  EXPECT_EQ(id_of(rotated), id);
  EXPECT_EQ(text_of(rotated, "object"), "hosting");
  const std::string second = text_of(rotated, "password");
  EXPECT_EQ(second.size(), 20U) << second;
  EXPECT_TRUE(strong(second)) << second;
  EXPECT_NE(second, first);
  EXPECT_EQ(at_supplier("rotate.example.com")->password, second);
  EXPECT_EQ(supplier_->calls("passwordreset"), 1U);
  EXPECT_EQ(event_types(id),
            (std::vector<std::string>{"hosting.provisioned", "hosting.password_changed"}));
  for (const auto& data : event_data(id)) {
    EXPECT_FALSE(has(data, first)) << data;
    EXPECT_FALSE(has(data, second)) << data;
  }
  EXPECT_FALSE(at(package(id), "password").IsString());
  expect_kept_nowhere(second);

  const std::string chosen = "Serengeti-Plains-42";
  const auto given = call("POST", path(id, "password"), 200, R"({"password":")" + chosen + "\"}");
  EXPECT_EQ(text_of(given, "password"), chosen);
  EXPECT_EQ(at_supplier("rotate.example.com")->password, chosen);
  expect_kept_nowhere(chosen);

  const HttpReply weak = api("POST", path(id, "password"), R"({"password":"weakpassword"})");
  expect_error(weak, 400, "invalid_request_error", "weak_password", "password");
  EXPECT_FALSE(has(weak.body, "weakpassword"));
  EXPECT_EQ(supplier_->calls("passwordreset"), 2U);
  EXPECT_EQ(at_supplier("rotate.example.com")->password, chosen);
  EXPECT_EQ(event_types(id).size(), 3U);
}

TEST_F(HostingE2e, RenewalExtendsThePackageAndIsOrdered) {
  const std::string id = id_of(provision("renew.example.com", "20k"));
  ASSERT_FALSE(id.empty());
  const auto before = at_supplier("renew.example.com");
  ASSERT_TRUE(before.has_value());
  const std::int64_t credit = supplier_->credit_cents();

  clock_->advance(1h);
  const auto renewed = call("POST", path(id, "renew"), 200);  // an empty body
  EXPECT_EQ(id_of(renewed), id);
  EXPECT_EQ(text_of(renewed, "status"), "active");
  EXPECT_FALSE(at(renewed, "password").IsString());
  const auto after = at_supplier("renew.example.com");
  EXPECT_EQ(after->renewals, 1);
  EXPECT_GE(after->expires_at - before->expires_at, std::chrono::hours(24 * 365));
  EXPECT_EQ(event_types(id), (std::vector<std::string>{"hosting.provisioned", "hosting.renewed"}));

  Listing orders = orders_of(id);
  ASSERT_EQ(orders.ids.size(), 2U) << orders.body;
  EXPECT_EQ(text_of(orders.json["data"][0], "action"), "hosting.renew");
  EXPECT_EQ(text_of(orders.json["data"][0], "product"), "20k");
  EXPECT_EQ(integer_of(orders.json["data"][0], "amount"), kPrice20k);
  EXPECT_EQ(text_of(orders.json["data"][0], "created_at"), now());
  EXPECT_EQ(text_of(orders.json["data"][1], "action"), "hosting.provision");

  EXPECT_EQ(text_of(call("POST", path(id, "renew"), 200, "{}"), "status"), "active");
  EXPECT_EQ(at_supplier("renew.example.com")->renewals, 2);
  EXPECT_EQ(orders_of(id).ids.size(), 3U);
  EXPECT_EQ(supplier_->credit_cents(), credit - 2 * kSupplierPrice20k);
  EXPECT_EQ(supplier_->calls("renew"), 2U);
}

TEST_F(HostingE2e, APlanUpgradeIsAppliedAndADowngradeRefused) {
  const std::string id = id_of(provision("grow.example.com", "10k"));
  ASSERT_FALSE(id.empty());

  clock_->advance(1min);
  const auto upgraded = call("PATCH", path(id), 200, R"({"plan":"40K"})");
  EXPECT_EQ(text_of(upgraded, "plan"), "40k");
  EXPECT_EQ(text_of(upgraded, "updated_at"), now());
  EXPECT_EQ(at_supplier("grow.example.com")->package, "40k");
  using Types = std::vector<std::string>;
  EXPECT_EQ(event_types(id), (Types{"hosting.provisioned", "hosting.updated"}));
  const auto events = event_data(id);
  ASSERT_EQ(events.size(), 2U);
  auto update = core::json::parse(events[1]);
  ASSERT_TRUE(update.ok()) << events[1];
  EXPECT_EQ(text_of(at(*update, "previous_attributes"), "plan"), "10k") << events[1];
  EXPECT_EQ(text_of(at(*update, "object"), "plan"), "40k") << events[1];
  const std::size_t updates = supplier_->calls("packageupdate");
  EXPECT_EQ(updates, 1U);

  // The same plan: nothing to do.
  EXPECT_EQ(text_of(call("PATCH", path(id), 200, R"({"plan":"40k"})"), "plan"), "40k");
  EXPECT_EQ(supplier_->calls("packageupdate"), updates);
  EXPECT_EQ(event_types(id), (Types{"hosting.provisioned", "hosting.updated"}));

  // Down: the supplier refuses, nothing changes.
  const HttpReply down = api("PATCH", path(id), R"({"plan":"20k"})");
  expect_error(down, 422, "invalid_request_error", "plan_change_refused", "plan");
  expect_supplier_unnamed(down);
  EXPECT_EQ(text_of(package(id), "plan"), "40k");
  EXPECT_EQ(at_supplier("grow.example.com")->package, "40k");
  EXPECT_EQ(event_types(id), (Types{"hosting.provisioned", "hosting.updated"}));

  // Unknown: refused here.
  const std::size_t calls = supplier_->calls("packageupdate");
  expect_error(api("PATCH", path(id), R"({"plan":"15k"})"), 422, "invalid_request_error",
               "invalid_plan", "plan");
  EXPECT_EQ(supplier_->calls("packageupdate"), calls);
  EXPECT_EQ(text_of(package(id), "plan"), "40k");
}

TEST_F(HostingE2e, ADeletedPackageRefusesEveryAction) {
  const std::string id = id_of(provision("gone.example.com", "10k"));
  ASSERT_FALSE(id.empty());

  const auto deleted = call("DELETE", path(id), 200);
  EXPECT_EQ(text_of(deleted, "status"), "deleted");
  EXPECT_FALSE(at_supplier("gone.example.com").has_value());
  EXPECT_EQ(supplier_->calls("delete"), 1U);
  const std::vector<std::string> events = {"hosting.provisioned", "hosting.deleted"};
  EXPECT_EQ(event_types(id), events);

  for (const auto& [method, target, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"POST", path(id, "suspend"), "{}"},
           {"POST", path(id, "unsuspend"), "{}"},
           {"POST", path(id, "password"), "{}"},
           {"POST", path(id, "renew"), "{}"},
           {"PATCH", path(id), R"({"plan":"40k"})"},
           {"DELETE", path(id), ""}}) {
    SCOPED_TRACE(method + " " + target);
    expect_code(api(method, target, body), 409, "invalid_request_error", "hosting_deleted");
  }
  EXPECT_EQ(supplier_->calls("delete"), 1U);
  EXPECT_EQ(supplier_->calls("suspended") + supplier_->calls("active") +
                supplier_->calls("passwordreset") + supplier_->calls("renew") +
                supplier_->calls("packageupdate"),
            0U);
  EXPECT_EQ(text_of(package(id), "status"), "deleted");
  EXPECT_EQ(event_types(id), events);
  EXPECT_EQ(orders_of(id).ids.size(), 1U);

  // The domain is free again.
  const auto again = provision("gone.example.com", "20k");
  EXPECT_EQ(text_of(again, "status"), "active");
  EXPECT_NE(id_of(again), id);
}

TEST_F(HostingE2e, ASuspendedPackageRefusesPasswordPlanAndRenewal) {
  const auto created = provision("frozen.example.com", "10k");
  ASSERT_TRUE(created.IsObject());
  const std::string id = id_of(created);
  const std::string password = text_of(created, "password");
  ASSERT_EQ(text_of(call("POST", path(id, "suspend"), 200, "{}"), "status"), "suspended");
  const auto events = event_types(id);
  const std::size_t orders = order_count();
  const std::int64_t credit = supplier_->credit_cents();

  const auto refuse_all = [&] {
    for (const auto& [method, target, body] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"POST", path(id, "password"), "{}"},
             {"PATCH", path(id), R"({"plan":"40k"})"},
             {"POST", path(id, "renew"), "{}"}}) {
      SCOPED_TRACE(method + " " + target);
      const HttpReply reply = api(method, target, body);
      expect_code(reply, 409, "invalid_request_error", "hosting_suspended");
      expect_supplier_unnamed(reply);
    }
    const auto upstream = at_supplier("frozen.example.com");
    ASSERT_TRUE(upstream.has_value());
    EXPECT_EQ(upstream->password, password);
    EXPECT_EQ(upstream->package, "10k");
    EXPECT_EQ(upstream->renewals, 0);
    EXPECT_EQ(order_count(), orders);
    EXPECT_EQ(supplier_->credit_cents(), credit);
    EXPECT_EQ(text_of(package(id), "plan"), "10k");
  };
  refuse_all();
  EXPECT_EQ(event_types(id), events);

  // Suspended at the supplier while the gateway still thinks it active: the supplier refuses.
  ASSERT_EQ(text_of(call("POST", path(id, "unsuspend"), 200, "{}"), "status"), "active");
  ASSERT_EQ(supplier_call("suspended", "frozen.example.com"), "ok");
  refuse_all();
  for (const auto& type : event_types(id)) {
    EXPECT_NE(type, "hosting.password_changed");
    EXPECT_NE(type, "hosting.renewed");
    EXPECT_NE(type, "hosting.updated");
  }
}

// ---- the supplier refusing ---------------------------------------------------------------

TEST_F(HostingE2e, WithoutCreditNothingIsProvisionedOrRenewed) {
  supplier_->set_credit_cents(0);
  const HttpReply broke = api("POST", "/api/v1/hosting", body_for("broke.example.com", "10k"));
  expect_code(broke, 503, "upstream_error", "supplier_insufficient_funds");
  expect_supplier_unnamed(broke);
  EXPECT_FALSE(at_supplier("broke.example.com").has_value());
  EXPECT_EQ(packages_listed(), 0U);
  EXPECT_EQ(order_count(), 0U);
  EXPECT_EQ(hosting_event_count(), 0U);

  supplier_->set_credit_cents(100000);
  const std::string id = id_of(provision("paid.example.com", "10k"));
  ASSERT_FALSE(id.empty());
  supplier_->set_credit_cents(kSupplierPrice10k - 1);
  const HttpReply renew = api("POST", path(id, "renew"), "{}");
  expect_code(renew, 503, "upstream_error", "supplier_insufficient_funds");
  expect_supplier_unnamed(renew);
  EXPECT_EQ(at_supplier("paid.example.com")->renewals, 0);
  EXPECT_EQ(supplier_->credit_cents(), kSupplierPrice10k - 1);
  EXPECT_EQ(orders_of(id).ids.size(), 1U);
  EXPECT_EQ(order_count(), 1U);
  EXPECT_EQ(event_types(id), std::vector<std::string>{"hosting.provisioned"});
  EXPECT_EQ(text_of(package(id), "status"), "active");
}

TEST_F(HostingE2e, CallsFromTheWrongSourceAddressAreRefused) {
  restart_gateway({.source_address = "127.0.0.2"});
  const HttpReply refused =
      api("POST", "/api/v1/hosting", body_for("elsewhere.example.com", "10k"));
  expect_code(refused, 502, "upstream_error", "upstream_authentication_failed");
  expect_supplier_unnamed(refused);
  EXPECT_EQ(supplier_->calls("autoregister"), 0U);  // refused before the endpoint's logic
  EXPECT_TRUE(supplier_->packages().empty());
  EXPECT_EQ(packages_listed(), 0U);
  EXPECT_EQ(order_count(), 0U);
  EXPECT_EQ(hosting_event_count(), 0U);
  // The simulator saw the call, from that address.
  const auto journal = supplier_server_->journal();
  ASSERT_FALSE(journal.empty());
  EXPECT_EQ(journal.back().remote_address, "127.0.0.2");

  // Or the supplier's registered address changes under a running gateway.
  restart_gateway();
  const std::string id = id_of(provision("bound.example.com", "10k"));
  ASSERT_FALSE(id.empty());
  supplier_->set_allowed_address("127.0.0.2");
  const HttpReply suspend = api("POST", path(id, "suspend"), "{}");
  expect_code(suspend, 502, "upstream_error", "upstream_authentication_failed");
  expect_supplier_unnamed(suspend);
  EXPECT_EQ(at_supplier("bound.example.com")->status, "active");
  EXPECT_EQ(text_of(package(id), "status"), "active");
  EXPECT_EQ(event_types(id), std::vector<std::string>{"hosting.provisioned"});
}

// ---- billing -----------------------------------------------------------------------------

TEST_F(HostingE2e, InvoicesSumAMonthOfOrdersExactly) {
  const std::string second_customer = create_customer("Achieng Otieno", "achieng@example.co.ke");
  const auto step = [&] { clock_->advance(3h); };

  // March 2026. The fixture's customer: 0.10 + 0.20 + 0.70 + 0.10 + 0.20 (1.2999... in doubles).
  const std::string small = id_of(provision("small.example.com", "10k"));
  step();
  const std::string medium = id_of(provision("medium.example.com", "20k"));
  step();
  const std::string large = id_of(provision("large.example.com", "40k"));
  step();
  ASSERT_FALSE(small.empty() || medium.empty() || large.empty());
  call("POST", path(small, "renew"), 200, "{}");
  step();
  call("POST", path(medium, "renew"), 200, "{}");
  step();
  // The second customer: 1.30 twice.
  const std::string big = id_of(provision(R"("customer_id":")" + second_customer +
                                          R"(","domain":"big.example.com","plan":"100k",)"
                                          R"("email":"achieng@example.co.ke")"));
  ASSERT_FALSE(big.empty());
  step();
  call("POST", path(big, "renew"), 200, "{}");
  // No customer: 0.20, then 0.20.
  const std::string loose =
      id_of(provision(R"("domain":"loose.example.com","plan":"20k","email":"ops@example.net")"));
  ASSERT_FALSE(loose.empty());
  call("POST", path(loose, "renew"), 200, "{}");

  struct Expected {
    std::int64_t total;
    std::int64_t count;
  };
  const std::map<std::string, Expected> march = {
      {customer_, {2 * kPrice10k + 2 * kPrice20k + kPrice40k, 5}},
      {second_customer, {2 * kPrice100k, 2}},
      {"", {2 * kPrice20k, 2}}};
  const auto check_march = [&](const char* status) {
    const Listing invoices = list("/api/v1/invoices?period=2026-03");
    ASSERT_EQ(invoices.ids.size(), 3U) << invoices.body;
    EXPECT_EQ(invoices.total, 3);
    for (const auto& invoice : invoices.json["data"].GetArray()) {
      const std::string customer = text_of(invoice, "customer_id");  // "" for none
      SCOPED_TRACE(customer);
      ASSERT_EQ(march.count(customer), 1U) << invoices.body;
      if (customer.empty()) {
        EXPECT_TRUE(at(invoice, "customer_id").IsNull());
      }
      EXPECT_EQ(text_of(invoice, "object"), "invoice");
      EXPECT_EQ(text_of(invoice, "id").rfind("inv_", 0), 0U);
      EXPECT_EQ(text_of(invoice, "period"), "2026-03");
      EXPECT_EQ(text_of(invoice, "period_start"), "2026-03-01T00:00:00Z");
      EXPECT_EQ(text_of(invoice, "currency"), "USD");
      EXPECT_EQ(text_of(invoice, "status"), status);
      EXPECT_EQ(integer_of(invoice, "total"), march.at(customer).total);
      EXPECT_EQ(integer_of(invoice, "order_count"), march.at(customer).count);

      // Its lines are its orders and add up to it.
      const auto detail = call("GET", "/api/v1/invoices/" + id_of(invoice), 200);
      EXPECT_EQ(id_of(detail), id_of(invoice));
      EXPECT_EQ(integer_of(detail, "total"), march.at(customer).total);
      ASSERT_TRUE(at(detail, "lines").IsArray()) << core::json::to_string(detail);
      std::int64_t sum = 0;
      for (const auto& line : detail["lines"].GetArray()) {
        sum += integer_of(line, "amount");
        EXPECT_EQ(text_of(line, "invoice_id"), id_of(invoice));
        EXPECT_EQ(text_of(line, "customer_id"), customer);
      }
      EXPECT_EQ(sum, march.at(customer).total);
      EXPECT_EQ(static_cast<std::int64_t>(detail["lines"].Size()), march.at(customer).count);
    }
  };
  check_march("open");
  EXPECT_EQ(list("/api/v1/invoices").ids.size(), 3U);
  EXPECT_EQ(list("/api/v1/invoices?customer_id=" + second_customer).ids.size(), 1U);

  // April: a renewal opens the customer's next invoice; March's stays as it was.
  clock_->set(core::from_unix_seconds(1775120400));  // 2026-04-02T09:00:00Z
  call("POST", path(large, "renew"), 200, "{}");
  const Listing mine = list("/api/v1/invoices?customer_id=" + customer_);
  ASSERT_EQ(mine.ids.size(), 2U) << mine.body;
  const auto& april = mine.json["data"][0];  // the newest period first
  EXPECT_EQ(text_of(april, "period"), "2026-04");
  EXPECT_EQ(text_of(april, "status"), "open");
  EXPECT_EQ(integer_of(april, "total"), kPrice40k);
  EXPECT_EQ(integer_of(april, "order_count"), 1);
  EXPECT_EQ(text_of(mine.json["data"][1], "period"), "2026-03");
  check_march("closed");

  // The package's orders, each on its month's invoice.
  const Listing orders = orders_of(large);
  ASSERT_EQ(orders.ids.size(), 2U) << orders.body;
  EXPECT_EQ(text_of(orders.json["data"][0], "action"), "hosting.renew");
  EXPECT_EQ(text_of(orders.json["data"][0], "invoice_id"), id_of(april));
  EXPECT_EQ(text_of(orders.json["data"][1], "action"), "hosting.provision");
  EXPECT_EQ(text_of(orders.json["data"][1], "invoice_id"), mine.ids[1]);
  for (const auto& order : orders.json["data"].GetArray()) {
    EXPECT_EQ(text_of(order, "object_id"), large);
    EXPECT_EQ(integer_of(order, "amount"), kPrice40k);
  }
}

// ---- the supplier's credit in the admin health --------------------------------------------

// ---- answers lost on the way back -----------------------------------------------------------

TEST_F(HostingE2e, AProvisioningWhoseAnswerTimedOutIsFoundAndItsPasswordShownOnce) {
  supplier_server_->inject({.kind = sim::FaultKind::timeout,
                            .path_prefix = "/api/v1/autoregister/",
                            .after_handler = true});
  const auto headers = std::vector<std::pair<std::string, std::string>>{
      {"Content-Type", "application/json"}, {"Idempotency-Key", "provision-lost"}};
  const HttpReply created = gateway_->api("POST", "/api/v1/hosting", key_.secret,
                                          body_for("lost.example.com", "20k"), headers);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto json = created.json();
  const auto& data = at(json, "data");
  const std::string id = id_of(data);
  const std::string password = text_of(data, "password");
  // The supplier holds the package with the password shown, created once and charged once.
  ASSERT_TRUE(at_supplier("lost.example.com").has_value());
  EXPECT_EQ(at_supplier("lost.example.com")->password, password);
  EXPECT_EQ(supplier_->calls("autoregister"), 1U);
  EXPECT_EQ(event_types(id), std::vector<std::string>{"hosting.provisioned"});
  EXPECT_EQ(orders_of(id).ids.size(), 1U);
  // The retry gets the same answer, password included; the supplier is not asked again.
  const HttpReply retry = gateway_->api("POST", "/api/v1/hosting", key_.secret,
                                        body_for("lost.example.com", "20k"), headers);
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(retry.body, created.body);
  EXPECT_EQ(supplier_->calls("autoregister"), 1U);
  // Kept for replays, the answer is sealed: the password is in no file in clear.
  expect_kept_nowhere(password);
}

TEST_F(HostingE2e, ARenewalWhoseOutcomeTheSupplierCannotShowWaitsForAnOperator) {
  const std::string id = id_of(provision("renew-lost.example.com", "20k"));
  ASSERT_FALSE(id.empty());
  supplier_server_->inject(
      {.kind = sim::FaultKind::timeout, .path_prefix = "/api/v1/renew/", .after_handler = true});
  const auto headers = std::vector<std::pair<std::string, std::string>>{
      {"Content-Type", "application/json"}, {"Idempotency-Key", "renew-lost"}};
  const HttpReply renewed = gateway_->api("POST", path(id, "renew"), key_.secret, "{}", headers);
  expect_code(renewed, 504, "upstream_error", "upstream_outcome_unknown");
  EXPECT_EQ(at_supplier("renew-lost.example.com")->renewals, 1);  // it did renew
  EXPECT_EQ(orders_of(id).ids.size(), 1U);                        // but nothing is billed yet
  // Retries never renew again while the outcome is open.
  expect_code(gateway_->api("POST", path(id, "renew"), key_.secret, "{}", headers), 409,
              "idempotency_error", "idempotency_outcome_pending");
  EXPECT_EQ(supplier_->calls("renew"), 1U);

  // The operator finds it in the intents, checks the supplier's panel and confirms.
  const HttpReply pending = gateway_->admin("GET", "/admin/intents");
  ASSERT_EQ(pending.status, 200) << pending.body;
  const auto listed = pending.json();
  ASSERT_EQ(at(listed, "data").Size(), 1U) << pending.body;
  const std::string intent = id_of(listed["data"][0]);
  EXPECT_EQ(text_of(listed["data"][0], "operation"), "hosting.renew");
  EXPECT_EQ(text_of(listed["data"][0], "object_id"), id);
  expect_code(gateway_->admin("POST", "/admin/intents/" + intent + "/resolve", R"({})"), 400,
              "invalid_request_error", "parameter_missing");
  const HttpReply resolved =
      gateway_->admin("POST", "/admin/intents/" + intent + "/resolve", R"({"happened":true})");
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(text_of(at(resolved.json(), "data"), "state"), "done");
  EXPECT_EQ(orders_of(id).ids.size(), 2U);
  EXPECT_EQ(event_types(id), (std::vector<std::string>{"hosting.provisioned", "hosting.renewed"}));
  // Settled once: a second word changes nothing.
  expect_code(
      gateway_->admin("POST", "/admin/intents/" + intent + "/resolve", R"({"happened":false})"),
      409, "invalid_request_error", "intent_settled");
  const HttpReply retry = gateway_->api("POST", path(id, "renew"), key_.secret, "{}", headers);
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(supplier_->calls("renew"), 1U);
}

class HostingHealthE2e : public HostingE2e {
 protected:
  // Reads the balances now, then the health; the firewall instance's entry (Null if none).
  rapidjson::Document check() {
    const HttpReply job = gateway_->admin("POST", "/admin/jobs/balance-check");
    EXPECT_EQ(job.status, 200) << job.body;
    const HttpReply reply = gateway_->admin("GET", "/admin/health");
    EXPECT_EQ(reply.status, 200) << reply.body;
    health_ = reply.json();
    EXPECT_EQ(text_of(at(health_, "data"), "status"), "ok") << reply.body;
    rapidjson::Document firewall;
    const auto& providers = at(at(health_, "data"), "providers");
    if (providers.IsArray()) {
      for (const auto& provider : providers.GetArray()) {
        if (text_of(provider, "name") == kFirewall)
          firewall.CopyFrom(provider, firewall.GetAllocator());
      }
    }
    EXPECT_TRUE(firewall.IsObject()) << reply.body;
    return firewall;
  }

  // The credit_low warnings of the last health.
  std::vector<std::string> low_credit_warnings() {
    std::vector<std::string> providers;
    const auto& warnings = at(at(health_, "data"), "warnings");
    EXPECT_TRUE(warnings.IsArray()) << core::json::to_string(health_);
    if (!warnings.IsArray()) return providers;
    for (const auto& warning : warnings.GetArray()) {
      if (text_of(warning, "code") != "credit_low") continue;
      providers.push_back(text_of(warning, "provider"));
      EXPECT_FALSE(text_of(warning, "message").empty());
    }
    return providers;
  }

  rapidjson::Document health_;
};

TEST_F(HostingHealthE2e, TheAdminHealthShowsTheCreditAndWarnsUnderTheFloor) {
  ASSERT_FALSE(id_of(provision("credit.example.com", "10k")).empty());
  const std::int64_t credit = supplier_->credit_cents();
  ASSERT_EQ(credit, 100000 - kSupplierPrice10k);

  auto firewall = check();
  const auto& first = at(firewall, "credit");
  ASSERT_TRUE(first.IsObject()) << core::json::to_string(firewall);
  EXPECT_EQ(integer_of(first, "amount"), credit);
  EXPECT_EQ(text_of(first, "currency"), "USD");
  EXPECT_EQ(text_of(first, "checked_at"), now());
  EXPECT_EQ(integer_of(first, "floor"), 5000);
  EXPECT_TRUE(at(first, "low").IsFalse());
  EXPECT_TRUE(low_credit_warnings().empty());

  // One cent under the floor: low, with a warning.
  supplier_->set_credit_cents(4999);
  clock_->advance(1min);
  firewall = check();
  const auto& low = at(firewall, "credit");
  EXPECT_EQ(integer_of(low, "amount"), 4999);
  EXPECT_EQ(text_of(low, "checked_at"), now());
  EXPECT_TRUE(at(low, "low").IsTrue()) << core::json::to_string(firewall);
  EXPECT_EQ(low_credit_warnings(), std::vector<std::string>{kFirewall});

  // At the floor exactly: not under it.
  supplier_->set_credit_cents(5000);
  firewall = check();
  EXPECT_EQ(integer_of(at(firewall, "credit"), "amount"), 5000);
  EXPECT_TRUE(at(at(firewall, "credit"), "low").IsFalse());
  EXPECT_TRUE(low_credit_warnings().empty());

  // Without a floor nothing is low.
  restart_gateway({.credit_floor = ""});
  supplier_->set_credit_cents(1);
  firewall = check();
  EXPECT_EQ(integer_of(at(firewall, "credit"), "amount"), 1);
  EXPECT_TRUE(at(at(firewall, "credit"), "floor").IsNull()) << core::json::to_string(firewall);
  EXPECT_TRUE(at(at(firewall, "credit"), "low").IsFalse());
  EXPECT_TRUE(low_credit_warnings().empty());
}

}  // namespace
}  // namespace portico::testing
