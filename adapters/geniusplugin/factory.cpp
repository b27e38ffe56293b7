#include "geniusplugin/factory.hpp"

namespace portico::adapters::geniusplugin {

void register_type(Registry& registry) {
  config::ProviderSchema schema;
  schema.type = "geniusplugin";
  schema.categories = {config::Category::hosting};
  schema.fields = {{"api_key", config::FieldKind::secret, true, "the reseller API key"}};
  schema.requires_source_address = true;
  // The category ports of this supplier's dialect come with its adapter; until then an
  // instance is its HTTP client and health.
  registry.add({std::move(schema), instance_without_ports()});
}

}  // namespace portico::adapters::geniusplugin
