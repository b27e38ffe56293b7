#include "portico/jobs/balance_check.hpp"

#include <algorithm>

namespace portico::jobs {

namespace net = boost::asio;

namespace {

std::chrono::seconds tick_of(const config::JobsConfig& jobs) {
  return std::max(std::chrono::seconds(1),
                  std::chrono::duration_cast<std::chrono::seconds>(jobs.balance_check_interval));
}

}  // namespace

BalanceCheck::BalanceCheck(api::Services& services)
    : services_(services),
      periodic_(services.log, "balance check", tick_of(services.config.jobs),
                [this] { return run_once(); }) {}

net::awaitable<SyncReport> BalanceCheck::run_once() {
  SyncReport report;
  for (const auto& [name, instance] : services_.providers) {
    auto read = instance->read_balance();
    if (!read) continue;
    ++report.checked;
    core::Result<core::Money> balance = co_await std::move(*read);
    if (!balance) {
      ++report.failed;
      services_.log.warn("balance check failed",
                         {{"provider", name}, {"code", balance.error().code}});
    }
    instance->health().record_balance(balance);
  }
  co_return report;
}

}  // namespace portico::jobs
