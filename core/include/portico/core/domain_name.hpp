#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "portico/core/result.hpp"

// Domain and host names as partners send them, normalized before anything reaches a supplier:
// trimmed, lowercase, without the trailing dot, internationalized names as punycode (IDNA2008
// with UTS #46 non-transitional mapping, so "faß.de" is xn--fa-hia.de, not fass.de).
//
// `param` names the offending request field in errors ("contacts.registrant.email",
// "nameservers[1]"); messages name it too, and never echo more than one short label.
//
// Error codes (all Error::invalid_request, HTTP 400):
//   invalid_domain_name  normalize_domain_name refused the input
//   invalid_host_name    normalize_host_name refused the input
//   invalid_name_server  normalize_name_server refused the input
// The message says what was wrong: empty, a space or control character, not UTF-8, a
// character IDNA2008 forbids, an empty label, a label over 63 characters, a character outside
// the label alphabet, a hyphen at either end of a label, "--" in positions 3-4 outside a valid
// xn-- label, over 253 characters, a single label, an all-digit last label (or an IP address).
namespace portico::core {

// A name a partner registers, transfers or manages: labels of a-z, 0-9 and hyphens, at least
// two labels, the last one not all digits.
Result<std::string> normalize_domain_name(std::string_view input, std::string param);

// A host a DNS record points at: CNAME, MX, NS and SRV targets. As a domain name, except that
// labels other than the last may hold underscores, because real targets do
// (_acme-challenge.example.net for delegated ACME validation, s1._domainkey.example.com for
// DKIM). "@" and "." are not host names here; dns_record.hpp gives them meaning.
Result<std::string> normalize_host_name(std::string_view input, std::string param);

// A name server of a domain: a registry host object, so letters, digits and hyphens only (EPP
// host names follow RFC 952/1123 and registries refuse underscores). Otherwise as
// normalize_host_name.
Result<std::string> normalize_name_server(std::string_view input, std::string param);

// The Unicode form of a normalized name for display: "xn--bcher-kva.de" -> "bücher.de".
// Returns the input unchanged when it holds no xn-- label or does not decode under IDNA2008.
std::string unicode_domain_name(std::string_view ascii);

// Dotted-quad IPv4, exactly four decimal parts 0..255 without leading zeros.
bool is_ipv4(std::string_view text);

// The canonical text (RFC 5952: lowercase, longest zero run compressed) of an IPv6 address, or
// nullopt when `text` is not one. Zone ids ("%eth0") are refused.
std::optional<std::string> normalize_ipv6(std::string_view text);

}  // namespace portico::core
