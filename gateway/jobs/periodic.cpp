#include "portico/jobs/periodic.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace portico::jobs {

namespace net = boost::asio;

Periodic::Periodic(server::Logger& log, std::string name, std::chrono::seconds tick, Pass pass)
    : log_(log), name_(std::move(name)), tick_(tick), pass_(std::move(pass)) {}

void Periodic::start(const net::any_io_executor& executor) {
  timer_ = std::make_unique<net::steady_timer>(executor);
  running_ = true;
  net::co_spawn(executor, loop(), net::detached);
}

void Periodic::stop() {
  stopped_ = true;
  if (timer_) timer_->cancel();
}

net::awaitable<void> Periodic::loop() {
  while (!stopped_) {
    SyncReport report;
    try {
      report = co_await pass_();
    } catch (const std::exception& failure) {
      // A pass that throws is a bug; the next one may still do its work.
      log_.error(name_ + " failed", {{"detail", failure.what()}});
    }
    if (report.checked > 0) {
      log_.info(name_, {{"checked", std::to_string(report.checked)},
                        {"changed", std::to_string(report.changed)},
                        {"failed", std::to_string(report.failed)}});
    }
    timer_->expires_after(tick_);
    boost::system::error_code ec;
    co_await timer_->async_wait(net::redirect_error(net::use_awaitable, ec));
  }
  // The loop's last touch of `this`: from here the job may be destroyed.
  running_ = false;
}

}  // namespace portico::jobs
