#pragma once

#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "portico/api/services.hpp"

namespace portico::events {

// What one pass did: deliveries claimed, and how their attempts ended.
struct DispatchReport {
  int claimed = 0;
  int succeeded = 0;
  int failed = 0;  // failed attempts (retried later, abandoned, or their endpoint disabled)
};

// Sends the outbox's due webhook deliveries (store/webhooks.hpp).
//
// A pass reads the enabled endpoints, claims for each as many due deliveries as it has free
// slots (webhooks.max_concurrency_per_endpoint, and webhooks.max_in_flight in all), sends each
// as a signed POST and records the attempt in its own transaction. Passes run when the store
// says new deliveries were committed (wake()), when the next delivery falls due, and at least
// every webhooks.poll_interval. At start the claims a killed process left behind are released,
// so nothing recorded is ever lost: every delivery is sent at least once.
//
// Targets: http(s) URLs; their host is resolved at each attempt and refused addresses
// (core::webhook::refused_address_reason) are never connected to unless
// webhooks.allow_private_targets. Redirects are not followed. One http::Client per origin.
class Dispatcher {
 public:
  explicit Dispatcher(api::Services& services);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Releases left-over claims (unless `release_claims` is false: a reload, whose previous
  // dispatcher may still hold some), then runs passes until stop(). Nothing is sent when
  // webhooks.enabled is false (deliveries wait in the outbox).
  void start(const boost::asio::any_io_executor& executor, bool release_claims = true);
  // Stops the loop; attempts in flight finish (or are released at the next start).
  void stop();
  // Neither the loop nor any attempt runs: it may be destroyed (a reload retires it).
  bool idle() const;
  // New deliveries were committed: run a pass soon. Thread-safe, never blocks (the Store's
  // outbox listener calls it on the writer thread).
  void wake();

  // One pass now, for the admin (POST /admin/jobs/webhook-dispatch) and tests with an
  // injected clock: claims what is due and free to send, sends it, and answers once every
  // attempt it started is recorded. Runs even when the loop is not started.
  boost::asio::awaitable<DispatchReport> run_once();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace portico::events
