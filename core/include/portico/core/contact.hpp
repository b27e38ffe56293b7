#pragma once

#include <string>
#include <string_view>

#include "portico/core/model.hpp"
#include "portico/core/result.hpp"

// Registrant, admin, tech and billing contacts as partners send them, checked and put in the
// form registries take (EPP, RFC 5733): trimmed text, the e-mail domain in punycode, the phone
// as "+CC.NNNN", the country as an upper-case ISO 3166-1 alpha-2 code.
//
// Required: first_name, last_name, email, phone, address1, city, state, postcode, country
// (DESIGN.md's contact shape; WHMCS-based suppliers refuse a contact without a state).
// Optional: organization, address2. Text fields hold at most 255 characters (postcode 16, as EPP
// allows), valid UTF-8 and no control characters. Messages never repeat what the partner sent:
// contacts are personal data.
//
// Every error carries `param` = param_prefix + "." + the field
// ("contacts.registrant.email"). Codes:
//   400 invalid_request:
//     parameter_missing         a required field is empty
//     parameter_invalid_length  a field is too long
//     invalid_characters        a field holds a control character or is not valid UTF-8
//     invalid_email             not one '@' between a plausible local part and a domain name
//     invalid_phone             not "+CC.NNNN" (spaces and dashes after the dot are tolerated)
//     invalid_country           not two letters
//   422 unprocessable:
//     unknown_country           two letters, but not an assigned ISO 3166-1 alpha-2 code
namespace portico::core {

Result<Contact> normalize_contact(Contact contact, const std::string& param_prefix);

// An e-mail address: "Jane.Doe@Bücher.example" -> "Jane.Doe@xn--bcher-kva.example". The local
// part is a dot-atom (RFC 5322 atext and single dots), at most 64 characters, kept as given;
// the domain goes through normalize_domain_name; at most 254 characters in all.
Result<std::string> normalize_email(std::string_view input, const std::string& param);

// True when normalize_email accepts `email` exactly as given (no surrounding spaces).
bool plausible_email(std::string_view email);

// "+254.712345678", or "+254.712 345-678" -> "+254.712345678": a country calling code of 1-3
// digits, a dot, then 1-14 digits, 15 digits at most in all (E.164).
Result<std::string> normalize_phone(std::string_view input, const std::string& param);

// "ke" -> "KE". Refuses codes that ISO 3166-1 has not assigned.
Result<std::string> normalize_country_code(std::string_view input, const std::string& param);

// True for an assigned upper-case ISO 3166-1 alpha-2 code.
bool is_country_code(std::string_view code);

}  // namespace portico::core
