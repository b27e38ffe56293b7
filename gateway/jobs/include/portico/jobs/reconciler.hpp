#pragma once

#include <boost/asio/awaitable.hpp>

#include "portico/api/services.hpp"
#include "portico/jobs/periodic.hpp"

namespace portico::jobs {

// Learns what suppliers did with costly calls whose answers were lost (api/intents.hpp): at
// start and every idempotency.reconcile_interval it asks about each due intent, records what
// happened as its request would have, and settles the idempotency key waiting for it. It also
// prunes keys past their retention and settled intents. It runs whatever jobs.enabled says:
// it finishes requests already made and starts no supplier work of its own.
class Reconciler {
 public:
  explicit Reconciler(api::Services& services);

  // checked = intents asked about; changed = resolved (it happened, or certainly did not);
  // failed = still unknown (asked again later).
  boost::asio::awaitable<SyncReport> run_once();

  void start(const boost::asio::any_io_executor& executor) { periodic_.start(executor); }
  void stop() { periodic_.stop(); }
  bool idle() const { return periodic_.idle(); }

  // At start-up, before serving (blocking): the requests of the last process are gone, so
  // their keys and open intents wait for the reconciler.
  static void recover(store::Store& store, core::TimePoint now, server::Logger& log);

 private:
  api::Services& services_;
  Periodic periodic_;
};

}  // namespace portico::jobs
