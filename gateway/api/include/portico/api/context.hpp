#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "portico/server/http_server.hpp"

namespace portico::api {

// Who is calling: resolved from the API key on every request (so a revocation is seen at once).
struct Principal {
  std::string partner_id;
  std::string partner_name;
  std::string key_id;
  std::string key_prefix;  // "<brand>_live_pk_" + 4 characters: the only part ever logged
  bool livemode = true;
};

struct RequestContext {
  std::string request_id;
  const server::Request& request;
  std::string path{};                                        // percent-decoded
  std::map<std::string, std::string, std::less<>> query{};   // percent-decoded
  std::map<std::string, std::string, std::less<>> params{};  // from {name} route segments
  // Shared with the key cache: a request takes it without copying its strings.
  std::shared_ptr<const Principal> principal{};
  std::string_view route{};  // the matched pattern (the router outlives the request), or why none
  // The request's Idempotency-Key (empty without one), and whether a costly supplier call it
  // made ended with an outcome still to be learned (the key then waits for its intent).
  std::string idempotency_key{};
  bool intent_unresolved = false;

  const Principal& partner() const { return *principal; }
  std::string_view param(std::string_view name) const {
    const auto found = params.find(name);
    return found == params.end() ? std::string_view() : std::string_view(found->second);
  }
};

}  // namespace portico::api
