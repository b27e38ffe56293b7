#include "digicert/factory.hpp"

#include <cstdint>
#include <memory>
#include <utility>

#include "digicert/authority.hpp"
#include "digicert/client.hpp"

namespace portico::adapters::digicert {

namespace {

// An instance is its HTTP client, its health and the certificate authority over them.
class Instance final : public ProviderInstance {
 public:
  Instance(const config::ProviderConfig& provider, std::unique_ptr<http::Client> client,
           std::shared_ptr<Health> health, const core::Clock& clock)
      : ProviderInstance(provider, std::move(client), std::move(health)),
        authority_(
            Client(this->client(), clock, provider.secret("api_key"), provider.endpoint.base_path),
            clock, Settings{provider.integer("organization_id")}) {}

  core::CertificateAuthority* certificate_authority() override { return &authority_; }

 private:
  Authority authority_;
};

}  // namespace

void register_type(Registry& registry) {
  config::ProviderSchema schema;
  schema.type = "digicert";
  schema.categories = {config::Category::ssl};
  schema.fields = {{"api_key", config::FieldKind::secret, true, "the X-DC-DEVKEY API key"},
                   {"organization_id", config::FieldKind::integer, true,
                    "the validated organization", 1, INT64_MAX}};
  schema.requires_source_address = false;
  // Published per API key, both rolling (docs/upstreams/digicert.md, "Rate limits").
  schema.default_rate_limits = {{.requests = 100, .per = std::chrono::seconds(5)},
                                {.requests = 1000, .per = std::chrono::minutes(3)}};
  registry.add({std::move(schema),
                [](const config::ProviderConfig& provider, std::unique_ptr<http::Client> client,
                   std::shared_ptr<Health> health, const Dependencies& dependencies) {
                  return std::make_unique<Instance>(provider, std::move(client), std::move(health),
                                                    dependencies.clock);
                }});
}

}  // namespace portico::adapters::digicert
