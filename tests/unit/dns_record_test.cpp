#include "portico/core/dns_record.hpp"

#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace portico::core {
namespace {

constexpr std::string_view kZone = "example.com";

DnsRecord record(DnsRecordType type, std::string name, std::string value) {
  DnsRecord out;
  out.type = type;
  out.name = std::move(name);
  out.value = std::move(value);
  out.ttl = 3600;
  return out;
}

DnsRecord mx(std::string name, std::string value, std::optional<std::int64_t> priority) {
  DnsRecord out = record(DnsRecordType::mx, std::move(name), std::move(value));
  out.priority = priority;
  return out;
}

DnsRecord srv(std::string name, std::string value, std::optional<std::int64_t> priority,
              std::optional<std::int64_t> weight, std::optional<std::int64_t> port) {
  DnsRecord out = record(DnsRecordType::srv, std::move(name), std::move(value));
  out.priority = priority;
  out.weight = weight;
  out.port = port;
  return out;
}

DnsRecord caa(std::optional<std::int64_t> flags, std::string tag, std::string value) {
  DnsRecord out = record(DnsRecordType::caa, "@", std::move(value));
  out.flags = flags;
  out.tag = std::move(tag);
  return out;
}

Result<DnsRecord> normalize(DnsRecord input) {
  return normalize_dns_record(std::move(input), kZone, "records");
}

DnsRecord accepted(DnsRecord input) {
  auto result = normalize(std::move(input));
  EXPECT_TRUE(result.ok()) << result.error().code << ": " << result.error().message;
  return result.ok() ? result.value() : DnsRecord{};
}

::testing::AssertionResult fails_with(const Result<DnsRecord>& result, std::string_view code,
                                      std::string_view param, int status = 400) {
  if (result.ok()) {
    return ::testing::AssertionFailure() << "accepted: " << dns_record_fingerprint(result.value());
  }
  const Error& error = result.error();
  if (error.code != code || error.param != param || error.status != status ||
      error.type != ErrorType::invalid_request || error.message.empty()) {
    return ::testing::AssertionFailure() << "got " << error.status << " " << error.code
                                         << " param=" << error.param << ": " << error.message;
  }
  return ::testing::AssertionSuccess() << error.message;
}

bool mentions(const Result<DnsRecord>& result, std::string_view text) {
  return !result.ok() && result.error().message.find(text) != std::string::npos;
}

// Names, common to every type.

TEST(DnsRecordName, IsMadeRelativeToTheZone) {
  EXPECT_EQ(accepted(record(DnsRecordType::a, "WWW", "192.0.2.1")).name, "www");
  EXPECT_EQ(accepted(record(DnsRecordType::a, "www.example.com.", "192.0.2.1")).name, "www");
  EXPECT_EQ(accepted(record(DnsRecordType::a, "www.Example.com", "192.0.2.1")).name, "www");
  EXPECT_EQ(accepted(record(DnsRecordType::a, "a.b.example.com", "192.0.2.1")).name, "a.b");
  EXPECT_EQ(accepted(record(DnsRecordType::a, "@", "192.0.2.1")).name, "@");
  EXPECT_EQ(accepted(record(DnsRecordType::a, " @ ", "192.0.2.1")).name, "@");
  EXPECT_EQ(accepted(record(DnsRecordType::a, "EXAMPLE.COM.", "192.0.2.1")).name, "@");
  EXPECT_EQ(accepted(record(DnsRecordType::a, "example.com", "192.0.2.1")).name, "@");
  // Not ending in the zone and without a final dot: relative, as in a zone file.
  EXPECT_EQ(accepted(record(DnsRecordType::a, "www.other.org", "192.0.2.1")).name, "www.other.org");
  // "notexample.com" ends with the zone's text but not at a label boundary.
  EXPECT_EQ(accepted(record(DnsRecordType::a, "notexample.com", "192.0.2.1")).name,
            "notexample.com");
}

TEST(DnsRecordName, TakesWildcardsUnderscoresAndIdns) {
  EXPECT_EQ(accepted(record(DnsRecordType::a, "*", "192.0.2.1")).name, "*");
  EXPECT_EQ(accepted(record(DnsRecordType::a, "*.Shop", "192.0.2.1")).name, "*.shop");
  EXPECT_EQ(accepted(record(DnsRecordType::a, "*.example.com.", "192.0.2.1")).name, "*");
  EXPECT_EQ(accepted(record(DnsRecordType::txt, "_DMARC", "v=DMARC1; p=none")).name, "_dmarc");
  EXPECT_EQ(accepted(record(DnsRecordType::a, "Café", "192.0.2.1")).name, "xn--caf-dma");
  EXPECT_EQ(accepted(record(DnsRecordType::a, "*.café", "192.0.2.1")).name, "*.xn--caf-dma");
}

TEST(DnsRecordName, RefusesBadNames) {
  const auto name_fails = [](std::string name, std::string_view code, int status = 400) {
    return fails_with(normalize(record(DnsRecordType::a, std::move(name), "192.0.2.1")), code,
                      "records.name", status);
  };
  EXPECT_TRUE(name_fails("", "parameter_missing"));
  EXPECT_TRUE(name_fails("   ", "parameter_missing"));
  EXPECT_TRUE(name_fails("shop.*", "invalid_record_name"));
  EXPECT_TRUE(name_fails("a*b", "invalid_record_name"));
  EXPECT_TRUE(name_fails("*.*", "invalid_record_name"));
  EXPECT_TRUE(name_fails("-bad", "invalid_record_name"));
  EXPECT_TRUE(name_fails("bad-", "invalid_record_name"));
  EXPECT_TRUE(name_fails("a..b", "invalid_record_name"));
  EXPECT_TRUE(name_fails(".", "invalid_record_name"));
  EXPECT_TRUE(name_fails("a b", "invalid_record_name"));
  EXPECT_TRUE(name_fails("a$b", "invalid_record_name"));
  EXPECT_TRUE(name_fails("www.@", "invalid_record_name"));
  EXPECT_TRUE(name_fails(std::string(64, 'a'), "invalid_record_name"));
  // 4 x 63 + 3 dots = 255 > 253 once the zone is appended.
  const std::string label(63, 'a');
  EXPECT_TRUE(name_fails(label + "." + label + "." + label + "." + std::string(50, 'b'),
                         "invalid_record_name"));
  // Ambiguous once made relative: refused so that normalizing twice changes nothing.
  EXPECT_TRUE(name_fails("example.com.example.com", "invalid_record_name"));
  EXPECT_TRUE(name_fails("www.example.com.example.com.", "invalid_record_name"));
  EXPECT_TRUE(name_fails("www.other.org.", "record_name_outside_zone", 422));
  EXPECT_TRUE(name_fails("com.", "record_name_outside_zone", 422));
  EXPECT_TRUE(
      mentions(normalize(record(DnsRecordType::a, "shop.*", "192.0.2.1")), "whole first label"));
  EXPECT_TRUE(mentions(normalize(record(DnsRecordType::a, "", "192.0.2.1")), "\"@\""));
}

TEST(DnsRecordTtl, MustBeBetween60And86400) {
  for (const std::int64_t ttl : {60, 300, 86400}) {
    DnsRecord input = record(DnsRecordType::a, "www", "192.0.2.1");
    input.ttl = ttl;
    EXPECT_EQ(accepted(input).ttl, ttl);
  }
  for (const std::int64_t ttl : {-1, 0, 59, 86401, 1000000}) {
    DnsRecord input = record(DnsRecordType::a, "www", "192.0.2.1");
    input.ttl = ttl;
    EXPECT_TRUE(fails_with(normalize(input), "ttl_out_of_range", "records.ttl", 422)) << ttl;
  }
}

// A

TEST(DnsRecordA, TakesAnIpv4Address) {
  DnsRecord input = record(DnsRecordType::a, "www", " 192.0.2.10 ");
  input.supplier_ref = "line-7";
  input.ttl = 300;
  const DnsRecord out = accepted(input);
  EXPECT_EQ(out.value, "192.0.2.10");
  EXPECT_EQ(out.ttl, 300);
  EXPECT_EQ(out.supplier_ref, "line-7");
}

TEST(DnsRecordA, RefusesOtherValuesAndFields) {
  for (const char* value : {"999.1.1.1", "192.0.2", "www.example.com", "192.0.2.1.5"}) {
    EXPECT_TRUE(fails_with(normalize(record(DnsRecordType::a, "www", value)),
                           "invalid_ipv4_address", "records.value"))
        << value;
  }
  EXPECT_TRUE(fails_with(normalize(record(DnsRecordType::a, "www", "")), "parameter_missing",
                         "records.value"));
  EXPECT_TRUE(mentions(normalize(record(DnsRecordType::a, "www", "2001:db8::1")), "AAAA"));

  DnsRecord with_priority = record(DnsRecordType::a, "www", "192.0.2.1");
  with_priority.priority = 10;
  EXPECT_TRUE(fails_with(normalize(with_priority), "parameter_not_allowed", "records.priority"));
  DnsRecord with_tag = record(DnsRecordType::a, "www", "192.0.2.1");
  with_tag.tag = "issue";
  EXPECT_TRUE(fails_with(normalize(with_tag), "parameter_not_allowed", "records.tag"));
}

// AAAA

TEST(DnsRecordAaaa, NormalizesTheIpv6Address) {
  EXPECT_EQ(accepted(record(DnsRecordType::aaaa, "www", "2001:DB8:0:0::0:1")).value, "2001:db8::1");
}

TEST(DnsRecordAaaa, RefusesOtherValuesAndFields) {
  EXPECT_TRUE(fails_with(normalize(record(DnsRecordType::aaaa, "www", "192.0.2.1")),
                         "invalid_ipv6_address", "records.value"));
  EXPECT_TRUE(mentions(normalize(record(DnsRecordType::aaaa, "www", "192.0.2.1")), "A record"));
  EXPECT_TRUE(fails_with(normalize(record(DnsRecordType::aaaa, "www", "fe80::1%eth0")),
                         "invalid_ipv6_address", "records.value"));
  EXPECT_TRUE(fails_with(normalize(record(DnsRecordType::aaaa, "www", "")), "parameter_missing",
                         "records.value"));
  DnsRecord with_weight = record(DnsRecordType::aaaa, "www", "2001:db8::1");
  with_weight.weight = 1;
  EXPECT_TRUE(fails_with(normalize(with_weight), "parameter_not_allowed", "records.weight"));
}

// CNAME

TEST(DnsRecordCname, TakesAHostName) {
  EXPECT_EQ(accepted(record(DnsRecordType::cname, "www", "Shop.Example.NET.")).value,
            "shop.example.net");
  EXPECT_EQ(accepted(record(DnsRecordType::cname, "www", "@")).value, "example.com");
  EXPECT_EQ(
      accepted(record(DnsRecordType::cname, "_acme-challenge", "_acme-challenge.auth.net")).value,
      "_acme-challenge.auth.net");
  EXPECT_EQ(accepted(record(DnsRecordType::cname, "*", "lb.example.net")).name, "*");
}

TEST(DnsRecordCname, RefusesTheApexAndBadTargets) {
  EXPECT_TRUE(fails_with(normalize(record(DnsRecordType::cname, "@", "shop.example.net")),
                         "cname_at_apex", "records.name", 422));
  EXPECT_TRUE(fails_with(normalize(record(DnsRecordType::cname, "example.com.", "x.example.net")),
                         "cname_at_apex", "records.name", 422));
  for (const char* value : {".", "shop", "-shop.example.net", "192.0.2.1", "shop.example._net"}) {
    EXPECT_TRUE(fails_with(normalize(record(DnsRecordType::cname, "www", value)),
                           "invalid_host_name", "records.value"))
        << value;
  }
  EXPECT_TRUE(fails_with(normalize(record(DnsRecordType::cname, "www", " ")), "parameter_missing",
                         "records.value"));
  DnsRecord with_port = record(DnsRecordType::cname, "www", "shop.example.net");
  with_port.port = 443;
  EXPECT_TRUE(fails_with(normalize(with_port), "parameter_not_allowed", "records.port"));
}

// MX

TEST(DnsRecordMx, TakesAPriorityAndAHostName) {
  const DnsRecord out = accepted(mx("@", "Mail.Example.com.", 10));
  EXPECT_EQ(out.value, "mail.example.com");
  EXPECT_EQ(out.priority, 10);
  EXPECT_EQ(accepted(mx("@", "mx.example.net", 0)).priority, 0);
  EXPECT_EQ(accepted(mx("@", "mx.example.net", 65535)).priority, 65535);
  EXPECT_EQ(accepted(mx("@", ".", 0)).value, ".");  // RFC 7505 null MX
  EXPECT_EQ(accepted(mx("@", "@", 5)).value, "example.com");
}

TEST(DnsRecordMx, RefusesMissingOrOutOfRangePriorityAndBadTargets) {
  EXPECT_TRUE(fails_with(normalize(mx("@", "mail.example.com", std::nullopt)), "parameter_missing",
                         "records.priority"));
  EXPECT_TRUE(fails_with(normalize(mx("@", "mail.example.com", 65536)), "priority_out_of_range",
                         "records.priority", 422));
  EXPECT_TRUE(fails_with(normalize(mx("@", "mail.example.com", -1)), "priority_out_of_range",
                         "records.priority", 422));
  EXPECT_TRUE(
      fails_with(normalize(mx("@", "192.0.2.1", 10)), "invalid_host_name", "records.value"));
  EXPECT_TRUE(fails_with(normalize(mx("@", "mail", 10)), "invalid_host_name", "records.value"));
  EXPECT_TRUE(fails_with(normalize(mx("@", "", 10)), "parameter_missing", "records.value"));
  DnsRecord with_weight = mx("@", "mail.example.com", 10);
  with_weight.weight = 5;
  EXPECT_TRUE(fails_with(normalize(with_weight), "parameter_not_allowed", "records.weight"));
  DnsRecord with_tag = mx("@", "mail.example.com", 10);
  with_tag.tag = "issue";
  EXPECT_TRUE(fails_with(normalize(with_tag), "parameter_not_allowed", "records.tag"));
}

// NS

TEST(DnsRecordNs, DelegatesToAHostName) {
  const DnsRecord out = accepted(record(DnsRecordType::ns, "Sub", "NS1.Other.net."));
  EXPECT_EQ(out.name, "sub");
  EXPECT_EQ(out.value, "ns1.other.net");
}

TEST(DnsRecordNs, RefusesBadTargetsAndFields) {
  for (const char* value : {".", "192.0.2.1", "ns1", "ns1..other.net"}) {
    EXPECT_TRUE(fails_with(normalize(record(DnsRecordType::ns, "sub", value)), "invalid_host_name",
                           "records.value"))
        << value;
  }
  DnsRecord with_flags = record(DnsRecordType::ns, "sub", "ns1.other.net");
  with_flags.flags = 0;
  EXPECT_TRUE(fails_with(normalize(with_flags), "parameter_not_allowed", "records.flags"));
}

// TXT

TEST(DnsRecordTxt, RemovesOnePairOfQuotesAndKeepsEscapes) {
  EXPECT_EQ(
      accepted(record(DnsRecordType::txt, "@", "\"v=spf1 include:_spf.example.net -all\"")).value,
      "v=spf1 include:_spf.example.net -all");
  EXPECT_EQ(accepted(record(DnsRecordType::txt, "@", "v=spf1 -all")).value, "v=spf1 -all");
  EXPECT_EQ(accepted(record(DnsRecordType::txt, "@", R"("say \"hi\"")")).value, R"(say \"hi\")");
  EXPECT_EQ(accepted(record(DnsRecordType::txt, "@", R"(a\\b)")).value, R"(a\\b)");
  EXPECT_EQ(accepted(record(DnsRecordType::txt, "@", "café au lait")).value, "café au lait");
  EXPECT_EQ(accepted(record(DnsRecordType::txt, "@", " padded ")).value, " padded ");
  // Normalizing twice changes nothing.
  const DnsRecord once = accepted(record(DnsRecordType::txt, "@", R"("say \"hi\"")"));
  EXPECT_EQ(accepted(once).value, once.value);
}

TEST(DnsRecordTxt, HoldsAtMost2048BytesAfterUnquoting) {
  const std::string longest(kMaxTxtLength, 'k');
  EXPECT_EQ(accepted(record(DnsRecordType::txt, "@", longest)).value, longest);
  EXPECT_EQ(accepted(record(DnsRecordType::txt, "@", "\"" + longest + "\"")).value, longest);
  const auto too_long = normalize(record(DnsRecordType::txt, "@", longest + "k"));
  EXPECT_TRUE(fails_with(too_long, "invalid_txt_value", "records.value"));
  EXPECT_TRUE(mentions(too_long, "2048"));
  EXPECT_LT(too_long.error().message.size(), 300u);
}

TEST(DnsRecordTxt, RefusesQuotesControlsAndBadText) {
  const auto txt = [](std::string value) {
    return normalize(record(DnsRecordType::txt, "@", std::move(value)));
  };
  for (const std::string& value :
       {std::string(R"(say "hi")"), std::string(R"("part1" "part2")"), std::string(R"("open)"),
        std::string("line\nbreak"), std::string("tab\there"), std::string("nul\0x", 5),
        std::string("bad \xff utf8"), std::string(R"(dangling\)"), std::string(R"("x\")")}) {
    EXPECT_TRUE(fails_with(txt(value), "invalid_txt_value", "records.value")) << value;
  }
  EXPECT_TRUE(mentions(txt(R"("part1" "part2")"), "joined into one"));
  EXPECT_TRUE(mentions(txt(R"(say "hi")"), "\\\""));
  EXPECT_TRUE(mentions(txt("line\nbreak"), "control character"));
  EXPECT_TRUE(fails_with(txt(""), "parameter_missing", "records.value"));
  EXPECT_TRUE(fails_with(txt("\"\""), "parameter_missing", "records.value"));
  DnsRecord with_priority = record(DnsRecordType::txt, "@", "hello");
  with_priority.priority = 1;
  EXPECT_TRUE(fails_with(normalize(with_priority), "parameter_not_allowed", "records.priority"));
}

// SRV

TEST(DnsRecordSrv, TakesServiceNameNumbersAndTarget) {
  const DnsRecord out = accepted(srv("_SIP._tcp", "SipServer.example.com.", 10, 5, 5060));
  EXPECT_EQ(out.name, "_sip._tcp");
  EXPECT_EQ(out.value, "sipserver.example.com");
  EXPECT_EQ(out.priority, 10);
  EXPECT_EQ(out.weight, 5);
  EXPECT_EQ(out.port, 5060);
  EXPECT_EQ(accepted(srv("_sip._tcp.example.com.", "sip.example.com", 0, 0, 0)).name, "_sip._tcp");
  EXPECT_EQ(accepted(srv("_sip._tcp.office", "sip.example.com", 0, 0, 1)).name, "_sip._tcp.office");
  EXPECT_EQ(accepted(srv("_imaps._tcp", ".", 0, 0, 0)).value, ".");  // "no such service"
}

TEST(DnsRecordSrv, RefusesBadNamesMissingNumbersAndRanges) {
  for (const char* name : {"sip._tcp", "_sip", "@", "_sip.tcp", "_._tcp", "*._tcp"}) {
    EXPECT_TRUE(fails_with(normalize(srv(name, "sip.example.com", 10, 5, 5060)), "invalid_srv_name",
                           "records.name"))
        << name;
  }
  EXPECT_TRUE(fails_with(normalize(srv("_sip._tcp", "sip.example.com", std::nullopt, 5, 5060)),
                         "parameter_missing", "records.priority"));
  EXPECT_TRUE(fails_with(normalize(srv("_sip._tcp", "sip.example.com", 10, std::nullopt, 5060)),
                         "parameter_missing", "records.weight"));
  EXPECT_TRUE(fails_with(normalize(srv("_sip._tcp", "sip.example.com", 10, 5, std::nullopt)),
                         "parameter_missing", "records.port"));
  EXPECT_TRUE(fails_with(normalize(srv("_sip._tcp", "sip.example.com", 70000, 5, 5060)),
                         "priority_out_of_range", "records.priority", 422));
  EXPECT_TRUE(fails_with(normalize(srv("_sip._tcp", "sip.example.com", 10, -1, 5060)),
                         "weight_out_of_range", "records.weight", 422));
  EXPECT_TRUE(fails_with(normalize(srv("_sip._tcp", "sip.example.com", 10, 5, 65536)),
                         "port_out_of_range", "records.port", 422));
  EXPECT_TRUE(fails_with(normalize(srv("_sip._tcp", "192.0.2.1", 10, 5, 5060)), "invalid_host_name",
                         "records.value"));
  EXPECT_TRUE(fails_with(normalize(srv("_sip._tcp", "", 10, 5, 5060)), "parameter_missing",
                         "records.value"));
  DnsRecord with_flags = srv("_sip._tcp", "sip.example.com", 10, 5, 5060);
  with_flags.flags = 0;
  EXPECT_TRUE(fails_with(normalize(with_flags), "parameter_not_allowed", "records.flags"));
}

// CAA

TEST(DnsRecordCaa, NormalizesTagAndValue) {
  const DnsRecord out = accepted(caa(0, "ISSUE", "\"LetsEncrypt.org\""));
  EXPECT_EQ(out.tag, "issue");
  EXPECT_EQ(out.value, "letsencrypt.org");
  EXPECT_EQ(out.flags, 0);
  EXPECT_EQ(accepted(caa(0, "issue", "letsencrypt.org;validationmethods=dns-01")).value,
            "letsencrypt.org; validationmethods=dns-01");
  EXPECT_EQ(accepted(caa(0, "issue", ";")).value, ";");
  EXPECT_EQ(accepted(caa(128, "issuewild", "pki.goog")).flags, 128);
  EXPECT_EQ(accepted(caa(255, "issuewild", "pki.goog")).flags, 255);
  EXPECT_EQ(accepted(caa(0, "iodef", "mailto:security@example.com")).value,
            "mailto:security@example.com");
  EXPECT_EQ(accepted(caa(0, "iodef", "MAILTO:security@example.com")).value,
            "mailto:security@example.com");
  EXPECT_EQ(accepted(caa(0, "iodef", "https://report.example.com/caa")).value,
            "https://report.example.com/caa");
  EXPECT_EQ(accepted(caa(0, "iodef", "http://report.example.com")).value,
            "http://report.example.com");
}

TEST(DnsRecordCaa, RefusesBadFlagsTagsAndValues) {
  EXPECT_TRUE(fails_with(normalize(caa(std::nullopt, "issue", "letsencrypt.org")),
                         "parameter_missing", "records.flags"));
  EXPECT_TRUE(fails_with(normalize(caa(256, "issue", "letsencrypt.org")), "flags_out_of_range",
                         "records.flags", 422));
  EXPECT_TRUE(fails_with(normalize(caa(-1, "issue", "letsencrypt.org")), "flags_out_of_range",
                         "records.flags", 422));
  EXPECT_TRUE(
      fails_with(normalize(caa(0, "", "letsencrypt.org")), "parameter_missing", "records.tag"));
  EXPECT_TRUE(fails_with(normalize(caa(0, "contactemail", "x@example.com")), "unsupported_caa_tag",
                         "records.tag", 422));
  EXPECT_TRUE(
      fails_with(normalize(caa(0, "is-sue", "letsencrypt.org")), "invalid_caa_tag", "records.tag"));
  for (const char* value : {"letsencrypt.org\"x", "not a domain!", "lets_encrypt.org",
                            "caf\xc3\xa9.example", "letsencrypt.org\x01"}) {
    EXPECT_TRUE(fails_with(normalize(caa(0, "issue", value)), "invalid_caa_value", "records.value"))
        << value;
  }
  for (const char* value : {"ftp://report.example.com", "mailto:nobody", "https://",
                            "https:///path", "report.example"}) {
    EXPECT_TRUE(fails_with(normalize(caa(0, "iodef", value)), "invalid_caa_value", "records.value"))
        << value;
  }
  EXPECT_TRUE(fails_with(normalize(caa(0, "issue", "")), "parameter_missing", "records.value"));
  EXPECT_TRUE(mentions(normalize(caa(0, "issue", "\"\"")), "\";\" to forbid"));
  DnsRecord with_priority = caa(0, "issue", "letsencrypt.org");
  with_priority.priority = 1;
  EXPECT_TRUE(fails_with(normalize(with_priority), "parameter_not_allowed", "records.priority"));
}

// Params and identity.

TEST(DnsRecordParams, FollowThePrefix) {
  auto result = normalize_dns_record(record(DnsRecordType::a, "www", "nope"), kZone, "");
  EXPECT_TRUE(fails_with(result, "invalid_ipv4_address", "value"));
  result = normalize_dns_record(record(DnsRecordType::a, "www", "nope"), kZone, "records[3]");
  EXPECT_TRUE(fails_with(result, "invalid_ipv4_address", "records[3].value"));
  EXPECT_TRUE(mentions(result, "'records[3].value'"));
}

TEST(DnsRecordFingerprint, MatchesSpellingsOfTheSameRecord) {
  DnsRecord first = mx("@", "Mail.Example.com.", 10);
  DnsRecord second = mx("example.com", "mail.example.com", 10);
  second.ttl = 300;
  second.supplier_ref = "7";
  EXPECT_EQ(dns_record_fingerprint(accepted(first)), dns_record_fingerprint(accepted(second)));
  EXPECT_EQ(dns_record_fingerprint(accepted(caa(0, "ISSUE", "\"LetsEncrypt.org\""))),
            dns_record_fingerprint(accepted(caa(0, "issue", "letsencrypt.org"))));
}

TEST(DnsRecordFingerprint, DistinguishesDifferentRecords) {
  const std::string base = dns_record_fingerprint(accepted(mx("@", "mail.example.com", 10)));
  EXPECT_NE(base, dns_record_fingerprint(accepted(mx("@", "mail.example.com", 20))));
  EXPECT_NE(base, dns_record_fingerprint(accepted(mx("www", "mail.example.com", 10))));
  EXPECT_NE(base, dns_record_fingerprint(accepted(mx("@", "mx.example.com", 10))));
  EXPECT_NE(dns_record_fingerprint(accepted(record(DnsRecordType::a, "www", "192.0.2.1"))),
            dns_record_fingerprint(accepted(record(DnsRecordType::txt, "www", "192.0.2.1"))));
  EXPECT_NE(dns_record_fingerprint(accepted(srv("_a._tcp", "x.example.com", 1, 2, 3))),
            dns_record_fingerprint(accepted(srv("_a._tcp", "x.example.com", 1, 3, 2))));
  EXPECT_NE(dns_record_fingerprint(accepted(caa(0, "issue", "pki.goog"))),
            dns_record_fingerprint(accepted(caa(0, "issuewild", "pki.goog"))));
  // Lengths keep the boundary between name and value unambiguous.
  EXPECT_NE(dns_record_fingerprint(accepted(record(DnsRecordType::txt, "a", "1:b c"))),
            dns_record_fingerprint(accepted(record(DnsRecordType::txt, "a.b", "c"))));
}

}  // namespace
}  // namespace portico::core
