#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/webhook.hpp"

namespace portico::core::webhook {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kOtherSecret = "whsec_0123456789ABCDEFGHIJKLMNOPQRSTUV";

TEST(WebhookPatternTest, MatchesExactFamiliesAndEverything) {
  EXPECT_TRUE(event_matches("*", "domain.registered"));
  EXPECT_TRUE(event_matches("domain.*", "domain.registered"));
  EXPECT_TRUE(event_matches("domain.*", "domain.transfer.completed"));
  EXPECT_TRUE(event_matches("ssl.issued", "ssl.issued"));
  EXPECT_TRUE(event_matches("webhook_endpoint.*", "webhook_endpoint.disabled"));

  EXPECT_FALSE(event_matches("domain.*", "domain"));
  EXPECT_FALSE(event_matches("domain.*", "domain."));
  EXPECT_FALSE(event_matches("domain.*", "domains.registered"));
  EXPECT_FALSE(event_matches("domain.*", "ssl.issued"));
  EXPECT_FALSE(event_matches("ssl.issued", "ssl.issued_again"));
  EXPECT_FALSE(event_matches("ssl.issued", "ssl"));
  EXPECT_FALSE(event_matches("ssl", "ssl.issued"));
}

TEST(WebhookPatternTest, ValidPatternsAreWordsWithAnOptionalFamilyWildcard) {
  for (std::string_view pattern : {"*", "domain.*", "ssl.issued", "domain.transfer_completed",
                                   "a.b.c", "customer", "v2.x.*", "webhook_endpoint.*"}) {
    EXPECT_TRUE(valid_pattern(pattern)) << pattern;
  }
  for (std::string_view pattern :
       {"", ".", ".*", "*.*", "*.issued", "domain.", ".domain", "domain..x", "Domain.registered",
        "domain.*.x", "domain*", "domain.**", "domain.-x", "domain x", "ssl.issued ", "*x",
        "domain.\xc3\xa9"}) {
    EXPECT_FALSE(valid_pattern(pattern)) << pattern;
  }
}

TEST(WebhookDeliveryIdTest, IsStablePerPairAndLooksLikeAnId) {
  const std::string id = delivery_id("evt_A", "wh_B");
  EXPECT_EQ(id, delivery_id("evt_A", "wh_B"));
  ASSERT_EQ(id.size(), 4U + 24U);
  EXPECT_EQ(id.substr(0, 4), "dlv_");
  for (char c : id.substr(4)) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << id;
  }
  EXPECT_NE(id, delivery_id("evt_A", "wh_C"));
  EXPECT_NE(id, delivery_id("evt_B", "wh_B"));
  // The separator keeps "ab"+"c" and "a"+"bc" apart.
  EXPECT_NE(delivery_id("ab", "c"), delivery_id("a", "bc"));

  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i)
    seen.insert(delivery_id("evt_" + std::to_string(i), "wh_x"));
  EXPECT_EQ(seen.size(), 1000U);
}

TEST(WebhookSecretTest, SecretsAreWhsecAnd32Base62) {
  SeededRandom first(7);
  SeededRandom second(7);
  const std::string secret = make_secret(first);
  EXPECT_EQ(secret, make_secret(second));
  EXPECT_EQ(secret.size(), 6U + 32U);
  EXPECT_EQ(secret.substr(0, 6), "whsec_");
  EXPECT_TRUE(is_secret(secret));
  EXPECT_NE(make_secret(first), secret);

  EXPECT_TRUE(is_secret(kSecret));
  EXPECT_FALSE(is_secret(""));
  EXPECT_FALSE(is_secret("whsec_"));
  EXPECT_FALSE(is_secret(std::string(kSecret) + "x"));
  EXPECT_FALSE(is_secret(kSecret.substr(0, kSecret.size() - 1)));
  EXPECT_FALSE(is_secret("whsek_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  EXPECT_FALSE(is_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-w"));
}

// Expected values printed by PHP's own hash_hmac, as the seed's PHP verifier computes them:
//   php -r 'echo hash_hmac("sha256", "1700000000.{\"a\":1}",
//                          "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");'
//   php -r 'echo hash_hmac("sha256", "1700000000.{\"a\":1}",
//                          "whsec_0123456789ABCDEFGHIJKLMNOPQRSTUV");'
//   php -r 'echo hash_hmac("sha256", "1700000000.", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");'
//   php -r 'echo hash_hmac("sha256",
//     "1732263300.{\"object\":\"event\",\"id\":\"evt_1\",\"note\":\"caf\u{e9} \u{1F600}\"}",
//     "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");'
constexpr std::string_view kVectorA =
    "b6974ac6d7fd2ac6e37c3cea117ba7ee3cfde56b98ea4e8b5fb26b9fee534ba7";
constexpr std::string_view kVectorAOther =
    "27339147ccd7634c6a339d01ab45f7b6b12c5f08a7524577b57ba943e6584609";
constexpr std::string_view kVectorEmpty =
    "cba1e6bca7337490cde16bc4e0003251c7f5bb8e661e3d8e25d141a92c2ec991";
constexpr std::string_view kVectorUtf8 =
    "b3191b3fcca7ecc0c970ac4e9b90904662a273ab55fd633f64f3b87d677ddd1c";

TEST(WebhookSignatureTest, MatchesPhpHashHmacKnownAnswers) {
  EXPECT_EQ(signature_header(1700000000, R"({"a":1})", {kSecret}),
            "t=1700000000,v1=" + std::string(kVectorA));
  EXPECT_EQ(signature_header(1700000000, R"({"a":1})", {kOtherSecret}),
            "t=1700000000,v1=" + std::string(kVectorAOther));
  EXPECT_EQ(signature_header(1700000000, "", {kSecret}),
            "t=1700000000,v1=" + std::string(kVectorEmpty));
  EXPECT_EQ(signature_header(1732263300,
                             "{\"object\":\"event\",\"id\":\"evt_1\",\"note\":\"caf\xc3\xa9 "
                             "\xf0\x9f\x98\x80\"}",
                             {kSecret}),
            "t=1732263300,v1=" + std::string(kVectorUtf8));
}

TEST(WebhookSignatureTest, DuringARotationTheCurrentSecretSignsFirst) {
  EXPECT_EQ(signature_header(1700000000, R"({"a":1})", {kSecret, kOtherSecret}),
            "t=1700000000,v1=" + std::string(kVectorA) + ",v1=" + std::string(kVectorAOther));
  EXPECT_EQ(signature_header(1700000000, R"({"a":1})", {}), "t=1700000000");
}

TEST(WebhookSignatureTest, VerifyAcceptsAnyMatchingV1WithinTheTolerance) {
  const std::string body = R"({"a":1})";
  const std::string rotated = signature_header(1700000000, body, {kSecret, kOtherSecret});
  EXPECT_TRUE(verify_signature(rotated, body, kSecret, 1700000000));
  EXPECT_TRUE(verify_signature(rotated, body, kOtherSecret, 1700000000));
  EXPECT_FALSE(verify_signature(rotated, body, "whsec_wrong", 1700000000));
  EXPECT_FALSE(verify_signature(rotated, body + " ", kSecret, 1700000000));

  const std::string single = signature_header(1700000000, body, {kSecret});
  EXPECT_TRUE(verify_signature(single, body, kSecret, 1700000000 + 300));
  EXPECT_TRUE(verify_signature(single, body, kSecret, 1700000000 - 300));
  EXPECT_FALSE(verify_signature(single, body, kSecret, 1700000000 + 301));
  EXPECT_FALSE(verify_signature(single, body, kSecret, 1700000000 - 301));
  EXPECT_TRUE(verify_signature(single, body, kSecret, 1700000000 + 600, 600));
  // Spaces after commas, as some proxies fold headers, and unknown schemes are ignored.
  EXPECT_TRUE(verify_signature("t=1700000000, v0=abc, v1=" + std::string(kVectorA), body, kSecret,
                               1700000000));
}

TEST(WebhookSignatureTest, VerifyRefusesMalformedHeaders) {
  const std::string body = R"({"a":1})";
  const std::string v1 = "v1=" + std::string(kVectorA);
  for (const std::string& header :
       {std::string(), v1, "t=1700000000"s, "t=,"s + v1, "t=abc,"s + v1, "t=-1700000000,"s + v1,
        "t=1700000000x,"s + v1, "t=1700000000,t=1700000000,"s + v1,
        "t=1700000000,v1=" + std::string(kVectorA).substr(1),
        "t=1700000000,v1=" + std::string(kVectorA) + "0",
        "t=1700000000,v2=" + std::string(kVectorA), "t=1700000000,v1="s, "garbage"s}) {
    EXPECT_FALSE(verify_signature(header, body, kSecret, 1700000000)) << header;
  }
}

TEST(WebhookRetryTest, EachStepIsWithinTheLadderPlusTenPercent) {
  SeededRandom random(11);
  for (int failed = 1; failed < kMaxAttempts; ++failed) {
    const auto step = std::chrono::duration_cast<std::chrono::milliseconds>(kRetrySchedule[failed]);
    std::set<std::int64_t> seen;
    for (int draw = 0; draw < 200; ++draw) {
      const auto delay = retry_delay(failed, random, std::nullopt);
      ASSERT_TRUE(delay.has_value()) << failed;
      EXPECT_GE(*delay, step) << failed;
      EXPECT_LE(*delay, step + step / 10) << failed;
      seen.insert(delay->count());
    }
    EXPECT_GT(seen.size(), 100U) << "the jitter varies, step " << failed;
  }
  EXPECT_EQ(kRetrySchedule[1], 30s);
  EXPECT_EQ(kRetrySchedule[2], 2min);
  EXPECT_EQ(kRetrySchedule[3], 10min);
  EXPECT_EQ(kRetrySchedule[4], 1h);
  EXPECT_EQ(kRetrySchedule[5], 6h);
  EXPECT_EQ(kRetrySchedule[6], 24h);
}

TEST(WebhookRetryTest, SameSeedSameDelays) {
  SeededRandom first(3);
  SeededRandom second(3);
  for (int failed = 1; failed < kMaxAttempts; ++failed) {
    EXPECT_EQ(retry_delay(failed, first, std::nullopt), retry_delay(failed, second, std::nullopt));
  }
}

TEST(WebhookRetryTest, TheSeventhFailureAbandons) {
  SeededRandom random(1);
  EXPECT_TRUE(retry_delay(6, random, std::nullopt).has_value());
  EXPECT_FALSE(retry_delay(7, random, std::nullopt).has_value());
  EXPECT_FALSE(retry_delay(8, random, 60s).has_value());
}

TEST(WebhookRetryTest, ALaterRetryAfterWinsCappedAtADay) {
  SeededRandom random(5);
  // Earlier than the step: the ladder wins.
  const auto early = retry_delay(2, random, 10s);
  ASSERT_TRUE(early.has_value());
  EXPECT_GE(*early, 2min);
  EXPECT_LE(*early, 132s);
  // Later: exactly the receiver's wish.
  EXPECT_EQ(retry_delay(1, random, 3600s), std::chrono::milliseconds(3600s));
  EXPECT_EQ(retry_delay(1, random, 24h), std::chrono::milliseconds(24h));
  EXPECT_EQ(retry_delay(1, random, 48h), std::chrono::milliseconds(24h));
  EXPECT_EQ(retry_delay(3, random, std::chrono::seconds(std::int64_t{1} << 31)),
            std::chrono::milliseconds(24h));
  // The last step already waits a day or more; a capped Retry-After does not shorten it.
  const auto last = retry_delay(6, random, 48h);
  ASSERT_TRUE(last.has_value());
  EXPECT_GE(*last, std::chrono::milliseconds(24h));
}

constexpr std::int64_t kNow = 1700000000;  // 2023-11-14T22:13:20Z

TEST(WebhookRetryAfterTest, DeltaSeconds) {
  EXPECT_EQ(parse_retry_after("120", kNow), 120s);
  EXPECT_EQ(parse_retry_after(" 0 ", kNow), 0s);
  EXPECT_EQ(parse_retry_after("007", kNow), 7s);
  EXPECT_EQ(parse_retry_after("99999999999999999999999", kNow),
            std::chrono::seconds(std::int64_t{1} << 31));
}

TEST(WebhookRetryAfterTest, HttpDatesInAllThreeForms) {
  // 2023-11-14T22:15:20Z is 120 s after kNow.
  EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:15:20 GMT", kNow), 120s);
  EXPECT_EQ(parse_retry_after("Tuesday, 14-Nov-23 22:15:20 GMT", kNow), 120s);
  EXPECT_EQ(parse_retry_after("Tue Nov 14 22:15:20 2023", kNow), 120s);
  EXPECT_EQ(parse_retry_after("Wed, 15 Nov 2023 22:13:20 GMT", kNow), 86400s);
  EXPECT_EQ(parse_retry_after("Fri Dec  1 00:00:00 2023", kNow),
            std::chrono::seconds(1701388800 - kNow));
  // In the past: now.
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kNow), 0s);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", kNow), 0s);
}

TEST(WebhookRetryAfterTest, GarbageIsIgnored) {
  for (std::string_view value :
       {"", "  ", "soon", "-5", "1.5", "12s", "0x10", "Tue, 14 Nov 2023 22:15:20 UTC",
        "Tue, 14 Nov 2023 22:15:20", "Tue, 31 Feb 2023 22:15:20 GMT",
        "Tue, 14 Nov 2023 25:15:20 GMT", "Tue, 14 Foo 2023 22:15:20 GMT",
        "Tue 14 Nov 2023 22:15:20 GMT", "2023-11-14T22:15:20Z", "Tue, 14 Nov 2023 22:15:20 GMTx"}) {
    EXPECT_EQ(parse_retry_after(value, kNow), std::nullopt) << value;
  }
}

struct AddressCase {
  std::string_view address;
  std::string_view reason;  // empty: allowed
};

TEST(WebhookTargetTest, RefusesEverySpecialRangeAndAllowsPublicUnicast) {
  const std::vector<AddressCase> cases = {
      // Loopback.
      {"127.0.0.1", "loopback"},
      {"127.255.255.254", "loopback"},
      {"127.1.2.3", "loopback"},
      {"::1", "loopback"},
      {"[::1]", "loopback"},
      // Private: RFC 1918, carrier-grade NAT, unique local.
      {"10.0.0.1", "private"},
      {"10.255.255.255", "private"},
      {"172.16.0.1", "private"},
      {"172.31.255.255", "private"},
      {"192.168.0.1", "private"},
      {"192.168.255.255", "private"},
      {"100.64.0.1", "private"},
      {"100.127.255.255", "private"},
      {"fc00::1", "private"},
      {"fd12:3456:789a::1", "private"},
      {"fec0::1", "private"},
      {"64:ff9b:1::a00:1", "private"},
      // Link-local, which holds the cloud metadata service.
      {"169.254.0.1", "link_local"},
      {"169.254.169.254", "link_local"},
      {"169.254.255.255", "link_local"},
      {"fe80::1", "link_local"},
      {"fe80::1%eth0", "link_local"},
      {"febf:ffff::1", "link_local"},
      // Well-known metadata addresses outside link-local.
      {"fd00:ec2::254", "metadata"},
      {"100.100.100.200", "metadata"},
      // Unspecified.
      {"0.0.0.0", "unspecified"},
      {"::", "unspecified"},
      // Multicast.
      {"224.0.0.1", "multicast"},
      {"239.255.255.250", "multicast"},
      {"ff02::1", "multicast"},
      {"ff0e::1", "multicast"},
      // Reserved: this network, class E, broadcast, documentation, benchmarking.
      {"0.1.2.3", "reserved"},
      {"240.0.0.1", "reserved"},
      {"255.255.255.254", "reserved"},
      {"255.255.255.255", "reserved"},
      {"192.0.0.8", "reserved"},
      {"192.0.2.1", "reserved"},
      {"198.51.100.7", "reserved"},
      {"203.0.113.9", "reserved"},
      {"198.18.0.1", "reserved"},
      {"198.19.255.255", "reserved"},
      {"192.88.99.1", "reserved"},
      {"2001:db8::1", "reserved"},
      {"2001:db8:ffff::1", "reserved"},
      {"3fff::1", "reserved"},
      {"2001:2::1", "reserved"},
      {"2001::1", "reserved"},
      {"2001:10::1", "reserved"},
      {"2001:20::1", "reserved"},
      {"100::1", "reserved"},
      {"::7f00:1", "reserved"},
      {"4000::1", "reserved"},
      // IPv4-mapped, NAT64 and 6to4 forms are judged by the IPv4 address they carry.
      {"::ffff:127.0.0.1", "loopback"},
      {"::ffff:7f00:1", "loopback"},
      {"::ffff:10.1.2.3", "private"},
      {"::ffff:169.254.169.254", "link_local"},
      {"::ffff:8.8.8.8", ""},
      {"64:ff9b::10.0.0.1", "private"},
      {"64:ff9b::7f00:1", "loopback"},
      {"64:ff9b::169.254.169.254", "link_local"},
      {"64:ff9b::8.8.8.8", ""},
      {"2002:7f00:1::1", "loopback"},
      {"2002:c0a8:101::1", "private"},
      {"2002:808:808::1", ""},
      // Public unicast.
      {"8.8.8.8", ""},
      {"1.1.1.1", ""},
      {"93.184.216.34", ""},
      {"172.15.255.255", ""},
      {"172.32.0.1", ""},
      {"100.63.255.255", ""},
      {"100.128.0.1", ""},
      {"169.253.255.255", ""},
      {"198.17.255.255", ""},
      {"198.20.0.1", ""},
      {"223.255.255.255", ""},
      {"2606:4700::1111", ""},
      {"[2606:4700::1111]", ""},
      {"2001:4860:4860::8888", ""},
      {"2a00:1450:4001:80b::200e", ""},
      {"2001:db9::1", ""},
      // Not IP literals.
      {"", "invalid"},
      {"localhost", "invalid"},
      {"example.com", "invalid"},
      {"127.1", "invalid"},
      {"0x7f.0.0.1", "invalid"},
      {"010.0.0.1", "invalid"},
      {"1.2.3.4.5", "invalid"},
      {"256.0.0.1", "invalid"},
      {" 8.8.8.8", "invalid"},
      {"8.8.8.8 ", "invalid"},
      {"[8.8.8.8", "invalid"},
      {"::1::1", "invalid"},
      {"%eth0", "invalid"},
  };
  for (const AddressCase& entry : cases) {
    EXPECT_EQ(refused_address_reason(entry.address), entry.reason) << entry.address;
  }
  EXPECT_EQ(refused_address_reason(std::string_view("8.8.8.8\0", 8)), "invalid");
}

TEST(WebhookUrlTest, TakesAbsoluteHttpUrlsApartWithDefaults) {
  auto plain = parse_target_url("HTTPS://Hooks.Example.com");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->text, "https://hooks.example.com");
  EXPECT_EQ(plain->port, 443);
  EXPECT_EQ(plain->target, "/");
  EXPECT_FALSE(plain->ip_literal);

  auto query_only = parse_target_url("http://10.0.0.1:8080?x=1");
  ASSERT_TRUE(query_only.ok());
  EXPECT_TRUE(query_only->ip_literal);
  EXPECT_EQ(query_only->port, 8080);
  EXPECT_EQ(query_only->target, "/?x=1");

  auto ipv6 = parse_target_url("http://[::FFFF:7f00:1]/in/hook?a=b");
  ASSERT_TRUE(ipv6.ok());
  EXPECT_EQ(ipv6->host, "::ffff:127.0.0.1");  // RFC 5952: the IPv4 part in dotted form
  EXPECT_EQ(ipv6->port, 80);
  EXPECT_EQ(ipv6->target, "/in/hook?a=b");
}

TEST(WebhookUrlTest, RefusesWhatCannotBeSentSafely) {
  for (const char* url :
       {"ftp://example.com/", "example.com/hook", "https://user:pw@example.com/",
        "https://example.com/#frag", "https://exa mple.com/", "https://example.com:0/",
        "https://example.com:65536/", "https://[::1/", "https://[::1]x/", "https:///path",
        "https://example.com\\@evil.com/", "https://ex_ample..com/"}) {
    auto parsed = parse_target_url(url);
    EXPECT_FALSE(parsed.ok()) << url;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code, "invalid_url") << url;
    }
  }
}

}  // namespace
}  // namespace portico::core::webhook
