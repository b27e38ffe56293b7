#include "portico/adapters/registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace portico::adapters {

void Health::record(const http::Exchange& exchange) {
  std::lock_guard lock(mutex_);
  if (exchange.rate_limit_waited) ++state_.rate_limit_waits;
  // Refused before anything was sent: the supplier did nothing, so neither a call nor a failure.
  if (exchange.attempts == 0) {
    if (exchange.error_code == "upstream_circuit_open") {
      ++state_.circuit_refusals;
      return;
    }
    if (exchange.error_code == "upstream_busy") {
      ++state_.busy_refusals;
      return;
    }
    if (exchange.error_code == "upstream_rate_limited") {
      ++state_.rate_limit_refusals;
      return;
    }
  }
  state_.retries += std::max(0, exchange.attempts - 1);
  ++state_.calls;
  state_.latency_total_ms += static_cast<double>(exchange.elapsed.count());
  // A supplier that answers 5xx is failing even though the exchange itself completed; a 4xx
  // (429 too) is the supplier answering, as the circuit breaker sees it.
  const bool failed = !exchange.ok || exchange.status >= 500;
  recent_.add(exchange.elapsed, failed);
  if (failed) {
    ++state_.failures;
    state_.last_failure = clock_.now();
    state_.last_error_code = exchange.error_code.empty() ? "http_" + std::to_string(exchange.status)
                                                         : exchange.error_code;
  } else {
    state_.last_success = clock_.now();
  }
}

void Health::record_circuit(core::CircuitState state) {
  std::lock_guard lock(mutex_);
  state_.circuit = state;
  state_.circuit_since = clock_.now();
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
  HealthSnapshot snapshot = state_;
  snapshot.error_rate = recent_.error_rate();
  snapshot.latency_p50 = recent_.latency_quantile(0.5);
  snapshot.latency_p99 = recent_.latency_quantile(0.99);
  return snapshot;
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

Instances Registry::build(const config::Config& config, const Dependencies& dependencies,
                          const Instances* previous) const {
  Instances instances;
  for (const auto& entry : config.providers) {
    if (previous != nullptr) {
      const auto kept = previous->find(entry.first);
      if (kept != previous->end() && kept->second->config() == entry.second) {
        instances.emplace(entry.first, kept->second);
        continue;
      }
    }
    // The instance's own copy: it outlives `config` when a reload keeps it.
    auto owned = std::make_shared<const config::ProviderConfig>(entry.second);
    const config::ProviderConfig& provider = *owned;
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
    options.retry = provider.retries;
    options.random = &dependencies.random;
    options.circuit_breaker = provider.circuit_breaker;
    options.on_circuit_change = [health](core::CircuitState state) {
      health->record_circuit(state);
    };
    options.rate_limits = provider.rate_limits;
    options.max_queue = static_cast<std::size_t>(provider.max_queue);
    options.on_exchange = [health, &provider,
                           sink = dependencies.on_exchange](const http::Exchange& exchange) {
      health->record(exchange);
      if (sink) sink(provider, exchange);
    };
    auto client = std::make_unique<http::Client>(dependencies.executor, std::move(options));
    std::shared_ptr<ProviderInstance> instance =
        type->create(provider, std::move(client), health, dependencies);
    instance->keep_config(std::move(owned));
    instances.emplace(entry.first, std::move(instance));
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
