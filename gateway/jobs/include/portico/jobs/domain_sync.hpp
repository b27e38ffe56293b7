#pragma once

#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "portico/api/services.hpp"

namespace portico::jobs {

struct SyncReport {
  int checked = 0;  // domains read from their supplier
  int changed = 0;  // of which the supplier's view differed (events recorded)
  int failed = 0;   // supplier calls that failed (retried on the next pass)
};

// Keeps each domain's record in step with its supplier: pending transfers are polled until
// they complete or fail (domain.transfer_completed / domain.transfer_failed), and held
// domains are re-read so that changes made elsewhere (expiry, lock, name servers, a transfer
// away) are recorded with an event. State lives in the database (synced_at), so a restart
// picks up where the last pass stopped.
class DomainSync {
 public:
  explicit DomainSync(api::Services& services);

  // One pass over the domains due now, or over every held domain when `everything`.
  boost::asio::awaitable<SyncReport> run_once(bool everything);

  // Passes on a timer (every minute, each taking what is due) until stop().
  void start(const boost::asio::any_io_executor& executor);
  void stop();

 private:
  boost::asio::awaitable<void> loop();

  api::Services& services_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  bool stopped_ = false;
};

}  // namespace portico::jobs
