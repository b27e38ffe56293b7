#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "portico/store/repositories.hpp"
#include "portico/store/store.hpp"

namespace portico::store {

// Appends audit entries (one per supplier call) in batches: entries queue here and a single
// write at a time takes every entry queued meanwhile, at most one write per kLinger, so a
// burst of supplier calls costs the writer one job and one fsync, not one each. Nobody waits
// for an audit entry: one is readable (GET /admin/audit) about kLinger after its call.
class AuditWriter {
 public:
  static constexpr std::chrono::milliseconds kLinger{50};

  // `on_failure` is told how many entries a failed write lost (the Store reported why).
  AuditWriter(Store& store, boost::asio::any_io_executor executor,
              std::function<void(std::size_t lost)> on_failure);

  void append(AuditEntry entry);  // any thread
  // What is still queued, written now and blocking: at shutdown, once the executor stopped.
  void write_now();

 private:
  boost::asio::awaitable<void> drain();
  std::vector<AuditEntry> take();

  Store& store_;
  boost::asio::any_io_executor executor_;
  std::function<void(std::size_t)> on_failure_;
  std::mutex mutex_;
  std::vector<AuditEntry> queued_;  // guarded by mutex_
  bool draining_ = false;           // guarded by mutex_: a drain() runs
};

}  // namespace portico::store
