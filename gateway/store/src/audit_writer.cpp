#include "portico/store/audit_writer.hpp"

#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace portico::store {

namespace {
core::Status append_all(Database& db, const std::vector<AuditEntry>& entries) {
  for (const AuditEntry& entry : entries)
    audit::append(db, entry);
  return core::Ok{};
}
}  // namespace

AuditWriter::AuditWriter(Store& store, boost::asio::any_io_executor executor,
                         std::function<void(std::size_t lost)> on_failure)
    : store_(store), executor_(std::move(executor)), on_failure_(std::move(on_failure)) {}

void AuditWriter::append(AuditEntry entry) {
  {
    const std::lock_guard lock(mutex_);
    queued_.push_back(std::move(entry));
    if (draining_) return;  // the running drain takes it with the next batch
    draining_ = true;
  }
  boost::asio::co_spawn(executor_, drain(), boost::asio::detached);
}

std::vector<AuditEntry> AuditWriter::take() {
  const std::lock_guard lock(mutex_);
  std::vector<AuditEntry> batch;
  batch.swap(queued_);
  if (batch.empty()) draining_ = false;
  return batch;
}

boost::asio::awaitable<void> AuditWriter::drain() {
  boost::asio::steady_timer linger(executor_);
  while (true) {
    // Waiting a moment lets the calls of that moment share one write (and one fsync), where a
    // lone request would pay a durable commit of its own for each supplier call it made.
    linger.expires_after(kLinger);
    co_await linger.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    std::vector<AuditEntry> batch = take();
    if (batch.empty()) co_return;
    auto written =
        co_await store_.write<core::Ok>([&batch](Database& db) { return append_all(db, batch); });
    if (!written && on_failure_) on_failure_(batch.size());
  }
}

void AuditWriter::write_now() {
  std::vector<AuditEntry> batch;
  {
    const std::lock_guard lock(mutex_);
    batch.swap(queued_);
  }
  if (batch.empty()) return;
  auto written =
      store_.write_now<core::Ok>([&batch](Database& db) { return append_all(db, batch); });
  if (!written && on_failure_) on_failure_(batch.size());
}

}  // namespace portico::store
