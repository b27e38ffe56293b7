#include "catalog.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <unistd.h>

#include "portico/core/random.hpp"
#include "portico/sim/dcv_world.hpp"

#include "digicert/sim/simulator.hpp"
#include "geniusplugin/sim/simulator.hpp"
#include "hostraha/sim/simulator.hpp"
#include "sslci/sim/simulator.hpp"

namespace portico::sim {

namespace {

// A YAML double-quoted scalar, so paths with spaces or colons stay one value.
std::string yaml_quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Writes a secret readable by its owner only (never world-readable, not even briefly).
void write_secret_file(const std::filesystem::path& path, std::string_view secret) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  const std::string line = std::string(secret) + "\n";
  const ssize_t written = ::write(fd, line.data(), line.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

// Hostraha (ModulesGarden Domains Reseller): every domain goes to it. The demo account has a
// fresh API key per start and a generous credit.
SimulatorEntry hostraha_simulator() {
  hostraha::SimulatorOptions options;
  options.email = "demo-reseller@portico.test";
  core::SecureRandom random;
  options.api_key = random.base62(40);
  options.credit_minor = 100'000'000;  // 1,000,000.00 USD
  const auto simulator = std::make_shared<hostraha::Simulator>(options);

  SimulatorEntry entry;
  entry.instance = "hostraha-sim";
  entry.install = [simulator](Server& server) { simulator->install(server); };
  entry.provider_yaml = [email = options.email, api_key = options.api_key](
                            const Server& server, const std::string& ca_file) {
    // The gateway takes secrets from ${ENV} or *_file only: the key goes beside the CA, in
    // the state directory.
    const std::filesystem::path key_file =
        std::filesystem::path(ca_file).parent_path() / "hostraha-sim.api-key";
    write_secret_file(key_file, api_key);
    return "  hostraha-sim:\n"
           "    type: hostraha\n"
           "    endpoint: " +
           yaml_quoted(server.base_url() + std::string(hostraha::kDefaultBasePath)) +
           "\n"
           "    ca_file: " +
           yaml_quoted(ca_file) +
           "\n"
           "    username: " +
           yaml_quoted(email) +
           "\n"
           "    api_key_file: " +
           yaml_quoted(key_file.string()) + "\n";
  };
  entry.routing_yaml = "  domains: { \"*\": [hostraha-sim] }";
  return entry;
}

// A provider block whose one secret field goes to a file in the state directory.
std::string provider_block(const std::string& instance, const std::string& type,
                           const std::string& endpoint, const std::string& ca_file,
                           const std::string& secret_field, const std::string& secret,
                           const std::string& extra = {}) {
  const std::filesystem::path secret_file =
      std::filesystem::path(ca_file).parent_path() / (instance + "." + secret_field);
  write_secret_file(secret_file, secret);
  return "  " + instance + ":\n    type: " + type + "\n    endpoint: " + yaml_quoted(endpoint) +
         "\n    ca_file: " + yaml_quoted(ca_file) + "\n    " + secret_field +
         "_file: " + yaml_quoted(secret_file.string()) + "\n" + extra;
}

// The world both certificate simulators check DCV against; the demo publishes into it over
// either simulator's /__sim/dcv routes. It lives as long as the process.
const std::shared_ptr<DcvWorld>& certificate_world() {
  static const auto world = std::make_shared<DcvWorld>();
  return world;
}

// The demo keeps its database across runs while the simulators start empty: ids offset by the
// start time never repeat an earlier run's.
std::int64_t demo_id_offset() {
  static const std::int64_t offset = std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count() *
                                     1000;
  return offset;
}

// SSLCI: DV certificates.
SimulatorEntry sslci_simulator() {
  core::SecureRandom random;
  const std::string token = random.base62(40);
  const auto simulator = std::make_shared<sslci::Simulator>(sslci::SimulatorOptions{
      .tokens = {token}, .world = certificate_world().get(), .id_offset = demo_id_offset()});
  SimulatorEntry entry;
  entry.instance = "sslci-sim";
  entry.install = [simulator](Server& server) {
    simulator->install(server);
    certificate_world()->install(server);
  };
  entry.provider_yaml = [token](const Server& server, const std::string& ca_file) {
    return provider_block("sslci-sim", "sslci", server.base_url() + "/api", ca_file, "token",
                          token);
  };
  return entry;  // routed with DigiCert's entry: one `ssl:` map
}

// DigiCert CertCentral: OV, EV, wildcard and multi-domain certificates, for the simulated
// account's pre-validated organization 112233.
SimulatorEntry digicert_simulator() {
  core::SecureRandom random;
  const std::string api_key = random.base62(40);
  const auto simulator = std::make_shared<digicert::Simulator>(digicert::SimulatorOptions{
      .api_key = api_key, .world = certificate_world().get(), .id_offset = demo_id_offset()});
  SimulatorEntry entry;
  entry.instance = "digicert-sim";
  entry.install = [simulator](Server& server) {
    simulator->install(server);
    certificate_world()->install(server);
  };
  entry.provider_yaml = [api_key](const Server& server, const std::string& ca_file) {
    return provider_block("digicert-sim", "digicert", server.base_url() + "/services/v2", ca_file,
                          "api_key", api_key, "    organization_id: 112233\n");
  };
  entry.routing_yaml =
      "  ssl: { dv: [sslci-sim], ov: [digicert-sim], ev: [digicert-sim], "
      "wildcard: [digicert-sim], multi: [digicert-sim] }";
  return entry;
}

// GeniusPlugin: GP Website Firewall packages. The key works from one address only, the one
// the gateway's connections to it are bound to.
SimulatorEntry geniusplugin_simulator() {
  core::SecureRandom random;
  const std::string api_key = random.base62(40);
  const auto simulator = std::make_shared<geniusplugin::Simulator>(
      geniusplugin::SimulatorOptions{.api_key = api_key, .allowed_address = "127.0.0.1"});
  SimulatorEntry entry;
  entry.instance = "gp-sim";
  entry.install = [simulator](Server& server) { simulator->install(server); };
  entry.provider_yaml = [api_key](const Server& server, const std::string& ca_file) {
    return provider_block("gp-sim", "geniusplugin", server.base_url() + "/api/v1", ca_file,
                          "api_key", api_key, "    source_address: 127.0.0.1\n");
  };
  entry.routing_yaml = "  hosting: { firewall: [gp-sim] }";
  return entry;
}

}  // namespace

std::vector<SimulatorEntry> builtin_simulators() {
  std::vector<SimulatorEntry> simulators;
  simulators.push_back(hostraha_simulator());
  simulators.push_back(sslci_simulator());
  simulators.push_back(digicert_simulator());
  simulators.push_back(geniusplugin_simulator());
  return simulators;
}

}  // namespace portico::sim
