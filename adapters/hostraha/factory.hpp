#pragma once

#include "portico/adapters/registry.hpp"

namespace portico::adapters::hostraha {

// Registers the `hostraha` provider type (Hostraha Domains Reseller (ModulesGarden)): its config
// schema and its factory.
void register_type(Registry& registry);

}  // namespace portico::adapters::hostraha
