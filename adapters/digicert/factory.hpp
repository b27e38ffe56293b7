#pragma once

#include "portico/adapters/registry.hpp"

namespace portico::adapters::digicert {

// Registers the `digicert` provider type (DigiCert CertCentral v2): its config schema and its
// factory.
void register_type(Registry& registry);

}  // namespace portico::adapters::digicert
