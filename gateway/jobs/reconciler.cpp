#include "portico/jobs/reconciler.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "portico/api/idempotency.hpp"
#include "portico/api/intents.hpp"
#include "portico/http/request_scope.hpp"
#include "portico/store/idempotency.hpp"

namespace portico::jobs {

namespace net = boost::asio;

namespace {

constexpr int kBatch = 100;
// A key still running this long after its request started lost its answer (the write failed).
constexpr std::chrono::hours kStaleRunningKey{1};

std::chrono::seconds tick_of(const config::IdempotencyConfig& idempotency) {
  return std::max(std::chrono::seconds(1),
                  std::chrono::duration_cast<std::chrono::seconds>(idempotency.reconcile_interval));
}

}  // namespace

Reconciler::Reconciler(api::Services& services)
    : services_(services),
      periodic_(services.log, "reconciler", tick_of(services.config.idempotency),
                [this] { return run_once(); }) {}

void Reconciler::recover(store::Store& store, core::TimePoint now, server::Logger& log) {
  struct Recovered {
    std::int64_t keys = 0;
    std::int64_t intents = 0;
  };
  auto recovered =
      store.write_now<Recovered>([now](store::Database& db) -> core::Result<Recovered> {
        return Recovered{.keys = store::idempotency_keys::recover(db, now),
                         .intents = store::intents::recover(db, now)};
      });
  if (!recovered) throw std::runtime_error("cannot recover idempotency keys and intents");
  if (recovered->keys > 0 || recovered->intents > 0) {
    log.warn("recovering after an unclean stop",
             {{"idempotency_keys", std::to_string(recovered->keys)},
              {"intents", std::to_string(recovered->intents)}});
  }
}

net::awaitable<SyncReport> Reconciler::run_once() {
  SyncReport report;
  const core::TimePoint now = services_.clock.now();
  auto due = co_await services_.store.read<std::vector<store::IntentRecord>>(
      [now](store::Database& db) -> core::Result<std::vector<store::IntentRecord>> {
        return store::intents::due(db, now, kBatch);
      });
  if (!due) {
    ++report.failed;
    co_return report;
  }
  for (const store::IntentRecord& intent : *due) {
    ++report.checked;
    // In the scope of the request that made the call: what the supplier is asked now is on
    // that request's audit trail.
    const http::RequestScope scope(co_await net::this_coro::executor,
                                   std::make_shared<std::string>(intent.request_id));
    api::Resolution resolution =
        co_await net::co_spawn(scope, api::resolve_intent(services_, intent), net::use_awaitable);
    if (resolution.kind == api::Resolution::Kind::unknown) {
      ++report.failed;
      continue;
    }
    ++report.changed;
    services_.log.info(
        "intent resolved",
        {{"intent", intent.id},
         {"operation", intent.operation},
         {"provider", intent.provider_instance},
         {"request_id", intent.request_id},
         {"happened", resolution.kind == api::Resolution::Kind::happened ? "true" : "false"}});
    co_await api::settle_waiting_key(services_, intent, resolution);
  }
  const auto retention = services_.config.idempotency.retention;
  auto pruned = co_await services_.store.write<std::int64_t>(
      [&](store::Database& db) -> core::Result<std::int64_t> {
        return store::idempotency_keys::prune(db, now - retention, now - kStaleRunningKey) +
               store::intents::prune(db, now - retention);
      });
  if (!pruned) ++report.failed;
  co_return report;
}

}  // namespace portico::jobs
