#include "sslci/authority.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "portico/core/pki.hpp"

namespace portico::adapters::sslci {

namespace {

using core::CertificateStatus;
using core::DcvStatus;
using core::Operation;

constexpr std::size_t kMaxDetailLength = 300;
constexpr const char* kChallengeLost =
    "The instructions for this name were lost with the supplier's answer and cannot be read "
    "back.";

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool all_valid(const std::vector<core::CertificateValidation>& validations) {
  return !validations.empty() &&
         std::all_of(validations.begin(), validations.end(),
                     [](const auto& validation) { return validation.status == DcvStatus::valid; });
}

std::vector<std::string> names_of(const core::Certificate& certificate) {
  std::vector<std::string> names;
  for (const auto& validation : certificate.validations)
    names.push_back(validation.name);
  return names;
}

// A pending certificate's status from its validations: SSLCI issues only when asked (finalize),
// so a certificate whose names are all valid waits for verify().
void settle_pending(core::Certificate& certificate) {
  if (all_valid(certificate.validations)) {
    certificate.status = CertificateStatus::pending_issuance;
    certificate.supplier_status = "verified";
  } else {
    certificate.status = CertificateStatus::pending_validation;
    certificate.supplier_status = "pending";
  }
}

bool settled(CertificateStatus status) {
  return status == CertificateStatus::canceled || status == CertificateStatus::revoked ||
         status == CertificateStatus::expired || status == CertificateStatus::failed;
}

// The supplier's reason a check did not pass is shown to the partner as the validation's
// detail (the contract's choice); it is bounded, and replaced when there is none.
std::string detail_from(std::string reason) {
  if (reason.empty()) return "The domain control check has not passed yet.";
  if (reason.size() > kMaxDetailLength) reason.resize(kMaxDetailLength);
  return reason;
}

core::Error bad_handle() {
  return core::Error::internal("The stored certificate has no usable supplier reference.");
}

}  // namespace

Authority::Authority(Client client, const core::Clock& clock)
    : client_(std::move(client)), clock_(clock) {
  capabilities_.operations = {Operation::ssl_order,   Operation::ssl_info,  Operation::ssl_verify,
                              Operation::ssl_reissue, Operation::ssl_renew, Operation::ssl_cancel,
                              Operation::ssl_revoke};
  capabilities_.certificate_types = {core::CertificateType::dv};
  capabilities_.dcv_methods = {core::DcvMethod::http, core::DcvMethod::dns};
  capabilities_.wildcard = true;
  capabilities_.max_names = kMaxNames;
  capabilities_.accepts_csr = false;
  capabilities_.min_validity_days = kValidityDays;
  capabilities_.max_validity_days = kValidityDays;
}

// ---- helpers --------------------------------------------------------------------------------

std::optional<core::Error> Authority::refusal(const core::CertificateRequest& request) const {
  if (request.type != core::CertificateType::dv) {
    return core::Error::unprocessable(
        "unsupported_certificate_type",
        "Only domain-validated (dv) certificates can be ordered here.", "cert_type");
  }
  if (request.validity_days != 0 && request.validity_days != kValidityDays) {
    return core::Error::unprocessable("unsupported_validity",
                                      "These certificates are valid for exactly 90 days.",
                                      "validity_days");
  }
  if (request.dcv_method != core::DcvMethod::http && request.dcv_method != core::DcvMethod::dns) {
    return core::Error::unprocessable(
        "unsupported_dcv_method", "Domain control is proven by http or dns here.", "dcv_method");
  }
  if (!request.csr.empty()) {
    return core::Error::unprocessable(
        "csr_not_accepted", "The key is generated for this certificate; send no CSR.", "csr");
  }
  const auto names = request.names();
  if (names.size() > static_cast<std::size_t>(kMaxNames)) {
    return core::Error::unprocessable("too_many_names", "A certificate can hold at most 100 names.",
                                      "san_names");
  }
  const bool has_wildcard = std::any_of(names.begin(), names.end(),
                                        [](const auto& name) { return name.starts_with("*."); });
  if (has_wildcard && request.dcv_method != core::DcvMethod::dns) {
    return core::Error::unprocessable("wildcard_requires_dns",
                                      "Wildcard names are validated by dns only.", "dcv_method");
  }
  return std::nullopt;
}

core::Async<std::vector<core::CertificateValidation>> Authority::challenges(
    const std::vector<std::string>& names, core::DcvMethod method) {
  std::vector<core::CertificateValidation> made;
  const auto now = clock_.now();
  for (const auto& name : names) {
    auto answer = co_await client_.challenge(name, method);
    auto validation = answer.ok() ? validation_from_challenge(*answer, name, method)
                                  : core::Result<core::CertificateValidation>(answer.error());
    if (!validation.ok()) {
      // Best effort: the orders made so far are worthless without the rest; a failure to
      // delete one only leaves a pending order that the supplier drops after 7 days.
      for (const auto& done : made) {
        if (const auto id = parse_id(done.supplier_ref)) {
          auto removed = co_await client_.remove(RecordKind::order, *id);
          (void)removed;
        }
      }
      co_return std::move(validation).error();
    }
    validation->expires_at = now + kPendingOrderLifetime;
    made.push_back(std::move(validation).value());
  }
  co_return made;
}

core::Async<core::Ok> Authority::remove_lost_issuance(const std::vector<std::string>& names,
                                                      core::TimePoint requested_at) {
  auto answer = co_await client_.list();
  if (!answer.ok()) co_return std::move(answer).error();
  auto listing = listing_from_answer(*answer);
  if (!listing.ok()) co_return std::move(listing).error();
  for (const std::int64_t id : certificates_added_since(*listing, names, requested_at)) {
    auto removed = co_await client_.remove(RecordKind::ssl, id);
    if (!removed.ok()) co_return std::move(removed).error();
  }
  co_return core::Ok{};
}

core::Async<core::Certificate> Authority::finalize(core::Certificate pending) {
  const auto names = names_of(pending);
  if (pending.issue_requested_at) {
    auto removed = co_await remove_lost_issuance(names, *pending.issue_requested_at);
    if (!removed.ok()) co_return std::move(removed).error();
  }
  const core::TimePoint requested_at = clock_.now();
  auto answer = co_await client_.finalize(names);
  auto issued =
      answer.ok() ? issued_from_finalize(*answer) : core::Result<Issued>(std::move(answer).error());
  if (!issued.ok()) {
    if (!issued.error().outcome_unknown) co_return std::move(issued).error();
    pending.issue_requested_at = requested_at;
    settle_pending(pending);
    co_return pending;
  }

  core::Certificate certificate = std::move(pending);
  certificate.issue_requested_at.reset();
  certificate.status = CertificateStatus::issued;
  certificate.supplier_status = "issued";
  certificate.detail.clear();
  certificate.certificate_pem = std::move(issued->certificate_pem);
  certificate.chain_pem = std::move(issued->chain_pem);
  certificate.private_key_pem = std::move(issued->private_key_pem);
  certificate.certificate_ref.clear();

  if (issued->crt_id) {
    certificate.certificate_ref = std::to_string(*issued->crt_id);
    co_return certificate;
  }
  // The answer names no crt_id: the list has it. The certificate (and its key, which exists
  // only in this answer) is returned even when the list cannot be read; refresh() finds the
  // id later from the certificate's names and end.
  auto listed = co_await client_.list();
  if (listed.ok()) {
    if (auto listing = listing_from_answer(*listed); listing.ok()) {
      if (auto id = find_certificate_id(*listing, names, issued->valid_to)) {
        certificate.certificate_ref = std::to_string(*id);
      }
    }
  }
  co_return certificate;
}

std::optional<std::int64_t> Authority::locate(const core::Certificate& known,
                                              const Listing& listing) const {
  if (!known.certificate_ref.empty()) return parse_id(known.certificate_ref);
  std::optional<core::TimePoint> ends;
  if (auto info = core::pki::parse_certificate(known.certificate_pem); info.ok()) {
    ends = info->not_after;
  }
  return find_certificate_id(listing, names_of(known), ends);
}

bool Authority::reusable(const core::CertificateValidation& validation) const {
  return validation.status == DcvStatus::valid && validation.validated_at &&
         clock_.now() - *validation.validated_at < kVerificationLifetime;
}

void Authority::mark_valid(core::CertificateValidation& validation) const {
  const auto now = clock_.now();
  validation.status = DcvStatus::valid;
  validation.validated_at = now;
  validation.expires_at = now + kVerificationLifetime;
  validation.detail.clear();
}

// ---- CertificateAuthority -------------------------------------------------------------------

core::Async<core::Certificate> Authority::order(const core::CertificateRequest& request) {
  if (auto refused = refusal(request)) co_return *refused;
  auto validations = co_await challenges(request.names(), request.dcv_method);
  if (!validations.ok()) co_return std::move(validations).error();

  core::Certificate certificate;
  certificate.validations = std::move(validations).value();
  certificate.supplier_ref = joined_order_ids(certificate.validations);
  settle_pending(certificate);
  co_return certificate;
}

core::Async<std::optional<core::Certificate>> Authority::find_order(
    const core::CertificateRequest& request, core::TimePoint /*since*/,
    const std::vector<std::string>& known_refs) {
  using Found = std::optional<core::Certificate>;
  if (refusal(request)) co_return Found{};  // order() sends nothing for it
  auto answer = co_await client_.list();
  if (!answer.ok()) co_return std::move(answer).error();
  auto listing = listing_from_answer(*answer);
  if (!listing.ok()) co_return std::move(listing).error();

  const auto known = order_ids_of(known_refs);
  const auto names = request.names();
  core::Certificate certificate;
  std::size_t found = 0;
  for (const auto& name : names) {
    core::CertificateValidation validation;
    validation.name = name;
    validation.method = request.dcv_method;  // the list does not say; the order asked for it
    if (const ListedOrder* row = newest_order_for(*listing, name, known)) {
      ++found;
      validation.supplier_ref = std::to_string(row->order_id);
      validation.status = dcv_status_from_word(row->status);
      // Only the challenge's answer carried the token; nothing reads it back.
      if (validation.status != DcvStatus::valid) validation.detail = kChallengeLost;
    } else {
      validation.status = DcvStatus::invalid;
      validation.detail = "This name was not ordered before the supplier stopped answering.";
    }
    certificate.validations.push_back(std::move(validation));
  }
  if (found == 0) co_return Found{};
  certificate.supplier_ref = joined_order_ids(certificate.validations);
  if (found < names.size()) {
    // Not the order asked for: settled, so a retry does not order these names again, and
    // cancel() deletes what was made.
    certificate.status = CertificateStatus::failed;
    certificate.supplier_status = "incomplete";
    certificate.detail =
        "Only some of the names were ordered before the supplier stopped answering.";
  } else {
    settle_pending(certificate);
  }
  co_return Found(std::move(certificate));
}

core::Async<core::Certificate> Authority::refresh(const core::Certificate& known) {
  core::Certificate current = known;
  current.private_key_pem.clear();
  if (settled(known.status)) co_return current;

  auto answer = co_await client_.list();
  if (!answer.ok()) co_return std::move(answer).error();
  auto listing = listing_from_answer(*answer);
  if (!listing.ok()) co_return std::move(listing).error();

  if (known.status == CertificateStatus::issued) {
    if (!known.certificate_ref.empty() && !parse_id(known.certificate_ref)) co_return bad_handle();
    const auto id = locate(known, *listing);
    const ListedCertificate* row = id ? listing->certificate(*id) : nullptr;
    if (row == nullptr) {
      current.status = CertificateStatus::revoked;  // deleted at the supplier
      current.supplier_status = "deleted";
      co_return current;
    }
    current.certificate_ref = std::to_string(row->crt_id);
    if (row->ends_at && *row->ends_at <= clock_.now()) {
      current.status = CertificateStatus::expired;
      current.supplier_status = "expired";
    }
    co_return current;
  }

  for (auto& validation : current.validations) {
    const auto id = parse_id(validation.supplier_ref);
    const ListedOrder* row = id ? listing->order(*id) : nullptr;
    if (row != nullptr) {
      validation.status = dcv_status_from_word(row->status);
    } else if (!reusable(validation)) {
      // A verification outlives its order's row (finalize removes it; reissue reuses it) for
      // 29 days; anything else missing from the list is gone.
      validation.status = DcvStatus::expired;
    }
  }
  settle_pending(current);
  co_return current;
}

core::Async<core::Certificate> Authority::verify(const core::Certificate& known) {
  if (known.status == CertificateStatus::issued) co_return co_await refresh(known);
  core::Certificate current = known;
  current.private_key_pem.clear();
  if (settled(known.status)) co_return current;

  for (auto& validation : current.validations) {
    if (reusable(validation)) continue;
    const auto id = parse_id(validation.supplier_ref);
    if (!id) co_return bad_handle();
    auto confirmation = co_await client_.confirm(validation.name, *id, validation.method);
    if (!confirmation.ok()) co_return std::move(confirmation).error();
    if (confirmation->verified) {
      mark_valid(validation);
      continue;
    }
    if (validation.status == DcvStatus::valid) validation.status = DcvStatus::pending;
    validation.detail = detail_from(std::move(confirmation->reason));
  }

  if (all_valid(current.validations)) co_return co_await finalize(std::move(current));
  settle_pending(current);
  co_return current;
}

core::Async<core::Certificate> Authority::reissue(const core::Certificate& known,
                                                  const core::CertificateRequest& request) {
  if (auto refused = refusal(request)) co_return *refused;

  const auto names = request.names();
  std::vector<core::CertificateValidation> validations(names.size());
  std::vector<std::string> fresh;
  std::vector<std::size_t> fresh_slots;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto reused = std::find_if(
        known.validations.begin(), known.validations.end(),
        [&](const auto& old) { return same_name(old.name, names[i]) && reusable(old); });
    if (reused != known.validations.end()) {
      validations[i] = *reused;
      validations[i].detail.clear();
    } else {
      fresh.push_back(names[i]);
      fresh_slots.push_back(i);
    }
  }
  if (!fresh.empty()) {
    auto made = co_await challenges(fresh, request.dcv_method);
    if (!made.ok()) co_return std::move(made).error();
    for (std::size_t i = 0; i < fresh_slots.size(); ++i)
      validations[fresh_slots[i]] = std::move((*made)[i]);
  }

  core::Certificate certificate;
  certificate.validations = std::move(validations);
  certificate.supplier_ref = joined_order_ids(certificate.validations);
  if (fresh.empty()) co_return co_await finalize(std::move(certificate));
  settle_pending(certificate);
  co_return certificate;
}

core::Async<core::Ok> Authority::cancel(const core::Certificate& known) {
  if (known.status == CertificateStatus::issued) {
    co_return core::Error::conflict("certificate_issued",
                                    "The certificate is issued; revoke it instead.");
  }
  // Only the orders still listed: one already gone (dropped, or deleted by an earlier attempt)
  // would be refused.
  auto answer = co_await client_.list();
  if (!answer.ok()) co_return std::move(answer).error();
  auto listing = listing_from_answer(*answer);
  if (!listing.ok()) co_return std::move(listing).error();
  for (const auto& validation : known.validations) {
    const auto id = parse_id(validation.supplier_ref);
    if (!id || listing->order(*id) == nullptr) continue;
    auto removed = co_await client_.remove(RecordKind::order, *id);
    if (!removed.ok()) co_return std::move(removed).error();
  }
  co_return core::Ok{};
}

core::Async<core::Ok> Authority::revoke(const core::Certificate& known) {
  std::optional<std::int64_t> id;
  if (!known.certificate_ref.empty()) {
    id = parse_id(known.certificate_ref);
    if (!id) co_return bad_handle();
  } else {
    // Issued while the list could not be read: find it now.
    auto answer = co_await client_.list();
    if (!answer.ok()) co_return std::move(answer).error();
    auto listing = listing_from_answer(*answer);
    if (!listing.ok()) co_return std::move(listing).error();
    id = locate(known, *listing);
    if (!id) co_return core::Ok{};  // not in the account: nothing left to delete
  }
  auto removed = co_await client_.remove(RecordKind::ssl, *id);
  if (!removed.ok()) co_return std::move(removed).error();
  co_return core::Ok{};
}

}  // namespace portico::adapters::sslci
