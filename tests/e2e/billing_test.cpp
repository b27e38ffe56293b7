// Orders, invoices and usage end to end: the gateway over HTTP with a `pricing:` section,
// Hostraha (domains) and SSLCI (DV certificates) simulated on loopback, one ManualClock shared
// by all of them, and a real SQLite file. Prices are chosen so that floating point would get
// the sums wrong (0.10 + 0.20).
#include <map>

#include <sqlite3.h>

#include "portico/core/json.hpp"
#include "portico/sim/dcv_world.hpp"

#include "e2e/domain_fixture.hpp"
#include "e2e/gateway_fixture.hpp"
#include "hostraha/sim/simulator.hpp"
#include "sslci/sim/simulator.hpp"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSslciToken = "sslci-token-billing-5d1e8a2c";
constexpr const char* kHostrahaKey = "registrar-key-0123456789";

const std::string kPricing =
    "pricing:\n"
    "  currency: USD\n"
    "  domains:\n"
    "    \".co.ke\": { register: 0.10, transfer: 0.20, renew: 0.30 }\n"
    "    \"*\": { register: 15.00, transfer: 12.50, renew: 14.00 }\n"
    "  ssl: { dv: 0.20, ov: 49.00 }\n";

// A UTC time from its parts.
core::TimePoint utc(int year, unsigned month, unsigned day, int hour, int minute = 0,
                    int second = 0, int millis = 0) {
  const std::chrono::sys_days date =
      std::chrono::year(year) / std::chrono::month(month) / std::chrono::day(day);
  return core::TimePoint(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second) + std::chrono::milliseconds(millis);
}

std::string text(const rapidjson::Value& object, const char* field) {
  if (!object.IsObject() || !object.HasMember(field) || !object[field].IsString()) return {};
  return object[field].GetString();
}

std::int64_t number(const rapidjson::Value& object, const char* field) {
  if (!object.IsObject() || !object.HasMember(field) || !object[field].IsInt64()) return -1;
  return object[field].GetInt64();
}

// One integer column of a query's first row, read from the gateway's database file.
std::int64_t query_int(const std::string& path, const std::string& sql,
                       const std::vector<std::string>& parameters) {
  sqlite3* db = nullptr;
  std::int64_t value = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    ADD_FAILURE() << "cannot open " << path;
    return value;
  }
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK) {
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      sqlite3_bind_text(statement, static_cast<int>(i + 1), parameters[i].c_str(), -1,
                        SQLITE_TRANSIENT);
    }
    if (sqlite3_step(statement) == SQLITE_ROW) value = sqlite3_column_int64(statement, 0);
  } else {
    ADD_FAILURE() << sqlite3_errmsg(db);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

// One Hostraha account and one SSLCI account on plain HTTP, the gateway in front of them with
// prices, jobs off (the usage flush is the gateway's own and runs anyway, hourly here so tests
// decide when it writes). A partner with two live keys and a customer.
class BillingTest : public ::testing::Test {
 protected:
  BillingTest() : clock_(std::make_shared<core::ManualClock>(utc(2026, 11, 30, 23))) {
    registrar_ = std::make_unique<sim::hostraha::Simulator>(
        sim::hostraha::SimulatorOptions{.email = "registrar@reseller.example",
                                        .api_key = kHostrahaKey,
                                        .clock = clock_.get(),
                                        .credit_minor = 10'000'000});
    registrar_server_ = std::make_unique<sim::Server>(sim::ServerOptions{.name = "registrar"});
    registrar_->install(*registrar_server_);
    registrar_server_->start();
    sslci_ = std::make_unique<sim::sslci::Simulator>(sim::sslci::SimulatorOptions{
        .tokens = {kSslciToken}, .clock = clock_.get(), .random = &sim_random_, .world = &world_});
    sslci_server_ = std::make_unique<sim::Server>(sim::ServerOptions{.name = "sslci"});
    sslci_->install(*sslci_server_, "/api");
    sslci_server_->start();
    files_.write("registrar.key", kHostrahaKey);
    files_.write("sslci.token", kSslciToken);

    start_gateway();
    partner_ = gateway_->create_partner("acme-hosting");
    key_ = gateway_->create_key(partner_);
    second_key_ = gateway_->create_key(partner_);
    customer_ = create_customer(key_.secret, "Wanjiru Kamau");
  }

  ~BillingTest() override { gateway_.reset(); }

  void start_gateway() {
    gateway_.reset();
    const std::string yaml =
        "jobs:\n  enabled: false\n  usage_flush_interval_ms: 3600000\n"
        "providers:\n"
        "  registrar:\n    type: hostraha\n    endpoint: " +
        registrar_server_->base_url() + std::string(sim::hostraha::kDefaultBasePath) +
        "\n    username: registrar@reseller.example\n    api_key_file: " +
        files_.file("registrar.key") +
        "\n    timeout_ms: 2000\n"
        "  sslci:\n    type: sslci\n    endpoint: " +
        sslci_server_->base_url() + "/api\n    token_file: " + files_.file("sslci.token") +
        "\n    timeout_ms: 2000\n"
        "routing:\n  domains: { \".co.ke\": [registrar], \"*\": [registrar] }\n"
        "  ssl: { dv: [sslci] }\n" +
        kPricing;
    gateway_ = std::make_unique<RunningGateway>("", yaml, data_dir_.path().string(), clock_);
  }

  HttpReply api(const std::string& method, const std::string& target, const std::string& body = {},
                const std::string& key = {}) {
    return gateway_->api(method, target, key.empty() ? key_.secret : key, body,
                         {{"Content-Type", "application/json"}});
  }

  // The `data` of a reply with the expected status (Null otherwise, after a failed check).
  rapidjson::Document call(const std::string& method, const std::string& target,
                           int expected_status, const std::string& body = {},
                           const std::string& key = {}) {
    const HttpReply reply = api(method, target, body, key);
    EXPECT_EQ(reply.status, expected_status) << method << " " << target << ": " << reply.body;
    rapidjson::Document document = reply.json();
    rapidjson::Document data;
    if (reply.status == expected_status && document.IsObject() && document.HasMember("data")) {
      data.CopyFrom(document["data"], data.GetAllocator());
    }
    return data;
  }

  // A whole list reply (data, total, has_more).
  rapidjson::Document list(const std::string& target, const std::string& key = {}) {
    const HttpReply reply = api("GET", target, {}, key);
    EXPECT_EQ(reply.status, 200) << target << ": " << reply.body;
    return reply.json();
  }

  std::string create_customer(const std::string& key, const std::string& name) {
    const auto customer =
        call("POST", "/api/v1/customers", 201,
             R"({"name":")" + name + R"(","email":"billing@example.co.ke"})", key);
    return text(customer, "id");
  }

  std::string registration(const std::string& name, int years,
                           const std::optional<std::string>& customer) const {
    return R"({"name":")" + name + "\"" +
           (customer ? R"(,"customer_id":")" + *customer + "\"" : std::string()) + R"(,"years":)" +
           std::to_string(years) +
           R"(,"nameservers":["ns1.hostco.net","ns2.hostco.net"],"contacts":)" + kContacts + "}";
  }

  // Registers `name` (asserting a 201); the domain's id.
  std::string register_domain(const std::string& name, int years = 1, const std::string& key = {}) {
    return text(call("POST", "/api/v1/domains", 201, registration(name, years, customer_), key),
                "id");
  }
  std::string register_without_customer(const std::string& name) {
    return text(call("POST", "/api/v1/domains", 201, registration(name, 1, std::nullopt)), "id");
  }
  std::string transfer_domain(const std::string& name) {
    return text(call("POST", "/api/v1/domains/" + name + "/transfer", 202,
                     R"({"customer_id":")" + customer_ +
                         R"(","auth_code":"EPP-OK-123","nameservers":["ns1.hostco.net",)"
                         R"("ns2.hostco.net"],"contacts":)" +
                         kContacts + "}"),
                "id");
  }

  // The only order of an object (asserting there is exactly one).
  rapidjson::Document order_of(const std::string& object_id) {
    const rapidjson::Document page = list("/api/v1/orders?object_id=" + object_id);
    rapidjson::Document order;
    EXPECT_EQ(number(page, "total"), 1) << core::json::to_string(page);
    if (number(page, "total") == 1) order.CopyFrom(page["data"][0], order.GetAllocator());
    return order;
  }

  std::int64_t order_total() { return number(list("/api/v1/orders"), "total"); }

  std::shared_ptr<core::ManualClock> clock_;
  core::SeededRandom sim_random_{20261130};
  sim::DcvWorld world_;
  std::unique_ptr<sim::hostraha::Simulator> registrar_;
  std::unique_ptr<sim::Server> registrar_server_;
  std::unique_ptr<sim::sslci::Simulator> sslci_;
  std::unique_ptr<sim::Server> sslci_server_;
  TempDir files_;
  TempDir data_dir_;
  std::unique_ptr<RunningGateway> gateway_;
  std::string partner_;
  RunningGateway::Key key_;
  RunningGateway::Key second_key_;
  std::string customer_;
};

// Checks an order object: its shape and what it says.
void expect_order(const rapidjson::Value& order, const std::string& action,
                  const std::string& product, std::int64_t quantity, std::int64_t unit_amount,
                  const std::string& description) {
  ASSERT_TRUE(order.IsObject());
  EXPECT_EQ(text(order, "object"), "order");
  EXPECT_EQ(text(order, "id").rfind("ord_", 0), 0U);
  EXPECT_TRUE(order["livemode"].GetBool());
  EXPECT_EQ(text(order, "action"), action);
  EXPECT_EQ(text(order, "product"), product);
  EXPECT_EQ(number(order, "quantity"), quantity);
  EXPECT_EQ(number(order, "unit_amount"), unit_amount);
  EXPECT_EQ(number(order, "amount"), quantity * unit_amount);
  EXPECT_EQ(text(order, "currency"), "USD");
  EXPECT_EQ(text(order, "description"), description);
  EXPECT_EQ(text(order, "invoice_id").rfind("inv_", 0), 0U);
  EXPECT_TRUE(core::parse_rfc3339(text(order, "created_at")).has_value());
  // Which supplier account served it is the gateway's business.
  EXPECT_FALSE(order.HasMember("provider_instance"));
  EXPECT_EQ(core::json::to_string(order).find("registrar"), std::string::npos);
}

TEST_F(BillingTest, EachBillableActionCreatesOneOrderAtItsConfiguredPrice) {
  const std::string shop = register_domain("shop.co.ke", 2);
  const auto registered = order_of(shop);
  expect_order(registered, "domain.register", ".co.ke", 2, 10, "shop.co.ke, 2 years");
  EXPECT_EQ(text(registered, "customer_id"), customer_);
  EXPECT_EQ(text(registered, "object_id"), shop);

  const std::string incoming = transfer_domain("taken.com");
  expect_order(order_of(incoming), "domain.transfer", "*", 1, 1250, "taken.com, transfer in");

  call("POST", "/api/v1/domains/" + shop + "/renew", 200, R"({"years":3})");
  const rapidjson::Document renewals = list("/api/v1/orders?action=domain.renew");
  ASSERT_EQ(number(renewals, "total"), 1);
  expect_order(renewals["data"][0], "domain.renew", ".co.ke", 3, 30,
               "shop.co.ke, renewal, 3 years");
  EXPECT_EQ(text(renewals["data"][0], "object_id"), shop);

  const auto certificate =
      call("POST", "/api/v1/ssl", 201,
           R"({"customer_id":")" + customer_ +
               R"(","common_name":"secure.example.com","cert_type":"dv","dcv_method":"http"})");
  const std::string certificate_id = text(certificate, "id");
  expect_order(order_of(certificate_id), "ssl.order", "dv", 1, 20,
               "secure.example.com DV certificate");

  // Issued, then renewed: the renewal is an order of its own.
  for (const auto& validation : certificate["validations"].GetArray()) {
    world_.publish_file(text(validation["instructions"], "url"),
                        text(validation["instructions"], "content"));
  }
  const auto issued = call("POST", "/api/v1/ssl/" + certificate_id + "/verify", 200, "{}");
  ASSERT_EQ(text(issued, "status"), "issued") << core::json::to_string(issued);
  const auto renewal = call("POST", "/api/v1/ssl/" + certificate_id + "/renew", 201, "{}");
  expect_order(order_of(text(renewal, "id")), "ssl.renew", "dv", 1, 20,
               "secure.example.com DV certificate, renewal");
  EXPECT_EQ(order_total(), 5);  // verifying a certificate bills nothing

  // GET by id answers the same object.
  const std::string order_id = text(registered, "id");
  const auto fetched = call("GET", "/api/v1/orders/" + order_id, 200);
  EXPECT_EQ(core::json::to_string(fetched), core::json::to_string(registered));
  expect_error(api("GET", "/api/v1/orders/ord_0000000000000000000000000"), 404,
               "invalid_request_error", "not_found", "id");
  expect_error(api("GET", "/api/v1/orders/" + shop), 404, "invalid_request_error", "not_found",
               "id");
  // Another partner sees none of it.
  const std::string other = gateway_->create_key(gateway_->create_partner("other")).secret;
  expect_error(api("GET", "/api/v1/orders/" + order_id, {}, other), 404, "invalid_request_error",
               "not_found", "id");
  EXPECT_EQ(number(list("/api/v1/orders", other), "total"), 0);
}

TEST_F(BillingTest, RefusedOrFailedActionsCreateNoOrder) {
  // Registered elsewhere: the supplier refuses.
  expect_error(api("POST", "/api/v1/domains", registration("taken.co.ke", 1, customer_)), 409,
               "invalid_request_error", "domain_unavailable");
  // No credit left at the supplier.
  const std::size_t charges = registrar_->charges();
  registrar_->set_credit_minor(0);
  expect_error(api("POST", "/api/v1/domains", registration("broke.co.ke", 1, customer_)), 503,
               "upstream_error", "supplier_insufficient_funds");
  registrar_->set_credit_minor(10'000'000);
  // Refused before any supplier call: no route for OV.
  expect_error(api("POST", "/api/v1/ssl",
                   R"({"customer_id":")" + customer_ +
                       R"(","common_name":"bank.example.com","cert_type":"ov"})"),
               422, "invalid_request_error", "unsupported_product", "cert_type");
  EXPECT_EQ(order_total(), 0);
  EXPECT_EQ(registrar_->charges(), charges);

  // A renewal the supplier refuses bills nothing either; the registration before it did.
  const std::string domain = register_domain("kept.co.ke");
  registrar_->set_credit_minor(0);
  expect_error(api("POST", "/api/v1/domains/" + domain + "/renew", R"({"years":1})"), 503,
               "upstream_error", "supplier_insufficient_funds");
  const rapidjson::Document orders = list("/api/v1/orders");
  ASSERT_EQ(number(orders, "total"), 1);
  EXPECT_EQ(text(orders["data"][0], "action"), "domain.register");
}

TEST_F(BillingTest, ListsOrdersWithFiltersAndCursors) {
  const std::string second_customer = create_customer(key_.secret, "Otieno Ochieng");
  std::vector<std::string> domains;
  for (const char* name : {"one.co.ke", "two.co.ke", "three.co.ke", "four.co.ke"})
    domains.push_back(register_domain(name));
  const std::string other_customers = text(
      call("POST", "/api/v1/domains", 201, registration("five.co.ke", 1, second_customer)), "id");
  call("POST", "/api/v1/domains/" + domains[0] + "/renew", 200, R"({"years":2})");

  // Newest first, two at a time.
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 4; ++page) {
    const rapidjson::Document reply =
        list("/api/v1/orders?limit=2" + (cursor.empty() ? "" : "&starting_after=" + cursor));
    EXPECT_EQ(number(reply, "total"), 6);
    for (const auto& item : reply["data"].GetArray())
      seen.push_back(text(item, "object_id"));
    cursor = seen.empty() ? "" : text(reply["data"][reply["data"].Size() - 1], "id");
    if (!reply["has_more"].GetBool()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{domains[0], other_customers, domains[3], domains[2],
                                            domains[1], domains[0]}));

  EXPECT_EQ(number(list("/api/v1/orders?customer_id=" + second_customer), "total"), 1);
  EXPECT_EQ(number(list("/api/v1/orders?customer_id=" + customer_), "total"), 5);
  EXPECT_EQ(number(list("/api/v1/orders?object_id=" + domains[0]), "total"), 2);
  EXPECT_EQ(number(list("/api/v1/orders?action=domain.register"), "total"), 5);
  const rapidjson::Document renewal = list(
      "/api/v1/orders?action=domain.renew&customer_id=" + customer_ + "&object_id=" + domains[0]);
  ASSERT_EQ(number(renewal, "total"), 1);
  EXPECT_EQ(number(renewal["data"][0], "quantity"), 2);
  const std::string invoice = text(renewal["data"][0], "invoice_id");
  EXPECT_EQ(number(list("/api/v1/orders?invoice_id=" + invoice), "total"), 5);

  expect_error(api("GET", "/api/v1/orders?starting_after=ord_nope"), 400, "invalid_request_error",
               "invalid_cursor", "starting_after");
  expect_error(api("GET", "/api/v1/orders?action=domain.delete"), 400, "invalid_request_error",
               "invalid_action", "action");
  expect_error(api("GET", "/api/v1/orders?status=paid"), 400, "invalid_request_error",
               "parameter_unknown", "status");
  expect_error(api("GET", "/api/v1/orders?limit=101"), 400, "invalid_request_error",
               "parameter_out_of_range", "limit");
}

TEST_F(BillingTest, InvoicesSumEachCustomersMonthExactly) {
  // 23:00 on 30 November (UTC): 0.10 + 0.20 + 0.30 and more, all on one invoice.
  const std::string first = register_domain("alpha.co.ke");                    // 0.10
  transfer_domain("taken.co.ke");                                              // 0.20
  call("POST", "/api/v1/domains/" + first + "/renew", 200, R"({"years":1})");  // 0.30
  for (const char* name : {"beta.co.ke", "gamma.co.ke", "delta.co.ke"})
    register_domain(name);                   // 3 x 0.10
  register_domain("epsilon.co.ke", 3);       // 3 years x 0.10
  register_without_customer("loose.co.ke");  // its own invoice
  clock_->set(utc(2026, 11, 30, 23, 59, 59, 999));
  register_domain("edge.co.ke");  // the last millisecond of November

  const rapidjson::Document november_orders = list("/api/v1/orders?customer_id=" + customer_);
  ASSERT_EQ(number(november_orders, "total"), 8);
  const std::string november = text(november_orders["data"][0], "invoice_id");
  for (const auto& order : november_orders["data"].GetArray())
    EXPECT_EQ(text(order, "invoice_id"), november);

  const rapidjson::Document invoice = call("GET", "/api/v1/invoices/" + november, 200);
  EXPECT_EQ(text(invoice, "object"), "invoice");
  EXPECT_EQ(text(invoice, "id"), november);
  EXPECT_TRUE(invoice["livemode"].GetBool());
  EXPECT_EQ(text(invoice, "customer_id"), customer_);
  EXPECT_EQ(text(invoice, "period"), "2026-11");
  EXPECT_EQ(text(invoice, "period_start"), "2026-11-01T00:00:00Z");
  EXPECT_EQ(text(invoice, "period_end"), "2026-12-01T00:00:00Z");
  EXPECT_EQ(text(invoice, "currency"), "USD");
  EXPECT_EQ(number(invoice, "total"), 10 + 20 + 30 + 3 * 10 + 30 + 10);  // 1.30 exactly
  EXPECT_EQ(number(invoice, "order_count"), 8);
  EXPECT_EQ(text(invoice, "status"), "open");
  EXPECT_EQ(text(invoice, "created_at"), "2026-11-30T23:00:00Z");
  EXPECT_EQ(text(invoice, "updated_at"), "2026-11-30T23:59:59Z");
  // Its lines: every order, oldest first, adding up to the total.
  ASSERT_TRUE(invoice["lines"].IsArray());
  ASSERT_EQ(invoice["lines"].Size(), 8U);
  std::int64_t sum = 0;
  for (rapidjson::SizeType i = 0; i < 8; ++i) {
    const auto& line = invoice["lines"][i];
    EXPECT_EQ(text(line, "object"), "order");
    EXPECT_EQ(text(line, "id"), text(november_orders["data"][7 - i], "id"));
    sum += number(line, "amount");
  }
  EXPECT_EQ(sum, number(invoice, "total"));
  EXPECT_EQ(text(invoice["lines"][0], "description"), "alpha.co.ke, 1 year");
  EXPECT_EQ(text(invoice["lines"][7], "description"), "edge.co.ke, 1 year");

  // Midnight: the next order opens December's invoice and November's is closed.
  clock_->set(utc(2026, 12, 1, 0));
  const std::string next = register_domain("next.co.ke");
  const auto december_order = order_of(next);
  const std::string december = text(december_order, "invoice_id");
  EXPECT_NE(december, november);
  const auto opened = call("GET", "/api/v1/invoices/" + december, 200);
  EXPECT_EQ(text(opened, "period"), "2026-12");
  EXPECT_EQ(text(opened, "status"), "open");
  EXPECT_EQ(number(opened, "total"), 10);
  EXPECT_EQ(number(opened, "order_count"), 1);
  EXPECT_EQ(text(call("GET", "/api/v1/invoices/" + november, 200), "status"), "closed");

  // The list: newest period first; the order without a customer has an invoice without one.
  const rapidjson::Document all = list("/api/v1/invoices");
  ASSERT_EQ(number(all, "total"), 3);
  EXPECT_EQ(text(all["data"][0], "id"), december);
  EXPECT_FALSE(all["data"][0].HasMember("lines"));
  std::map<std::string, const rapidjson::Value*> by_id;
  for (const auto& item : all["data"].GetArray())
    by_id[text(item, "id")] = &item;
  ASSERT_TRUE(by_id.contains(november));
  EXPECT_EQ(text(*by_id[november], "status"), "closed");
  for (const auto& [id, item] : by_id) {
    if (id == november || id == december) continue;
    EXPECT_TRUE((*item)["customer_id"].IsNull());
    EXPECT_EQ(text(*item, "period"), "2026-11");
    EXPECT_EQ(number(*item, "total"), 10);
  }

  EXPECT_EQ(number(list("/api/v1/invoices?period=2026-11"), "total"), 2);
  EXPECT_EQ(number(list("/api/v1/invoices?period=2026-10"), "total"), 0);
  const rapidjson::Document mine = list("/api/v1/invoices?customer_id=" + customer_ + "&limit=1");
  EXPECT_EQ(number(mine, "total"), 2);
  EXPECT_TRUE(mine["has_more"].GetBool());
  EXPECT_EQ(text(mine["data"][0], "id"), december);
  const rapidjson::Document rest =
      list("/api/v1/invoices?customer_id=" + customer_ + "&limit=1&starting_after=" + december);
  ASSERT_EQ(rest["data"].Size(), 1U);
  EXPECT_EQ(text(rest["data"][0], "id"), november);
  EXPECT_FALSE(rest["has_more"].GetBool());

  expect_error(api("GET", "/api/v1/invoices?period=2026-13"), 400, "invalid_request_error",
               "invalid_period", "period");
  expect_error(api("GET", "/api/v1/invoices/inv_0000000000000000000000000"), 404,
               "invalid_request_error", "not_found", "id");
  const std::string other = gateway_->create_key(gateway_->create_partner("other")).secret;
  expect_error(api("GET", "/api/v1/invoices/" + november, {}, other), 404, "invalid_request_error",
               "not_found", "id");
}

// The usage object of one day and key in a list reply, or Null.
const rapidjson::Value* usage_row(const rapidjson::Document& reply, const std::string& day,
                                  const std::string& key_id) {
  for (const auto& row : reply["data"].GetArray()) {
    if (text(row, "day") == day && text(row, "key_id") == key_id) return &row;
  }
  return nullptr;
}

void expect_usage(const rapidjson::Document& reply, const std::string& day,
                  const std::string& key_id, std::int64_t calls, std::int64_t orders,
                  std::int64_t units) {
  const rapidjson::Value* row = usage_row(reply, day, key_id);
  ASSERT_NE(row, nullptr) << day << " " << key_id << ": " << core::json::to_string(reply);
  EXPECT_EQ(text(*row, "object"), "usage");
  EXPECT_EQ(number(*row, "api_calls"), calls) << day << " " << key_id;
  EXPECT_EQ(number(*row, "orders"), orders) << day << " " << key_id;
  EXPECT_EQ(number(*row, "billable_units"), units) << day << " " << key_id;
}

TEST_F(BillingTest, UsageCountsEachKeysCallsAndOrdersPerDay) {
  const std::string first = key_.id;
  const std::string second = second_key_.id;
  std::int64_t first_calls = 1;  // the fixture created the customer with it
  std::int64_t second_calls = 0;
  for (int i = 0; i < 3; ++i, ++first_calls)
    call("GET", "/api/v1/customers", 200);
  for (int i = 0; i < 2; ++i, ++second_calls)
    call("GET", "/api/v1/me", 200, {}, second_key_.secret);
  register_domain("usage.co.ke", 2, second_key_.secret);
  ++second_calls;
  // Refused requests are calls too; requests without a valid key are nobody's.
  expect_error(api("GET", "/api/v1/orders?limit=0", {}, second_key_.secret), 400,
               "invalid_request_error", "parameter_out_of_range", "limit");
  ++second_calls;
  EXPECT_EQ(
      gateway_->api("GET", "/api/v1/me", "pt_live_pk_00000000000000000000000000000000").status,
      401);

  // Written by the flush: the counts are in the database.
  ASSERT_TRUE(gateway_->app().usage_flush().write_now().ok());
  const auto stored = [&](const std::string& key_id, const std::string& day) {
    return query_int(gateway_->database_path(),
                     "SELECT calls FROM api_usage WHERE key_id = ? AND day = ?", {key_id, day});
  };
  EXPECT_EQ(stored(first, "2026-11-30"), first_calls);
  EXPECT_EQ(stored(second, "2026-11-30"), second_calls);

  // This request counts as well (it is not written yet: the answer adds what is pending).
  rapidjson::Document usage = list("/api/v1/usage?from=2026-11-30&to=2026-11-30");
  ++first_calls;
  ASSERT_EQ(number(usage, "total"), 2);
  EXPECT_FALSE(usage["has_more"].GetBool());
  expect_usage(usage, "2026-11-30", first, first_calls, 0, 0);
  expect_usage(usage, "2026-11-30", second, second_calls, 1, 2);
  EXPECT_LT(text(usage["data"][0], "key_id"), text(usage["data"][1], "key_id"));

  usage = list("/api/v1/usage?key_id=" + second);
  ++first_calls;
  ASSERT_EQ(number(usage, "total"), 1);
  expect_usage(usage, "2026-11-30", second, second_calls, 1, 2);

  // The next UTC day is a row of its own; the default range is the 30 days ending today.
  clock_->set(utc(2026, 12, 1, 0, 30));
  call("GET", "/api/v1/me", 200, {}, second_key_.secret);
  usage = list("/api/v1/usage", second_key_.secret);
  ++second_calls;  // on the 1st, with the call before it
  ASSERT_EQ(number(usage, "total"), 3);
  EXPECT_EQ(text(usage["data"][0], "day"), "2026-11-30");
  EXPECT_EQ(text(usage["data"][2], "day"), "2026-12-01");
  expect_usage(usage, "2026-11-30", first, first_calls, 0, 0);
  expect_usage(usage, "2026-11-30", second, second_calls - 1, 1, 2);
  expect_usage(usage, "2026-12-01", second, 2, 0, 0);
  EXPECT_EQ(number(list("/api/v1/usage?from=2026-12-01", second_key_.secret), "total"), 1);
  EXPECT_EQ(number(list("/api/v1/usage?to=2026-11-29", second_key_.secret), "total"), 0);

  // A stop writes what is pending: after a restart the counts are all there.
  start_gateway();
  usage = list("/api/v1/usage?from=2026-11-30&to=2026-12-01", second_key_.secret);
  expect_usage(usage, "2026-11-30", first, first_calls, 0, 0);
  // The 1st: /me, three /usage lists, and this very request.
  expect_usage(usage, "2026-12-01", second, 4 + 1, 0, 0);
  EXPECT_EQ(stored(second, "2026-12-01"), 4);

  // Refusals, asked by another partner (so they change nothing counted above).
  const std::string other = gateway_->create_key(gateway_->create_partner("other")).secret;
  expect_error(api("GET", "/api/v1/usage?from=2026-12-02&to=2026-12-01", {}, other), 400,
               "invalid_request_error", "invalid_date_range", "from");
  expect_error(api("GET", "/api/v1/usage?from=2025-11-30&to=2026-12-01", {}, other), 400,
               "invalid_request_error", "date_range_too_long", "from");
  EXPECT_EQ(api("GET", "/api/v1/usage?from=2025-12-01&to=2026-12-01", {}, other).status, 200);
  expect_error(api("GET", "/api/v1/usage?from=2026-02-30", {}, other), 400, "invalid_request_error",
               "invalid_date", "from");
  expect_error(api("GET", "/api/v1/usage?to=yesterday", {}, other), 400, "invalid_request_error",
               "invalid_date", "to");
  expect_error(api("GET", "/api/v1/usage?key_id=" + first, {}, other), 400, "invalid_request_error",
               "resource_missing", "key_id");
  expect_error(api("GET", "/api/v1/usage?limit=5", {}, other), 400, "invalid_request_error",
               "parameter_unknown", "limit");
  EXPECT_EQ(number(list("/api/v1/usage", other), "total"), 1);  // its own calls only
}

TEST(BillingConfig, TheExampleConfigurationLoadsWithItsPrices) {
  const config::Config config = load_example_config();
  const config::PricingConfig& pricing = config.pricing;
  EXPECT_TRUE(pricing.configured);
  EXPECT_EQ(pricing.currency, "USD");
  ASSERT_NE(pricing.domain("shop.co.ke"), nullptr);
  EXPECT_EQ(pricing.domain("shop.co.ke")->register_per_year, 1200);
  EXPECT_EQ(pricing.domain("example.com")->renew_per_year, 1500);
  EXPECT_EQ(pricing.certificate("ev"), 14900);
  EXPECT_EQ(pricing.hosting_plan("Free"), 0);
  EXPECT_EQ(pricing.hosting_plan("200k"), 5900);
  EXPECT_EQ(config.providers.at("hostraha-main").credit_floor, 5000);
  EXPECT_EQ(config.jobs.usage_flush_interval, 10s);
  EXPECT_EQ(config.jobs.balance_check_interval, 15min);
}

}  // namespace
}  // namespace portico::testing
