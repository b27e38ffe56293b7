// portico-sim: starts every supplier simulator of this build on loopback over HTTPS (a CA is
// generated at start), writes the CA and the provider blocks for the gateway's config into
// --state-dir, and serves until SIGINT/SIGTERM. Faults are injected per simulator with
// `POST <simulator>/__sim/faults`.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <signal.h>

#include "portico/sim/test_ca.hpp"

#include "catalog.hpp"

int main(int argc, char** argv) {
  std::string state_dir = ".";
  bool plain = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--state-dir") == 0 && i + 1 < argc) {
      state_dir = argv[++i];
    } else if (std::strcmp(argv[i], "--plain") == 0) {
      plain = true;  // HTTP instead of HTTPS
    } else {
      std::cerr << "usage: portico-sim [--state-dir DIR] [--plain]\n";
      return 2;
    }
  }
  // Block the signals before any thread starts, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    std::filesystem::create_directories(state_dir);
    const auto ca = portico::sim::TestCa::generate("Portico Simulators CA");
    const std::string ca_file = std::filesystem::absolute(ca.write_ca_file(state_dir)).string();

    std::vector<std::unique_ptr<portico::sim::Server>> servers;
    std::string providers = "providers:\n";
    std::string routing = "routing:\n";
    const auto simulators = portico::sim::builtin_simulators();
    for (const auto& simulator : simulators) {
      auto server = std::make_unique<portico::sim::Server>(
          portico::sim::ServerOptions{.name = simulator.instance, .tls = !plain, .ca = &ca});
      simulator.install(*server);
      server->start();
      std::cout << simulator.instance << " " << server->base_url() << std::endl;
      providers += simulator.provider_yaml(*server, ca_file);
      routing += simulator.routing_yaml + "\n";
      servers.push_back(std::move(server));
    }
    if (simulators.empty()) {
      std::cout << "no supplier simulators in this build yet" << std::endl;
      providers = "providers: {}\n";
      routing.clear();
    }
    // Written last and renamed into place, so a reader never sees half a file.
    const std::string path = state_dir + "/providers.yaml";
    {
      std::ofstream out(path + ".tmp");
      out << providers << routing;
    }
    std::filesystem::rename(path + ".tmp", path);

    int received = 0;
    sigwait(&signals, &received);
    for (auto& server : servers)
      server->stop();
  } catch (const std::exception& error) {
    std::cerr << "portico-sim: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
