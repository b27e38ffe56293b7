#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "portico/core/clock.hpp"
#include "portico/core/error.hpp"
#include "portico/core/model.hpp"
#include "portico/core/result.hpp"

// Pure conversions between the normalized model and SSLCI's wire shapes
// (docs/upstreams/sslci.md). Nothing here does I/O.
namespace portico::adapters::sslci {

// A verified name can be finalized for 29 days [D]; a never verified order is dropped after 7
// (Let's Encrypt's pending-authorization lifetime) [I].
constexpr std::chrono::hours kVerificationLifetime{29 * 24};
constexpr std::chrono::hours kPendingOrderLifetime{7 * 24};
constexpr int kValidityDays = 90;  // ACME certificates, fixed
constexpr int kMaxNames = 100;     // Let's Encrypt's limit per certificate

// ---- answers and errors ---------------------------------------------------------------------

// An answer succeeded only when it is an object whose `status` is the boolean true.
bool is_success(const rapidjson::Value& answer);
// Whether the answer is an object with a boolean `status` (true or false): anything else is
// not an SSLCI answer at all.
bool has_boolean_status(const rapidjson::Value& answer);
// The supplier's words of a failure: `message`, else `error`; empty when neither is a string.
std::string failure_message(const rapidjson::Value& answer);

// The normalized error for a failed call, by HTTP status (a 2xx with status false counts as a
// 400). The supplier's words are never copied: they may name the supplier. A 5xx to a call that
// may have changed something (`write`) leaves the outcome unknown.
core::Error error_for_status(int http_status, bool write);
// 502 upstream_bad_response: a body that is not JSON, or JSON without a boolean `status` or
// without the fields a success needs. For a write the supplier may have acted.
core::Error bad_response(bool write);

// ---- challenge ------------------------------------------------------------------------------

std::string_view method_name(core::DcvMethod method);  // "http" or "dns" (email: "")
// "_acme-challenge.<name without a leading '*.'>" (RFC 8555 section 8.4).
std::string dns_record_name(std::string_view name);
// The dns-01 TXT value: base64url(SHA-256(key authorization)), unpadded, 43 characters.
std::string dns_txt_value(std::string_view key_authorization);

// The answer to POST {"domain","method"} as the validation of `name` by `method`: pending, its
// order_id as supplier_ref, with what to publish. dns answers may lack record/type/value; they
// are computed from `content` as the contract says. Errors: bad_response(true).
core::Result<core::CertificateValidation> validation_from_challenge(const rapidjson::Value& answer,
                                                                    std::string_view name,
                                                                    core::DcvMethod method);

// ---- list -----------------------------------------------------------------------------------

struct ListedCertificate {
  std::int64_t crt_id = 0;
  std::vector<std::string> domains;  // lowercase, in the supplier's order
  std::optional<core::TimePoint> added_at;
  std::optional<core::TimePoint> ends_at;
};

struct ListedOrder {
  std::int64_t order_id = 0;
  std::vector<std::string> domains;
  std::string status;  // as the supplier spelled it
};

struct Listing {
  std::vector<ListedCertificate> certificates;
  std::vector<ListedOrder> pending_orders;

  const ListedCertificate* certificate(std::int64_t crt_id) const;
  const ListedOrder* order(std::int64_t order_id) const;
};

// `domains` as names: a string split on commas and whitespace ("a.com, b.com"), or an array of
// strings; lowercased, empty pieces dropped.
std::optional<std::vector<std::string>> domains_of(const rapidjson::Value& value);
// GET: {"status":true,"certificates":[...],"pending_orders":[...]}. A missing or null list is
// empty. Ids and times may be numbers or numeric strings. Errors: bad_response(false).
core::Result<Listing> listing_from_answer(const rapidjson::Value& answer);

// An order row's status word as the validation's status: pending -> pending,
// verified/valid -> valid, invalid/failed -> invalid, expired -> expired; unknown words are
// still pending (case-insensitive).
core::DcvStatus dcv_status_from_word(std::string_view word);

// The crt_ids of the certificates for `names` (compared as sets, case-insensitively) added at
// or after `since` (the list dates to the second: `since` is taken down to one).
std::vector<std::int64_t> certificates_added_since(const Listing& listing,
                                                   const std::vector<std::string>& names,
                                                   core::TimePoint since);
// The crt_id of the certificate for `names` (compared as sets, case-insensitively) whose
// end_time is `valid_to` (any end when nullopt), newest add_time first.
std::optional<std::int64_t> find_certificate_id(const Listing& listing,
                                                const std::vector<std::string>& names,
                                                std::optional<core::TimePoint> valid_to);

// The order ids of certificate supplier_refs ("42,43"), every piece that is an id.
std::set<std::int64_t> order_ids_of(const std::vector<std::string>& supplier_refs);
// The pending order of exactly `name` (compared case-insensitively) with the highest
// order_id not among `excluded`; nullptr when there is none.
const ListedOrder* newest_order_for(const Listing& listing, std::string_view name,
                                    const std::set<std::int64_t>& excluded);

// ---- confirm --------------------------------------------------------------------------------

// PUT answers {"status":true,"verified":true}; a missing `verified` counts as passed.
bool verified_from_confirm(const rapidjson::Value& answer);

// ---- finalize -------------------------------------------------------------------------------

struct Issued {
  std::string certificate_pem;         // crt
  std::string chain_pem;               // ca: intermediate then root
  std::string private_key_pem;         // key
  std::optional<std::int64_t> crt_id;  // only when the supplier includes it
  std::optional<core::TimePoint> valid_from;
  std::optional<core::TimePoint> valid_to;
};

// The finalize answer: key, crt and ca (a string or an array of strings) are required and
// must hold PEM blocks; details are optional. Errors: bad_response(true) (the certificate may
// exist).
core::Result<Issued> issued_from_finalize(const rapidjson::Value& answer);

// PEM text with "\n" line ends, every END line followed by a newline.
std::string normalize_pem(std::string_view text);
// details' "YYYY-MM-DD HH:MM:SS" in UTC (an RFC 3339 time is accepted too).
std::optional<core::TimePoint> parse_details_time(std::string_view text);

// ---- handles --------------------------------------------------------------------------------

// A decimal id as SSLCI sends it (a number or a numeric string); nothing for anything else.
std::optional<std::int64_t> parse_id(std::string_view text);
// The certificate's supplier_ref: its validations' order ids joined by commas ("42,43"),
// validations without one left out.
std::string joined_order_ids(const std::vector<core::CertificateValidation>& validations);

}  // namespace portico::adapters::sslci
