#include "digicert/factory.hpp"

namespace portico::adapters::digicert {

void register_type(Registry& registry) {
  config::ProviderSchema schema;
  schema.type = "digicert";
  schema.categories = {config::Category::ssl};
  schema.fields = {{"api_key", config::FieldKind::secret, true, "the X-DC-DEVKEY API key"},
                   {"organization_id", config::FieldKind::integer, true,
                    "the validated organization", 1, INT64_MAX}};
  schema.requires_source_address = false;
  // The category ports of this supplier's dialect come with its adapter; until then an
  // instance is its HTTP client and health.
  registry.add({std::move(schema), instance_without_ports()});
}

}  // namespace portico::adapters::digicert
