#include "geniusplugin/factory.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include "geniusplugin/client.hpp"
#include "geniusplugin/provisioner.hpp"

namespace portico::adapters::geniusplugin {

namespace {

// The schema bounds lengths only; the allowed values are checked here, still at start-up.
[[noreturn]] void refuse(const config::ProviderConfig& provider, std::string_view field,
                         std::string_view what) {
  throw config::ConfigError("providers." + provider.name + "." + std::string(field) + ": " +
                            std::string(what));
}

PasswordKey password_key_of(const config::ProviderConfig& provider) {
  if (!provider.has("password_key")) return PasswordKey::api_key;
  const std::string& value = provider.string("password_key");
  if (value == "api_key") return PasswordKey::api_key;
  if (value == "api_key_sha1") return PasswordKey::api_key_sha1;
  refuse(provider, "password_key", "must be api_key or api_key_sha1, got '" + value + "'");
}

Settings settings_of(const config::ProviderConfig& provider) {
  Settings settings;
  if (provider.has("currency")) {
    const std::string& value = provider.string("currency");
    const bool iso = value.size() == 3 && std::all_of(value.begin(), value.end(),
                                                      [](char c) { return c >= 'A' && c <= 'Z'; });
    if (!iso) refuse(provider, "currency", "must be three uppercase letters (ISO 4217)");
    settings.currency = value;
  }
  return settings;
}

// An instance is its HTTP client (bound to the source address the key is registered for, and
// redacting the key), its health and the provisioner over them.
class Instance final : public ProviderInstance {
 public:
  Instance(const config::ProviderConfig& provider, std::unique_ptr<http::Client> client,
           std::shared_ptr<Health> health, const Dependencies& dependencies)
      : ProviderInstance(provider, std::move(client), std::move(health)),
        provisioner_(Client(this->client(), dependencies.clock, dependencies.random,
                            {provider.secret("api_key"), password_key_of(provider)},
                            provider.endpoint.base_path),
                     settings_of(provider)) {}

  core::HostingProvisioner* hosting() override { return &provisioner_; }

 private:
  Provisioner provisioner_;
};

}  // namespace

void register_type(Registry& registry) {
  config::ProviderSchema schema;
  schema.type = "geniusplugin";
  schema.categories = {config::Category::hosting};
  schema.fields = {
      {"api_key", config::FieldKind::secret, true, "the reseller API key"},
      {"currency", config::FieldKind::string, false,
       "the currency of the credit balance, ISO 4217 (default USD)", 3, 3},
      {"password_key", config::FieldKind::string, false,
       "the key passwords are encrypted with: api_key (default) or api_key_sha1"},
  };
  schema.requires_source_address = true;
  registry.add({std::move(schema),
                [](const config::ProviderConfig& provider, std::unique_ptr<http::Client> client,
                   std::shared_ptr<Health> health, const Dependencies& dependencies) {
                  return std::make_unique<Instance>(provider, std::move(client), std::move(health),
                                                    dependencies);
                }});
}

}  // namespace portico::adapters::geniusplugin
