#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "portico/server/logger.hpp"

namespace portico::jobs {

struct SyncReport {
  int checked = 0;  // objects read from their supplier
  int changed = 0;  // of which the supplier's view differed (events recorded)
  int failed = 0;   // supplier calls that failed (retried on a later pass)
};

// Runs a job's pass every `tick` on an executor until stop(), logging the passes that checked
// anything. The jobs keep their state in the database, so a pass only takes what is due.
class Periodic {
 public:
  using Pass = std::function<boost::asio::awaitable<SyncReport>()>;
  Periodic(server::Logger& log, std::string name, std::chrono::seconds tick, Pass pass);

  void start(const boost::asio::any_io_executor& executor);
  void stop();  // on the executor's threads: the timer lives there
  // Not started, or its loop has ended after stop(): nothing of it runs any more, so it may be
  // destroyed (a reload retires the jobs of the previous configuration).
  bool idle() const { return !running_; }

 private:
  boost::asio::awaitable<void> loop();

  server::Logger& log_;
  std::string name_;
  std::chrono::seconds tick_;
  Pass pass_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  bool stopped_ = false;
  std::atomic<bool> running_{false};
};

}  // namespace portico::jobs
