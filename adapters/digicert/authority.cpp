#include "digicert/authority.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <utility>

#include "portico/core/json.hpp"
#include "portico/core/text.hpp"

namespace portico::adapters::digicert {

namespace {

using core::Certificate;
using core::CertificateStatus;
using core::CertificateValidation;
using core::DcvMethod;
using core::DcvStatus;
using core::Operation;

constexpr int kMaxNames = 250;
constexpr int kMinValidityDays = 1;
// find_order: orders dated this much before `since` still count (clocks differ) [I].
constexpr std::chrono::minutes kClockSkew{5};
// The most one page of the order list holds [D], and the pages read: newest first, the rows
// beyond 5000 orders of one common name are older than any order of the last minutes.
constexpr std::int64_t kListLimit = 1000;
constexpr int kMaxListPages = 5;

core::Error unknown_outcome(core::Error error) {
  error.outcome_unknown = true;
  return error;
}

// Supplier refs are DigiCert's numeric ids; anything else would address another route.
bool is_id(std::string_view ref) {
  return !ref.empty() && ref.size() <= 20 &&
         std::all_of(ref.begin(), ref.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// Numerically, for ids of any length (decimal, as is_id accepts them).
bool id_below(std::string_view a, std::string_view b) {
  const auto significant = [](std::string_view id) {
    return id.substr(std::min(id.find_first_not_of('0'), id.size()));
  };
  a = significant(a);
  b = significant(b);
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

std::string order_path(const std::string& order_id) {
  return "/order/certificate/" + order_id;
}

bool every_valid(const std::vector<CertificateValidation>& validations) {
  return !validations.empty() &&
         std::all_of(validations.begin(), validations.end(),
                     [](const CertificateValidation& v) { return v.status == DcvStatus::valid; });
}

bool has_token(const CertificateValidation& validation) {
  switch (validation.method) {
    case DcvMethod::dns:
      return !validation.instructions.record_value.empty();
    case DcvMethod::http:
      return !validation.instructions.content.empty();
    case DcvMethod::email:
      return true;  // the supplier mails the approval link; nothing to publish
  }
  return true;
}

bool needs_token(const CertificateValidation& validation, core::TimePoint now) {
  if (validation.status == DcvStatus::valid || validation.method == DcvMethod::email) return false;
  const bool expired = validation.expires_at && *validation.expires_at <= now;
  return !has_token(validation) || expired || validation.status == DcvStatus::expired;
}

void mark_all_valid(std::vector<CertificateValidation>& validations, core::TimePoint now) {
  for (auto& validation : validations) {
    validation.status = DcvStatus::valid;
    validation.detail.clear();
    if (!validation.validated_at) validation.validated_at = now;
  }
}

// An order's names (order info or a list row): the common name, then dns_names, each once.
template <typename Order>
std::vector<std::string> names_of(const Order& order) {
  std::vector<std::string> names;
  if (!order.common_name.empty()) names.push_back(order.common_name);
  for (const auto& name : order.dns_names) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

std::set<std::string> name_set(const std::vector<std::string>& names) {
  std::set<std::string> out;
  for (const auto& name : names)
    out.insert(core::text::lowercase(name));
  return out;
}

bool success(int status) {
  return status >= 200 && status < 300;
}

}  // namespace

Authority::Authority(Client client, const core::Clock& clock, Settings settings)
    : client_(std::move(client)), clock_(clock), settings_(settings) {
  capabilities_.operations = {Operation::ssl_order,   Operation::ssl_info,  Operation::ssl_verify,
                              Operation::ssl_reissue, Operation::ssl_renew, Operation::ssl_cancel,
                              Operation::ssl_revoke};
  capabilities_.certificate_types = {core::CertificateType::dv, core::CertificateType::ov,
                                     core::CertificateType::ev};
  capabilities_.dcv_methods = {DcvMethod::dns, DcvMethod::http, DcvMethod::email};
  capabilities_.wildcard = true;
  capabilities_.max_names = kMaxNames;
  capabilities_.accepts_csr = true;
  capabilities_.min_validity_days = kMinValidityDays;
  capabilities_.max_validity_days = kMaxValidityDays;
}

// ---- helpers --------------------------------------------------------------------------------

std::optional<core::Error> Authority::check_request(const core::CertificateRequest& request) const {
  const auto names = request.names();
  if (names.size() > static_cast<std::size_t>(kMaxNames)) {
    return core::Error::unprocessable("too_many_names",
                                      "A certificate can cover at most 250 names.", "san_names");
  }
  if (request.type == core::CertificateType::ev && has_wildcard(request)) {
    return core::Error::unprocessable("unsupported_certificate",
                                      "Extended validation certificates cannot cover wildcards.",
                                      "common_name");
  }
  if (has_wildcard(request) && request.dcv_method == DcvMethod::http) {
    return core::Error::unprocessable(
        "unsupported_dcv_method",
        "A file proves one host only: validate wildcards by dns or email.", "dcv_method");
  }
  if (request.validity_days != 0 &&
      (request.validity_days < kMinValidityDays || request.validity_days > kMaxValidityDays)) {
    return core::Error::unprocessable("invalid_validity", "The validity must be 1 to 199 days.",
                                      "validity_days");
  }
  if (request.csr.empty()) {
    return core::Error::unprocessable("csr_required", "A CSR is required.", "csr");
  }
  return std::nullopt;
}

core::Async<std::optional<std::int64_t>> Authority::organization_for(
    const core::CertificateRequest& request) {
  using Id = std::optional<std::int64_t>;
  if (request.type == core::CertificateType::dv) co_return Id{};
  if (!request.organization) {
    if (settings_.organization_id <= 0) {
      co_return core::Error::unprocessable(
          "organization_required", "OV and EV certificates need an organization.", "organization");
    }
    co_return Id(settings_.organization_id);
  }
  // DigiCert answers the existing organization's id for a matching one (de-duplication, no
  // skip_duplicate_org_check sent): creating it twice creates one.
  auto answer = co_await client_.json("POST", "/organization",
                                      organization_body(*request.organization), Effect::idempotent);
  if (!answer.ok()) co_return std::move(answer).error();
  auto id = organization_id_from_answer(*answer);
  if (!id.ok()) co_return unknown_outcome(std::move(id).error());
  co_return Id(*id);
}

core::Async<RandomValue> Authority::random_value(const std::string& order_id) {
  auto answer =
      co_await client_.json("PUT", order_path(order_id) + "/dcv-random-value", {}, Effect::read);
  if (!answer.ok()) co_return std::move(answer).error();
  auto token = random_value_from_answer(*answer);
  if (!token.ok()) co_return std::move(token).error();
  if (!token->expires_at) token->expires_at = clock_.now() + kRandomValueLifetime;
  co_return std::move(token).value();
}

core::Async<core::Ok> Authority::ensure_tokens(Certificate& certificate) {
  const core::TimePoint now = clock_.now();
  const auto needing = [now](const CertificateValidation& v) { return needs_token(v, now); };
  if (std::none_of(certificate.validations.begin(), certificate.validations.end(), needing)) {
    co_return core::Ok{};
  }
  auto token = co_await random_value(certificate.supplier_ref);
  if (!token.ok()) co_return std::move(token).error();
  for (auto& validation : certificate.validations) {
    if (!needing(validation)) continue;
    validation.instructions = instructions_for(validation.name, validation.method, token->value);
    validation.expires_at = token->expires_at;
    validation.status = DcvStatus::pending;
  }
  co_return core::Ok{};
}

core::Async<OrderInfo> Authority::order_info(const std::string& order_id) {
  auto answer = co_await client_.json("GET", order_path(order_id), {}, Effect::read);
  if (!answer.ok()) co_return std::move(answer).error();
  co_return order_info_from_answer(*answer);
}

core::Async<core::Ok> Authority::settle(Certificate& certificate, const std::string& status,
                                        const std::string& certificate_id) {
  const CertificateStatus next = status_from_order(status, every_valid(certificate.validations));
  if (next == CertificateStatus::issued) {
    if (certificate_id.empty()) co_return bad_response(false);
    // certificate_ref always names the certificate whose PEM is held: a reissue's new id, or a
    // PEM lost on the way, means a download.
    if (certificate_id != certificate.certificate_ref || certificate.certificate_pem.empty()) {
      auto pem_all =
          co_await client_.text("/certificate/" + certificate_id + "/download/format/pem_all");
      if (!pem_all.ok()) co_return std::move(pem_all).error();
      auto pems = split_pem_all(*pem_all);
      if (!pems.ok()) co_return std::move(pems).error();
      certificate.certificate_pem = std::move(pems->certificate_pem);
      certificate.chain_pem = std::move(pems->chain_pem);
      certificate.certificate_ref = certificate_id;
    }
    mark_all_valid(certificate.validations, clock_.now());
  }
  certificate.supplier_status = status;
  certificate.status = next;
  certificate.detail = next == CertificateStatus::failed ? "The supplier rejected the order." : "";
  if (next == CertificateStatus::pending_validation) {
    auto tokens = co_await ensure_tokens(certificate);
    if (!tokens.ok()) co_return std::move(tokens).error();
  }
  co_return core::Ok{};
}

core::Async<Certificate> Authority::with_order_info(Certificate certificate,
                                                    const OrderInfo& info) {
  if (certificate.validations.empty()) {
    // The gateway lost (or never had) the per-name view: rebuild it from the order.
    certificate.validations =
        pending_validations(names_of(info), info.dcv_method.value_or(DcvMethod::dns), {});
  }
  auto settled = co_await settle(certificate, info.status, info.certificate_id);
  if (!settled.ok()) co_return std::move(settled).error();
  co_return certificate;
}

// ---- the port -------------------------------------------------------------------------------

core::Async<Certificate> Authority::order(const core::CertificateRequest& request) {
  if (auto invalid = check_request(request)) co_return *invalid;
  const auto product = product_for(request);
  if (!product) co_return core::Error::internal("No product fits the certificate request.");

  auto organization = co_await organization_for(request);
  if (!organization.ok()) co_return std::move(organization).error();

  // Sent once. Whatever happens after this line, the order may exist and cost money.
  auto answer = co_await client_.json("POST", "/order/certificate/" + std::string(*product),
                                      order_body(request, *organization), Effect::write);
  if (!answer.ok()) co_return std::move(answer).error();
  auto placed = order_from_answer(*answer);
  if (!placed.ok()) co_return unknown_outcome(std::move(placed).error());

  const core::TimePoint now = clock_.now();
  Certificate certificate;
  certificate.supplier_ref = placed->order_id;
  if (placed->issued()) {
    // Every domain (and the organization) was already validated in the account.
    certificate.status = CertificateStatus::issued;
    certificate.supplier_status = "issued";
    certificate.certificate_ref = placed->certificate_id;
    certificate.certificate_pem = std::move(placed->certificate_pem);
    certificate.chain_pem = std::move(placed->chain_pem);
    certificate.validations = pending_validations(request.names(), request.dcv_method, {});
    for (auto& validation : certificate.validations)
      validation.instructions = {};
    mark_all_valid(certificate.validations, now);
    co_return certificate;
  }

  RandomValue token;
  token.value = placed->dcv_random_value;
  if (!token.value.empty()) token.expires_at = now + kRandomValueLifetime;
  certificate.status = CertificateStatus::pending_validation;
  certificate.supplier_status = "pending";
  certificate.validations = pending_validations(request.names(), request.dcv_method, token);
  // Older answers lack the token: ask for it. The order exists whatever this answers, so a
  // failure here must not hide it; refresh() asks again.
  auto tokens = co_await ensure_tokens(certificate);
  static_cast<void>(tokens);
  co_return certificate;
}

core::Async<std::optional<Certificate>> Authority::find_order(
    const core::CertificateRequest& request, core::TimePoint since,
    const std::vector<std::string>& known_refs) {
  using Found = std::optional<Certificate>;
  // What order() refuses before its POST was never sent.
  const auto product = product_for(request);
  if (check_request(request) || !product) co_return Found{};

  const auto wanted = name_set(request.names());
  const core::TimePoint cutoff = since - kClockSkew;
  std::optional<ListedOrder> best;
  std::int64_t offset = 0;
  for (int pages = 0; pages < kMaxListPages; ++pages) {
    auto answer = co_await client_.json(
        "GET", order_list_target(request.common_name, offset, kListLimit), {}, Effect::read);
    if (!answer.ok()) co_return std::move(answer).error();
    auto page = order_page_from_answer(*answer);
    if (!page.ok()) co_return std::move(page).error();
    for (auto& row : page->orders) {
      // The product is checked only where the row names one.
      if (!row.product.empty() && row.product != *product) continue;
      if (name_set(names_of(row)) != wanted) continue;
      if (std::find(known_refs.begin(), known_refs.end(), row.order_id) != known_refs.end()) {
        continue;
      }
      // An undated candidate cannot be ruled out: the answer cannot tell.
      if (!row.created_at) co_return bad_response(false);
      if (*row.created_at < cutoff) continue;
      // The newest, whatever order the page came in; the higher id among equal dates.
      const bool newer =
          !best || *row.created_at > *best->created_at ||
          (*row.created_at == *best->created_at && id_below(best->order_id, row.order_id));
      if (newer) best = std::move(row);
    }
    offset += static_cast<std::int64_t>(page->orders.size());
    if (page->orders.empty() || offset >= page->total) break;
  }
  if (!best) co_return Found{};

  // Read as refresh() reads an order the gateway lost the view of, names in request order.
  auto info = co_await order_info(best->order_id);
  if (!info.ok()) co_return std::move(info).error();
  Certificate certificate;
  certificate.supplier_ref = best->order_id;
  certificate.validations =
      pending_validations(request.names(), info->dcv_method.value_or(request.dcv_method), {});
  auto settled = co_await settle(certificate, info->status, info->certificate_id);
  if (!settled.ok()) co_return std::move(settled).error();
  co_return Found(std::move(certificate));
}

core::Async<Certificate> Authority::refresh(const Certificate& known) {
  if (!is_id(known.supplier_ref)) co_return not_found_at_supplier();
  auto info = co_await order_info(known.supplier_ref);
  if (!info.ok()) co_return std::move(info).error();
  co_return co_await with_order_info(known, *info);
}

core::Async<Certificate> Authority::verify(const Certificate& known) {
  if (!is_id(known.supplier_ref)) co_return not_found_at_supplier();
  if (known.status != CertificateStatus::pending_validation &&
      known.status != CertificateStatus::pending_issuance) {
    co_return co_await refresh(known);  // nothing to check: report where the order stands
  }

  // Checking again changes nothing more: it issues at most once, then reports issued.
  auto reply = co_await client_.send("PUT", order_path(known.supplier_ref) + "/check-dcv", {},
                                     Effect::idempotent);
  if (!reply.ok()) co_return std::move(reply).error();
  DcvCheck check;
  if (success(reply->status)) {
    auto document = core::json::parse(reply->body);
    if (!document.ok()) co_return bad_response(false);
    auto parsed = dcv_check_from_answer(*document);
    if (!parsed.ok()) co_return std::move(parsed).error();
    check = std::move(parsed).value();
  } else {
    // The older style: a 400 while a token is not found is a check that found nothing.
    auto not_yet = reply->status == 400 ? dcv_check_from_error(supplier_error_code(reply->body))
                                        : std::nullopt;
    if (!not_yet) co_return error_from_reply(reply->status, reply->body, false);
    check = std::move(*not_yet);
  }

  Certificate certificate = known;
  apply_dcv_check(check, certificate.validations, clock_.now());
  if (check.order_status.empty() && !every_valid(certificate.validations)) {
    certificate.status = CertificateStatus::pending_validation;
    auto tokens = co_await ensure_tokens(certificate);
    if (!tokens.ok()) co_return std::move(tokens).error();
    co_return certificate;
  }
  const bool issued_without_id =
      status_from_order(check.order_status, true) == CertificateStatus::issued &&
      check.certificate_id.empty();
  if (check.order_status.empty() || issued_without_id) {
    // The check does not say where the order stands (or which certificate): the order does.
    auto info = co_await order_info(known.supplier_ref);
    if (!info.ok()) co_return std::move(info).error();
    co_return co_await with_order_info(std::move(certificate), *info);
  }
  auto settled = co_await settle(certificate, check.order_status, check.certificate_id);
  if (!settled.ok()) co_return std::move(settled).error();
  co_return certificate;
}

core::Async<Certificate> Authority::reissue(const Certificate& known,
                                            const core::CertificateRequest& request) {
  if (!is_id(known.supplier_ref)) co_return not_found_at_supplier();
  if (auto invalid = check_request(request)) co_return *invalid;

  auto answer = co_await client_.json("POST", order_path(known.supplier_ref) + "/reissue",
                                      reissue_body(request), Effect::write);
  if (!answer.ok()) co_return std::move(answer).error();
  OrderPlaced placed;
  if (!answer->IsNull()) {  // a 201 without a body is an accepted reissue too
    auto parsed = order_from_answer(*answer);
    if (!parsed.ok()) co_return unknown_outcome(std::move(parsed).error());
    placed = std::move(parsed).value();
  }

  const core::TimePoint now = clock_.now();
  Certificate certificate;
  certificate.supplier_ref = known.supplier_ref;
  // The old certificate's id stays until a new one is downloaded; its PEM is superseded.
  certificate.certificate_ref = known.certificate_ref;
  certificate.supplier_status = "reissue_pending";
  certificate.status = CertificateStatus::pending_validation;
  RandomValue token;
  token.value = placed.dcv_random_value;
  if (!token.value.empty()) token.expires_at = now + kRandomValueLifetime;
  certificate.validations = pending_validations(request.names(), request.dcv_method, token);
  if (placed.issued()) {
    certificate.status = CertificateStatus::issued;
    certificate.supplier_status = "issued";
    certificate.certificate_ref = placed.certificate_id;
    certificate.certificate_pem = std::move(placed.certificate_pem);
    certificate.chain_pem = std::move(placed.chain_pem);
    mark_all_valid(certificate.validations, now);
    co_return certificate;
  }

  // The reissue is accepted: what follows only reads, and a failure must not hide it.
  auto info = co_await order_info(known.supplier_ref);
  const bool visible =
      info.ok() && !(status_from_order(info->status, true) == CertificateStatus::issued &&
                     info->certificate_id == known.certificate_ref);
  if (visible) {
    Certificate next = certificate;
    auto settled = co_await settle(next, info->status, info->certificate_id);
    if (settled.ok()) co_return next;
  }
  auto tokens = co_await ensure_tokens(certificate);
  static_cast<void>(tokens);
  co_return certificate;
}

core::Async<core::Ok> Authority::cancel(const Certificate& known) {
  if (!is_id(known.supplier_ref)) co_return not_found_at_supplier();
  auto answer = co_await client_.json("PUT", order_path(known.supplier_ref) + "/status",
                                      cancel_body(), Effect::write);
  if (!answer.ok()) co_return std::move(answer).error();
  co_return core::Ok{};
}

core::Async<core::Ok> Authority::revoke(const Certificate& known) {
  if (!is_id(known.supplier_ref)) co_return not_found_at_supplier();
  std::string certificate_id = known.certificate_ref;
  if (!is_id(certificate_id)) {
    auto info = co_await order_info(known.supplier_ref);
    if (!info.ok()) co_return std::move(info).error();
    certificate_id = info->certificate_id;
    if (!is_id(certificate_id) ||
        status_from_order(info->status, true) != CertificateStatus::issued) {
      co_return core::Error::conflict("certificate_not_issued",
                                      "Only an issued certificate can be revoked.");
    }
  }
  auto answer = co_await client_.json("PUT", "/certificate/" + certificate_id + "/revoke",
                                      revoke_body(), Effect::write);
  if (!answer.ok()) co_return std::move(answer).error();
  co_return core::Ok{};
}

}  // namespace portico::adapters::digicert
