#include "sslci/factory.hpp"

namespace portico::adapters::sslci {

void register_type(Registry& registry) {
  config::ProviderSchema schema;
  schema.type = "sslci";
  schema.categories = {config::Category::ssl};
  schema.fields = {{"token", config::FieldKind::secret, true, "the API token"}};
  schema.requires_source_address = false;
  // The category ports of this supplier's dialect come with its adapter; until then an
  // instance is its HTTP client and health.
  registry.add({std::move(schema), instance_without_ports()});
}

}  // namespace portico::adapters::sslci
