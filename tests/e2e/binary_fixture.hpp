#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "support/process.hpp"

// The real `portico` binary, for tests that kill it (crash recovery).
namespace portico::testing {

// `portico serve --config <config>` with its log appended to `log` (a pipe nobody reads would
// fill up and stall it); `api_port` gets the API port from its newest "portico listening"
// line, 0 when it did not start within 10 s.
std::unique_ptr<BackgroundProcess> start_gateway_binary(const std::string& config,
                                                        const std::string& log,
                                                        std::uint16_t& api_port);

// `portico keys create --config <config> --partner <partner>`: the key's secret (the last
// line), empty when the command failed.
std::string create_key_with_cli(const std::string& config, const std::string& partner);

}  // namespace portico::testing
