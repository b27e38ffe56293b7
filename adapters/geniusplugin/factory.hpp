#pragma once

#include "portico/adapters/registry.hpp"

namespace portico::adapters::geniusplugin {

// Registers the `geniusplugin` provider type (GeniusPlugin website firewall): its config schema and
// its factory.
void register_type(Registry& registry);

}  // namespace portico::adapters::geniusplugin
