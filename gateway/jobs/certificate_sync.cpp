#include "portico/jobs/certificate_sync.hpp"

#include <set>

#include "portico/api/certificates.hpp"
#include "portico/core/pki.hpp"

namespace portico::jobs {

namespace net = boost::asio;
using core::CertificateStatus;

namespace {

constexpr int kBatch = 100;
constexpr std::chrono::seconds kTick{10};

// A failed check waits as a quiet one would, or as long as the supplier asked.
void reschedule_after_failure(const api::Services& services, store::CertificateRecord& record,
                              const core::Error& error) {
  ++record.checks;
  auto next = api::next_check(services, record);
  if (next && error.retry_after_seconds > 0) {
    next = std::max(*next, services.clock.now() + std::chrono::seconds(error.retry_after_seconds));
  }
  record.next_check_at = next;
}

}  // namespace

CertificateSync::CertificateSync(api::Services& services)
    : services_(services),
      periodic_(services.log, "certificate sync", kTick, [this] { return run_once(false); }) {}

net::awaitable<SyncReport> CertificateSync::run_once(bool everything) {
  const core::TimePoint now = services_.clock.now();
  const auto& jobs = services_.config.jobs;
  // Everything: whatever has a schedule, each once in this pass.
  const core::TimePoint due_by = everything ? core::TimePoint::max() : now;
  std::set<std::string> seen;
  SyncReport report;
  for (;;) {
    auto due = co_await services_.store.read<std::vector<store::CertificateRecord>>(
        [&](store::Database& db) -> core::Result<std::vector<store::CertificateRecord>> {
          return store::certificates::due(db, due_by, kBatch + static_cast<int>(seen.size()));
        });
    if (!due) break;
    bool progressed = false;
    for (const store::CertificateRecord& candidate : *due) {
      if (!seen.insert(candidate.id).second) continue;
      progressed = true;
      auto guard = co_await services_.domain_locks.lock(candidate.id);
      auto fresh = co_await services_.store.read<store::CertificateRecord>(
          [&](store::Database& db) -> core::Result<store::CertificateRecord> {
            auto found = store::certificates::find(db, candidate.partner_id, candidate.livemode,
                                                   candidate.id);
            if (!found) return core::Error::not_found("gone");
            return std::move(*found);
          });
      if (!fresh || !fresh->next_check_at || (!everything && *fresh->next_check_at > now)) {
        continue;
      }
      store::CertificateRecord record = std::move(*fresh);
      std::vector<store::EventRecord> events;
      std::optional<std::string> sealed;
      const CertificateStatus status = record.certificate.status;

      if (status == CertificateStatus::issued) {
        auto info = core::pki::parse_certificate(record.certificate.certificate_pem);
        if (info && now >= info->not_after) {
          core::Certificate view = record.certificate;
          view.status = CertificateStatus::expired;
          if (auto applied = api::apply_view(services_, record, std::move(view), "", sealed)) {
            events = std::move(*applied);
          }
        } else if (info && !record.expiry_notified &&
                   now >= info->not_after - jobs.certificate_expiry_notice) {
          record.expiry_notified = true;
          events.push_back(api::certificate_event(services_, "ssl.expiring", record, ""));
          record.next_check_at = api::next_check(services_, record);
        } else {
          record.next_check_at = api::next_check(services_, record);
        }
      } else {
        ++report.checked;
        auto authority = api::authority_of(services_, record);
        const bool overdue = status == CertificateStatus::pending_validation &&
                             now - record.ordered_at >= jobs.certificate_validation_timeout;
        core::Result<core::Certificate> view =
            core::Error::internal("certificate sync: no supplier call was made");
        if (!authority) {
          view = authority.error();
        } else if (overdue) {
          // DCV never passed: the order is given up, at the supplier too (best effort: an
          // order it already dropped is just as canceled).
          (void)co_await (*authority)->cancel(record.certificate);
          core::Certificate failed = record.certificate;
          failed.status = CertificateStatus::failed;
          failed.detail = "Domain control validation did not pass in time.";
          view = std::move(failed);
        } else {
          // verify() also reads: suppliers that issue only when asked issue there.
          view = co_await (*authority)->verify(record.certificate);
        }
        if (!view) {
          ++report.failed;
          reschedule_after_failure(services_, record, view.error());
        } else if (auto applied =
                       api::apply_view(services_, record, std::move(*view), "", sealed)) {
          events = std::move(*applied);
        } else {
          ++report.failed;
          reschedule_after_failure(services_, record, applied.error());
        }
      }
      if (!events.empty()) ++report.changed;
      auto saved = co_await api::save_certificate(services_, std::move(record), std::move(events),
                                                  std::move(sealed));
      if (!saved) services_.log.error("certificate sync: saving failed", {{"id", candidate.id}});
    }
    if (!progressed || due->size() < static_cast<std::size_t>(kBatch) + seen.size()) break;
  }
  co_return report;
}

}  // namespace portico::jobs
