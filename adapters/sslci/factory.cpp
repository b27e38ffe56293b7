#include "sslci/factory.hpp"

#include <memory>
#include <utility>

#include "sslci/authority.hpp"
#include "sslci/client.hpp"

namespace portico::adapters::sslci {

namespace {

// An instance is its HTTP client (which redacts the token: the registry gives it every
// configured secret), its health and the certificate authority over them.
class Instance final : public ProviderInstance {
 public:
  Instance(const config::ProviderConfig& provider, std::unique_ptr<http::Client> client,
           std::shared_ptr<Health> health, const core::Clock& clock)
      : ProviderInstance(provider, std::move(client), std::move(health)),
        authority_(Client(this->client(), provider.secret("token"), provider.endpoint.base_path),
                   clock) {}

  core::CertificateAuthority* certificate_authority() override { return &authority_; }

 private:
  Authority authority_;
};

}  // namespace

void register_type(Registry& registry) {
  config::ProviderSchema schema;
  schema.type = "sslci";
  schema.categories = {config::Category::ssl};
  schema.fields = {{"token", config::FieldKind::secret, true, "the API token"}};
  schema.requires_source_address = false;
  registry.add({std::move(schema),
                [](const config::ProviderConfig& provider, std::unique_ptr<http::Client> client,
                   std::shared_ptr<Health> health, const Dependencies& dependencies) {
                  return std::make_unique<Instance>(provider, std::move(client), std::move(health),
                                                    dependencies.clock);
                }});
}

}  // namespace portico::adapters::sslci
