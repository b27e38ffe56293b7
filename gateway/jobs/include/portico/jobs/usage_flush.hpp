#pragma once

#include <boost/asio/awaitable.hpp>

#include "portico/api/services.hpp"
#include "portico/core/result.hpp"
#include "portico/jobs/periodic.hpp"
#include "portico/store/billing.hpp"

namespace portico::jobs {

// Writes the API call counts kept in memory (api::UsageCounter, one increment per key and UTC
// day) to the store every usage_flush_interval, and once more at shutdown. A failed write puts
// the counts back, so the next pass writes them: nothing is lost short of a crash.
class UsageFlush {
 public:
  explicit UsageFlush(api::Services& services);

  // Takes every pending count and adds it to the stored ones.
  boost::asio::awaitable<core::Status> run_once();
  // The same, blocking the caller until written: for shutdown, once the io threads are done.
  // Never on a network or store thread.
  core::Status write_now();

  void start(const boost::asio::any_io_executor& executor) { periodic_.start(executor); }
  void stop() { periodic_.stop(); }
  bool idle() const { return periodic_.idle(); }

 private:
  // A failed write puts the counts back and says so.
  void settle(const core::Status& written, const std::vector<store::UsageIncrement>& increments);

  api::Services& services_;
  Periodic periodic_;
};

}  // namespace portico::jobs
