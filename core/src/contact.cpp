#include "portico/core/contact.hpp"

#include <array>
#include <cstddef>

#include "portico/core/domain_name.hpp"

#include "validation_support.hpp"

namespace portico::core {

namespace {

using validation::join_param;
using validation::subject;

constexpr std::size_t kMaxTextLength = 255;  // EPP postalLineType and contact names
constexpr std::size_t kMaxPostcodeLength = 16;
constexpr std::size_t kMaxEmailLength = 254;
constexpr std::size_t kMaxLocalPartLength = 64;
constexpr std::size_t kMaxPhoneDigits = 15;  // E.164

// The officially assigned ISO 3166-1 alpha-2 codes, two letters each, sorted.
constexpr std::string_view kCountryCodes =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZ"
    "BABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZ"
    "CACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZ"
    "DEDJDKDMDODZ"
    "ECEEEGEHERESET"
    "FIFJFKFMFOFR"
    "GAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGY"
    "HKHMHNHRHTHU"
    "IDIEILIMINIOIQIRISIT"
    "JEJMJOJP"
    "KEKGKHKIKMKNKPKRKWKYKZ"
    "LALBLCLILKLRLSLTLULVLY"
    "MAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZ"
    "NANCNENFNGNINLNONPNRNUNZ"
    "OM"
    "PAPEPFPGPHPKPLPMPNPRPSPTPWPY"
    "QA"
    "RERORSRURW"
    "SASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZ"
    "TCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZ"
    "UAUGUMUSUYUZ"
    "VAVCVEVGVIVNVU"
    "WFWS"
    "YEYT"
    "ZAZMZW";

// RFC 5322 atext: what an unquoted local part may hold besides letters, digits and dots.
bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || validation::is_digit(c)) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// Trims `value` in place and checks it as free text. Empty optional fields pass.
std::optional<Error> check_text_field(std::string& value, const std::string& param, bool required,
                                      std::size_t max_length) {
  value = std::string(validation::trim(value));
  if (value.empty()) {
    if (!required) return std::nullopt;
    return Error::invalid_request("parameter_missing", "'" + param + "' is required.", param);
  }
  std::size_t length = 0;
  switch (validation::check_text(value, &length)) {
    case validation::TextProblem::invalid_utf8:
      return Error::invalid_request("invalid_characters",
                                    "'" + param + "' is not valid UTF-8 text.", param);
    case validation::TextProblem::control_character:
      return Error::invalid_request(
          "invalid_characters",
          "'" + param +
              "' holds a control character (such as a line break or a tab); give it "
              "on one line.",
          param);
    case validation::TextProblem::none:
      break;
  }
  if (length > max_length) {
    return Error::invalid_request(
        "parameter_invalid_length",
        "'" + param + "' must be at most " + std::to_string(max_length) + " characters long.",
        param);
  }
  return std::nullopt;
}

Error invalid_email(const std::string& param, const std::string& problem) {
  return Error::invalid_request("invalid_email",
                                subject(param, "The e-mail address") +
                                    " is not an e-mail address: " + problem +
                                    ". Expected an address such as jane@example.com.",
                                param);
}

}  // namespace

Result<std::string> normalize_email(std::string_view input, const std::string& param) {
  const std::string_view text = validation::trim(input);
  if (text.empty()) {
    return Error::invalid_request("parameter_missing",
                                  subject(param, "The e-mail address") + " is required.", param);
  }
  if (text.size() > kMaxEmailLength)
    return invalid_email(param, "it is longer than 254 characters");
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos) return invalid_email(param, "it has no '@'");
  if (text.find('@', at + 1) != std::string_view::npos) {
    return invalid_email(param, "it has more than one '@'");
  }
  const std::string_view local = text.substr(0, at);
  const std::string_view domain = text.substr(at + 1);
  if (local.empty()) return invalid_email(param, "nothing comes before the '@'");
  if (local.size() > kMaxLocalPartLength) {
    return invalid_email(param, "the part before the '@' is longer than 64 characters");
  }
  for (const char c : local) {
    if (c != '.' && !is_atext(c)) {
      return invalid_email(param,
                           "the part before the '@' holds a space, a control character, a "
                           "non-ASCII character or one of \"(),:;<>[\\]");
    }
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return invalid_email(param,
                         "the part before the '@' starts or ends with a dot, or has two "
                         "dots in a row");
  }
  if (domain.empty()) return invalid_email(param, "nothing comes after the '@'");
  auto normalized_domain = normalize_domain_name(domain, param);
  if (!normalized_domain) {
    return invalid_email(param, "the part after the '@' is not a domain name");
  }
  std::string email(local);
  email += '@';
  email += *normalized_domain;
  if (email.size() > kMaxEmailLength) {
    return invalid_email(param, "it is longer than 254 characters once the domain is in punycode");
  }
  return email;
}

bool plausible_email(std::string_view email) {
  if (email.empty() || validation::is_space(email.front()) || validation::is_space(email.back())) {
    return false;
  }
  return normalize_email(email, {}).ok();
}

Result<std::string> normalize_phone(std::string_view input, const std::string& param) {
  const std::string_view text = validation::trim(input);
  const std::string who = subject(param, "The phone number");
  if (text.empty())
    return Error::invalid_request("parameter_missing", who + " is required.", param);
  const auto invalid = [&](const std::string& problem) {
    return Error::invalid_request(
        "invalid_phone",
        who + " " + problem +
            ". Expected \"+CC.NNNN\": '+', the country calling code, a dot, then the number, "
            "as in \"+254.712345678\".",
        param);
  };
  if (text.front() != '+') return invalid("does not start with '+' and the country calling code");
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    return invalid("has no dot between the country calling code and the number");
  }
  const std::string_view country_code = text.substr(1, dot - 1);
  if (country_code.empty() || country_code.size() > 3 || !validation::all_digits(country_code) ||
      country_code.front() == '0') {
    return invalid("does not have a country calling code of 1 to 3 digits before the dot");
  }
  std::string number;
  for (const char c : text.substr(dot + 1)) {
    if (validation::is_digit(c)) {
      number += c;
    } else if (c != ' ' && c != '-') {
      return invalid("holds something other than digits, spaces or dashes after the dot");
    }
  }
  if (number.empty()) return invalid("has no number after the dot");
  if (country_code.size() + number.size() > kMaxPhoneDigits) {
    return invalid("has more than 15 digits in all");
  }
  return "+" + std::string(country_code) + "." + number;
}

bool is_country_code(std::string_view code) {
  if (code.size() != 2) return false;
  for (std::size_t i = 0; i < kCountryCodes.size(); i += 2) {
    if (kCountryCodes.substr(i, 2) == code) return true;
  }
  return false;
}

Result<std::string> normalize_country_code(std::string_view input, const std::string& param) {
  const std::string_view text = validation::trim(input);
  const std::string who = subject(param, "The country");
  if (text.empty())
    return Error::invalid_request("parameter_missing", who + " is required.", param);
  std::string code;
  for (const char c : text)
    code += validation::to_upper(c);
  if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') {
    return Error::invalid_request(
        "invalid_country", who + " must be an ISO 3166-1 alpha-2 code: two letters, such as KE.",
        param);
  }
  if (!is_country_code(code)) {
    std::string message = who + " is not an assigned ISO 3166-1 alpha-2 code";
    if (code == "UK") message += "; the United Kingdom is GB";
    return Error::unprocessable("unknown_country", message + ".", param);
  }
  return code;
}

Result<Contact> normalize_contact(Contact contact, const std::string& param_prefix) {
  struct TextField {
    std::string* value;
    const char* name;
    bool required;
    std::size_t max_length;
  };
  // Free text first, then the structured fields; the first error found is the one reported.
  const std::array<TextField, 8> text_fields{{
      {&contact.first_name, "first_name", true, kMaxTextLength},
      {&contact.last_name, "last_name", true, kMaxTextLength},
      {&contact.organization, "organization", false, kMaxTextLength},
      {&contact.address1, "address1", true, kMaxTextLength},
      {&contact.address2, "address2", false, kMaxTextLength},
      {&contact.city, "city", true, kMaxTextLength},
      {&contact.state, "state", true, kMaxTextLength},
      {&contact.postcode, "postcode", true, kMaxPostcodeLength},
  }};
  for (const TextField& field : text_fields) {
    const std::string param = join_param(param_prefix, field.name);
    if (auto error = check_text_field(*field.value, param, field.required, field.max_length)) {
      return *std::move(error);
    }
  }

  auto email = normalize_email(contact.email, join_param(param_prefix, "email"));
  if (!email) return std::move(email).error();
  contact.email = std::move(email).value();

  auto phone = normalize_phone(contact.phone, join_param(param_prefix, "phone"));
  if (!phone) return std::move(phone).error();
  contact.phone = std::move(phone).value();

  auto country = normalize_country_code(contact.country, join_param(param_prefix, "country"));
  if (!country) return std::move(country).error();
  contact.country = std::move(country).value();
  return contact;
}

}  // namespace portico::core
