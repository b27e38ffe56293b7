#pragma once

#include <cstdint>

namespace portico::testing {

// Every request the test clients make to a watched port (a gateway's API listener) is checked
// against the OpenAPI document the gateway serves; a mismatch fails the running test with
// "openapi:" and what differs.
void watch_api_port(std::uint16_t port);
void unwatch_api_port(std::uint16_t port);

}  // namespace portico::testing
