#include "hostraha/factory.hpp"

namespace portico::adapters::hostraha {

void register_type(Registry& registry) {
  config::ProviderSchema schema;
  schema.type = "hostraha";
  schema.categories = {config::Category::domains};
  schema.fields = {{"username", config::FieldKind::string, true, "the reseller account's e-mail"},
                   {"api_key", config::FieldKind::secret, true, "the reseller API key"}};
  schema.requires_source_address = false;
  // The category ports of this supplier's dialect come with its adapter; until then an
  // instance is its HTTP client and health.
  registry.add({std::move(schema), instance_without_ports()});
}

}  // namespace portico::adapters::hostraha
