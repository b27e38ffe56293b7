#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "portico/adapters/instance.hpp"
#include "portico/config/config.hpp"
#include "portico/core/clock.hpp"
#include "portico/core/random.hpp"

namespace portico::adapters {

// What a factory gets to build an instance; nothing is global.
struct Dependencies {
  boost::asio::any_io_executor executor;
  const core::Clock& clock;
  core::Random& random;
  // Receives every supplier exchange, already redacted (the audit trail).
  std::function<void(const config::ProviderConfig&, const http::Exchange&)> on_exchange;
};

// Configured instances by name. Shared: a reload hands the unchanged ones to the next set.
using Instances = std::map<std::string, std::shared_ptr<ProviderInstance>, std::less<>>;

using Factory = std::function<std::unique_ptr<ProviderInstance>(
    const config::ProviderConfig&, std::unique_ptr<http::Client>, std::shared_ptr<Health>,
    const Dependencies&)>;

// A supplier type: its config schema (validated at start-up) and its factory.
struct ProviderType {
  config::ProviderSchema schema;
  Factory create;
};

// The supplier types keyed by the config's `type`. Registration is explicit (builtin.cpp).
class Registry {
 public:
  // Throws std::logic_error on a second registration of one type.
  void add(ProviderType type);
  const ProviderType* find(std::string_view type) const;
  config::ProviderSchemas schemas() const;

  // Builds every configured instance: its HTTP client (with its CA, source address,
  // concurrency and the redaction of its secrets) and the type's adapter. An instance of
  // `previous` whose config block is unchanged is reused as it is (a reload). Throws
  // std::runtime_error when an instance's options are unusable (a CA file that will not load).
  Instances build(const config::Config& config, const Dependencies& dependencies,
                  const Instances* previous = nullptr) const;

 private:
  std::map<std::string, ProviderType, std::less<>> types_;
};

// A factory for an instance that serves no category port yet.
Factory instance_without_ports();

// Registers every supplier this build knows (adapters/builtin.cpp).
void register_builtin(Registry& registry);
Registry builtin_registry();

}  // namespace portico::adapters
