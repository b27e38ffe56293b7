#include "portico/jobs/domain_sync.hpp"

#include <set>

#include "portico/api/domains.hpp"
#include "portico/core/names.hpp"

namespace portico::jobs {

namespace net = boost::asio;

namespace {

constexpr int kBatch = 100;
constexpr std::chrono::seconds kTick{60};

// What a pass learned about one domain: its new state and the events to record with it.
struct Outcome {
  store::DomainRecord domain;
  std::vector<store::EventRecord> events;
};

}  // namespace

DomainSync::DomainSync(api::Services& services)
    : services_(services),
      periodic_(services.log, "domain sync", kTick, [this] { return run_once(false); }) {}

net::awaitable<SyncReport> DomainSync::run_once(bool everything) {
  const core::TimePoint now = services_.clock.now();
  const auto& jobs = services_.config.jobs;
  // Everything: every held domain once, even one created in this very millisecond (a
  // domain synced here gets synced_at = now and would match again: `seen` skips it).
  const core::TimePoint later = now + std::chrono::milliseconds(1);
  const core::TimePoint transfers_before = everything ? later : now - jobs.transfer_poll_interval;
  const core::TimePoint others_before = everything ? later : now - jobs.domain_refresh_interval;
  std::set<std::string> seen;
  SyncReport report;
  // Each domain synced gets synced_at = now, so the next batch moves on; a batch shorter than
  // kBatch is the last.
  for (;;) {
    auto due = co_await services_.store.read<std::vector<store::DomainRecord>>(
        [&](store::Database& db) -> core::Result<std::vector<store::DomainRecord>> {
          return store::domains::due_for_sync(db, transfers_before, others_before,
                                              kBatch + static_cast<int>(seen.size()));
        });
    if (!due || due->empty()) break;
    bool progressed = false;
    for (const store::DomainRecord& candidate : *due) {
      if (!seen.insert(candidate.id).second) continue;
      progressed = true;
      auto guard = co_await services_.domain_locks.lock(candidate.id);
      auto fresh = co_await services_.store.read<store::DomainRecord>(
          [&](store::Database& db) -> core::Result<store::DomainRecord> {
            auto found =
                store::domains::find(db, candidate.partner_id, candidate.livemode, candidate.id);
            if (!found) return core::Error::not_found("gone");
            return std::move(*found);
          });
      if (!fresh || !fresh->held()) continue;
      ++report.checked;
      Outcome outcome{*fresh, {}};
      const bool transfer = fresh->domain.status == core::DomainStatus::pending_transfer;
      auto registrar = api::registrar_of(
          services_, *fresh,
          transfer ? core::Operation::domain_transfer : core::Operation::domain_info);
      core::Domain& after = outcome.domain.domain;
      const core::Domain before = fresh->domain;
      bool failed = !registrar;
      if (registrar && transfer) {
        auto status = co_await (*registrar)->transfer_status(before.name);
        if (!status) {
          failed = true;
        } else if (status->state == core::TransferState::completed) {
          after.status = core::DomainStatus::active;
          if (status->expires_at) after.expires_at = status->expires_at;
          outcome.events.push_back(
              api::make_event(services_, "domain.transfer_completed", outcome.domain, "",
                              [&](core::json::Writer& out) {
                                api::write_previous_attributes(out, before, after);
                              }));
        } else if (status->state == core::TransferState::failed) {
          after.status = core::DomainStatus::failed;
          after.supplier_status = "transfer_failed";
          outcome.events.push_back(
              api::make_event(services_, "domain.transfer_failed", outcome.domain, "",
                              [&](core::json::Writer& out) {
                                api::write_previous_attributes(out, before, after);
                              }));
        }
      } else if (registrar) {
        auto info = co_await (*registrar)->info(before.name);
        if (!info) {
          failed = true;
        } else {
          after.status = info->status;
          after.supplier_status = info->supplier_status;
          if (info->expires_at) after.expires_at = info->expires_at;
          if (!info->nameservers.empty()) after.nameservers = info->nameservers;
          after.locked = info->locked;
          after.privacy = info->privacy;
          if (api::attributes_differ(before, after)) {
            const bool away = after.status == core::DomainStatus::transferred_away;
            outcome.events.push_back(
                api::make_event(services_, away ? "domain.transferred_away" : "domain.updated",
                                outcome.domain, "", [&](core::json::Writer& out) {
                                  api::write_previous_attributes(out, before, after);
                                }));
          }
        }
      }
      if (failed) {
        ++report.failed;
        after = before;  // keep what we knew; retried after the interval
      }
      if (!outcome.events.empty()) {
        ++report.changed;
        outcome.domain.updated_at = now;
      }
      outcome.domain.synced_at = now;
      auto saved =
          co_await services_.store.write<core::Ok>([&outcome](store::Database& db) -> core::Status {
            store::domains::update(db, outcome.domain);
            for (const auto& event : outcome.events)
              store::events::append(db, event);
            return core::Ok{};
          });
      if (!saved) services_.log.error("domain sync: saving failed", {{"domain", candidate.id}});
    }
    if (!progressed || due->size() < static_cast<std::size_t>(kBatch) + seen.size()) break;
  }
  co_return report;
}

}  // namespace portico::jobs
