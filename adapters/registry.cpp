#include "portico/adapters/registry.hpp"

#include <stdexcept>

namespace portico::adapters {

void Health::record(const http::Exchange& exchange) {
  std::lock_guard lock(mutex_);
  ++state_.calls;
  latency_total_ms_ += static_cast<double>(exchange.elapsed.count());
  state_.mean_latency_ms = latency_total_ms_ / static_cast<double>(state_.calls);
  // A supplier that answers 5xx is failing even though the exchange itself completed.
  if (exchange.ok && exchange.status < 500) {
    state_.last_success = clock_.now();
  } else {
    ++state_.failures;
    state_.last_failure = clock_.now();
    state_.last_error_code = exchange.error_code.empty() ? "http_" + std::to_string(exchange.status)
                                                         : exchange.error_code;
  }
}

void Health::record_balance(const core::Result<core::Money>& balance) {
  std::lock_guard lock(mutex_);
  if (balance) {
    state_.balance = *balance;
    state_.balance_checked_at = clock_.now();
    state_.balance_error_code.clear();
  } else {
    state_.balance_error_code = balance.error().code;
  }
}

HealthSnapshot Health::snapshot() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void Registry::add(ProviderType type) {
  const std::string name = type.schema.type;
  if (!types_.emplace(name, std::move(type)).second) {
    throw std::logic_error("provider type registered twice: " + name);
  }
}

const ProviderType* Registry::find(std::string_view type) const {
  const auto found = types_.find(type);
  return found == types_.end() ? nullptr : &found->second;
}

config::ProviderSchemas Registry::schemas() const {
  config::ProviderSchemas schemas;
  for (const auto& [name, type] : types_)
    schemas.emplace(name, type.schema);
  return schemas;
}

std::map<std::string, std::unique_ptr<ProviderInstance>, std::less<>> Registry::build(
    const config::Config& config, const Dependencies& dependencies) const {
  std::map<std::string, std::unique_ptr<ProviderInstance>, std::less<>> instances;
  for (const auto& entry : config.providers) {
    // A named reference, not a structured binding: lambdas below capture it.
    const config::ProviderConfig& provider = entry.second;
    const ProviderType* type = find(provider.type);
    if (type == nullptr) throw std::logic_error("unvalidated provider type: " + provider.type);

    auto health = std::make_shared<Health>(dependencies.clock);
    http::ClientOptions options;
    options.scheme = provider.endpoint.scheme;
    options.host = provider.endpoint.host;
    options.port = provider.endpoint.port;
    options.ca_file = provider.ca_file;
    options.source_address = provider.source_address;
    options.timeout = provider.timeout;
    options.max_connections = static_cast<std::size_t>(provider.max_concurrency);
    options.secrets = provider.secret_values();
    options.on_exchange = [health, &provider,
                           sink = dependencies.on_exchange](const http::Exchange& exchange) {
      health->record(exchange);
      if (sink) sink(provider, exchange);
    };
    auto client = std::make_unique<http::Client>(dependencies.executor, std::move(options));
    instances.emplace(entry.first, type->create(provider, std::move(client), health, dependencies));
  }
  return instances;
}

Factory instance_without_ports() {
  return [](const config::ProviderConfig& provider, std::unique_ptr<http::Client> client,
            std::shared_ptr<Health> health, const Dependencies&) {
    return std::make_unique<ProviderInstance>(provider, std::move(client), std::move(health));
  };
}

Registry builtin_registry() {
  Registry registry;
  register_builtin(registry);
  return registry;
}

}  // namespace portico::adapters
