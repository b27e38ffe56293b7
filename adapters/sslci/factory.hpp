#pragma once

#include "portico/adapters/registry.hpp"

namespace portico::adapters::sslci {

// Registers the `sslci` provider type (SSLCI): its config schema and its factory.
void register_type(Registry& registry);

}  // namespace portico::adapters::sslci
