#pragma once

#include <boost/asio/awaitable.hpp>

#include "portico/api/services.hpp"
#include "portico/jobs/periodic.hpp"

namespace portico::jobs {

// Reads every supplier's prepaid balance (Hostraha's credits, GeniusPlugin's getcredit) into
// its instance's health, at start and every jobs.balance_check_interval, so /admin/health can
// show it and warn under the instance's credit_floor without calling suppliers itself.
class BalanceCheck {
 public:
  explicit BalanceCheck(api::Services& services);

  // Reads each instance that has a balance; checked = instances read, failed = reads failed.
  boost::asio::awaitable<SyncReport> run_once();

  void start(const boost::asio::any_io_executor& executor) { periodic_.start(executor); }
  void stop() { periodic_.stop(); }
  bool idle() const { return periodic_.idle(); }

 private:
  api::Services& services_;
  Periodic periodic_;
};

}  // namespace portico::jobs
