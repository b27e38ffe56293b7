#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace portico::testing {

// Every request the test clients make to a watched port (a gateway's API listener) is checked
// against the OpenAPI document the gateway serves; a mismatch fails the running test with
// "openapi:" and what differs.
void watch_api_port(std::uint16_t port);
void unwatch_api_port(std::uint16_t port);

// Checks a webhook delivery (lowercase header names) against the document's `webhooks:`
// entry for its event type; a mismatch fails the running test.
void check_webhook_delivery(const std::map<std::string, std::string>& headers,
                            const std::string& body);

}  // namespace portico::testing
