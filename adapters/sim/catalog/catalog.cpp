#include "catalog.hpp"

namespace portico::sim {

std::vector<SimulatorEntry> builtin_simulators() {
  std::vector<SimulatorEntry> simulators;
  // No supplier simulator has landed yet: the Hostraha, SSLCI, DigiCert and GeniusPlugin
  // simulators arrive with their adapters.
  return simulators;
}

}  // namespace portico::sim
