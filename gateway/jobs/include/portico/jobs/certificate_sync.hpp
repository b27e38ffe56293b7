#pragma once

#include <boost/asio/awaitable.hpp>

#include "portico/api/services.hpp"
#include "portico/jobs/periodic.hpp"

namespace portico::jobs {

// Moves certificate orders on without anyone asking: each pending order is verified (the
// supplier checks DCV, and issues or reports issuance) when its next_check_at comes, with a
// doubling interval while nothing changes and a longer one when the supplier asks to slow
// down. An order whose DCV has not passed within the validation timeout is
// canceled and fails (ssl.failed); issued certificates get ssl.expiring before they expire and
// become expired after. The schedule lives in the database, so a restart loses nothing.
class CertificateSync {
 public:
  explicit CertificateSync(api::Services& services);

  // One pass over the certificates due now, or over every one with a schedule when
  // `everything`.
  boost::asio::awaitable<SyncReport> run_once(bool everything);

  void start(const boost::asio::any_io_executor& executor) { periodic_.start(executor); }
  void stop() { periodic_.stop(); }
  bool idle() const { return periodic_.idle(); }

 private:
  api::Services& services_;
  Periodic periodic_;
};

}  // namespace portico::jobs
