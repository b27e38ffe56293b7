#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/json.hpp"

#include "sslci/mapping.hpp"

namespace portico::adapters::sslci {
namespace {

using core::DcvMethod;
using core::DcvStatus;

rapidjson::Document parse(std::string_view text) {
  auto document = core::json::parse(text);
  EXPECT_TRUE(document.ok()) << text;
  return std::move(document).value();
}

core::TimePoint at(std::string_view rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

constexpr std::string_view kLeaf =
    "-----BEGIN CERTIFICATE-----\nMIIBleaf\n-----END CERTIFICATE-----\n";
constexpr std::string_view kIntermediate =
    "-----BEGIN CERTIFICATE-----\nMIIBinter\n-----END CERTIFICATE-----\n";
constexpr std::string_view kRoot =
    "-----BEGIN CERTIFICATE-----\nMIIBroot\n-----END CERTIFICATE-----\n";
constexpr std::string_view kKey =
    "-----BEGIN PRIVATE KEY-----\nMIGHkey\n-----END PRIVATE KEY-----\n";

// JSON string literal of a text ("\n" escaped).
std::string json_quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// ---- answers and errors ---------------------------------------------------------------------

TEST(SslciMappingTest, SuccessIsOnlyTheBooleanTrue) {
  EXPECT_TRUE(is_success(parse(R"({"status":true})")));
  EXPECT_FALSE(is_success(parse(R"({"status":false})")));
  EXPECT_FALSE(is_success(parse(R"({"status":"true"})")));
  EXPECT_FALSE(is_success(parse(R"({"status":1})")));
  EXPECT_FALSE(is_success(parse(R"({"ok":true})")));
  EXPECT_FALSE(is_success(parse(R"([true])")));
  EXPECT_FALSE(is_success(parse(R"(true)")));

  EXPECT_TRUE(has_boolean_status(parse(R"({"status":false})")));
  EXPECT_FALSE(has_boolean_status(parse(R"({"status":"success"})")));
  EXPECT_FALSE(has_boolean_status(parse(R"({"status":null})")));
  EXPECT_FALSE(has_boolean_status(parse(R"("status")")));
}

TEST(SslciMappingTest, ReadsTheFailureTextUnderEitherKey) {
  EXPECT_EQ(failure_message(parse(R"({"status":false,"message":" Order not found "})")),
            "Order not found");
  EXPECT_EQ(failure_message(parse(R"({"status":false,"error":"Invalid API token"})")),
            "Invalid API token");
  EXPECT_EQ(failure_message(parse(R"({"status":false,"message":"","error":"x"})")), "x");
  EXPECT_EQ(failure_message(parse(R"({"status":false,"message":42})")), "");
  EXPECT_EQ(failure_message(parse(R"({"status":false})")), "");
  EXPECT_EQ(failure_message(parse(R"([1,2])")), "");
}

struct StatusRow {
  int http_status;
  bool write;
  int status;
  core::ErrorType type;
  const char* code;
  bool outcome_unknown;
};

TEST(SslciMappingTest, ClassifiesFailuresByTheContractTable) {
  const StatusRow rows[] = {
      {401, true, 502, core::ErrorType::upstream, "upstream_authentication_failed", false},
      {401, false, 502, core::ErrorType::upstream, "upstream_authentication_failed", false},
      {403, true, 502, core::ErrorType::upstream, "upstream_refused", false},
      {400, true, 422, core::ErrorType::invalid_request, "supplier_rejected", false},
      {400, false, 422, core::ErrorType::invalid_request, "supplier_rejected", false},
      // {"status": false} with a 200 is a refusal like a 400.
      {200, true, 422, core::ErrorType::invalid_request, "supplier_rejected", false},
      {500, true, 502, core::ErrorType::upstream, "upstream_error", true},
      {500, false, 502, core::ErrorType::upstream, "upstream_error", false},
      {503, true, 502, core::ErrorType::upstream, "upstream_error", true},
      {405, true, 502, core::ErrorType::upstream, "upstream_error", false},
      {404, false, 502, core::ErrorType::upstream, "upstream_error", false},
  };
  for (const auto& row : rows) {
    const core::Error error = error_for_status(row.http_status, row.write);
    SCOPED_TRACE(std::to_string(row.http_status) + (row.write ? " write" : " read"));
    EXPECT_EQ(error.status, row.status);
    EXPECT_EQ(error.type, row.type);
    EXPECT_EQ(error.code, row.code);
    EXPECT_EQ(error.outcome_unknown, row.outcome_unknown);
    EXPECT_EQ(error.message.find("SSLCI"), std::string::npos);
    EXPECT_FALSE(error.message.empty());
  }

  EXPECT_EQ(bad_response(true).code, "upstream_bad_response");
  EXPECT_EQ(bad_response(true).status, 502);
  EXPECT_TRUE(bad_response(true).outcome_unknown);
  EXPECT_FALSE(bad_response(false).outcome_unknown);
}

// ---- challenge ------------------------------------------------------------------------------

TEST(SslciMappingTest, Dns01ValueMatchesTheKnownAnswers) {
  // research/verify/vectors.php (RFC 8555 section 8.4).
  EXPECT_EQ(dns_txt_value("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA."
                          "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"),
            "lCM7cZyQXcVHK2nnW3jjAhNT3Fvm18UN-kWZZknKoYM");
  // php -r
  // '$k="LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
  //   echo rtrim(strtr(base64_encode(hash("sha256",$k,true)),"+/","-_"),"=");'
  EXPECT_EQ(dns_txt_value("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0."
                          "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"),
            "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo");
  // php -r 'echo rtrim(strtr(base64_encode(hash("sha256","abc.def",true)),"+/","-_"),"=");'
  EXPECT_EQ(dns_txt_value("abc.def"), "67MSe_XHxLTkK1FxD0lGwcHQWzMdI3ndFeOlQx7ZNBY");
}

TEST(SslciMappingTest, DnsRecordNameDropsTheWildcard) {
  EXPECT_EQ(dns_record_name("a.com"), "_acme-challenge.a.com");
  EXPECT_EQ(dns_record_name("*.Example.com"), "_acme-challenge.example.com");
  EXPECT_EQ(dns_record_name("www.example.co.ke"), "_acme-challenge.www.example.co.ke");
  EXPECT_EQ(method_name(DcvMethod::http), "http");
  EXPECT_EQ(method_name(DcvMethod::dns), "dns");
}

TEST(SslciMappingTest, HttpChallengeGivesTheFileToServe) {
  const auto answer = parse(R"({"status":true,"domain":"a.com","order_id":42,"verification":{
      "method":"http","token":"tok","content":"tok.thumb",
      "file_path":"/.well-known/acme-challenge/tok",
      "url":"http://a.com/.well-known/acme-challenge/tok"}})");
  auto validation = validation_from_challenge(answer, "a.com", DcvMethod::http);
  ASSERT_TRUE(validation.ok()) << validation.error().code;
  EXPECT_EQ(validation->name, "a.com");
  EXPECT_EQ(validation->method, DcvMethod::http);
  EXPECT_EQ(validation->status, DcvStatus::pending);
  EXPECT_EQ(validation->supplier_ref, "42");
  EXPECT_EQ(validation->instructions.url, "http://a.com/.well-known/acme-challenge/tok");
  EXPECT_EQ(validation->instructions.content, "tok.thumb");
  EXPECT_TRUE(validation->instructions.record_name.empty());
  EXPECT_TRUE(validation->instructions.record_value.empty());

  // PHP may send the id as a string.
  const auto string_id = parse(R"({"status":true,"order_id":"43","verification":{
      "content":"t.p","url":"http://a.com/.well-known/acme-challenge/t"}})");
  auto by_string = validation_from_challenge(string_id, "a.com", DcvMethod::http);
  ASSERT_TRUE(by_string.ok());
  EXPECT_EQ(by_string->supplier_ref, "43");
}

TEST(SslciMappingTest, DnsChallengeTakesTheRecordFieldsWhenGiven) {
  const auto answer = parse(R"({"status":true,"domain":"*.a.com","order_id":7,"verification":{
      "method":"dns","token":"t","content":"t.p","record":"_acme-challenge.a.com.",
      "type":"TXT","value":"given-value"}})");
  auto validation = validation_from_challenge(answer, "*.a.com", DcvMethod::dns);
  ASSERT_TRUE(validation.ok());
  EXPECT_EQ(validation->name, "*.a.com");
  EXPECT_EQ(validation->method, DcvMethod::dns);
  EXPECT_EQ(validation->instructions.record_name, "_acme-challenge.a.com");  // no trailing dot
  EXPECT_EQ(validation->instructions.record_type, core::DnsRecordType::txt);
  EXPECT_EQ(validation->instructions.record_value, "given-value");
  EXPECT_TRUE(validation->instructions.url.empty());
  EXPECT_TRUE(validation->instructions.content.empty());
}

TEST(SslciMappingTest, DnsChallengeComputesWhatIsMissing) {
  const std::string token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
  const std::string key_authorization = token + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
  const auto answer = parse(
      R"({"status":true,"domain":"*.example.com","order_id":9,"verification":{"method":"dns",)"
      R"("token":")" +
      token + R"(","content":")" + key_authorization +
      R"(","file_path":"/.well-known/acme-challenge/)" + token + R"("}})");
  auto validation = validation_from_challenge(answer, "*.example.com", DcvMethod::dns);
  ASSERT_TRUE(validation.ok());
  EXPECT_EQ(validation->instructions.record_name, "_acme-challenge.example.com");
  EXPECT_EQ(validation->instructions.record_type, core::DnsRecordType::txt);
  EXPECT_EQ(validation->instructions.record_value, "lCM7cZyQXcVHK2nnW3jjAhNT3Fvm18UN-kWZZknKoYM");

  // A content without a "." is already the TXT value.
  const auto value_only = parse(R"({"status":true,"order_id":10,"verification":{
      "method":"dns","content":"LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo"}})");
  auto direct = validation_from_challenge(value_only, "b.com", DcvMethod::dns);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(direct->instructions.record_name, "_acme-challenge.b.com");
  EXPECT_EQ(direct->instructions.record_value, "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo");
}

TEST(SslciMappingTest, RefusesChallengeAnswersItCannotUse) {
  const char* garbage[] = {
      R"({"status":false,"message":"Invalid domain name"})",
      R"({"status":"true","order_id":1,"verification":{"content":"a.b","url":"http://x"}})",
      R"({"status":true,"verification":{"content":"a.b","url":"http://x"}})",
      R"({"status":true,"order_id":0,"verification":{"content":"a.b","url":"http://x"}})",
      R"({"status":true,"order_id":"x1","verification":{"content":"a.b","url":"http://x"}})",
      R"({"status":true,"order_id":1.5,"verification":{"content":"a.b","url":"http://x"}})",
      R"({"status":true,"order_id":1})",
      R"({"status":true,"order_id":1,"verification":"http"})",
      R"({"status":true,"order_id":1,"verification":{"content":"a.b"}})",
      R"({"status":true,"order_id":1,"verification":{"url":"http://x"}})",
      R"({"status":true,"order_id":1,"verification":{"content":"","url":"http://x"}})",
      R"([1,2,3])",
  };
  for (const char* text : garbage) {
    auto validation = validation_from_challenge(parse(text), "a.com", DcvMethod::http);
    ASSERT_FALSE(validation.ok()) << text;
    EXPECT_EQ(validation.error().code, "upstream_bad_response") << text;
    EXPECT_TRUE(validation.error().outcome_unknown) << text;  // an order may exist
  }
  // dns needs a value or a content to compute it from.
  auto no_value = validation_from_challenge(
      parse(R"({"status":true,"order_id":1,"verification":{"method":"dns"}})"), "a.com",
      DcvMethod::dns);
  EXPECT_FALSE(no_value.ok());
}

// ---- list -----------------------------------------------------------------------------------

TEST(SslciMappingTest, SplitsDomainsOnCommasAndWhitespace) {
  using Names = std::vector<std::string>;
  EXPECT_EQ(domains_of(parse(R"("a.com, b.com")")), (Names{"a.com", "b.com"}));
  EXPECT_EQ(domains_of(parse(R"("A.com b.com,c.com\n d.com")")),
            (Names{"a.com", "b.com", "c.com", "d.com"}));
  EXPECT_EQ(domains_of(parse(R"(" *.a.com ,, ")")), (Names{"*.a.com"}));
  EXPECT_EQ(domains_of(parse(R"("")")), Names{});
  EXPECT_EQ(domains_of(parse(R"(["a.com","B.com"])")), (Names{"a.com", "b.com"}));
  EXPECT_EQ(domains_of(parse(R"(["a.com, b.com"])")), (Names{"a.com", "b.com"}));
  EXPECT_FALSE(domains_of(parse(R"(["a.com",1])")).has_value());
  EXPECT_FALSE(domains_of(parse(R"(42)")).has_value());
  EXPECT_FALSE(domains_of(parse(R"({"a":"b"})")).has_value());
}

TEST(SslciMappingTest, ReadsTheList) {
  const auto answer = parse(R"({"status":true,
      "certificates":[{"crt_id":1,"domains":"a.com, b.com","add_time":1715000000,
                       "end_time":1722776000},
                      {"crt_id":"2","domains":["c.com"],"add_time":"1715000100"}],
      "pending_orders":[{"order_id":5,"domains":"test.com","status":"pending"},
                        {"order_id":"6","domains":"x.com","status":"verified"},
                        {"order_id":7}]})");
  auto listing = listing_from_answer(answer);
  ASSERT_TRUE(listing.ok()) << listing.error().code;
  ASSERT_EQ(listing->certificates.size(), 2U);
  const auto& first = listing->certificates[0];
  EXPECT_EQ(first.crt_id, 1);
  EXPECT_EQ(first.domains, (std::vector<std::string>{"a.com", "b.com"}));
  EXPECT_EQ(first.added_at, core::from_unix_seconds(1715000000));
  EXPECT_EQ(first.ends_at, core::from_unix_seconds(1722776000));
  EXPECT_EQ(listing->certificates[1].crt_id, 2);
  EXPECT_EQ(listing->certificates[1].added_at, core::from_unix_seconds(1715000100));
  EXPECT_FALSE(listing->certificates[1].ends_at.has_value());

  ASSERT_EQ(listing->pending_orders.size(), 3U);
  EXPECT_EQ(listing->pending_orders[0].order_id, 5);
  EXPECT_EQ(listing->pending_orders[0].domains, std::vector<std::string>{"test.com"});
  EXPECT_EQ(listing->pending_orders[0].status, "pending");
  EXPECT_EQ(listing->pending_orders[1].order_id, 6);
  EXPECT_EQ(listing->pending_orders[1].status, "verified");
  EXPECT_EQ(listing->pending_orders[2].status, "pending");  // none given

  ASSERT_NE(listing->certificate(2), nullptr);
  EXPECT_EQ(listing->certificate(3), nullptr);
  ASSERT_NE(listing->order(6), nullptr);
  EXPECT_EQ(listing->order(6)->domains, std::vector<std::string>{"x.com"});
  EXPECT_EQ(listing->order(8), nullptr);

  // Empty accounts: the lists may be empty, null or missing.
  for (const char* text :
       {R"({"status":true,"certificates":[],"pending_orders":[]})",
        R"({"status":true,"certificates":null,"pending_orders":null})", R"({"status":true})"}) {
    auto empty = listing_from_answer(parse(text));
    ASSERT_TRUE(empty.ok()) << text;
    EXPECT_TRUE(empty->certificates.empty());
    EXPECT_TRUE(empty->pending_orders.empty());
  }
}

TEST(SslciMappingTest, RefusesListsItCannotRead) {
  const char* garbage[] = {
      R"({"status":false,"message":"nope"})",
      R"({"status":"true","certificates":[]})",
      R"({"status":true,"certificates":{"crt_id":1}})",
      R"({"status":true,"certificates":[{"domains":"a.com"}]})",
      R"({"status":true,"certificates":[{"crt_id":1}]})",
      R"({"status":true,"certificates":[{"crt_id":1,"domains":7}]})",
      R"({"status":true,"certificates":[{"crt_id":"one","domains":"a.com"}]})",
      R"({"status":true,"pending_orders":"none"})",
      R"({"status":true,"pending_orders":[{"domains":"a.com"}]})",
      R"({"status":true,"pending_orders":[{"order_id":1,"domains":{}}]})",
      R"(["status",true])",
  };
  for (const char* text : garbage) {
    auto listing = listing_from_answer(parse(text));
    ASSERT_FALSE(listing.ok()) << text;
    EXPECT_EQ(listing.error().code, "upstream_bad_response") << text;
    EXPECT_FALSE(listing.error().outcome_unknown) << text;  // a read
  }
}

TEST(SslciMappingTest, MapsOrderStatusWords) {
  EXPECT_EQ(dcv_status_from_word("pending"), DcvStatus::pending);
  EXPECT_EQ(dcv_status_from_word("verified"), DcvStatus::valid);
  EXPECT_EQ(dcv_status_from_word(" Valid "), DcvStatus::valid);
  EXPECT_EQ(dcv_status_from_word("VERIFIED"), DcvStatus::valid);
  EXPECT_EQ(dcv_status_from_word("invalid"), DcvStatus::invalid);
  EXPECT_EQ(dcv_status_from_word("failed"), DcvStatus::invalid);
  EXPECT_EQ(dcv_status_from_word("expired"), DcvStatus::expired);
  EXPECT_EQ(dcv_status_from_word("processing"), DcvStatus::pending);
  EXPECT_EQ(dcv_status_from_word(""), DcvStatus::pending);
}

TEST(SslciMappingTest, FindsTheCertificateByItsNamesAndEnd) {
  const auto answer = parse(R"({"status":true,"certificates":[
      {"crt_id":1,"domains":"a.com, b.com","add_time":100,"end_time":1000},
      {"crt_id":2,"domains":"b.com a.com","add_time":300,"end_time":2000},
      {"crt_id":3,"domains":"a.com, b.com","add_time":200,"end_time":2000},
      {"crt_id":4,"domains":"a.com, b.com, c.com","add_time":400,"end_time":2000},
      {"crt_id":5,"domains":"a.com","add_time":500,"end_time":2000}]})");
  auto listing = listing_from_answer(answer);
  ASSERT_TRUE(listing.ok());
  const std::vector<std::string> names = {"a.com", "B.com"};
  // Same set, same end: the newest.
  EXPECT_EQ(find_certificate_id(*listing, names, core::from_unix_seconds(2000)), 2);
  EXPECT_EQ(find_certificate_id(*listing, names, core::from_unix_seconds(1000)), 1);
  EXPECT_EQ(find_certificate_id(*listing, names, std::nullopt), 2);
  EXPECT_EQ(find_certificate_id(*listing, names, core::from_unix_seconds(3000)), std::nullopt);
  EXPECT_EQ(find_certificate_id(*listing, {"a.com", "b.com", "c.com"}, std::nullopt), 4);
  EXPECT_EQ(find_certificate_id(*listing, {"a.com"}, core::from_unix_seconds(2000)), 5);
  EXPECT_EQ(find_certificate_id(*listing, {"d.com"}, std::nullopt), std::nullopt);
}

TEST(SslciMappingTest, FindsTheCertificatesAddedSinceARequest) {
  const auto answer = parse(R"({"status":true,"certificates":[
      {"crt_id":1,"domains":"a.com, b.com","add_time":100,"end_time":1000},
      {"crt_id":2,"domains":"b.com a.com","add_time":300,"end_time":2000},
      {"crt_id":3,"domains":"a.com","add_time":300,"end_time":2000},
      {"crt_id":4,"domains":"a.com, b.com","add_time":301,"end_time":2000}]})");
  auto listing = listing_from_answer(answer);
  ASSERT_TRUE(listing.ok());
  const std::vector<std::string> names = {"A.com", "b.com"};
  // The list dates to the second: a request at 300.7 s saw the certificate added at 300.
  const auto since = core::from_unix_seconds(300) + std::chrono::milliseconds(700);
  EXPECT_EQ(certificates_added_since(*listing, names, since), (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(certificates_added_since(*listing, names, core::from_unix_seconds(302)),
            std::vector<std::int64_t>{});
  EXPECT_EQ(certificates_added_since(*listing, {"a.com"}, core::from_unix_seconds(0)),
            std::vector<std::int64_t>{3});
}

// ---- confirm --------------------------------------------------------------------------------

TEST(SslciMappingTest, ReadsTheConfirmation) {
  EXPECT_TRUE(verified_from_confirm(
      parse(R"({"status":true,"domain":"a.com","order_id":42,"verified":true})")));
  EXPECT_TRUE(verified_from_confirm(parse(R"({"status":true})")));
  EXPECT_FALSE(verified_from_confirm(parse(R"({"status":true,"verified":false})")));
  EXPECT_FALSE(verified_from_confirm(parse(R"({"status":true,"verified":"no"})")));
  EXPECT_FALSE(verified_from_confirm(parse(R"({"status":false,"verified":true})")));
}

// ---- finalize -------------------------------------------------------------------------------

TEST(SslciMappingTest, FinalizeGivesThePemsWithUnixLineEnds) {
  std::string crlf_leaf(kLeaf);
  for (std::size_t at = crlf_leaf.find('\n'); at != std::string::npos;
       at = crlf_leaf.find('\n', at + 2))
    crlf_leaf.replace(at, 1, "\r\n");
  const std::string text = R"({"status":true,"key":)" + json_quoted(kKey) +
                           R"(,"csr":"-----BEGIN CERTIFICATE REQUEST-----\n...","crt":)" +
                           json_quoted(crlf_leaf) + R"(,"ca":)" +
                           json_quoted(std::string(kIntermediate) + std::string(kRoot)) +
                           R"(,"details":{"subject":{"CN":"a.com"},)"
                           R"("valid_from":"2026-05-13 00:00:00","valid_to":"2026-08-11 00:00:00",)"
                           R"("san":"DNS:a.com, DNS:b.com"}})";
  auto issued = issued_from_finalize(parse(text));
  ASSERT_TRUE(issued.ok()) << issued.error().code;
  EXPECT_EQ(issued->certificate_pem, kLeaf);
  EXPECT_EQ(issued->chain_pem, std::string(kIntermediate) + std::string(kRoot));
  EXPECT_EQ(issued->private_key_pem, kKey);
  EXPECT_FALSE(issued->crt_id.has_value());
  EXPECT_EQ(issued->valid_from, at("2026-05-13T00:00:00Z"));
  EXPECT_EQ(issued->valid_to, at("2026-08-11T00:00:00Z"));
}

TEST(SslciMappingTest, FinalizeAcceptsTheChainAsAnArrayAndTheIdWhenGiven) {
  const std::string text = R"({"status":true,"crt_id":"17","key":)" + json_quoted(kKey) +
                           R"(,"crt":)" + json_quoted(kLeaf) + R"(,"ca":[)" +
                           json_quoted(kIntermediate) + "," +
                           json_quoted(
                               "-----BEGIN CERTIFICATE-----\r\nMIIBroot\r\n"
                               "-----END CERTIFICATE-----") +
                           "]}";
  auto issued = issued_from_finalize(parse(text));
  ASSERT_TRUE(issued.ok()) << issued.error().code;
  EXPECT_EQ(issued->chain_pem, std::string(kIntermediate) + std::string(kRoot));
  EXPECT_EQ(issued->crt_id, 17);
  EXPECT_FALSE(issued->valid_to.has_value());  // no details
}

TEST(SslciMappingTest, RefusesFinalizeAnswersWithoutUsablePems) {
  const std::string key = json_quoted(kKey);
  const std::string crt = json_quoted(kLeaf);
  const std::string ca = json_quoted(kIntermediate);
  const std::string garbage[] = {
      R"({"status":false,"message":"Domain not verified: a.com"})",
      R"({"status":true,"crt":)" + crt + R"(,"ca":)" + ca + "}",
      R"({"status":true,"key":)" + key + R"(,"ca":)" + ca + "}",
      R"({"status":true,"key":)" + key + R"(,"crt":)" + crt + "}",
      R"({"status":true,"key":"not a key","crt":)" + crt + R"(,"ca":)" + ca + "}",
      R"({"status":true,"key":)" + key + R"(,"crt":"MIIB","ca":)" + ca + "}",
      R"({"status":true,"key":)" + key + R"(,"crt":)" + crt + R"(,"ca":42})",
      R"({"status":true,"key":)" + key + R"(,"crt":)" + crt + R"(,"ca":[)" + ca + ",7]}",
      R"({"status":true,"key":)" + key + R"(,"crt":)" + crt + R"(,"ca":"none"})",
      R"({"status":true,"key":)" + key + R"(,"crt":)" + crt + R"(,"ca":[]})",
  };
  for (const auto& text : garbage) {
    auto issued = issued_from_finalize(parse(text));
    ASSERT_FALSE(issued.ok()) << text;
    EXPECT_EQ(issued.error().code, "upstream_bad_response") << text;
    EXPECT_TRUE(issued.error().outcome_unknown) << text;  // the certificate may exist
  }
}

TEST(SslciMappingTest, NormalizesPemText) {
  EXPECT_EQ(normalize_pem("-----BEGIN CERTIFICATE-----\r\nAA\r\n-----END CERTIFICATE-----\r\n"),
            "-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n");
  // Blocks glued together, and no final line end.
  EXPECT_EQ(normalize_pem("-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE----------BEGIN "
                          "CERTIFICATE-----\nBB\n-----END CERTIFICATE-----"),
            "-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n-----BEGIN "
            "CERTIFICATE-----\nBB\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(normalize_pem("a\rb"), "a\nb");
  EXPECT_EQ(normalize_pem(""), "");
}

TEST(SslciMappingTest, ParsesDetailsTimes) {
  EXPECT_EQ(parse_details_time("2026-08-11 00:00:00"), at("2026-08-11T00:00:00Z"));
  EXPECT_EQ(parse_details_time(" 2026-05-13 08:15:30 "), at("2026-05-13T08:15:30Z"));
  EXPECT_EQ(parse_details_time("2026-05-13T08:15:30Z"), at("2026-05-13T08:15:30Z"));
  EXPECT_FALSE(parse_details_time("2026-02-30 00:00:00").has_value());
  EXPECT_FALSE(parse_details_time("13/05/2026").has_value());
  EXPECT_FALSE(parse_details_time("").has_value());
}

// ---- handles --------------------------------------------------------------------------------

TEST(SslciMappingTest, ParsesAndJoinsIds) {
  EXPECT_EQ(parse_id("42"), 42);
  EXPECT_FALSE(parse_id("").has_value());
  EXPECT_FALSE(parse_id("4 2").has_value());
  EXPECT_FALSE(parse_id("x").has_value());
  EXPECT_FALSE(parse_id("99999999999999999999").has_value());

  std::vector<core::CertificateValidation> validations(2);
  validations[0].supplier_ref = "42";
  validations[1].supplier_ref = "43";
  EXPECT_EQ(joined_order_ids(validations), "42,43");
  EXPECT_EQ(joined_order_ids({}), "");
  // A name without an order (a partly placed order) is left out.
  validations[0].supplier_ref.clear();
  EXPECT_EQ(joined_order_ids(validations), "43");
}

TEST(SslciMappingTest, ReadsTheOrderIdsOfKnownRefs) {
  EXPECT_EQ(order_ids_of({"42,43", "7", " 8 ,x,,9", ""}),
            (std::set<std::int64_t>{7, 8, 9, 42, 43}));
  EXPECT_TRUE(order_ids_of({}).empty());
}

TEST(SslciMappingTest, FindsTheNewestPendingOrderOfOneNameNotExcluded) {
  const auto listing = listing_from_answer(parse(R"({"status":true,"pending_orders":[
      {"order_id":5,"domains":"a.com","status":"pending"},
      {"order_id":9,"domains":"A.com","status":"verified"},
      {"order_id":12,"domains":"a.com, b.com","status":"pending"},
      {"order_id":7,"domains":"a.com","status":"pending"},
      {"order_id":11,"domains":"www.a.com","status":"pending"}]})"));
  ASSERT_TRUE(listing.ok());
  // By id, whatever order the list comes in; only rows of exactly that one name.
  EXPECT_EQ(newest_order_for(*listing, "a.com", {})->order_id, 9);
  EXPECT_EQ(newest_order_for(*listing, " A.COM", {9})->order_id, 7);
  EXPECT_EQ(newest_order_for(*listing, "a.com", {5, 7, 9}), nullptr);
  EXPECT_EQ(newest_order_for(*listing, "b.com", {}), nullptr);
}

}  // namespace
}  // namespace portico::adapters::sslci
