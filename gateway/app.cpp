#include "portico/gateway/app.hpp"

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "portico/admin/routes.hpp"
#include "portico/api/handlers.hpp"
#include "portico/core/crypto.hpp"
#include "portico/store/repositories.hpp"

namespace portico::gateway {

namespace net = boost::asio;

namespace {

server::Limits limits_of(const config::ServerConfig& server) {
  return {.max_body_bytes = server.max_body_bytes,
          .max_header_bytes = server.max_header_bytes,
          .read_timeout = server.read_timeout,
          .idle_timeout = server.idle_timeout,
          .write_timeout = server.write_timeout};
}

std::shared_ptr<net::ssl::context> tls_of(const std::optional<config::TlsFiles>& tls) {
  return tls ? server::make_server_tls(tls->cert_file, tls->key_file) : nullptr;
}

std::unique_ptr<server::HttpServer> make_server(net::io_context& io,
                                                const config::ServerConfig& limits,
                                                const config::ListenAddress& listen,
                                                const std::optional<config::TlsFiles>& tls,
                                                api::Frontend& frontend) {
  auto server = std::make_unique<server::HttpServer>(
      io, limits_of(limits), tls_of(tls),
      [&frontend](server::Request& request, const server::Peer& peer) {
        return frontend.handle(request, peer);
      },
      [&frontend](unsigned status, std::string_view code, std::string_view message, unsigned) {
        return frontend.reject(status, code, message);
      });
  server->listen(listen.host, listen.port);
  return server;
}

// The key sealing private keys: the configured one, else a key file beside the database,
// created on first start (readable by the owner only) and reused after.
core::Secret sealing_key(const config::StorageConfig& storage, core::Random& random) {
  if (storage.encryption_key) {
    return core::Secret(*core::crypto::from_base64(storage.encryption_key->reveal()));
  }
  const std::filesystem::path path = storage.sqlite_path + ".key";
  if (std::ifstream existing(path, std::ios::binary); existing) {
    std::string key((std::istreambuf_iterator<char>(existing)), std::istreambuf_iterator<char>());
    if (key.size() != 32) throw std::runtime_error(path.string() + " is not a 32-byte key");
    return core::Secret(std::move(key));
  }
  std::string key(32, '\0');
  random.fill({reinterpret_cast<std::uint8_t*>(key.data()), key.size()});  // NOLINT
  // Created readable by the owner only from the start (O_EXCL: never over another file).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + path.string());
  const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
  ::close(fd);
  if (!written) throw std::runtime_error("cannot write " + path.string());
  return core::Secret(std::move(key));
}

// With a `pricing:` section every plan a routed hosting instance sells must have a price (the
// config cannot know the plans: the adapters state them), or orders would go out at 0.
void check_hosting_prices(const config::Config& config, const api::Providers& providers) {
  if (!config.pricing.configured) return;
  for (const auto& [product, names] : config.routing.hosting) {
    for (const std::string& name : names) {
      const auto found = providers.find(name);
      if (found == providers.end() || found->second->hosting() == nullptr) continue;
      for (const std::string& plan : found->second->hosting()->capabilities().plans) {
        if (!config.pricing.hosting_plan(plan)) {
          throw config::ConfigError(config.source_file + ": pricing.hosting: no price for plan '" +
                                    plan + "', sold by '" + name + "' (routing.hosting." + product +
                                    ")");
        }
      }
    }
  }
}

}  // namespace

App::App(config::Config config, const adapters::Registry& registry, Dependencies dependencies)
    : config_(std::move(config)), dependencies_(std::move(dependencies)) {
  if (!dependencies_.clock) dependencies_.clock = std::make_shared<core::SystemClock>();
  if (!dependencies_.random) dependencies_.random = std::make_shared<core::SecureRandom>();
  if (!dependencies_.log) dependencies_.log = std::make_shared<server::Logger>();

  store_ = store::Store::open({.path = config_.storage.sqlite_path,
                               .on_error = [log = dependencies_.log](std::string_view message) {
                                 log->error("database failure", {{"detail", message}});
                               }});

  // Every supplier exchange lands in the audit trail, redacted by the client, written off the
  // network threads.
  adapters::Dependencies adapter_dependencies{
      .executor = io_.get_executor(),
      .clock = *dependencies_.clock,
      .random = *dependencies_.random,
      .on_exchange = [this](const config::ProviderConfig& provider,
                            const http::Exchange& exchange) {
        store::AuditEntry entry{.at = dependencies_.clock->now(),
                                .request_id = exchange.request_id,
                                .partner_id = {},
                                .actor = "supplier:" + provider.name,
                                .action = "supplier.call",
                                .target = exchange.method + " " + exchange.target,
                                .detail_json = "{}"};
        rapidjson::StringBuffer buffer;
        core::json::Writer out(buffer);
        out.StartObject();
        core::json::write(out, "status", exchange.status);
        core::json::write(out, "ms", static_cast<std::int64_t>(exchange.elapsed.count()));
        core::json::write(out, "attempts", static_cast<std::int64_t>(exchange.attempts));
        core::json::write(out, "error", exchange.error_code);
        core::json::write(out, "request", exchange.request_text);
        core::json::write(out, "response", exchange.response_text);
        out.EndObject();
        entry.detail_json.assign(buffer.GetString(), buffer.GetSize());
        net::co_spawn(
            io_,
            [this, entry = std::move(entry)]() -> net::awaitable<void> {
              auto written =
                  co_await store_->write<core::Ok>([&entry](store::Database& db) -> core::Status {
                    store::audit::append(db, entry);
                    return core::Ok{};
                  });
              if (!written) dependencies_.log->error("audit write failed");
            },
            net::detached);
      }};
  // Before anything serves: what the last process left unfinished waits for the reconciler.
  jobs::Reconciler::recover(*store_, dependencies_.clock->now(), *dependencies_.log);
  providers_ = registry.build(config_, adapter_dependencies);
  check_hosting_prices(config_, providers_);
  sealing_key_ = sealing_key(config_.storage, *dependencies_.random);

  services_ = std::make_unique<api::Services>(api::Services{.config = config_,
                                                            .store = *store_,
                                                            .clock = *dependencies_.clock,
                                                            .random = *dependencies_.random,
                                                            .metrics = metrics_,
                                                            .log = *dependencies_.log,
                                                            .providers = providers_,
                                                            .domain_locks = domain_locks_,
                                                            .sealing_key = sealing_key_,
                                                            .usage = usage_});
  domain_sync_ = std::make_unique<jobs::DomainSync>(*services_);
  certificate_sync_ = std::make_unique<jobs::CertificateSync>(*services_);
  balance_check_ = std::make_unique<jobs::BalanceCheck>(*services_);
  usage_flush_ = std::make_unique<jobs::UsageFlush>(*services_);
  reconciler_ = std::make_unique<jobs::Reconciler>(*services_);
  dispatcher_ = std::make_unique<events::Dispatcher>(*services_);
  // Committed deliveries are sent at once rather than at the next poll.
  store_->set_outbox_listener([this] { dispatcher_->wake(); });
  api_frontend_ =
      std::make_unique<api::Frontend>(*services_, api::public_router(*services_), "api");
  admin_frontend_ = std::make_unique<api::Frontend>(
      *services_,
      admin::admin_router(*services_, {.domain_sync = *domain_sync_,
                                       .certificate_sync = *certificate_sync_,
                                       .balance_check = *balance_check_,
                                       .webhook_dispatch = *dispatcher_,
                                       .reconciler = *reconciler_}),
      "admin");
  api_server_ =
      make_server(io_, config_.server, config_.server.listen, config_.server.tls, *api_frontend_);
  admin_server_ =
      make_server(io_, config_.server, config_.admin.listen, config_.admin.tls, *admin_frontend_);
}

App::~App() {
  // The store delivers results to io_'s executors, so it is drained before io_ goes.
  api_server_.reset();
  admin_server_.reset();
  providers_.clear();
  store_.reset();
}

void App::run(bool handle_signals) {
  std::unique_ptr<net::signal_set> signals;
  if (handle_signals) {
    signals = std::make_unique<net::signal_set>(io_, SIGINT, SIGTERM);
    signals->async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) request_stop();
    });
  }
  api_server_->start();
  admin_server_->start();
  if (config_.jobs.enabled) {
    domain_sync_->start(io_.get_executor());
    certificate_sync_->start(io_.get_executor());
    balance_check_->start(io_.get_executor());
  }
  // Finishing what earlier requests started at suppliers is not new supplier work: always.
  reconciler_->start(io_.get_executor());
  // Call counts are the gateway's own bookkeeping, not supplier work: written in any case.
  usage_flush_->start(io_.get_executor());
  // Webhooks are partners' own events, not supplier work: independent of jobs.enabled.
  if (config_.webhooks.enabled) dispatcher_->start(io_.get_executor());
  dependencies_.log->info(
      "portico listening",
      {{"api", config_.server.listen.host + ":" + std::to_string(api_port())},
       {"admin", config_.admin.listen.host + ":" + std::to_string(admin_port())},
       {"threads", std::to_string(config_.server.threads)}});

  std::vector<std::thread> threads;
  for (int i = 1; i < config_.server.threads; ++i)
    threads.emplace_back([this] { io_.run(); });
  io_.run();
  for (auto& thread : threads)
    thread.join();
  // The calls of the last requests: nothing runs on io_ any more, so a blocking write is safe.
  (void)usage_flush_->write_now();
  if (signals) signals.reset();
  for (auto& [name, instance] : providers_)
    instance->client().close_idle();
  dependencies_.log->info("portico stopped");
}

void App::request_stop() {
  if (stopping_.exchange(true)) return;
  dependencies_.log->info("stopping: finishing requests in flight",
                          {{"grace_ms", std::to_string(config_.server.shutdown_grace.count())}});
  auto on_done = [this] {
    if (--servers_running_ == 0) io_.stop();
  };
  net::post(io_, [this] {
    domain_sync_->stop();
    certificate_sync_->stop();
    balance_check_->stop();
    usage_flush_->stop();
    reconciler_->stop();
    dispatcher_->stop();
  });  // its timer lives on io_'s threads
  api_server_->shutdown(config_.server.shutdown_grace, on_done);
  admin_server_->shutdown(config_.server.shutdown_grace, on_done);
}

}  // namespace portico::gateway
