#include "catalog.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <unistd.h>

#include "portico/core/random.hpp"

#include "sim/simulator.hpp"

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

}  // namespace

std::vector<SimulatorEntry> builtin_simulators() {
  std::vector<SimulatorEntry> simulators;
  simulators.push_back(hostraha_simulator());
  // The SSLCI, DigiCert and GeniusPlugin simulators arrive with their adapters.
  return simulators;
}

}  // namespace portico::sim
