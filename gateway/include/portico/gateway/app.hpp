#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "portico/adapters/keyed_mutex.hpp"
#include "portico/adapters/registry.hpp"
#include "portico/api/billing.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/services.hpp"
#include "portico/config/config.hpp"
#include "portico/events/dispatcher.hpp"
#include "portico/jobs/balance_check.hpp"
#include "portico/jobs/certificate_sync.hpp"
#include "portico/jobs/domain_sync.hpp"
#include "portico/jobs/reconciler.hpp"
#include "portico/jobs/usage_flush.hpp"
#include "portico/server/http_server.hpp"
#include "portico/server/logger.hpp"
#include "portico/server/metrics.hpp"
#include "portico/store/store.hpp"

namespace portico::gateway {

// The whole gateway, wired from a validated config: store, provider instances, the public API
// listener and the admin listener on one multi-threaded io_context. main() and the end-to-end
// tests build it the same way.
class App {
 public:
  struct Dependencies {
    std::shared_ptr<const core::Clock> clock;  // default: the system clock
    std::shared_ptr<core::Random> random;      // default: the OS CSPRNG
    std::shared_ptr<server::Logger> log;       // default: stderr
  };

  // Opens the store (migrations), builds the instances, binds both listeners. Throws at
  // start-up on anything unusable (ports taken, TLS files, CA files, database).
  App(config::Config config, const adapters::Registry& registry, Dependencies dependencies);
  ~App();

  std::uint16_t api_port() const { return api_server_->port(); }
  std::uint16_t admin_port() const { return admin_server_->port(); }
  store::Store& store() { return *store_; }
  // Writes the API call counts held in memory now (tests; the job does it on its own).
  jobs::UsageFlush& usage_flush() { return *usage_flush_; }
  // Sends the webhook outbox (tests run passes with run_once()).
  events::Dispatcher& dispatcher() { return *dispatcher_; }

  // Serves on config.server.threads threads until a graceful stop completes. With
  // `handle_signals`, SIGINT and SIGTERM start that stop.
  void run(bool handle_signals);
  // Starts a graceful stop: no new connections, requests in flight finish within
  // shutdown_grace. Thread-safe; later calls do nothing.
  void request_stop();

 private:
  config::Config config_;
  Dependencies dependencies_;
  boost::asio::io_context io_;
  std::unique_ptr<store::Store> store_;
  server::Metrics metrics_;
  api::Providers providers_;
  adapters::KeyedMutex domain_locks_;
  core::Secret sealing_key_;
  api::UsageCounter usage_;
  std::unique_ptr<api::Services> services_;
  std::unique_ptr<jobs::DomainSync> domain_sync_;
  std::unique_ptr<jobs::CertificateSync> certificate_sync_;
  std::unique_ptr<jobs::BalanceCheck> balance_check_;
  std::unique_ptr<jobs::UsageFlush> usage_flush_;
  std::unique_ptr<jobs::Reconciler> reconciler_;
  std::unique_ptr<events::Dispatcher> dispatcher_;
  std::unique_ptr<api::Frontend> api_frontend_;
  std::unique_ptr<api::Frontend> admin_frontend_;
  std::unique_ptr<server::HttpServer> api_server_;
  std::unique_ptr<server::HttpServer> admin_server_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> servers_running_{2};
};

}  // namespace portico::gateway
