#pragma once

#include <boost/asio/awaitable.hpp>

#include "portico/api/services.hpp"
#include "portico/jobs/periodic.hpp"

namespace portico::jobs {

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
  void start(const boost::asio::any_io_executor& executor) { periodic_.start(executor); }
  void stop() { periodic_.stop(); }
  bool idle() const { return periodic_.idle(); }

 private:
  api::Services& services_;
  Periodic periodic_;
};

}  // namespace portico::jobs
