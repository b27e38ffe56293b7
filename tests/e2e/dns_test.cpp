// DNS records end to end, against the zone the simulated supplier keeps.
#include <future>

#include "portico/store/domains.hpp"
#include "portico/store/store.hpp"

#include "e2e/domain_fixture.hpp"

namespace portico::testing {
namespace {

class DnsTest : public DomainTest {
 protected:
  DnsTest() { domain_ = register_domain("zone.com"); }
  std::string dns() const { return "/api/v1/domains/" + domain_ + "/dns"; }
  std::vector<sim::hostraha::ZoneRecord> zone() const {
    return primary_.simulator->domain("zone.com")->zone;
  }
  std::string domain_;
};

TEST_F(DnsTest, EveryRecordTypeIsCreatedListedAndStoredAtTheSupplier) {
  const struct {
    std::string body;
    std::string type;
    std::string value;  // as the API answers it
  } records[] = {
      {R"({"type":"A","name":"@","value":"192.0.2.10","ttl":600})", "A", "192.0.2.10"},
      {R"({"type":"AAAA","name":"www","value":"2001:DB8:0:0::1"})", "AAAA", "2001:db8::1"},
      {R"({"type":"CNAME","name":"shop","value":"shops.example.net."})", "CNAME",
       "shops.example.net"},
      {R"({"type":"MX","name":"@","value":"mail.zone.com","priority":10})", "MX", "mail.zone.com"},
      {R"({"type":"TXT","name":"@","value":"\"v=spf1 include:_spf.example.net ~all\""})", "TXT",
       "v=spf1 include:_spf.example.net ~all"},
      {R"({"type":"NS","name":"sub","value":"ns1.delegate.net"})", "NS", "ns1.delegate.net"},
      {R"({"type":"SRV","name":"_sip._tcp","value":"sip.zone.com","priority":10,"weight":5,"port":5060})",
       "SRV", "sip.zone.com"},
      {R"({"type":"CAA","name":"@","value":"letsencrypt.org","flags":0,"tag":"issue"})", "CAA",
       "letsencrypt.org"},
  };
  std::vector<std::string> ids;
  for (const auto& record : records) {
    SCOPED_TRACE(record.body);
    const HttpReply reply = api("POST", dns(), record.body);
    ASSERT_EQ(reply.status, 201) << reply.body;
    const auto json = reply.json();
    EXPECT_STREQ(json["data"]["object"].GetString(), "dns_record");
    EXPECT_EQ(json["data"]["type"].GetString(), record.type);
    EXPECT_EQ(json["data"]["value"].GetString(), record.value);
    ids.emplace_back(json["data"]["id"].GetString());
    EXPECT_EQ(ids.back().rfind("dns_", 0), 0U);
  }
  ASSERT_EQ(zone().size(), 8U);
  // WHMCS's record shape: SRV weight/port/target and CAA flags/tag/value packed in `address`.
  bool srv_seen = false;
  bool caa_seen = false;
  for (const auto& record : zone()) {
    if (record.type == "SRV") {
      srv_seen = true;
      EXPECT_EQ(record.address, "5 5060 sip.zone.com");
      EXPECT_EQ(record.priority, "10");
    }
    if (record.type == "CAA") {
      caa_seen = true;
      EXPECT_EQ(record.address, "0 issue \"letsencrypt.org\"");
    }
  }
  EXPECT_TRUE(srv_seen && caa_seen);

  // Listing twice gives the same ids, matching those of creation.
  for (int round = 0; round < 2; ++round) {
    const HttpReply reply = api("GET", dns());
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto json = reply.json();
    ASSERT_EQ(json["data"].Size(), 8U);
    std::set<std::string> listed;
    for (const auto& item : json["data"].GetArray())
      listed.insert(item["id"].GetString());
    EXPECT_EQ(listed, std::set<std::string>(ids.begin(), ids.end()));
  }
  expect_error(api("POST", dns(), records[0].body), 409, "invalid_request_error",
               "dns_record_exists");
  EXPECT_EQ(event_types(ids[0]), std::vector<std::string>{"dns_record.created"});
}

// Record ids are served from a cache between changes of the dns_records table; a change by
// another process on the database file is counted, so the next list reads the ids again.
TEST_F(DnsTest, RecordIdsChangedByAnotherProcessAreReadAgainAtOnce) {
  HttpReply reply = api("POST", dns(), R"({"type":"A","name":"www","value":"192.0.2.7"})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  const std::string id = reply.json()["data"]["id"].GetString();
  reply = api("GET", dns());
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_STREQ(reply.json()["data"][0]["id"].GetString(), id.c_str());

  // The id's binding goes, as if another gateway had deleted the record and it came back.
  auto other = store::Store::open({.path = gateway_->database_path()});
  ASSERT_TRUE(other
                  ->write_now<core::Ok>([&](store::Database& db) -> core::Result<core::Ok> {
                    store::dns_records::remove(db, domain_, id);
                    return core::Ok{};
                  })
                  .ok());
  reply = api("GET", dns());
  ASSERT_EQ(reply.status, 200) << reply.body;
  const std::string listed = reply.json()["data"][0]["id"].GetString();
  EXPECT_NE(listed, id);  // a new id: the cached binding was not served
  EXPECT_EQ(listed.rfind("dns_", 0), 0U);
}

TEST_F(DnsTest, InvalidRecordsNeverReachTheSupplier) {
  const std::size_t calls = primary_.calls();
  const struct {
    std::string body;
    int status;
    std::string code;
    std::string param;
  } cases[] = {
      {R"({"type":"A","name":"@","value":"192.0.2.300"})", 400, "invalid_ipv4_address", "value"},
      {R"({"type":"A","name":"@","value":"192.0.2.1","priority":5})", 400, "parameter_not_allowed",
       "priority"},
      {R"({"type":"AAAA","name":"@","value":"192.0.2.1"})", 400, "invalid_ipv6_address", "value"},
      {R"({"type":"CNAME","name":"@","value":"target.example.net"})", 422, "cname_at_apex", "name"},
      {R"({"type":"CNAME","name":"www","value":"bad host!"})", 400, "invalid_host_name", "value"},
      {R"({"type":"MX","name":"@","value":"mail.zone.com"})", 400, "parameter_missing", "priority"},
      {R"({"type":"MX","name":"@","value":"mail.zone.com","priority":70000})", 422,
       "priority_out_of_range", "priority"},
      {R"({"type":"TXT","name":"@","value":"unbalanced \" quote"})", 400, "invalid_txt_value",
       "value"},
      {R"({"type":"TXT","name":"@","value":")" + std::string(2100, 'x') + R"("})", 400,
       "invalid_txt_value", "value"},
      {R"({"type":"NS","name":"sub","value":"not_a host"})", 400, "invalid_host_name", "value"},
      {R"({"type":"SRV","name":"sip","value":"sip.zone.com","priority":1,"weight":1,"port":5060})",
       400, "invalid_srv_name", "name"},
      {R"({"type":"SRV","name":"_sip._tcp","value":"sip.zone.com","priority":1,"weight":1})", 400,
       "parameter_missing", "port"},
      {R"({"type":"CAA","name":"@","value":"letsencrypt.org","flags":0,"tag":"bogus"})", 422,
       "unsupported_caa_tag", "tag"},
      {R"({"type":"CAA","name":"@","value":"letsencrypt.org","tag":"issue"})", 400,
       "parameter_missing", "flags"},
      {R"({"type":"A","name":"@","value":"192.0.2.1","ttl":5})", 422, "ttl_out_of_range", "ttl"},
      {R"({"type":"PTR","name":"@","value":"x.example"})", 400, "invalid_dns_record_type", "type"},
      {R"({"type":"A","value":"192.0.2.1"})", 400, "parameter_missing", "name"},
      {R"({"type":"A","name":"@","value":1})", 400, "invalid_type", "value"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 120));
    const HttpReply reply = api("POST", dns(), c.body);
    EXPECT_EQ(reply.status, c.status) << reply.body;
    const auto json = reply.json();
    ASSERT_TRUE(json.HasMember("error")) << reply.body;
    EXPECT_EQ(json["error"]["code"].GetString(), c.code) << reply.body;
    ASSERT_TRUE(json["error"]["param"].IsString()) << reply.body;
    EXPECT_EQ(json["error"]["param"].GetString(), c.param) << reply.body;
  }
  // Opening the zone reads the domain locally only; the supplier heard nothing.
  EXPECT_EQ(primary_.calls(), calls);
  EXPECT_TRUE(zone().empty());
}

TEST_F(DnsTest, UpdatesKeepTheIdAndDeletesRemove) {
  HttpReply reply = api("POST", dns(), R"({"type":"A","name":"www","value":"192.0.2.1"})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  const std::string id = reply.json()["data"]["id"].GetString();
  api("POST", dns(), R"({"type":"MX","name":"@","value":"mx.zone.com","priority":5})");

  reply = api("PATCH", dns() + "/" + id, R"({"value":"192.0.2.2","ttl":300})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json()["data"]["id"].GetString(), id);
  EXPECT_STREQ(reply.json()["data"]["value"].GetString(), "192.0.2.2");
  EXPECT_STREQ(reply.json()["data"]["name"].GetString(), "www");
  ASSERT_EQ(zone().size(), 2U);
  EXPECT_EQ(zone()[0].address, "192.0.2.2");
  expect_error(api("PATCH", dns() + "/" + id, R"({"type":"MX"})"), 400, "invalid_request_error",
               "dns_record_type_immutable", "type");

  reply = api("GET", dns());
  const auto listed = reply.json();
  bool found = false;
  for (const auto& item : listed["data"].GetArray()) {
    if (item["id"].GetString() == id) {
      found = true;
      EXPECT_STREQ(item["value"].GetString(), "192.0.2.2");
      EXPECT_EQ(item["ttl"].GetInt(), 300);
    }
  }
  EXPECT_TRUE(found) << reply.body << " wanted " << id;

  reply = api("DELETE", dns() + "/" + id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(reply.json()["data"]["deleted"].GetBool());
  ASSERT_EQ(zone().size(), 1U);
  EXPECT_EQ(zone()[0].type, "MX");
  expect_error(api("DELETE", dns() + "/" + id), 404, "invalid_request_error", "not_found",
               "record");
  expect_error(api("PATCH", dns() + "/dns_unknown", "{}"), 404, "invalid_request_error",
               "not_found", "record");
  EXPECT_EQ(event_types(id), (std::vector<std::string>{"dns_record.created", "dns_record.updated",
                                                       "dns_record.deleted"}));
}

TEST_F(DnsTest, ARecordChangedAtTheSupplierIsNotOverwritten) {
  HttpReply reply = api("POST", dns(), R"({"type":"A","name":"www","value":"192.0.2.1"})");
  const std::string id = reply.json()["data"]["id"].GetString();
  // Someone edits the zone in the supplier's panel.
  auto state = *primary_.simulator->domain("zone.com");
  state.zone[0].address = "198.51.100.7";
  primary_.simulator->add_domain(state);
  expect_error(api("PATCH", dns() + "/" + id, R"({"value":"192.0.2.9"})"), 404,
               "invalid_request_error", "not_found", "record");
  EXPECT_EQ(zone()[0].address, "198.51.100.7");
  // The changed record is listed under a new id.
  reply = api("GET", dns());
  ASSERT_EQ(reply.json()["data"].Size(), 1U);
  EXPECT_NE(reply.json()["data"][0]["id"].GetString(), id);
}

TEST_F(DnsTest, ConcurrentCreatesOnOneZoneAreAllKept) {
  constexpr int kWriters = 20;
  std::vector<std::future<HttpReply>> replies;
  for (int i = 0; i < kWriters; ++i) {
    replies.push_back(std::async(std::launch::async, [this, i] {
      return api("POST", dns(),
                 R"({"type":"TXT","name":"@","value":"token-)" + std::to_string(i) + R"("})");
    }));
  }
  for (auto& reply : replies) {
    const HttpReply done = reply.get();
    EXPECT_EQ(done.status, 201) << done.body;
  }
  EXPECT_EQ(zone().size(), static_cast<std::size_t>(kWriters));
  EXPECT_EQ(api("GET", dns()).json()["data"].Size(), static_cast<std::size_t>(kWriters));
}

TEST_F(DnsTest, ACreateWhoseAnswerWasLostIsFoundInTheZone) {
  // The zone is saved whole by a POST; the supplier saves it, then the connection drops.
  const std::string path = "/modules/addons/DomainsReseller/api/index.php/domains/zone.com/dns";
  primary_.server->inject({.kind = sim::FaultKind::reset,
                           .path_prefix = path,
                           .after_handler = true,
                           .method = "POST"});
  const HttpReply created =
      api("POST", dns(), R"({"type":"A","name":"lost","value":"192.0.2.44"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_STREQ(created.json()["data"]["name"].GetString(), "lost");
  ASSERT_EQ(zone().size(), 1U);
  EXPECT_EQ(zone()[0].address, "192.0.2.44");
  std::size_t saves = 0;
  for (const auto& request : primary_.server->journal())
    saves += request.path == path && request.method == "POST" ? 1 : 0;
  EXPECT_EQ(saves, 1U);
  // Lost before the supplier saved it: the call's failure stands and nothing was created.
  primary_.server->inject({.kind = sim::FaultKind::reset, .path_prefix = path, .method = "POST"});
  expect_error(api("POST", dns(), R"({"type":"A","name":"gone","value":"192.0.2.45"})"), 502,
               "upstream_error", "upstream_connection_lost");
  EXPECT_EQ(zone().size(), 1U);
}

}  // namespace
}  // namespace portico::testing
