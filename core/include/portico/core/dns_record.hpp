#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "portico/core/model.hpp"
#include "portico/core/result.hpp"

// DNS records as partners send them (DESIGN.md "DNS record"), checked per type and put in one
// canonical form so that two spellings of a record compare equal.
//
// Canonical form:
//   name   relative to the zone, lowercase, punycode; "@" for the apex; a leading "*" label for
//          wildcards; underscores allowed ("_dmarc", "_sip._tcp"). "www.example.com." and
//          "www.example.com" in zone example.com both become "www"; a name that would still
//          end in the zone once made relative (example.com.example.com) is refused as ambiguous.
//   ttl    60..86400 seconds.
//   value  A: dotted-quad IPv4. AAAA: RFC 5952 IPv6. CNAME, MX, NS, SRV: a fully qualified host
//          name (normalize_host_name), no trailing dot; "@" stands for the zone itself; MX and SRV
//          also take "." (RFC 7505 null MX, RFC 2782 "no service"). TXT: the text between one
//          optional pair of surrounding double quotes, escapes (\" and \\) kept as written so
//          that normalizing twice changes nothing; at most 2048 bytes. CAA: the value without
//          quotes; for issue/issuewild the issuer domain is lowercased.
//   tag    CAA only: issue, issuewild or iodef, lowercase.
// Fields a type does not use (priority on an A record, tag on MX...) must be absent: an empty
// `tag` counts as absent.
//
// Every error carries `param` = param_prefix + "." + the field ("records.value"). Codes:
//   400 invalid_request:
//     parameter_missing       a field the type needs is absent (value, MX/SRV priority, SRV
//                             weight and port, CAA flags and tag)
//     parameter_not_allowed   a field the type does not use is present
//     invalid_record_name     the name is not a DNS name, "*" is not the whole first label,
//                             or the name holds the zone twice
//     invalid_srv_name        an SRV name does not start with _service._proto
//     invalid_ipv4_address    A value
//     invalid_ipv6_address    AAAA value
//     invalid_host_name       CNAME, MX, NS or SRV target
//     invalid_txt_value       TXT value: control character, invalid UTF-8, an unescaped inner
//                             quote, a dangling backslash, or longer than 2048 bytes
//     invalid_caa_tag         CAA tag with characters other than letters and digits
//     invalid_caa_value       CAA value: not printable ASCII, holds a double quote, a bad
//                             issuer domain, or an iodef that is not a mailto: or http(s): URL
//   422 unprocessable (well formed, but not usable):
//     record_name_outside_zone  an absolute name (ending in '.') not inside the zone
//     cname_at_apex             a CNAME at "@": the apex has SOA and NS records
//     ttl_out_of_range          ttl outside 60..86400
//     priority_out_of_range     MX/SRV priority outside 0..65535
//     weight_out_of_range       SRV weight outside 0..65535
//     port_out_of_range         SRV port outside 0..65535
//     flags_out_of_range        CAA flags outside 0..255
//     unsupported_caa_tag       a CAA tag other than issue, issuewild and iodef
namespace portico::core {

inline constexpr std::int64_t kMinDnsTtl = 60;
inline constexpr std::int64_t kMaxDnsTtl = 86400;
inline constexpr std::size_t kMaxTxtLength = 2048;

// Checks and canonicalizes `record` for `zone`, a name normalize_domain_name accepted.
// `supplier_ref` passes through untouched.
Result<DnsRecord> normalize_dns_record(DnsRecord record, std::string_view zone,
                                       const std::string& param_prefix);

// The identity of a normalized record: type, name, value and the fields its type uses (not the
// ttl, not supplier_ref). Equal records after normalization give equal fingerprints; the text
// is unambiguous (lengths prefix the strings) but otherwise opaque.
std::string dns_record_fingerprint(const DnsRecord& record);

}  // namespace portico::core
