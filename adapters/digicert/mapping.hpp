#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "portico/core/clock.hpp"
#include "portico/core/error.hpp"
#include "portico/core/model.hpp"
#include "portico/core/result.hpp"

// Pure conversions between the normalized model and CertCentral's Services API v2 wire shapes
// (docs/upstreams/digicert.md, "The adapter's mapping"). Nothing here does I/O.
namespace portico::adapters::digicert {

// The validity DigiCert allows for public TLS since 24 Feb 2026, and the default.
inline constexpr int kMaxValidityDays = 199;
// A dcv_random_value stays usable this long when the supplier does not say.
inline constexpr std::chrono::hours kRandomValueLifetime{30 * 24};

// ---- errors ---------------------------------------------------------------------------------

// The first error code of `{"errors":[{"code","message"}]}` or of riboseinc's
// `{"errors":{"code","message"}}`; empty when the body has neither.
std::string supplier_error_code(std::string_view body);

// The normalized error for a non-2xx answer (401/403, 404, 400, 429, 5xx, anything else). The
// supplier's code may appear in the message, its words never do. `write`: the call may have
// changed something, so a 5xx leaves its outcome unknown.
core::Error error_from_reply(int status, std::string_view body, bool write);
// 503 upstream_rate_limited, retry_after_seconds set.
core::Error rate_limited(int retry_after_seconds);
// 404 not_found_at_supplier: the supplier does not know the order (or its certificate).
core::Error not_found_at_supplier();
// 502 upstream_bad_response: an answer that cannot be read; for a write the supplier may have
// acted, so the outcome is unknown.
core::Error bad_response(bool write);

// ---- ordering -------------------------------------------------------------------------------

// Whether any name of the request is a wildcard ("*.", the common name or a SAN).
bool has_wildcard(const core::CertificateRequest& request);

// The product_name_id for a request: DV, DV wildcard, OV one / several names / wildcard, EV one
// / several names. Nothing for an EV wildcard (no such product).
std::optional<std::string_view> product_for(const core::CertificateRequest& request);

// dns -> dns-txt-token, http -> http-token, email -> email.
std::string_view dcv_method_name(core::DcvMethod method);
// The reverse; dns-cname-token is read as dns too. Nothing for another word.
std::optional<core::DcvMethod> dcv_method_from_name(std::string_view name);

// The domain a name proves control of: the name without a leading "*.".
std::string domain_of(std::string_view name);

// POST /order/certificate/{product}: certificate (common_name, every name in dns_names, csr,
// sha256, server_platform -1), organization only when `organization_id` is set (OV/EV),
// order_validity.days (199 when the request leaves it to the supplier), dcv_method,
// skip_approval, payment_method balance, renewal_of_order_id for a renewal of a numeric order.
std::string order_body(const core::CertificateRequest& request,
                       std::optional<std::int64_t> organization_id);
// POST /order/certificate/{id}/reissue: the certificate block, dcv_method, skip_approval.
std::string reissue_body(const core::CertificateRequest& request);
// POST /organization: name, address, address2, zip, city, state, country (lowercase), telephone,
// organization_contact.
std::string organization_body(const core::CertificateOrganization& organization);
// 201 {"id":N}.
core::Result<std::int64_t> organization_id_from_answer(const rapidjson::Value& answer);
// PUT /order/certificate/{id}/status.
std::string cancel_body();
// PUT /certificate/{id}/revoke.
std::string revoke_body();

// ---- answers --------------------------------------------------------------------------------

// What the order POST (and the reissue POST) answered.
struct OrderPlaced {
  std::string order_id;
  std::string dcv_random_value;  // empty when the answer lacks it
  std::string certificate_id;    // immediate issuance only
  std::string certificate_pem;   // immediate issuance only: the leaf, "\n" line ends
  std::string chain_pem;         // the rest of certificate_chain, normalized the same way
  bool issued() const { return !certificate_pem.empty(); }
};
// 201 {"id","requests":[...],"dcv_random_value"?} or, issued at once,
// {"id","certificate_id","certificate_chain":[{"subject_common_name","pem"}...]} (CRLF PEMs).
core::Result<OrderPlaced> order_from_answer(const rapidjson::Value& answer);

// PUT /order/certificate/{id}/dcv-random-value: {"dcv_random_value","expiration_date"?}.
struct RandomValue {
  std::string value;
  std::optional<core::TimePoint> expires_at;
};
core::Result<RandomValue> random_value_from_answer(const rapidjson::Value& answer);

// GET /order/certificate/{id}, the fields the adapter uses.
struct OrderInfo {
  std::string order_id;
  std::string status;          // raw
  std::string certificate_id;  // empty when the answer has none
  std::string common_name;
  std::vector<std::string> dns_names;
  std::optional<core::DcvMethod> dcv_method;
};
core::Result<OrderInfo> order_info_from_answer(const rapidjson::Value& answer);

// GET /order/certificate: the list, newest first, of the orders whose common name is
// `common_name` (filters[common_name], sort=-date_created, offset, limit), query escaped.
std::string order_list_target(std::string_view common_name, std::int64_t offset,
                              std::int64_t limit);

// One order of the list, the fields find_order matches on.
struct ListedOrder {
  std::string order_id;
  std::string common_name;  // lowercase, as in OrderInfo
  std::vector<std::string> dns_names;
  std::string product;                        // product.name_id; empty when the row has none
  std::optional<core::TimePoint> created_at;  // date_created; nothing when unreadable
};
struct OrderPage {
  std::vector<ListedOrder> orders;
  std::int64_t total = 0;  // page.total: orders matching the filters, all pages
};
// {"orders":[...],"page":{"total","limit","offset"}}. A row without an id, or an answer
// without the orders array, is upstream_bad_response; a missing page counts this page only.
core::Result<OrderPage> order_page_from_answer(const rapidjson::Value& answer);

// The contract's status map. needs_approval and pending are pending_validation while a name is
// not validated (reissue_pending too: a reissue waits for DCV like a new order), else
// pending_issuance; waiting_pickup, processing, approved and any unknown word are
// pending_issuance; issued, rejected (failed), revoked, canceled and expired are themselves.
core::CertificateStatus status_from_order(std::string_view status, bool every_name_validated);

// What PUT check-dcv answered, in either documented style.
struct DcvCheck {
  std::string order_status;  // empty when not said
  std::string dcv_status;    // "valid" once every name passed
  std::string certificate_id;
  // Per name (lowercase), as dns_name_validations lists them: "approved", "pending", ...
  std::map<std::string, std::string> name_statuses;
  // Set when the older style's 400 said the token was not found: the code, and every name
  // not yet validated stays pending with a detail.
  std::string failure_code;
};
// 200 {"order_status","dcv_status","certificate_id"?,"dns_name_validations"?}.
core::Result<DcvCheck> dcv_check_from_answer(const rapidjson::Value& answer);
// A 400 whose code means "token not found yet" (invalid_dns_txt, file_random_value_not_found):
// a check that found nothing, not a failure of the call. Nothing for any other code.
std::optional<DcvCheck> dcv_check_from_error(std::string_view code);

// Applies a check to the validations: names approved become valid (validated_at = now), names
// reported pending (or not found, or unnamed while dcv_status is not valid) stay pending with a
// detail in our words, names rejected are invalid, and when dcv_status is valid every name is.
// A valid validation stays valid.
void apply_dcv_check(const DcvCheck& check, std::vector<core::CertificateValidation>& validations,
                     core::TimePoint now);

// ---- validations ----------------------------------------------------------------------------

// What to publish for `name`: dns: TXT `_dnsauth.<domain>` = token; http: the token as the body
// of http://<name>/.well-known/pki-validation/fileauth.txt; email: the five constructed
// addresses of the domain.
core::DcvInstructions instructions_for(std::string_view name, core::DcvMethod method,
                                       std::string_view random_value);

// One pending validation per name, in order, each with its instructions.
std::vector<core::CertificateValidation> pending_validations(const std::vector<std::string>& names,
                                                             core::DcvMethod method,
                                                             const RandomValue& token);

// ---- certificates ---------------------------------------------------------------------------

struct Pems {
  std::string certificate_pem;  // the leaf
  std::string chain_pem;        // intermediates and root, in the supplier's order
};
// pem_all (leaf, intermediate, root; CRLF tolerated) split with core::pki::split_pem_chain.
// upstream_bad_response when it holds no certificate or a block that does not parse.
core::Result<Pems> split_pem_all(std::string_view pem_all);

}  // namespace portico::adapters::digicert
