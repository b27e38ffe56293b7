#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/json.hpp"

#include "hostraha/mapping.hpp"

namespace portico::adapters::hostraha {
namespace {

using core::DnsRecord;
using core::DnsRecordType;
using core::DomainStatus;

rapidjson::Document parse(std::string_view text) {
  auto document = core::json::parse(text);
  EXPECT_TRUE(document.ok()) << text;
  return std::move(document).value();
}

core::TimePoint day(std::string_view date) {
  return *core::parse_rfc3339(std::string(date) + "T00:00:00Z");
}

// ---- errors ---------------------------------------------------------------------------------

struct ErrorRow {
  const char* message;
  int status;
  core::ErrorType type;
  const char* code;
};

TEST(HostrahaMappingTest, ClassifiesSupplierMessagesByTheContractTable) {
  const ErrorRow rows[] = {
      {"Insufficient credit balance", 503, core::ErrorType::upstream,
       "supplier_insufficient_funds"},
      {"Not enough funds: INSUFFICIENT balance", 503, core::ErrorType::upstream,
       "supplier_insufficient_funds"},
      {"Domain is not available", 409, core::ErrorType::invalid_request, "domain_unavailable"},
      {"Domain Unavailable", 409, core::ErrorType::invalid_request, "domain_unavailable"},
      {"example.com is already registered", 409, core::ErrorType::invalid_request,
       "domain_unavailable"},
      {"Name taken", 409, core::ErrorType::invalid_request, "domain_unavailable"},
      {"Domain not found", 404, core::ErrorType::invalid_request, "not_found_at_supplier"},
      {"The domain does not exist", 404, core::ErrorType::invalid_request, "not_found_at_supplier"},
      {"Domain is not in your account", 404, core::ErrorType::invalid_request,
       "not_found_at_supplier"},
      // "authentication" is checked before "invalid".
      {"Invalid authentication token", 502, core::ErrorType::upstream,
       "upstream_authentication_failed"},
      {"Unauthorized", 502, core::ErrorType::upstream, "upstream_authentication_failed"},
      {"Unknown username", 502, core::ErrorType::upstream, "upstream_authentication_failed"},
      {"Invalid nameserver", 422, core::ErrorType::invalid_request, "supplier_rejected"},
      // Checked before "invalid".
      {"Invalid domain extension: .xyz is not offered", 422, core::ErrorType::invalid_request,
       "unsupported_tld"},
      {"The regperiod field is required", 422, core::ErrorType::invalid_request,
       "supplier_rejected"},
      {"Period must be between 1 and 10", 422, core::ErrorType::invalid_request,
       "supplier_rejected"},
      {"Registry timeout, try later", 502, core::ErrorType::upstream, "upstream_refused"},
      {"", 502, core::ErrorType::upstream, "upstream_refused"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.message);
    const core::Error error = error_from_message(row.message);
    EXPECT_EQ(error.status, row.status);
    EXPECT_EQ(error.type, row.type);
    EXPECT_EQ(error.code, row.code);
    EXPECT_FALSE(error.outcome_unknown);
    EXPECT_FALSE(error.message.empty());
  }
}

TEST(HostrahaMappingTest, NeverRepeatsTheSuppliersText) {
  const core::Error error = error_from_message("Hostraha: insufficient funds for reseller 7781");
  EXPECT_EQ(error.code, "supplier_insufficient_funds");
  EXPECT_EQ(error.message.find("Hostraha"), std::string::npos);
  EXPECT_EQ(error.message.find("7781"), std::string::npos);
}

TEST(HostrahaMappingTest, BadResponseIsOutcomeUnknownOnlyForWrites) {
  EXPECT_EQ(bad_response(false).code, "upstream_bad_response");
  EXPECT_EQ(bad_response(false).status, 502);
  EXPECT_FALSE(bad_response(false).outcome_unknown);
  EXPECT_TRUE(bad_response(true).outcome_unknown);
}

TEST(HostrahaMappingTest, SuccessIsAnObjectWithoutErrorOrTheBareWord) {
  EXPECT_TRUE(is_success(parse(R"({"success":true})")));
  EXPECT_TRUE(is_success(parse(R"({"result":"ok"})")));
  EXPECT_TRUE(is_success(parse(R"("success")")));
  EXPECT_FALSE(is_success(parse(R"({"error":"x"})")));
  EXPECT_FALSE(is_success(parse(R"("locked")")));
  EXPECT_FALSE(is_success(parse("42")));
  EXPECT_FALSE(is_success(parse("null")));
}

// ---- contacts -------------------------------------------------------------------------------

core::Contact ann() {
  core::Contact contact;
  contact.first_name = "Ann";
  contact.last_name = "Wanjiru";
  contact.organization = "Acme Ltd";
  contact.email = "ann@example.co.ke";
  contact.phone = "+254.712345678";
  contact.address1 = "1 Moi Avenue";
  contact.city = "Nairobi";
  contact.state = "Nairobi";
  contact.postcode = "00100";
  contact.country = "KE";
  return contact;
}

TEST(HostrahaMappingTest, RegistrationContactUsesTheClientsLowercaseKeys) {
  EXPECT_EQ(registration_contact(ann()).encode(),
            "firstname=Ann&lastname=Wanjiru&companyname=Acme+Ltd&email=ann%40example.co.ke&"
            "address1=1+Moi+Avenue&address2=&city=Nairobi&state=Nairobi&postcode=00100&country=KE&"
            "phonenumber=%2B254.712345678");
}

TEST(HostrahaMappingTest, ContactDetailsUseWhmcsKeysAndDefaultRolesToTheRegistrant) {
  core::DomainContacts contacts;
  contacts.registrant = ann();
  contacts.tech = ann();
  contacts.tech->first_name = "Tom";
  PhpForm form;
  form.add("contactdetails", contact_details(contacts));
  const std::string body = form.encode();
  EXPECT_EQ(body.find("contactdetails%5BRegistrant%5D%5BFirst+Name%5D=Ann&"), 0U);
  EXPECT_NE(body.find("&contactdetails%5BAdmin%5D%5BFirst+Name%5D=Ann&"), std::string::npos);
  EXPECT_NE(body.find("&contactdetails%5BTech%5D%5BFirst+Name%5D=Tom&"), std::string::npos);
  EXPECT_NE(body.find("&contactdetails%5BBilling%5D%5BPhone+Number%5D=%2B254.712345678"),
            std::string::npos);
  EXPECT_NE(body.find("&contactdetails%5BRegistrant%5D%5BEmail+Address%5D=ann%40example.co.ke&"),
            std::string::npos);
  EXPECT_NE(body.find("&contactdetails%5BRegistrant%5D%5BCompany+Name%5D=Acme+Ltd&"),
            std::string::npos);
}

TEST(HostrahaMappingTest, ContactsFromUnderscoredAnswer) {
  const auto answer = parse(R"({
    "Registrant": {"First_Name":"Ann","Last_Name":"Wanjiru","Company_Name":"Acme Ltd",
      "Email_Address":"ann@example.co.ke","Address_1":"1 Moi Avenue","Address_2":"",
      "City":"Nairobi","State":"Nairobi","Postcode":"00100","Country":"KE",
      "Phone_Number":"+254.712345678"},
    "Tech": {"First_Name":"Tom","Last_Name":"Otieno","Postcode":100}})");
  auto contacts = contacts_from_answer(answer);
  ASSERT_TRUE(contacts.ok());
  EXPECT_EQ(contacts->registrant.first_name, "Ann");
  EXPECT_EQ(contacts->registrant.organization, "Acme Ltd");
  EXPECT_EQ(contacts->registrant.email, "ann@example.co.ke");
  EXPECT_EQ(contacts->registrant.address1, "1 Moi Avenue");
  EXPECT_EQ(contacts->registrant.phone, "+254.712345678");
  EXPECT_EQ(contacts->registrant.country, "KE");
  EXPECT_FALSE(contacts->admin.has_value());
  ASSERT_TRUE(contacts->tech.has_value());
  EXPECT_EQ(contacts->tech->last_name, "Otieno");
  EXPECT_EQ(contacts->tech->postcode, "100");

  EXPECT_EQ(contacts_from_answer(parse(R"({"Admin":{}})")).error().code, "upstream_bad_response");
  EXPECT_FALSE(contacts_from_answer(parse(R"("x")")).ok());
}

// ---- DNS ------------------------------------------------------------------------------------

DnsRecord record(DnsRecordType type, std::string name, std::string value) {
  DnsRecord out;
  out.type = type;
  out.name = std::move(name);
  out.value = std::move(value);
  return out;
}

TEST(HostrahaMappingTest, RecordsToWhmcsPackSrvAndCaa) {
  DnsRecord a = record(DnsRecordType::a, "www", "192.0.2.1");
  EXPECT_EQ(to_whmcs(a), (WhmcsRecord{"www", "A", "192.0.2.1", "N/A", 3600}));

  DnsRecord mx = record(DnsRecordType::mx, "@", "mail.example.com");
  mx.priority = 10;
  mx.ttl = 600;
  EXPECT_EQ(to_whmcs(mx), (WhmcsRecord{"@", "MX", "mail.example.com", "10", 600}));

  DnsRecord srv = record(DnsRecordType::srv, "_sip._tcp", "sip.example.com");
  srv.priority = 10;
  srv.weight = 5;
  srv.port = 5060;
  srv.ttl = 300;
  EXPECT_EQ(to_whmcs(srv), (WhmcsRecord{"_sip._tcp", "SRV", "5 5060 sip.example.com", "10", 300}));

  DnsRecord caa = record(DnsRecordType::caa, "@", "letsencrypt.org");
  caa.flags = 0;
  caa.tag = "issue";
  EXPECT_EQ(to_whmcs(caa), (WhmcsRecord{"@", "CAA", "0 issue \"letsencrypt.org\"", "N/A", 3600}));

  EXPECT_EQ(to_whmcs(record(DnsRecordType::txt, "", "v=spf1 -all")).hostname, "@");
}

TEST(HostrahaMappingTest, RecordsFromWhmcsRoundTrip) {
  for (const auto& wire :
       {WhmcsRecord{"www", "A", "192.0.2.1", "N/A", 300},
        WhmcsRecord{"@", "AAAA", "2001:db8::1", "N/A", 3600},
        WhmcsRecord{"blog", "CNAME", "example.net", "N/A", 3600},
        WhmcsRecord{"@", "MX", "mail.example.com", "10", 3600},
        WhmcsRecord{"@", "TXT", "v=spf1 include:_spf.example.com ~all", "N/A", 3600},
        WhmcsRecord{"sub", "NS", "ns1.other.net", "N/A", 86400},
        WhmcsRecord{"_sip._tcp", "SRV", "5 5060 sip.example.com", "10", 300},
        WhmcsRecord{"@", "CAA", "128 iodef \"mailto:sec@example.com\"", "N/A", 3600}}) {
    SCOPED_TRACE(wire.type);
    const auto mapped = from_whmcs(wire);
    ASSERT_TRUE(mapped.has_value());
    EXPECT_EQ(to_whmcs(*mapped), wire);
  }
  const auto srv = from_whmcs({"_sip._tcp", "srv", "5  5060 sip.example.com", "10", {}});
  ASSERT_TRUE(srv.has_value());
  EXPECT_EQ(srv->type, DnsRecordType::srv);
  EXPECT_EQ(srv->priority, 10);
  EXPECT_EQ(srv->weight, 5);
  EXPECT_EQ(srv->port, 5060);
  EXPECT_EQ(srv->value, "sip.example.com");
  EXPECT_EQ(srv->ttl, 3600);  // absent: the contract's default

  const auto caa = from_whmcs({"@", "CAA", "0 issue letsencrypt.org", "N/A", {}});
  ASSERT_TRUE(caa.has_value());
  EXPECT_EQ(caa->flags, 0);
  EXPECT_EQ(caa->tag, "issue");
  EXPECT_EQ(caa->value, "letsencrypt.org");
}

TEST(HostrahaMappingTest, RecordsPorticoCannotModelAreNotMapped) {
  EXPECT_FALSE(from_whmcs({"www", "URL", "https://example.net", "N/A", {}}).has_value());
  EXPECT_FALSE(from_whmcs({"@", "MX", "mail.example.com", "N/A", {}}).has_value());
  EXPECT_FALSE(from_whmcs({"_s._tcp", "SRV", "5 sip.example.com", "10", {}}).has_value());
  EXPECT_FALSE(from_whmcs({"@", "CAA", "issue letsencrypt.org", "N/A", {}}).has_value());
}

TEST(HostrahaMappingTest, ZoneFromAnswerAcceptsListsAndPhpObjects) {
  auto zone = zone_from_answer(parse(R"([
    {"hostname":"www","type":"A","address":"192.0.2.1","priority":"N/A","ttl":300},
    {"hostname":"@","type":"MX","address":"mail.example.com","priority":10},
    {"hostname":"go","type":"URL","address":"https://example.net","priority":"N/A","ttl":"60"}])"));
  ASSERT_TRUE(zone.ok());
  ASSERT_EQ(zone->size(), 3U);
  EXPECT_EQ((*zone)[0], (WhmcsRecord{"www", "A", "192.0.2.1", "N/A", 300}));
  EXPECT_EQ((*zone)[1], (WhmcsRecord{"@", "MX", "mail.example.com", "10", {}}));
  EXPECT_EQ((*zone)[2].ttl, 60);

  auto keyed = zone_from_answer(
      parse(R"({"0":{"hostname":"a","type":"A","address":"192.0.2.2","priority":"N/A"}})"));
  ASSERT_TRUE(keyed.ok());
  EXPECT_EQ(keyed->size(), 1U);
  EXPECT_TRUE(zone_from_answer(parse("[]"))->empty());

  EXPECT_FALSE(zone_from_answer(parse(R"("none")")).ok());
  EXPECT_FALSE(zone_from_answer(parse(R"([{"hostname":"a"}])")).ok());
  EXPECT_FALSE(zone_from_answer(parse(R"([1])")).ok());
}

// php -r 'echo http_build_query(["domain"=>"example.com","dnsrecords"=>[["hostname"=>"_sip._tcp",
//   "type"=>"SRV","address"=>"5 5060 sip.example.com","priority"=>"10","ttl"=>300],
//   ["hostname"=>"@","type"=>"CAA","address"=>"0 issue \"letsencrypt.org\"","priority"=>"N/A",
//   "ttl"=>3600]]]);'
TEST(HostrahaMappingTest, ZoneFormAsPhp) {
  PhpForm form;
  form.add("domain", "example.com")
      .add("dnsrecords", zone_form({{"_sip._tcp", "SRV", "5 5060 sip.example.com", "10", 300},
                                    {"@", "CAA", "0 issue \"letsencrypt.org\"", "N/A", 3600}}));
  EXPECT_EQ(
      form.encode(),
      "domain=example.com&dnsrecords%5B0%5D%5Bhostname%5D=_sip._tcp&dnsrecords%5B0%5D%5Btype%5D"
      "=SRV&dnsrecords%5B0%5D%5Baddress%5D=5+5060+sip.example.com&dnsrecords%5B0%5D%5Bpriority"
      "%5D=10&dnsrecords%5B0%5D%5Bttl%5D=300&dnsrecords%5B1%5D%5Bhostname%5D=%40&dnsrecords%5B"
      "1%5D%5Btype%5D=CAA&dnsrecords%5B1%5D%5Baddress%5D=0+issue+%22letsencrypt.org%22&dnsreco"
      "rds%5B1%5D%5Bpriority%5D=N%2FA&dnsrecords%5B1%5D%5Bttl%5D=3600");
  // A record read without a ttl is written back without one.
  EXPECT_EQ(
      zone_form({{"a", "URL", "https://x.test", "N/A", {}}}).encode(),
      "0%5Bhostname%5D=a&0%5Btype%5D=URL&0%5Baddress%5D=https%3A%2F%2Fx.test&0%5Bpriority%5D=N"
      "%2FA");
}

TEST(HostrahaMappingTest, SameRecordComparesWholeRecords) {
  DnsRecord mx = record(DnsRecordType::mx, "@", "Mail.Example.com.");
  mx.priority = 10;
  DnsRecord same = record(DnsRecordType::mx, "@", "mail.example.com");
  same.priority = 10;
  same.supplier_ref = "3";
  EXPECT_TRUE(same_record(mx, same));
  same.priority = 20;
  EXPECT_FALSE(same_record(mx, same));

  EXPECT_TRUE(same_record(record(DnsRecordType::a, "WWW", "192.0.2.1"),
                          record(DnsRecordType::a, "www", "192.0.2.1")));
  EXPECT_FALSE(same_record(record(DnsRecordType::txt, "@", "Hello"),
                           record(DnsRecordType::txt, "@", "hello")));
  EXPECT_FALSE(same_record(record(DnsRecordType::a, "www", "192.0.2.1"),
                           record(DnsRecordType::aaaa, "www", "192.0.2.1")));
  DnsRecord short_ttl = record(DnsRecordType::a, "www", "192.0.2.1");
  short_ttl.ttl = 60;
  EXPECT_FALSE(same_record(short_ttl, record(DnsRecordType::a, "www", "192.0.2.1")));
  EXPECT_TRUE(same_record(record(DnsRecordType::a, "", "192.0.2.1"),
                          record(DnsRecordType::a, "@", "192.0.2.1")));
}

// ---- domains --------------------------------------------------------------------------------

TEST(HostrahaMappingTest, StatusWordsMapToTheNearestStatus) {
  EXPECT_EQ(status_from_word("Active"), DomainStatus::active);
  EXPECT_EQ(status_from_word("Pending"), DomainStatus::pending);
  EXPECT_EQ(status_from_word("Pending Registration"), DomainStatus::pending);
  EXPECT_EQ(status_from_word("Pending Transfer"), DomainStatus::pending_transfer);
  EXPECT_EQ(status_from_word("Expired"), DomainStatus::expired);
  EXPECT_EQ(status_from_word("Grace"), DomainStatus::expired);
  EXPECT_EQ(status_from_word("Redemption"), DomainStatus::expired);
  EXPECT_EQ(status_from_word("Transferred Away"), DomainStatus::transferred_away);
  EXPECT_EQ(status_from_word("Cancelled"), DomainStatus::deleted);
  EXPECT_EQ(status_from_word("Fraud"), DomainStatus::failed);
  EXPECT_EQ(status_from_word("ACTIVE"), DomainStatus::active);
  EXPECT_EQ(status_from_word("Something New"), DomainStatus::pending);
}

TEST(HostrahaMappingTest, DatesAreMidnightUtc) {
  EXPECT_EQ(date_from_text("2027-05-01"), day("2027-05-01"));
  EXPECT_EQ(date_from_text(" 2024-02-29 "), day("2024-02-29"));
  EXPECT_FALSE(date_from_text("0000-00-00").has_value());
  EXPECT_FALSE(date_from_text("").has_value());
  EXPECT_FALSE(date_from_text("2027-13-01").has_value());
  EXPECT_FALSE(date_from_text("01/05/2027").has_value());
}

TEST(HostrahaMappingTest, DomainFromInformation) {
  const auto answer = parse(R"({"domain":"Example.com","status":"Redemption",
    "expiryDate":"2027-05-01","nameservers":["NS1.host.net","ns2.host.net",""],
    "transferLock":true,"idProtectionStatus":"1","dnsManagementStatus":true,
    "emailForwardingStatus":false})");
  auto domain = domain_from_information(answer, "example.com");
  ASSERT_TRUE(domain.ok());
  EXPECT_EQ(domain->name, "example.com");
  EXPECT_EQ(domain->status, DomainStatus::expired);
  EXPECT_EQ(domain->supplier_status, "Redemption");
  EXPECT_EQ(domain->expires_at, day("2027-05-01"));
  EXPECT_EQ(domain->nameservers, (std::vector<std::string>{"ns1.host.net", "ns2.host.net"}));
  EXPECT_TRUE(domain->locked);
  EXPECT_TRUE(domain->privacy);

  auto bare = domain_from_information(parse(R"({"status":"Active"})"), "x.com");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->name, "x.com");
  EXPECT_FALSE(bare->expires_at.has_value());
  EXPECT_FALSE(bare->locked);

  EXPECT_FALSE(domain_from_information(parse(R"({"domain":"x.com"})"), "x.com").ok());
  EXPECT_FALSE(domain_from_information(parse(R"("Active")"), "x.com").ok());
}

TEST(HostrahaMappingTest, DomainFromSync) {
  auto active = domain_from_sync(
      parse(R"({"active":true,"expired":false,"expirydate":"2026-01-02","transferredAway":false})"),
      "x.com");
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->status, DomainStatus::active);
  EXPECT_EQ(active->expires_at, day("2026-01-02"));
  EXPECT_EQ(domain_from_sync(parse(R"({"active":false,"expired":true})"), "x.com")->status,
            DomainStatus::expired);
  EXPECT_EQ(domain_from_sync(parse(R"({"active":true,"transferredAway":true})"), "x.com")->status,
            DomainStatus::transferred_away);
  EXPECT_FALSE(domain_from_sync(parse("[1]"), "x.com").ok());
}

TEST(HostrahaMappingTest, TransferStatusFromTransferSync) {
  auto completed =
      transfer_status_from_answer(parse(R"({"completed":true,"expirydate":"2027-01-01"})"));
  ASSERT_TRUE(completed.ok());
  EXPECT_EQ(completed->state, core::TransferState::completed);
  EXPECT_EQ(completed->expires_at, day("2027-01-01"));

  auto failed = transfer_status_from_answer(
      parse(R"({"failed":true,"reason":"Hostraha: invalid EPP code for x.com"})"));
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->state, core::TransferState::failed);
  EXPECT_FALSE(failed->reason.empty());
  EXPECT_EQ(failed->reason.find("Hostraha"), std::string::npos);

  EXPECT_EQ(transfer_status_from_answer(parse("{}"))->state, core::TransferState::pending);
  EXPECT_EQ(transfer_status_from_answer(parse("[]"))->state, core::TransferState::pending);
  EXPECT_FALSE(transfer_status_from_answer(parse(R"("done")")).ok());
}

TEST(HostrahaMappingTest, SmallAnswers) {
  auto nameservers = nameservers_from_answer(parse(
      R"({"ns1":"ns1.host.net","ns2":"NS2.host.net","ns3":"","success":true,"message":"ok"})"));
  ASSERT_TRUE(nameservers.ok());
  EXPECT_EQ(*nameservers, (std::vector<std::string>{"ns1.host.net", "ns2.host.net"}));
  EXPECT_FALSE(nameservers_from_answer(parse("12")).ok());

  EXPECT_EQ(lock_from_answer(parse(R"("locked")")).value(), true);
  EXPECT_EQ(lock_from_answer(parse(R"("unlocked")")).value(), false);
  EXPECT_FALSE(lock_from_answer(parse(R"("maybe")")).ok());
  EXPECT_FALSE(lock_from_answer(parse(R"({"locked":true})")).ok());

  EXPECT_EQ(auth_code_from_answer(parse(R"({"eppcode":"Xy7#kL"})")).value(), "Xy7#kL");
  EXPECT_FALSE(auth_code_from_answer(parse(R"({"eppcode":""})")).ok());
  EXPECT_FALSE(auth_code_from_answer(parse(R"({"code":"x"})")).ok());

  auto forwards = forwards_from_answer(
      parse(R"([{"prefix":"info","forwardto":"a@b.c"},{"prefix":"sales","forwardto":"d@e.f"}])"));
  ASSERT_TRUE(forwards.ok());
  ASSERT_EQ(forwards->size(), 2U);
  EXPECT_EQ((*forwards)[1].prefix, "sales");
  EXPECT_EQ((*forwards)[1].forward_to, "d@e.f");
  EXPECT_FALSE(forwards_from_answer(parse(R"([{"prefix":"info"}])")).ok());
}

// php -r 'echo http_build_query(["domain"=>"example.com","prefix"=>["info","sales"],
//   "forwardto"=>["a@b.c","d@e.f"]]);'
TEST(HostrahaMappingTest, ForwardsAsParallelArrays) {
  PhpForm form;
  form.add("domain", "example.com");
  add_forwards(form, {{"info", "a@b.c"}, {"sales", "d@e.f"}});
  EXPECT_EQ(form.encode(),
            "domain=example.com&prefix%5B0%5D=info&prefix%5B1%5D=sales&forwardto%5B0%5D=a%40b.c&"
            "forwardto%5B1%5D=d%40e.f");
}

// ---- availability and money -----------------------------------------------------------------

TEST(HostrahaMappingTest, DecimalPricesToMinorUnits) {
  EXPECT_EQ(minor_units("150.50"), 15050);
  EXPECT_EQ(minor_units("10"), 1000);
  EXPECT_EQ(minor_units("10.5"), 1050);
  EXPECT_EQ(minor_units("0.07"), 7);
  EXPECT_EQ(minor_units(".5"), 50);
  EXPECT_EQ(minor_units(" 12.345 "), 1235);
  EXPECT_EQ(minor_units("12.344"), 1234);
  EXPECT_EQ(minor_units("-3.20"), -320);
  EXPECT_FALSE(minor_units("").has_value());
  EXPECT_FALSE(minor_units("1,000.00").has_value());
  EXPECT_FALSE(minor_units("10.").has_value());
  EXPECT_FALSE(minor_units("USD 10").has_value());
  EXPECT_FALSE(minor_units("1e3").has_value());

  EXPECT_EQ(minor_units(parse("10")), 1000);
  EXPECT_EQ(minor_units(parse("10.5")), 1050);
  EXPECT_EQ(minor_units(parse("19.99")), 1999);
  EXPECT_EQ(minor_units(parse(R"("8.25")")), 825);
  EXPECT_FALSE(minor_units(parse("null")).has_value());
  EXPECT_FALSE(minor_units(parse("[]")).has_value());
}

TEST(HostrahaMappingTest, AvailabilityFromLookup) {
  auto results = availability_from_lookup(parse(R"([
    {"sld":"example","tld":".com","status":"available"},
    {"sld":"example","tld":"co.ke","status":"registered"},
    "garbage", 7,
    {"sld":"Gold","tld":".com","status":"available",
     "premiumCostPricing":{"register":"2500.00","renew":"30.00","CurrencyCode":"USD"}}])"));
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 3U);
  const auto& com = results->at("example.com");
  EXPECT_TRUE(com.available);
  EXPECT_FALSE(com.premium);
  EXPECT_FALSE(com.price_minor.has_value());
  EXPECT_FALSE(results->at("example.co.ke").available);
  const auto& gold = results->at("gold.com");
  EXPECT_TRUE(gold.available);
  EXPECT_TRUE(gold.premium);
  EXPECT_EQ(gold.price_minor, 250000);
  EXPECT_EQ(gold.currency, "USD");

  EXPECT_FALSE(availability_from_lookup(parse(R"("a:0:{}")")).ok());
}

TEST(HostrahaMappingTest, OneYearRegistrationPricesByTld) {
  auto prices = prices_from_answer(parse(R"([
    {"tld":".com","registrationPrice":"10.00","renewalPrice":"11.00","transferPrice":"9.00",
     "currencyCode":"USD","years":1},
    {"tld":".com","registrationPrice":"20.00","currencyCode":"USD","years":2},
    {"tld":".co.ke","registrationPrice":9.5,"currencyCode":"KES"},
    {"tld":".org","registrationPrice":"n/a"},
    "junk"])"));
  ASSERT_TRUE(prices.ok());
  ASSERT_EQ(prices->size(), 2U);
  EXPECT_EQ(prices->at("com").registration_minor, 1000);
  EXPECT_EQ(prices->at("com").currency, "USD");
  EXPECT_EQ(prices->at("co.ke").registration_minor, 950);
  EXPECT_FALSE(prices_from_answer(parse("true")).ok());
}

TEST(HostrahaMappingTest, BalanceFromBareString) {
  auto balance = balance_from_answer(parse(R"("150.50")"));
  ASSERT_TRUE(balance.ok());
  EXPECT_EQ(balance->amount_minor, 15050);
  EXPECT_EQ(balance->currency, "");
  EXPECT_EQ(balance_from_answer(parse("42"))->amount_minor, 4200);
  EXPECT_EQ(balance_from_answer(parse(R"({"credits":"1"})")).error().code, "upstream_bad_response");
}

}  // namespace
}  // namespace portico::adapters::hostraha
