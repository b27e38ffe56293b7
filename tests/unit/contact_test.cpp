#include "portico/core/contact.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace portico::core {
namespace {

constexpr const char* kPrefix = "contacts.registrant";

Contact valid_contact() {
  Contact contact;
  contact.first_name = "Wanjiru";
  contact.last_name = "Kamau";
  contact.email = "wanjiru@example.co.ke";
  contact.phone = "+254.712345678";
  contact.address1 = "12 Moi Avenue";
  contact.city = "Nairobi";
  contact.state = "Nairobi";
  contact.postcode = "00100";
  contact.country = "KE";
  return contact;
}

template <typename T>
::testing::AssertionResult fails_with(const Result<T>& result, std::string_view code,
                                      std::string_view param, int status = 400) {
  if (result.ok()) return ::testing::AssertionFailure() << "accepted";
  const Error& error = result.error();
  if (error.code != code || error.param != param || error.status != status ||
      error.type != ErrorType::invalid_request || error.message.empty()) {
    return ::testing::AssertionFailure() << "got " << error.status << " " << error.code
                                         << " param=" << error.param << ": " << error.message;
  }
  return ::testing::AssertionSuccess() << error.message;
}

TEST(Contact, NormalizesAValidContact) {
  Contact input = valid_contact();
  input.first_name = "  Wanjiru ";
  input.organization = " Acme Ltd ";
  input.email = " Wanjiru.K+domains@Bücher.Example ";
  input.phone = " +254.712 345-678 ";
  input.country = "ke";
  input.state = "Nairobi County";
  auto result = normalize_contact(input, kPrefix);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->first_name, "Wanjiru");
  EXPECT_EQ(result->organization, "Acme Ltd");
  EXPECT_EQ(result->email, "Wanjiru.K+domains@xn--bcher-kva.example");
  EXPECT_EQ(result->phone, "+254.712345678");
  EXPECT_EQ(result->country, "KE");
  EXPECT_EQ(result->state, "Nairobi County");
  EXPECT_EQ(result->address2, "");
}

TEST(Contact, AcceptsUnicodeNamesUpTo255Characters) {
  Contact input = valid_contact();
  input.last_name = "Müller";
  std::string long_name;
  for (int i = 0; i < 255; ++i)
    long_name += "é";  // 510 bytes, 255 characters
  input.address1 = long_name;
  auto result = normalize_contact(input, kPrefix);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->last_name, "Müller");
  EXPECT_EQ(result->address1, long_name);
}

TEST(Contact, RefusesEachMissingRequiredField) {
  for (std::string Contact::*field : {&Contact::first_name, &Contact::last_name, &Contact::email,
                                      &Contact::phone, &Contact::address1, &Contact::city,
                                      &Contact::state, &Contact::postcode, &Contact::country}) {
    Contact input = valid_contact();
    input.*field = "   ";
    const auto result = normalize_contact(input, kPrefix);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, "parameter_missing");
    EXPECT_EQ(result.error().status, 400);
    EXPECT_EQ(result.error().param.rfind("contacts.registrant.", 0), 0u) << result.error().param;
  }
  Contact input = valid_contact();
  input.postcode.clear();
  EXPECT_TRUE(fails_with(normalize_contact(input, kPrefix), "parameter_missing",
                         "contacts.registrant.postcode"));
  input = valid_contact();
  input.email.clear();
  EXPECT_TRUE(fails_with(normalize_contact(input, kPrefix), "parameter_missing",
                         "contacts.registrant.email"));
}

TEST(Contact, RefusesOverlongFields) {
  Contact input = valid_contact();
  input.first_name = std::string(256, 'a');
  EXPECT_TRUE(fails_with(normalize_contact(input, kPrefix), "parameter_invalid_length",
                         "contacts.registrant.first_name"));
  input = valid_contact();
  input.organization = std::string(256, 'o');
  EXPECT_TRUE(fails_with(normalize_contact(input, kPrefix), "parameter_invalid_length",
                         "contacts.registrant.organization"));
  input = valid_contact();
  input.postcode = std::string(17, '1');
  EXPECT_TRUE(fails_with(normalize_contact(input, kPrefix), "parameter_invalid_length",
                         "contacts.registrant.postcode"));
  input.postcode = std::string(16, '1');
  EXPECT_TRUE(normalize_contact(input, kPrefix).ok());
}

TEST(Contact, RefusesControlCharactersAndInvalidUtf8) {
  for (const char* city : {"Nai\trobi", "Nai\nrobi", "Nai\x7frobi", "Nai\xc2\x85robi",
                           "Nai\xffrobi", "Nai\xc3robi", "\xed\xa0\x80", "\xc0\xaf"}) {
    Contact input = valid_contact();
    input.city = city;
    EXPECT_TRUE(fails_with(normalize_contact(input, kPrefix), "invalid_characters",
                           "contacts.registrant.city"))
        << city;
  }
  Contact input = valid_contact();
  input.address2 = "Floor\r\n3";
  EXPECT_TRUE(fails_with(normalize_contact(input, kPrefix), "invalid_characters",
                         "contacts.registrant.address2"));
}

TEST(Email, NormalizesTheDomainAndKeepsTheLocalPart) {
  EXPECT_EQ(*normalize_email("Jane.Doe@Example.COM", "email"), "Jane.Doe@example.com");
  EXPECT_EQ(*normalize_email("o'brien+x@bücher.example.", "email"),
            "o'brien+x@xn--bcher-kva.example");
}

TEST(Email, RefusesImplausibleAddresses) {
  for (const std::string_view email :
       {"jane", "jane@example", "jane@@example.com", "ja@ne@example.com",
        "jane example@example.com", "@example.com", "jane@", ".jane@example.com",
        "jane.@example.com", "ja..ne@example.com", "jane@exa mple.com", "jane@-example.com",
        "jane@example..com", "\"jane\"@example.com", "jané@example.com", "jane@192.0.2.1",
        "jane@[192.0.2.1]"}) {
    EXPECT_TRUE(fails_with(normalize_email(email, "contacts.admin.email"), "invalid_email",
                           "contacts.admin.email"))
        << email;
    EXPECT_FALSE(plausible_email(email)) << email;
  }
  EXPECT_TRUE(fails_with(normalize_email(std::string(65, 'a') + "@example.com", "email"),
                         "invalid_email", "email"));
  EXPECT_TRUE(fails_with(normalize_email("a@" + std::string(250, 'b') + ".com", "email"),
                         "invalid_email", "email"));
}

TEST(Email, MessagesDoNotRepeatTheAddress) {
  const auto result = normalize_email("secret.person@example", "email");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message.find("secret.person"), std::string::npos);
  EXPECT_NE(result.error().message.find("after the '@'"), std::string::npos);
}

TEST(Email, PlausibleMeansAcceptedAsGiven) {
  EXPECT_TRUE(plausible_email("a@b.co"));
  EXPECT_TRUE(plausible_email("first.last+tag@mail.example.co.ke"));
  EXPECT_FALSE(plausible_email(" a@b.co"));
  EXPECT_FALSE(plausible_email("a@b.co "));
  EXPECT_FALSE(plausible_email(""));
}

TEST(Phone, AcceptsTheEppFormAndToleratesSpacesAndDashesAfterTheDot) {
  EXPECT_EQ(*normalize_phone("+254.712345678", "phone"), "+254.712345678");
  EXPECT_EQ(*normalize_phone(" +254.712 345 678 ", "phone"), "+254.712345678");
  EXPECT_EQ(*normalize_phone("+44.20-7946-0000", "phone"), "+44.2079460000");
  EXPECT_EQ(*normalize_phone("+1.5555550123", "phone"), "+1.5555550123");
  EXPECT_EQ(*normalize_phone("+1.23456789012345", "phone"), "+1.23456789012345");  // 15 digits
}

TEST(Phone, RefusesOtherForms) {
  for (const std::string_view phone :
       {"+254712345678", "254.712345678", "0712345678", "+0.712345678", "+2541.712345678",
        "+.712345678", "+254.", "+254.71a345678", "+254 .712345678", "+25 4.712345678",
        "+254.(712)345678", "+1.234567890123456", "+254.712.345"}) {
    EXPECT_TRUE(fails_with(normalize_phone(phone, "contacts.tech.phone"), "invalid_phone",
                           "contacts.tech.phone"))
        << phone;
  }
  EXPECT_TRUE(fails_with(normalize_phone("", "phone"), "parameter_missing", "phone"));
}

TEST(Phone, ShowsTheExpectedFormWhenTheDotIsMissing) {
  const auto result = normalize_phone("+254712345678", "phone");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("\"+254.712345678\""), std::string::npos);
  EXPECT_NE(result.error().message.find("no dot"), std::string::npos);
}

TEST(Country, UppercasesAssignedCodes) {
  EXPECT_EQ(*normalize_country_code(" ke ", "country"), "KE");
  EXPECT_EQ(*normalize_country_code("Gb", "country"), "GB");
  EXPECT_EQ(*normalize_country_code("ZW", "country"), "ZW");
}

TEST(Country, RefusesMalformedAndUnassignedCodes) {
  for (const std::string_view code : {"KEN", "K", "K1", "K-", "Kenya", "é"}) {
    EXPECT_TRUE(fails_with(normalize_country_code(code, "contacts.registrant.country"),
                           "invalid_country", "contacts.registrant.country"))
        << code;
  }
  EXPECT_TRUE(
      fails_with(normalize_country_code("XX", "country"), "unknown_country", "country", 422));
  const auto uk = normalize_country_code("uk", "country");
  EXPECT_TRUE(fails_with(uk, "unknown_country", "country", 422));
  EXPECT_NE(uk.error().message.find("GB"), std::string::npos);
  EXPECT_TRUE(fails_with(normalize_country_code("", "country"), "parameter_missing", "country"));
}

TEST(Country, KnowsTheAssignedCodes) {
  int assigned = 0;
  for (char first = 'A'; first <= 'Z'; ++first) {
    for (char second = 'A'; second <= 'Z'; ++second) {
      if (is_country_code(std::string{first, second})) ++assigned;
    }
  }
  EXPECT_EQ(assigned, 249);  // ISO 3166-1 as of 2023
  EXPECT_TRUE(is_country_code("KE"));
  EXPECT_TRUE(is_country_code("SS"));
  EXPECT_FALSE(is_country_code("ke"));
  EXPECT_FALSE(is_country_code("AN"));  // withdrawn in 2010
  EXPECT_FALSE(is_country_code("EU"));
  EXPECT_FALSE(is_country_code("KEN"));
}

TEST(Contact, ReportsThePrefixedParamOfTheFirstProblem) {
  Contact input = valid_contact();
  input.phone = "+254712345678";
  input.country = "XX";
  EXPECT_TRUE(fails_with(normalize_contact(input, "contacts.billing"), "invalid_phone",
                         "contacts.billing.phone"));
  input.phone = "+254.712345678";
  EXPECT_TRUE(fails_with(normalize_contact(input, "contacts.billing"), "unknown_country",
                         "contacts.billing.country", 422));
  input = valid_contact();
  input.email = "not-an-email";
  EXPECT_TRUE(fails_with(normalize_contact(input, ""), "invalid_email", "email"));
}

}  // namespace
}  // namespace portico::core
