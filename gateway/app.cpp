#include "portico/gateway/app.hpp"

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "portico/admin/routes.hpp"
#include "portico/api/handlers.hpp"
#include "portico/core/crypto.hpp"
#include "portico/http/request_scope.hpp"
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

// Everything one configuration builds. Unchanged provider instances are shared with the
// generation before. Destroyed only once no request holds it and its jobs have ended.
struct App::Generation {
  config::Config config;
  api::Providers providers;
  std::unique_ptr<api::Services> services;
  std::unique_ptr<jobs::DomainSync> domain_sync;
  std::unique_ptr<jobs::CertificateSync> certificate_sync;
  std::unique_ptr<jobs::BalanceCheck> balance_check;
  std::unique_ptr<jobs::UsageFlush> usage_flush;
  std::unique_ptr<jobs::Reconciler> reconciler;
  std::unique_ptr<events::Dispatcher> dispatcher;
  std::unique_ptr<api::Frontend> api_frontend;
  std::unique_ptr<api::Frontend> admin_frontend;

  void stop() {
    domain_sync->stop();
    certificate_sync->stop();
    balance_check->stop();
    usage_flush->stop();
    reconciler->stop();
    dispatcher->stop();
  }
  bool idle() const {
    return domain_sync->idle() && certificate_sync->idle() && balance_check->idle() &&
           usage_flush->idle() && reconciler->idle() && dispatcher->idle();
  }
};

namespace {

constexpr std::chrono::seconds kReapInterval{1};

// What a reload cannot change: the listeners and the store are built once.
std::optional<std::string> needs_restart(const config::Config& running,
                                         const config::Config& next) {
  if (!(running.server == next.server)) return "server";
  if (!(running.admin.listen == next.admin.listen) || !(running.admin.tls == next.admin.tls)) {
    return "admin.listen or admin.tls";
  }
  if (!(running.storage == next.storage)) return "storage";
  return std::nullopt;
}

}  // namespace

App::App(config::Config config, const adapters::Registry& registry, Dependencies dependencies)
    : boot_config_(std::move(config)),
      registry_(registry),
      dependencies_(std::move(dependencies)),
      key_limits_(boot_config_.keys.requests_per_second, boot_config_.keys.burst) {
  if (!dependencies_.clock) dependencies_.clock = std::make_shared<core::SystemClock>();
  if (!dependencies_.random) dependencies_.random = std::make_shared<core::SecureRandom>();
  if (!dependencies_.log) dependencies_.log = std::make_shared<server::Logger>();

  store_ = store::Store::open({.path = boot_config_.storage.sqlite_path,
                               .on_error = [log = dependencies_.log](std::string_view message) {
                                 log->error("database failure", {{"detail", message}});
                               }});

  // Every supplier exchange lands in the audit trail, redacted by the client, written off the
  // network threads, in batches.
  audit_ = std::make_unique<store::AuditWriter>(
      *store_, io_.get_executor(), [log = dependencies_.log](std::size_t lost) {
        log->error("audit write failed", {{"entries", std::to_string(lost)}});
      });
  adapter_dependencies_ = std::make_unique<adapters::Dependencies>(adapters::Dependencies{
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
        audit_->append(std::move(entry));
      }});
  // Before anything serves: what the last process left unfinished waits for the reconciler.
  jobs::Reconciler::recover(*store_, dependencies_.clock->now(), *dependencies_.log);
  sealing_key_ = sealing_key(boot_config_.storage, *dependencies_.random);
  current_ = build_generation(boot_config_, nullptr);
  // Committed deliveries are sent at once rather than at the next poll; posted, so the writer
  // thread never holds the last reference to a generation.
  store_->set_outbox_listener(
      [this] { net::post(io_, [this] { current()->dispatcher->wake(); }); });
  api_server_ = make_server(boot_config_.server.listen, boot_config_.server.tls, false);
  admin_server_ = make_server(boot_config_.admin.listen, boot_config_.admin.tls, true);
}

std::unique_ptr<server::HttpServer> App::make_server(const config::ListenAddress& listen,
                                                     const std::optional<config::TlsFiles>& tls,
                                                     bool admin) {
  auto server = std::make_unique<server::HttpServer>(
      io_, limits_of(boot_config_.server), tls_of(tls),
      [this, admin](server::Request& request, const server::Peer& peer) {
        return serve(request, peer, admin);
      },
      [this, admin](unsigned status, std::string_view code, std::string_view message, unsigned) {
        const std::shared_ptr<Generation> generation = current();
        return (admin ? generation->admin_frontend : generation->api_frontend)
            ->reject(status, code, message);
      },
      // Each connection runs in a request scope that its requests name in turn (Frontend).
      [](net::any_io_executor strand) -> net::any_io_executor {
        return portico::http::RequestScope(std::move(strand), std::make_shared<std::string>());
      });
  server->listen(listen.host, listen.port);
  return server;
}

std::shared_ptr<App::Generation> App::build_generation(config::Config config,
                                                       const Generation* previous) {
  auto generation = std::make_shared<Generation>();
  generation->config = std::move(config);
  const config::Config& settings = generation->config;
  generation->providers = registry_.build(settings, *adapter_dependencies_,
                                          previous != nullptr ? &previous->providers : nullptr);
  check_hosting_prices(settings, generation->providers);
  generation->services =
      std::make_unique<api::Services>(api::Services{.config = settings,
                                                    .store = *store_,
                                                    .clock = *dependencies_.clock,
                                                    .random = *dependencies_.random,
                                                    .metrics = metrics_,
                                                    .log = *dependencies_.log,
                                                    .providers = generation->providers,
                                                    .domain_locks = domain_locks_,
                                                    .sealing_key = sealing_key_,
                                                    .usage = usage_,
                                                    .cpu_pool = cpu_pool_,
                                                    .key_cache = key_cache_,
                                                    .domain_cache = domain_cache_,
                                                    .dns_record_ids = dns_record_ids_});
  api::Services& services = *generation->services;
  generation->domain_sync = std::make_unique<jobs::DomainSync>(services);
  generation->certificate_sync = std::make_unique<jobs::CertificateSync>(services);
  generation->balance_check = std::make_unique<jobs::BalanceCheck>(services);
  generation->usage_flush = std::make_unique<jobs::UsageFlush>(services);
  generation->reconciler = std::make_unique<jobs::Reconciler>(services);
  generation->dispatcher = std::make_unique<events::Dispatcher>(services);
  generation->api_frontend =
      std::make_unique<api::Frontend>(services, api::public_router(services), "api", key_limits_);
  generation->admin_frontend = std::make_unique<api::Frontend>(
      services,
      admin::admin_router(services, {.domain_sync = *generation->domain_sync,
                                     .certificate_sync = *generation->certificate_sync,
                                     .balance_check = *generation->balance_check,
                                     .webhook_dispatch = *generation->dispatcher,
                                     .reconciler = *generation->reconciler}),
      "admin", key_limits_);
  return generation;
}

App::~App() {
  // The store delivers results to io_'s executors, so it is drained before io_ goes.
  api_server_.reset();
  admin_server_.reset();
  reaper_.reset();
  retired_.clear();
  current_.reset();
  store_.reset();
}

std::vector<std::string> App::api_routes() const {
  std::vector<std::string> routes;
  for (const api::Route& route : current()->api_frontend->router().routes()) {
    routes.push_back(route.method + " " + route.pattern);
  }
  return routes;
}

std::shared_ptr<App::Generation> App::current() const {
  const std::lock_guard lock(generations_mutex_);
  return current_;
}

jobs::UsageFlush& App::usage_flush() {
  return *current()->usage_flush;
}

events::Dispatcher& App::dispatcher() {
  return *current()->dispatcher;
}

net::awaitable<server::Response> App::serve(server::Request& request, const server::Peer& peer,
                                            bool admin) {
  // Held to the end of the request: the generation it started on stays whole until then.
  const std::shared_ptr<Generation> generation = current();
  api::Frontend& frontend = admin ? *generation->admin_frontend : *generation->api_frontend;
  co_return co_await frontend.handle(request, peer);
}

void App::start_generation(Generation& generation, bool first) {
  const net::any_io_executor executor = io_.get_executor();
  const config::Config& settings = generation.config;
  if (settings.jobs.enabled) {
    generation.domain_sync->start(executor);
    generation.certificate_sync->start(executor);
    generation.balance_check->start(executor);
  }
  // Finishing what earlier requests started at suppliers is not new supplier work: always.
  generation.reconciler->start(executor);
  // Call counts are the gateway's own bookkeeping, not supplier work: written in any case.
  generation.usage_flush->start(executor);
  // Webhooks are partners' own events, not supplier work: independent of jobs.enabled. After
  // a reload the previous dispatcher's claims are its own.
  if (settings.webhooks.enabled) generation.dispatcher->start(executor, first);
}

void App::reap_retired() {
  std::size_t released = 0;
  {
    const std::lock_guard lock(generations_mutex_);
    released = std::erase_if(retired_, [](const std::shared_ptr<Generation>& generation) {
      return generation.use_count() == 1 && generation->idle();
    });
  }
  if (released > 0) {
    dependencies_.log->info("previous configuration released: nothing runs on it any more",
                            {{"released", std::to_string(released)}});
  }
  if (stopping_) return;
  reaper_->expires_after(kReapInterval);
  reaper_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) reap_retired();
  });
}

core::Status App::reload(config::Config next) {
  const std::lock_guard serialized(reload_mutex_);
  if (auto field = needs_restart(boot_config_, next)) {
    return core::Error::invalid_request("restart_required",
                                        "The new configuration changes " + *field +
                                            ", which only a restart applies; nothing was changed.");
  }
  const std::shared_ptr<Generation> previous = current();
  std::shared_ptr<Generation> generation;
  try {
    generation = build_generation(std::move(next), previous.get());
  } catch (const std::exception& failure) {
    return core::Error::invalid_request("config_unusable", failure.what());
  }
  key_limits_.configure(generation->config.keys.requests_per_second, generation->config.keys.burst);
  std::size_t kept = 0;
  for (const auto& [name, instance] : generation->providers) {
    const auto before = previous->providers.find(name);
    if (before != previous->providers.end() && before->second == instance) ++kept;
  }
  {
    const std::lock_guard lock(generations_mutex_);
    retired_.push_back(current_);
    current_ = generation;
  }
  // Jobs start and stop on io_'s threads, where their timers live.
  if (running_) {
    net::post(io_, [this, previous, generation] {
      previous->stop();
      start_generation(*generation, false);
    });
  }
  dependencies_.log->info("configuration reloaded",
                          {{"file", generation->config.source_file},
                           {"providers", std::to_string(generation->providers.size())},
                           {"providers_kept", std::to_string(kept)}});
  return core::Ok{};
}

core::Status App::reload_from_file() {
  try {
    return reload(config::load_config(boot_config_.source_file, registry_.schemas()));
  } catch (const config::ConfigError& refused) {
    return core::Error::invalid_request("config_invalid", refused.what());
  }
}

void App::await_hangup() {
  reload_signal_->async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;  // the io_context stopped
    if (auto reloaded = reload_from_file(); !reloaded) {
      dependencies_.log->error(
          "configuration reload refused; the running one stays",
          {{"code", reloaded.error().code}, {"detail", reloaded.error().message}});
    }
    await_hangup();
  });
}

void App::run(bool handle_signals) {
  std::unique_ptr<net::signal_set> stop_signals;
  if (handle_signals) {
    stop_signals = std::make_unique<net::signal_set>(io_, SIGINT, SIGTERM);
    stop_signals->async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) request_stop();
    });
    reload_signal_ = std::make_unique<net::signal_set>(io_, SIGHUP);
    await_hangup();
  }
  api_server_->start();
  admin_server_->start();
  running_ = true;
  start_generation(*current(), true);
  reaper_ = std::make_unique<net::steady_timer>(io_);
  reap_retired();
  dependencies_.log->info(
      "portico listening",
      {{"api", boot_config_.server.listen.host + ":" + std::to_string(api_port())},
       {"admin", boot_config_.admin.listen.host + ":" + std::to_string(admin_port())},
       {"threads", std::to_string(boot_config_.server.threads)}});

  std::vector<std::thread> threads;
  for (int i = 1; i < boot_config_.server.threads; ++i)
    threads.emplace_back([this] { io_.run(); });
  io_.run();
  for (auto& thread : threads)
    thread.join();
  running_ = false;
  // The calls of the last requests: nothing runs on io_ any more, so a blocking write is safe.
  const std::shared_ptr<Generation> last = current();
  (void)last->usage_flush->write_now();
  audit_->write_now();
  stop_signals.reset();
  reload_signal_.reset();
  for (auto& [name, instance] : last->providers)
    instance->client().close_idle();
  dependencies_.log->info("portico stopped");
}

void App::request_stop() {
  if (stopping_.exchange(true)) return;
  dependencies_.log->info(
      "stopping: finishing requests in flight",
      {{"grace_ms", std::to_string(boot_config_.server.shutdown_grace.count())}});
  auto on_done = [this] {
    if (--servers_running_ == 0) io_.stop();
  };
  net::post(io_, [this] {
    current()->stop();
    if (reaper_) reaper_->cancel();
  });  // timers live on io_'s threads
  api_server_->shutdown(boot_config_.server.shutdown_grace, on_done);
  admin_server_->shutdown(boot_config_.server.shutdown_grace, on_done);
}

}  // namespace portico::gateway
