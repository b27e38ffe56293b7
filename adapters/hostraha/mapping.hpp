#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "portico/core/error.hpp"
#include "portico/core/model.hpp"
#include "portico/core/result.hpp"

#include "hostraha/php_form.hpp"

// Pure conversions between the normalized model and the Domains Reseller wire shapes
// (docs/upstreams/hostraha.md, "Encoding" and "Answers"). Nothing here does I/O.
namespace portico::adapters::hostraha {

// ---- errors ---------------------------------------------------------------------------------

// The normalized error for a supplier's {"error": message}, classified by the contract's table.
// The message itself is never copied: it may name the supplier.
core::Error error_from_message(std::string_view supplier_message);
// 502 upstream_bad_response: a body that is not JSON or JSON of the wrong shape. For a write
// the supplier may have acted, so the outcome is unknown.
core::Error bad_response(bool write);
// The error an answer's HTTP status decides before its body does: 429 is the supplier pacing
// the reseller (503 upstream_rate_limited, nothing done); a 5xx to a write may have come after
// WHMCS acted (the registrar called, the page dying after), whatever its body says, so its
// outcome is unknown. std::nullopt otherwise: the body decides, as the vendor's client does.
std::optional<core::Error> error_from_status(int status, int retry_after_seconds, bool write);
// An action's success: any object without "error", or the bare string "success".
bool is_success(const rapidjson::Value& answer);

// ---- contacts -------------------------------------------------------------------------------

// contacts[<role>][firstname|lastname|companyname|...] at register and transfer.
PhpForm registration_contact(const core::Contact& contact);
// contactdetails[Registrant|Admin|Tech|Billing][First Name|...] (WHMCS keys, with spaces);
// missing roles are the registrant.
PhpForm contact_details(const core::DomainContacts& contacts);
// GET contact: {"Registrant":{"First_Name",...},"Admin":...}; Registrant is required.
core::Result<core::DomainContacts> contacts_from_answer(const rapidjson::Value& answer);

// ---- DNS ------------------------------------------------------------------------------------

// One record as WHMCS keeps it. Records Portico cannot represent (other types, odd addresses)
// travel through a read-modify-write of the zone unchanged, so they are kept in this form.
struct WhmcsRecord {
  std::string hostname;  // relative, "@" for the apex
  std::string type;
  std::string address;   // SRV "weight port target", CAA `flags tag "value"`
  std::string priority;  // MX/SRV priority, else "N/A"
  std::optional<std::int64_t> ttl;

  bool operator==(const WhmcsRecord&) const = default;
};

WhmcsRecord to_whmcs(const core::DnsRecord& record);
// Nothing when the record has a type or an address Portico does not model.
std::optional<core::DnsRecord> from_whmcs(const WhmcsRecord& record);
// GET dns: a list of {"hostname","type","address","priority","ttl"?}.
core::Result<std::vector<WhmcsRecord>> zone_from_answer(const rapidjson::Value& answer);
// dnsrecords[i][hostname|type|address|priority|ttl]: the whole zone.
PhpForm zone_form(const std::vector<WhmcsRecord>& zone);
// Whether two records are the same record: names and host targets compare case-insensitively
// (and without a trailing dot), other values exactly; supplier_ref is ignored.
bool same_record(const core::DnsRecord& a, const core::DnsRecord& b);

// ---- domains --------------------------------------------------------------------------------

// A WHMCS domain status word ("Active", "Pending Transfer", "Redemption", ...) as the nearest
// normalized status.
core::DomainStatus status_from_word(std::string_view word);
// "YYYY-MM-DD" as midnight UTC; nothing for an empty, zero or malformed date.
std::optional<core::TimePoint> date_from_text(std::string_view text);
// GET information. `name` is used when the answer does not repeat the domain.
core::Result<core::Domain> domain_from_information(const rapidjson::Value& answer,
                                                   std::string_view name);
// POST sync: {"active","expired","expirydate","transferredAway"}.
core::Result<core::Domain> domain_from_sync(const rapidjson::Value& answer, std::string_view name);
// POST transfersync: {"completed":true,...}, {"failed":true,...} or {} while pending.
core::Result<core::TransferStatus> transfer_status_from_answer(const rapidjson::Value& answer);
// GET nameservers: {"ns1":...,"ns2":...} (other keys ignored), empty slots skipped.
core::Result<std::vector<std::string>> nameservers_from_answer(const rapidjson::Value& answer);
// GET lock: the bare string "locked" or "unlocked".
core::Result<bool> lock_from_answer(const rapidjson::Value& answer);
// GET eppcode: {"eppcode":"..."}.
core::Result<std::string> auth_code_from_answer(const rapidjson::Value& answer);
// GET email: [{"prefix","forwardto"}...].
core::Result<std::vector<core::EmailForward>> forwards_from_answer(const rapidjson::Value& answer);
// prefix[i], forwardto[i] into `form`.
void add_forwards(PhpForm& form, const std::vector<core::EmailForward>& forwards);

// ---- availability and money -----------------------------------------------------------------

// "150.50", "10", 10 or 10.5 as minor units (two decimals, half away from zero); nothing when
// the value is not a plain decimal.
std::optional<std::int64_t> minor_units(std::string_view decimal);
std::optional<std::int64_t> minor_units(const rapidjson::Value& value);

// POST domains/lookup: [{"sld","tld","status","premiumCostPricing"?}...] keyed by the full
// lowercase name. Premium names carry their price from premiumCostPricing.
core::Result<std::map<std::string, core::DomainAvailability>> availability_from_lookup(
    const rapidjson::Value& answer);

struct TldPrice {
  std::int64_t registration_minor = 0;  // for one year
  std::string currency;
};
// GET tlds/pricing: the one-year registration price per TLD, keyed without the leading dot.
core::Result<std::map<std::string, TldPrice, std::less<>>> prices_from_answer(
    const rapidjson::Value& answer);

// GET billing/credits: the bare string "150.50" (or a number); the currency is not said.
core::Result<core::Money> balance_from_answer(const rapidjson::Value& answer);

}  // namespace portico::adapters::hostraha
