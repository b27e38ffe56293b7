#pragma once

#include <functional>
#include <string>
#include <vector>

#include "portico/sim/server.hpp"

namespace portico::sim {

// One supplier simulator the demo can start: how to install its routes on a harness server
// and the provider block (YAML) that points the gateway at it.
struct SimulatorEntry {
  std::string instance;  // the provider instance name in the generated config
  std::function<void(Server&)> install;
  std::function<std::string(const Server& server, const std::string& ca_file)> provider_yaml;
  std::string routing_yaml;  // e.g. "  domains: { \"*\": [hostraha-sim] }"
};

// Every supplier simulator of this build, in a fixed order. Each supplier's issue adds its
// simulator here, next to its adapter in builtin.cpp.
std::vector<SimulatorEntry> builtin_simulators();

}  // namespace portico::sim
