#include "portico/jobs/usage_flush.hpp"

#include <algorithm>

#include "portico/api/billing.hpp"
#include "portico/store/billing.hpp"

namespace portico::jobs {

namespace net = boost::asio;

namespace {

// Periodic counts whole seconds; the config allows no less than one.
std::chrono::seconds tick_of(const config::JobsConfig& jobs) {
  return std::max(std::chrono::seconds(1),
                  std::chrono::duration_cast<std::chrono::seconds>(jobs.usage_flush_interval));
}

core::Status add_counts(store::Database& db, const std::vector<store::UsageIncrement>& increments) {
  store::usage::add(db, increments);
  return core::Ok{};
}

}  // namespace

UsageFlush::UsageFlush(api::Services& services)
    : services_(services),
      periodic_(services.log, "usage flush", tick_of(services.config.jobs),
                [this]() -> net::awaitable<SyncReport> {
                  // Failures are logged here; quiet passes are not worth a line each.
                  co_await run_once();
                  co_return SyncReport{};
                }) {}

net::awaitable<core::Status> UsageFlush::run_once() {
  std::vector<store::UsageIncrement> increments = services_.usage.take();
  if (increments.empty()) co_return core::Ok{};
  core::Status written = co_await services_.store.write<core::Ok>(
      [&increments](store::Database& db) { return add_counts(db, increments); });
  settle(written, increments);
  co_return written;
}

core::Status UsageFlush::write_now() {
  std::vector<store::UsageIncrement> increments = services_.usage.take();
  if (increments.empty()) return core::Ok{};
  core::Status written = services_.store.write_now<core::Ok>(
      [&increments](store::Database& db) { return add_counts(db, increments); });
  settle(written, increments);
  return written;
}

void UsageFlush::settle(const core::Status& written,
                        const std::vector<store::UsageIncrement>& increments) {
  if (written) return;
  services_.usage.put_back(increments);
  services_.log.error("usage flush failed", {{"counts", std::to_string(increments.size())}});
}

}  // namespace portico::jobs
