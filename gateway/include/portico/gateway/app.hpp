#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "portico/adapters/keyed_mutex.hpp"
#include "portico/adapters/registry.hpp"
#include "portico/api/billing.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/services.hpp"
#include "portico/config/config.hpp"
#include "portico/core/token_bucket.hpp"
#include "portico/events/dispatcher.hpp"
#include "portico/jobs/balance_check.hpp"
#include "portico/jobs/certificate_sync.hpp"
#include "portico/jobs/domain_sync.hpp"
#include "portico/jobs/reconciler.hpp"
#include "portico/jobs/usage_flush.hpp"
#include "portico/server/http_server.hpp"
#include "portico/server/logger.hpp"
#include "portico/server/metrics.hpp"
#include "portico/store/audit_writer.hpp"
#include "portico/store/store.hpp"

namespace portico::gateway {

// The whole gateway, wired from a validated config: store, provider instances, the public API
// listener and the admin listener on one multi-threaded io_context. main() and the end-to-end
// tests build it the same way.
//
// What a config builds (its provider instances, services, jobs and the listeners' request
// pipelines) is one Generation. A reload (SIGHUP, or reload()) builds the next one and swaps
// it in: a request runs to its end on the generation it started with, new ones take the new
// one, and connections are never dropped. An instance whose config block did not change is
// handed over as it is. What lives longer than a generation stays here: the store, the
// listeners, metrics, per-key rate limits, object locks, usage counts and the sealing key.
class App {
 public:
  struct Dependencies {
    std::shared_ptr<const core::Clock> clock;  // default: the system clock
    std::shared_ptr<core::Random> random;      // default: the OS CSPRNG
    std::shared_ptr<server::Logger> log;       // default: stderr
  };

  // Opens the store (migrations), builds the instances, binds both listeners. Throws at
  // start-up on anything unusable (ports taken, TLS files, CA files, database). `registry`
  // must outlive the App (reloads build with it).
  App(config::Config config, const adapters::Registry& registry, Dependencies dependencies);
  ~App();

  std::uint16_t api_port() const { return api_server_->port(); }
  std::uint16_t admin_port() const { return admin_server_->port(); }
  // "GET /api/v1/domains/{id}", ...: the routes the API listener serves now (the contract
  // test holds them to the OpenAPI document).
  std::vector<std::string> api_routes() const;
  store::Store& store() { return *store_; }
  // Writes the API call counts held in memory now (tests; the job does it on its own).
  jobs::UsageFlush& usage_flush();
  // Sends the webhook outbox (tests run passes with run_once()).
  events::Dispatcher& dispatcher();

  // Serves on config.server.threads threads until a graceful stop completes. With
  // `handle_signals`, SIGINT and SIGTERM start that stop and SIGHUP reloads the config file.
  void run(bool handle_signals);
  // Starts a graceful stop: no new connections, requests in flight finish within
  // shutdown_grace. Thread-safe; later calls do nothing.
  void request_stop();

  // Swaps in a generation built from `next` (routes, instances, limits, jobs, webhooks,
  // pricing, idempotency, the admin token). Refused, with the current one kept, when `next`
  // changes what only a restart can (server, admin.listen and admin.tls, storage) or when an
  // instance cannot be built. Thread-safe; call it while run() serves.
  core::Status reload(config::Config next);
  // Loads the file the running config came from and reloads it; a file that does not validate
  // is refused the same way (the message says where and why).
  core::Status reload_from_file();

 private:
  struct Generation;

  std::shared_ptr<Generation> build_generation(config::Config config, const Generation* previous);
  std::shared_ptr<Generation> current() const;
  void start_generation(Generation& generation, bool first);
  // Destroys retired generations nothing runs on any more (every second, on io_).
  void reap_retired();
  // Reloads the config file on each SIGHUP.
  void await_hangup();
  boost::asio::awaitable<server::Response> serve(server::Request& request, const server::Peer& peer,
                                                 bool admin);
  std::unique_ptr<server::HttpServer> make_server(const config::ListenAddress& listen,
                                                  const std::optional<config::TlsFiles>& tls,
                                                  bool admin);

  config::Config boot_config_;  // what the listeners and the store were built from
  const adapters::Registry& registry_;
  Dependencies dependencies_;
  boost::asio::io_context io_;
  // One thread for CPU-heavy request work (private keys); after io_, so it is joined first.
  boost::asio::thread_pool cpu_pool_{1};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::AuditWriter> audit_;  // after store_: destroyed before it
  std::unique_ptr<adapters::Dependencies> adapter_dependencies_;
  server::Metrics metrics_;
  adapters::KeyedMutex domain_locks_;
  core::Secret sealing_key_;
  api::UsageCounter usage_;
  core::TokenBuckets key_limits_;
  // Across reloads, as key_limits_.
  api::KeyCache key_cache_;
  api::DomainCache domain_cache_;
  api::DnsRecordIdCache dns_record_ids_;

  std::mutex reload_mutex_;  // one reload at a time
  mutable std::mutex generations_mutex_;
  std::shared_ptr<Generation> current_;
  std::vector<std::shared_ptr<Generation>> retired_;
  std::unique_ptr<boost::asio::steady_timer> reaper_;
  std::unique_ptr<boost::asio::signal_set> reload_signal_;

  std::unique_ptr<server::HttpServer> api_server_;
  std::unique_ptr<server::HttpServer> admin_server_;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> servers_running_{2};
};

}  // namespace portico::gateway
