#include "portico/core/domain_name.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace portico::core {
namespace {

::testing::AssertionResult fails_with(const Result<std::string>& result, std::string_view code,
                                      std::string_view param) {
  if (result.ok()) return ::testing::AssertionFailure() << "accepted as " << result.value();
  const Error& error = result.error();
  if (error.code != code || error.param != param || error.status != 400 ||
      error.type != ErrorType::invalid_request || error.message.empty()) {
    return ::testing::AssertionFailure() << "got " << error.status << " " << error.code
                                         << " param=" << error.param << ": " << error.message;
  }
  return ::testing::AssertionSuccess() << error.message;
}

std::string domain(std::string_view input) {
  auto result = normalize_domain_name(input, "name");
  EXPECT_TRUE(result.ok()) << input << ": " << result.error().message;
  return result.ok() ? result.value() : std::string();
}

TEST(DomainName, TrimsLowercasesAndDropsOneTrailingDot) {
  EXPECT_EQ(domain("  Example.COM.  "), "example.com");
  EXPECT_EQ(domain("my-site.co.ke"), "my-site.co.ke");
  EXPECT_EQ(domain("a1.b2.example"), "a1.b2.example");
}

TEST(DomainName, ConvertsUnicodeToPunycodeNonTransitionally) {
  EXPECT_EQ(domain("Bücher.example"), "xn--bcher-kva.example");
  EXPECT_EQ(domain("BÜCHER.DE"), "xn--bcher-kva.de");
  // Non-transitional: sharp s stays itself instead of becoming "ss".
  EXPECT_EQ(domain("faß.de"), "xn--fa-hia.de");
  // The ideographic full stop separates labels too.
  EXPECT_EQ(domain("例え。テスト"), "xn--r8jz45g.xn--zckzah");
  // e + combining acute is normalized (NFC) before encoding.
  EXPECT_EQ(domain("e\xcc\x81.fr"), "xn--9ca.fr");
  EXPECT_EQ(domain("XN--BCHER-KVA.de"), "xn--bcher-kva.de");
  EXPECT_EQ(domain("xn--p1ai.xn--p1ai"), "xn--p1ai.xn--p1ai");
}

TEST(DomainName, AcceptsTheLengthLimitsExactly) {
  const std::string label63(63, 'a');
  EXPECT_EQ(domain(label63 + ".com"), label63 + ".com");
  // 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253.
  const std::string name253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  ASSERT_EQ(name253.size(), 253u);
  EXPECT_EQ(domain(name253), name253);
  EXPECT_EQ(domain(name253 + "."), name253);
}

TEST(DomainName, RefusesMalformedNames) {
  const std::string label63(63, 'a');
  const std::string name254 = label63 + "." + label63 + "." + label63 + "." + std::string(62, 'b');
  for (const std::string_view input : {
           std::string_view(""),
           std::string_view("   "),
           std::string_view("."),
           std::string_view("example"),
           std::string_view("example..com"),
           std::string_view(".example.com"),
           std::string_view("example.com.."),
           std::string_view("-ab.com"),
           std::string_view("ab-.com"),
           std::string_view("ab--cd.com"),
           std::string_view("xn--abc.com"),
           std::string_view("xn--ls8h.la"),
           std::string_view("a b.com"),
           std::string_view("ex\tample.com"),
           std::string_view("a_b.com"),
           std::string_view("ex$ample.com"),
           std::string_view("*.example.com"),
           std::string_view("example.123"),
           std::string_view("1.2.3.4"),
           std::string_view("ex\xc3\x28mple.com"),
           std::string_view("\xf0\x9f\x92\xa9.la"),  // an emoji
           std::string_view("\xd7\x90"
                            "a.com"),  // Hebrew then Latin in one label (bidi)
           std::string_view("a\xe2\x80\x8d"
                            "b.com"),                // a zero-width joiner between letters
           std::string_view("example.com\xc2\x85"),  // a C1 control character
       }) {
    EXPECT_TRUE(fails_with(normalize_domain_name(input, "name"), "invalid_domain_name", "name"))
        << "input: " << input;
  }
  EXPECT_TRUE(fails_with(normalize_domain_name(std::string(64, 'a') + ".com", "name"),
                         "invalid_domain_name", "name"));
  EXPECT_TRUE(fails_with(normalize_domain_name(name254, "name"), "invalid_domain_name", "name"));
}

TEST(DomainName, MessagesSayWhatIsWrong) {
  const auto message = [](std::string_view input) {
    return normalize_domain_name(input, "domain.name").error().message;
  };
  EXPECT_NE(message("-ab.com").find("starts with a hyphen"), std::string::npos);
  EXPECT_NE(message("ab--cd.com").find("third and fourth"), std::string::npos);
  EXPECT_NE(message("example").find("single label"), std::string::npos);
  EXPECT_NE(message("1.2.3.4").find("IP address"), std::string::npos);
  EXPECT_NE(message("example.123").find("all digits"), std::string::npos);
  EXPECT_NE(message("xn--abc.com").find("punycode"), std::string::npos);
  EXPECT_NE(message("a_b.com").find("'_'"), std::string::npos);
  EXPECT_NE(message("a..b").find("empty label"), std::string::npos);
  EXPECT_NE(message("ex\xc3\x28mple.com").find("UTF-8"), std::string::npos);
  EXPECT_EQ(message("a_b.com").rfind("'domain.name' is not a valid domain name", 0), 0u);
  EXPECT_NE(message("a_b.com").find("example.com"), std::string::npos);  // what is expected
  // Without a param the message still reads as a sentence.
  EXPECT_EQ(normalize_domain_name("x", {}).error().message.rfind(
                "The name is not a valid domain name", 0),
            0u);
}

TEST(DomainName, NeverEchoesHugeInput) {
  const std::string huge(5000, 'x');
  const auto result = normalize_domain_name(huge + ".com", "name");
  ASSERT_FALSE(result.ok());
  EXPECT_LT(result.error().message.size(), 300u);
  const auto long_label = normalize_domain_name(std::string(200, 'y') + ".com", "name");
  ASSERT_FALSE(long_label.ok());
  EXPECT_LT(long_label.error().message.size(), 300u);
  EXPECT_NE(long_label.error().message.find("200 characters"), std::string::npos);
}

TEST(HostName, AllowsUnderscoresExceptInTheLastLabel) {
  EXPECT_EQ(*normalize_host_name("_acme-challenge.Example.net.", "value"),
            "_acme-challenge.example.net");
  EXPECT_EQ(*normalize_host_name("s1._domainkey.example.com", "value"),
            "s1._domainkey.example.com");
  EXPECT_EQ(*normalize_host_name("mail.bücher.example", "value"), "mail.xn--bcher-kva.example");
  EXPECT_TRUE(
      fails_with(normalize_host_name("example._com", "value"), "invalid_host_name", "value"));
  EXPECT_TRUE(fails_with(normalize_host_name("localhost", "value"), "invalid_host_name", "value"));
  EXPECT_TRUE(fails_with(normalize_host_name("192.0.2.1", "value"), "invalid_host_name", "value"));
  EXPECT_TRUE(
      fails_with(normalize_host_name("-mail.example.com", "value"), "invalid_host_name", "value"));
  EXPECT_TRUE(fails_with(normalize_host_name("", "value"), "invalid_host_name", "value"));
}

TEST(NameServer, IsLettersDigitsAndHyphensOnly) {
  EXPECT_EQ(*normalize_name_server(" NS1.Example.com. ", "nameservers[0]"), "ns1.example.com");
  EXPECT_TRUE(fails_with(normalize_name_server("_ns.example.com", "nameservers[1]"),
                         "invalid_name_server", "nameservers[1]"));
  EXPECT_TRUE(fails_with(normalize_name_server("ns1", "nameservers[1]"), "invalid_name_server",
                         "nameservers[1]"));
}

TEST(UnicodeDomainName, DecodesValidPunycodeOnly) {
  EXPECT_EQ(unicode_domain_name("xn--bcher-kva.de"), "bücher.de");
  EXPECT_EQ(unicode_domain_name("www.xn--bcher-kva.de"), "www.bücher.de");
  EXPECT_EQ(unicode_domain_name("xn--r8jz45g.xn--zckzah"), "例え.テスト");
  EXPECT_EQ(unicode_domain_name("example.com"), "example.com");
  EXPECT_EQ(unicode_domain_name("xn--abc.com"), "xn--abc.com");
  EXPECT_EQ(unicode_domain_name("xn--ls8h.la"), "xn--ls8h.la");
  EXPECT_EQ(unicode_domain_name(""), "");
}

TEST(Ipv4, AcceptsDottedQuadsOnly) {
  EXPECT_TRUE(is_ipv4("192.0.2.1"));
  EXPECT_TRUE(is_ipv4("0.0.0.0"));
  EXPECT_TRUE(is_ipv4("255.255.255.255"));
  for (const std::string_view text :
       {"", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "0x1.2.3.4", " 1.2.3.4", "1.2.3.4 ",
        "1.2.3.-4", "::1", "1.2.3.4/24", "a.b.c.d"}) {
    EXPECT_FALSE(is_ipv4(text)) << text;
  }
}

TEST(Ipv6, NormalizesToRfc5952) {
  EXPECT_EQ(normalize_ipv6("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  EXPECT_EQ(normalize_ipv6("2001:0db8:0000:0000:0001:0000:0000:0001"), "2001:db8::1:0:0:1");
  EXPECT_EQ(normalize_ipv6("::1"), "::1");
  EXPECT_EQ(normalize_ipv6("::"), "::");
  EXPECT_EQ(normalize_ipv6("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
  for (const std::string_view text :
       {"", ":", "fe80::1%eth0", "192.0.2.1", "2001:db8::g", "2001:db8:::1", "1:2:3:4:5:6:7:8:9",
        " ::1", "2001:db8::1/64"}) {
    EXPECT_EQ(normalize_ipv6(text), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace portico::core
