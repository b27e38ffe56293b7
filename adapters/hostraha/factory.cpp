#include "hostraha/factory.hpp"

#include <memory>
#include <utility>

#include "hostraha/client.hpp"
#include "hostraha/registrar.hpp"

namespace portico::adapters::hostraha {

namespace {

// An instance is its HTTP client, its health and the adapter over them; DNS only when the
// instance orders the DNS management addon.
class Instance final : public ProviderInstance {
 public:
  Instance(const config::ProviderConfig& provider, std::unique_ptr<http::Client> client,
           std::shared_ptr<Health> health, const core::Clock& clock)
      : ProviderInstance(provider, std::move(client), std::move(health)),
        settings_(settings_of(provider)),
        adapter_(
            Client(this->client(), clock, {provider.string("username"), provider.secret("api_key")},
                   provider.endpoint.base_path),
            clock, settings_) {}

  core::Registrar* registrar() override { return &adapter_; }
  core::DnsHost* dns() override { return settings_.dns_management ? &adapter_ : nullptr; }

 private:
  static Settings settings_of(const config::ProviderConfig& provider) {
    Settings settings;
    if (provider.has("dns_management"))
      settings.dns_management = provider.boolean("dns_management");
    if (provider.has("email_forwarding")) {
      settings.email_forwarding = provider.boolean("email_forwarding");
    }
    return settings;
  }

  Settings settings_;
  Adapter adapter_;
};

}  // namespace

void register_type(Registry& registry) {
  config::ProviderSchema schema;
  schema.type = "hostraha";
  schema.categories = {config::Category::domains};
  schema.fields = {
      {"username", config::FieldKind::string, true, "the reseller account's e-mail"},
      {"api_key", config::FieldKind::secret, true, "the reseller API key"},
      {"dns_management", config::FieldKind::boolean, false,
       "order the DNS management addon with domains (default true; DNS needs it)"},
      {"email_forwarding", config::FieldKind::boolean, false,
       "order the e-mail forwarding addon with domains (default true; forwarding needs it)"},
  };
  schema.requires_source_address = false;
  registry.add({std::move(schema),
                [](const config::ProviderConfig& provider, std::unique_ptr<http::Client> client,
                   std::shared_ptr<Health> health, const Dependencies& dependencies) {
                  return std::make_unique<Instance>(provider, std::move(client), std::move(health),
                                                    dependencies.clock);
                }});
}

}  // namespace portico::adapters::hostraha
